// attack: OUTSIDE is granted read-only; move OUTSIDE/secret into the writable cwd
// flags: --dir {outside}:ro
// (granted with --allow-all: across two --dir grants the runtime may answer EXDEV, as
// between two mounts)
// grant: --allow-all
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    if (rename(out("secret"), "taken") == 0) escaped("moved OUTSIDE/secret out of a read-only grant");
    contained("rename %s taken: %s", out("secret"), E_);
}
