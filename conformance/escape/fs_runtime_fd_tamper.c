// attack: change host files through descriptors the runtime holds open and the guest
// inherits (its compiled-code cache, the module, granted directories): fchmod and
// fchown to the same values, ftruncate to the same size, and linkat(AT_EMPTY_PATH) of
// them into the cwd (descriptors of unlinked files such as memfds are left alone); the
// runtime's descriptors are out of reach under every policy, --allow-all too
// grant: none
#include "escape.h"
#include <sys/resource.h>
int main(int argc, char **argv) {
    setup(argc, argv);
    struct rlimit rl;
    int top = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536 ? (int)rl.rlim_cur : 65536;
    int seen = 0;
    for (int fd = 3; fd < top; fd++) {
        struct stat st;
        if (fstat(fd, &st) < 0) continue;
        seen++;
        if (st.st_nlink == 0) continue; /* a memfd or unlinked file: no host file behind it */
        if (fchmod(fd, st.st_mode & 07777) == 0) escaped("fchmod on fd %d the guest never opened", fd);
        if (fchown(fd, -1, -1) == 0) escaped("fchown on fd %d the guest never opened", fd);
        if (S_ISREG(st.st_mode) && ftruncate(fd, st.st_size) == 0) escaped("ftruncate on fd %d the guest never opened", fd);
        char name[32];
        snprintf(name, sizeof name, "stolen-%d", fd);
        if (linkat(fd, "", AT_FDCWD, name, AT_EMPTY_PATH) == 0) escaped("linked fd %d the guest never opened into the cwd", fd);
    }
    contained("%d inherited fds, none changed or linked (%s)", seen, E_);
}
