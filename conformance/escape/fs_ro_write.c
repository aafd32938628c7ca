// attack: OUTSIDE is granted read-only; append to OUTSIDE/secret
// flags: --dir {outside}:ro
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    int fd = open(out("secret"), O_WRONLY | O_APPEND);
    if (fd < 0) contained("open %s O_WRONLY: %s", out("secret"), E_);
    if (write(fd, "x", 1) == 1) escaped("appended to read-only OUTSIDE/secret");
    contained("opened for writing, but write: %s", E_);
}
