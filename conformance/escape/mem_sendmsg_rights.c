// attack: sendmsg with forged SCM_RIGHTS: fd numbers 9999 and -1, a cmsg_len that
// overflows, a msg_controllen of 2 GiB
// grant: none
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) < 0) broken("socketpair");
    union { struct cmsghdr h; char b[CMSG_SPACE(2 * sizeof(int))]; } u;
    memset(&u, 0, sizeof u);
    struct iovec iov = {"x", 1};
    struct msghdr m = {0};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = u.b;
    m.msg_controllen = sizeof u.b;
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(2 * sizeof(int));
    int fds[2] = {9999, -1};
    memcpy(CMSG_DATA(c), fds, sizeof fds);
    long r1 = sendmsg(sv[0], &m, 0);
    int e1 = errno;
    c->cmsg_len = 0xfffffff0u;
    long r2 = sendmsg(sv[0], &m, 0);
    int e2 = errno;
    c->cmsg_len = CMSG_LEN(2 * sizeof(int));
    fds[0] = 1; fds[1] = 2;
    memcpy(CMSG_DATA(c), fds, sizeof fds);
    m.msg_controllen = 0x7ffffff0u;
    long r3 = sendmsg(sv[0], &m, 0);
    int e3 = errno;
    if (r1 >= 0 || r2 >= 0 || r3 >= 0) escaped("forged SCM_RIGHTS sent: %ld %ld %ld", r1, r2, r3);
    contained("fds 9999/-1: %s; cmsg_len overflow: %s; controllen 2G: %s", errname(e1), errname(e2), errname(e3));
}
