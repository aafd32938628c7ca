// attack: stat OUTSIDE/secret (an information leak: existence, size, owner, times)
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    struct stat st;
    if (stat(out("secret"), &st) == 0) escaped("stat OUTSIDE/secret: size %lld", (long long)st.st_size);
    contained("stat %s: %s", out("secret"), E_);
}
