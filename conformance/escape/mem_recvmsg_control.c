// attack: receive an SCM_RIGHTS fd into a msg_control buffer that runs past the end
// of memory (8 bytes left, controllen 64)
// grant: none
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    NATIVE_SKIP();
#ifdef __wasm__
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) < 0) broken("socketpair");
    union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } u;
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
    c->cmsg_len = CMSG_LEN(sizeof(int));
    int one = 1;
    memcpy(CMSG_DATA(c), &one, sizeof one);
    if (sendmsg(sv[0], &m, 0) != 1) broken("sendmsg SCM_RIGHTS");
    uintptr_t end = fresh_end_page();
    char b;
    struct iovec riov = {&b, 1};
    struct msghdr r = {0};
    r.msg_iov = &riov;
    r.msg_iovlen = 1;
    r.msg_control = (void *)(end - 8);
    r.msg_controllen = 64;
    long n = recvmsg(sv[1], &r, 0);
    if (n >= 0 && r.msg_controllen > 8)
        escaped("recvmsg wrote %u control bytes into an 8-byte tail of memory", (unsigned)r.msg_controllen);
    if (n >= 0) contained("recvmsg kept the control data inside memory (controllen %u, flags %#x)", (unsigned)r.msg_controllen, r.msg_flags);
    contained("recvmsg with control past the end: %s", E_);
#endif
}
