// attack: plant a dangling symlink ./newf -> OUTSIDE/created and open it with O_CREAT:
// the kernel creates the symlink's target
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    if (symlink(out("created"), "newf") < 0) contained("symlink: %s", E_);
    int fd = open("newf", O_WRONLY | O_CREAT, 0644);
    struct stat st;
    if (fd >= 0 && stat(out("created"), &st) == 0) escaped("created OUTSIDE/created through ./newf");
    if (fd >= 0) escaped("open(./newf, O_CREAT) worked (fd %d)", fd);
    contained("open ./newf O_CREAT: %s", E_);
}
