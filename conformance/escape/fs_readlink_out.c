// attack: readlink OUTSIDE/link (a symlink the harness made, -> secret)
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    char b[256];
    ssize_t n = readlink(out("link"), b, sizeof b - 1);
    if (n >= 0) { b[n] = 0; escaped("readlink OUTSIDE/link -> %s", b); }
    contained("readlink %s: %s", out("link"), E_);
}
