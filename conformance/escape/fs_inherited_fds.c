// attack: use file descriptors the guest never opened (the runtime's own: module file,
// granted directories, the environment file, caches; any fd below RLIMIT_NOFILE) as a
// base for openat/fchdir with ../../.. to OUTSIDE
// grant: none
#include "escape.h"
#include <sys/resource.h>
int main(int argc, char **argv) {
    setup(argc, argv);
    char up[PATH_MAX] = "";
    for (int i = 0; i < 40; i++) strcat(up, "../");
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s%s/secret", up, OUT + 1);
    int seen = 0;
    char list[256] = "";
    struct rlimit rl;
    int top = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536 ? (int)rl.rlim_cur : 65536;
    for (int fd = 3; fd < top; fd++) {
        if (fcntl(fd, F_GETFD) < 0) continue;
        seen++;
        if (strlen(list) < 200) snprintf(list + strlen(list), sizeof list - strlen(list), " %d", fd);
        if (read_secret_at(fd, p)) escaped("openat(fd %d the guest never opened, ../..) read OUTSIDE/secret", fd);
        int here = open(".", O_RDONLY | O_DIRECTORY);
        if (fchdir(fd) == 0) {
            if (read_secret(p)) escaped("fchdir(fd %d the guest never opened) then read OUTSIDE/secret", fd);
            if (here >= 0) fchdir(here);
        }
        if (here >= 0) close(here);
    }
    contained("%d fds the guest did not open%s%s; none leads out", seen, seen ? ":" : "", list);
}
