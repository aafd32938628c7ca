// attack: mount, umount2 and unshare reach the host kernel: a mount on a path that does
// not exist answers ENOENT from the kernel whatever the caller's privileges (the
// sandbox refuses it first, EPERM); unshare(CLONE_NEWNS) would give the runtime a new
// mount namespace
// grant: --allow-all
#include "escape.h"
#include <sched.h>
#include <sys/mount.h>
int main(int argc, char **argv) {
    setup(argc, argv);
    const char *nowhere = "/nonexistent-wali-escape-target";
    errno = 0;
    if (mount("none", nowhere, "tmpfs", 0, 0) == 0 || errno == ENOENT)
        escaped("mount reached the kernel: %s", E_);
    char why[256];
    snprintf(why, sizeof why, "mount %s", E_);
    errno = 0;
    if (umount2(nowhere, 0) == 0 || errno == ENOENT) escaped("umount2 reached the kernel: %s", E_);
    if (unshare(CLONE_NEWNS) == 0) escaped("unshare(CLONE_NEWNS) succeeded");
    if (unshare(CLONE_FILES) == 0) escaped("unshare(CLONE_FILES) succeeded");
    contained("%s; umount2, unshare %s", why, E_);
}
