// attack: plant a relative symlink ../../../<outside>/secret in the cwd, open it
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    const char *t = rel_out("secret");
    if (symlink(t, "link") < 0) contained("symlink: %s", E_);
    if (read_secret("link")) escaped("read through ./link -> %s", t);
    contained("open ./link -> %s: %s", t, E_);
}
