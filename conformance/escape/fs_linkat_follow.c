// attack: plant a symlink to OUTSIDE/secret, then linkat(AT_SYMLINK_FOLLOW) it: the new
// hard link is the outside file itself
// (granted with --allow-all: across two --dir grants the runtime may answer EXDEV, as
// between two mounts)
// grant: --allow-all
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    if (symlink(out("secret"), "sl") < 0) contained("symlink: %s", E_);
    if (linkat(AT_FDCWD, "sl", AT_FDCWD, "hl", AT_SYMLINK_FOLLOW) < 0)
        contained("linkat sl hl AT_SYMLINK_FOLLOW: %s", E_);
    struct stat a, b;
    if (lstat("hl", &a) == 0 && S_ISREG(a.st_mode) && read_secret("hl"))
        escaped("./hl is a hard link of OUTSIDE/secret");
    if (lstat("hl", &a) == 0 && stat(out("secret"), &b) == 0 && a.st_ino == b.st_ino)
        escaped("./hl is a hard link of OUTSIDE/secret (same inode)");
    contained("linkat made ./hl, but it is not the outside file (%s)", E_);
}
