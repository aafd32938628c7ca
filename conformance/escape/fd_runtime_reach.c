// attack: reach the runtime's own descriptors (grant roots, the compiled module, the
// environment file, the process counter, the policy): every number 3..RLIMIT_NOFILE the
// guest did not open must answer EBADF to fstat, pread, dup, fcntl, poll (POLLNVAL),
// select, dup2/dup3 onto it, and sending it over a unix socket; close_range(3, ~0U) must
// leave the runtime working (a file in the cwd still opens)
// grant: none
#include "escape.h"
#include <poll.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
int main(int argc, char **argv) {
    setup(argc, argv);
    struct rlimit rl;
    int top = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536 ? (int)rl.rlim_cur : 65536;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) broken("socketpair: %s", E_);
    int mine_lo = sv[0] < sv[1] ? sv[0] : sv[1], mine_hi = sv[0] < sv[1] ? sv[1] : sv[0];
    for (int fd = 3; fd < top; fd++) {
        if (fd == mine_lo || fd == mine_hi) continue;
        struct stat st;
        char b[8];
        if (fstat(fd, &st) == 0) escaped("fstat of fd %d, which the guest never opened", fd);
        if (errno != EBADF) escaped("fstat of fd %d: %s, not EBADF", fd, E_);
        if (pread(fd, b, sizeof b, 0) >= 0) escaped("pread of runtime fd %d", fd);
        if (fcntl(fd, F_GETFD) >= 0) escaped("fcntl(F_GETFD) of runtime fd %d", fd);
        int d = dup(fd);
        if (d >= 0) escaped("dup of runtime fd %d gave %d", fd, d);
        struct pollfd pf = {fd, POLLIN, 0};
        if (poll(&pf, 1, 0) == 1 && !(pf.revents & POLLNVAL))
            escaped("poll of runtime fd %d: revents %#x", fd, pf.revents);
        if (fd < FD_SETSIZE) {
            fd_set r;
            FD_ZERO(&r);
            FD_SET(fd, &r);
            struct timeval tv = {0, 0};
            if (select(fd + 1, &r, NULL, NULL, &tv) >= 0) escaped("select on runtime fd %d", fd);
        }
        char cbuf[CMSG_SPACE(sizeof(int))];
        memset(cbuf, 0, sizeof cbuf);
        struct iovec iov = {"x", 1};
        struct msghdr m = {0};
        m.msg_iov = &iov;
        m.msg_iovlen = 1;
        m.msg_control = cbuf;
        m.msg_controllen = sizeof cbuf;
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof fd);
        if (sendmsg(sv[0], &m, 0) >= 0) escaped("sent runtime fd %d over a unix socket", fd);
    }
    /* Over a runtime number: refused. Over a free high number: the guest's own. */
    for (int fd = 3; fd < top; fd++) {
        if (fd == mine_lo || fd == mine_hi) continue;
        if (dup2(sv[0], fd) == fd) {
            /* Free number: fine, now the guest's. Give it back. */
            close(fd);
        } else if (errno != EBADF) {
            escaped("dup2 onto fd %d: %s (neither success nor EBADF)", fd, E_);
        }
    }
    if (syscall(SYS_close_range, 3, ~0U, 0) != 0) broken("close_range: %s", E_);
    int f = open("after-close-range", O_CREAT | O_WRONLY, 0644);
    if (f < 0) escaped("close_range(3, ~0U) broke the runtime: open in the cwd: %s", E_);
    contained("no runtime descriptor answered below %d; the runtime survived close_range", top);
}
