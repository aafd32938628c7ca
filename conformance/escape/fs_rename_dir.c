// attack: move the directory OUTSIDE/sub into the cwd
// (granted with --allow-all: across two --dir grants the runtime may answer EXDEV, as
// between two mounts)
// grant: --allow-all
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    if (rename(out("sub"), "moved") == 0) escaped("moved OUTSIDE/sub to ./moved");
    contained("rename %s moved: %s", out("sub"), E_);
}
