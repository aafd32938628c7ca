// attack: OUTSIDE is granted read-only; plant a symlink in the writable cwd pointing at
// OUTSIDE/secret and open it for writing through the symlink
// flags: --dir {outside}:ro
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    if (symlink(out("secret"), "w") < 0) contained("symlink: %s", E_);
    int fd = open("w", O_WRONLY | O_APPEND);
    if (fd < 0) contained("open ./w O_WRONLY: %s", E_);
    if (write(fd, "x", 1) == 1) escaped("wrote OUTSIDE/secret through ./w");
    contained("opened, but write: %s", E_);
}
