// attack: rename OUTSIDE/secret into the cwd (steal it)
// (granted with --allow-all: across two --dir grants the runtime may answer EXDEV, as
// between two mounts)
// grant: --allow-all
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    if (rename(out("secret"), "stolen") == 0) escaped("renamed OUTSIDE/secret to ./stolen");
    contained("rename %s stolen: %s", out("secret"), E_);
}
