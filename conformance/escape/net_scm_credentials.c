// attack: forge SCM_CREDENTIALS (pid 1, uid and gid 0 when we are root, else our own pid
// + 1) on a unix socket: a peer that trusts the kernel-checked credentials (D-Bus,
// systemd, polkit-style daemons) would take the guest for that process. An unprivileged
// process may only send its own pid and ids; a runtime run as root may send anything.
// The peer here is the guest's own socketpair: nothing outside is told anything
// grant: --allow-all
#include "escape.h"
struct ucred_ { int pid; unsigned uid, gid; };
int main(int argc, char **argv) {
    setup(argc, argv);
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv)) broken("socketpair");
    int one = 1;
    if (setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one)) contained("SO_PASSCRED: %s", E_);
    int fake = getpid() == 1 ? 2 : 1;
    union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(struct ucred_))]; } c;
    memset(&c, 0, sizeof c);
    c.h.cmsg_len = CMSG_LEN(sizeof(struct ucred_));
    c.h.cmsg_level = SOL_SOCKET;
    c.h.cmsg_type = SCM_CREDENTIALS;
    struct ucred_ cr = {fake, getuid(), getgid()};
    memcpy(CMSG_DATA(&c.h), &cr, sizeof cr);
    struct iovec io = {"x", 1};
    struct msghdr m = {.msg_iov = &io, .msg_iovlen = 1, .msg_control = c.b, .msg_controllen = sizeof c.b};
    if (sendmsg(sv[0], &m, 0) != 1) contained("sendmsg with pid %d: %s", fake, E_);
    char buf[8];
    union { struct cmsghdr h; char b[256]; } rc;
    struct iovec rio = {buf, sizeof buf};
    struct msghdr r = {.msg_iov = &rio, .msg_iovlen = 1, .msg_control = rc.b, .msg_controllen = sizeof rc.b};
    if (recvmsg(sv[1], &r, 0) != 1) broken("recvmsg");
    for (struct cmsghdr *h = CMSG_FIRSTHDR(&r); h; h = CMSG_NXTHDR(&r, h))
        if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_CREDENTIALS) {
            struct ucred_ got;
            memcpy(&got, CMSG_DATA(h), sizeof got);
            if (got.pid == fake) escaped("the peer was told pid %d", got.pid);
            contained("the peer was told pid %d (ours), not %d", got.pid, fake);
        }
    contained("no credentials arrived");
}
