// attack: hard-link OUTSIDE/secret into the cwd (link), then read the new name
// (granted with --allow-all: across two --dir grants the runtime may answer EXDEV, as
// between two mounts)
// grant: --allow-all
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    if (link(out("secret"), "hl") < 0) contained("link %s hl: %s", out("secret"), E_);
    if (read_secret("hl")) escaped("hard-linked and read OUTSIDE/secret as ./hl");
    escaped("hard-linked OUTSIDE/secret into the cwd (read: %s)", E_);
}
