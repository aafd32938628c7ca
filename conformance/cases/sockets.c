// syscalls: socket socketpair bind listen accept accept4 connect sendto recvfrom sendmsg recvmsg shutdown getsockname getpeername setsockopt getsockopt
#include "../case.h"
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

int main(void) {
    int sv[2];
    CHECK("socketpair.stream", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    CHECK("socketpair.send", send(sv[0], "ping", 4, 0));
    char b[64] = {0};
    CHECK("socketpair.recv", recv(sv[1], b, sizeof b, 0));
    SHOW("socketpair.data", "%s", b);
    CHECK("socketpair.bad_family", socketpair(AF_INET, SOCK_STREAM, 0, sv));
    CHECK("socketpair.bad_ptr", syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, BAD));
    int dv[2];
    CHECK("socketpair.dgram_cloexec", socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, dv));
    CHECK("socketpair.cloexec_flag", fcntl(dv[0], F_GETFD));
    send(dv[0], "a", 1, 0); send(dv[0], "bc", 2, 0);
    CHECK("recv.dgram_boundaries", recv(dv[1], b, sizeof b, 0));
    CHECK("recv.dgram_second", recv(dv[1], b, sizeof b, 0));
    CHECK("recv.dontwait_empty", recv(dv[1], b, sizeof b, MSG_DONTWAIT));
    send(dv[0], "xyz", 3, 0);
    CHECK("recv.peek", recv(dv[1], b, sizeof b, MSG_PEEK));
    CHECK("recv.truncated", recv(dv[1], b, 1, 0));
    CHECK("recv.gone_after_trunc", recv(dv[1], b, sizeof b, MSG_DONTWAIT));

    CHECK("socket.bad_domain", socket(12345, SOCK_STREAM, 0));
    CHECK("socket.bad_type", socket(AF_INET, 12345, 0));
    CHECK("socket.bad_protocol", socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
    int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK("socket.tcp", l >= 0);
    CHECK("socket.cloexec", fcntl(l, F_GETFD));
    int one = 1, v = 0;
    socklen_t vl = sizeof v;
    CHECK("setsockopt.reuseaddr", setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
    CHECK("getsockopt.reuseaddr", getsockopt(l, SOL_SOCKET, SO_REUSEADDR, &v, &vl));
    CHECK("getsockopt.reuseaddr_value", v);
    CHECK("getsockopt.type", (vl = sizeof v, getsockopt(l, SOL_SOCKET, SO_TYPE, &v, &vl)));
    CHECK("getsockopt.type_value", v);
    CHECK("setsockopt.short_len", setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, 2));
    CHECK("setsockopt.bad_level", setsockopt(l, 9999, 1, &one, sizeof one));
    CHECK("setsockopt.bad_ptr", syscall(SYS_setsockopt, l, SOL_SOCKET, SO_REUSEADDR, BAD, 4));
    CHECK("getsockopt.bad_len_ptr", syscall(SYS_getsockopt, l, SOL_SOCKET, SO_TYPE, &v, BAD));
    CHECK("setsockopt.not_socket", setsockopt(0, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
    CHECK("setsockopt.nodelay", setsockopt(l, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one));
    CHECK("getsockopt.nodelay", (vl = sizeof v, getsockopt(l, IPPROTO_TCP, TCP_NODELAY, &v, &vl)));
    CHECK("getsockopt.nodelay_value", v != 0);
    struct linger lg = {1, 5};
    CHECK("setsockopt.linger", setsockopt(l, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
    struct linger lg2;
    vl = sizeof lg2;
    CHECK("getsockopt.linger", getsockopt(l, SOL_SOCKET, SO_LINGER, &lg2, &vl));
    SHOW("getsockopt.linger_value", "%d %d %u", lg2.l_onoff, lg2.l_linger, vl);
    struct timeval tv = {2, 500000}, tv2;
    CHECK("setsockopt.rcvtimeo", setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    vl = sizeof tv2;
    CHECK("getsockopt.rcvtimeo", getsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv2, &vl));
    SHOW("getsockopt.rcvtimeo_value", "%ld %ld %u", (long)tv2.tv_sec, (long)tv2.tv_usec, vl);
    /* Options real clients and servers set (the sandbox's allow-list must pass them). */
    int three = 3, idle = 30, tos = 0x10, buf = 65536;
    CHECK("setsockopt.keepalive", setsockopt(l, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one));
    CHECK("setsockopt.keepidle", setsockopt(l, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle));
    CHECK("setsockopt.keepcnt", setsockopt(l, IPPROTO_TCP, TCP_KEEPCNT, &three, sizeof three));
    CHECK("setsockopt.reuseport", setsockopt(l, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one));
    CHECK("setsockopt.priority_low", setsockopt(l, SOL_SOCKET, SO_PRIORITY, &three, sizeof three));
    CHECK("setsockopt.sndbuf", setsockopt(l, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf));
    CHECK("setsockopt.tos", setsockopt(l, IPPROTO_IP, IP_TOS, &tos, sizeof tos));
    vl = sizeof v;
    CHECK("getsockopt.tos", getsockopt(l, IPPROTO_IP, IP_TOS, &v, &vl));
    CHECK("getsockopt.tos_value", v);
    vl = sizeof v;
    CHECK("getsockopt.error", getsockopt(l, SOL_SOCKET, SO_ERROR, &v, &vl));
    vl = sizeof v;
    CHECK("getsockopt.domain", getsockopt(l, SOL_SOCKET, SO_DOMAIN, &v, &vl));
    CHECK("getsockopt.domain_value", v);
    CHECK("setsockopt.unknown_ip", setsockopt(l, IPPROTO_IP, 999, &one, sizeof one));
    CHECK("setsockopt.unknown_tcp", setsockopt(l, IPPROTO_TCP, 999, &one, sizeof one));
    vl = sizeof v;
    CHECK("getsockopt.unknown_socket", getsockopt(l, SOL_SOCKET, 999, &v, &vl));

    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    CHECK("bind.loopback_any_port", bind(l, (void *)&a, sizeof a));
    CHECK("bind.again", bind(l, (void *)&a, sizeof a));
    CHECK("bind.short_len", bind(socket(AF_INET, SOCK_STREAM, 0), (void *)&a, 4));
    CHECK("bind.bad_ptr", syscall(SYS_bind, l, BAD, sizeof a));
    struct sockaddr_in got;
    socklen_t gl = sizeof got;
    CHECK("getsockname.ok", getsockname(l, (void *)&got, &gl));
    CHECK("getsockname.port_assigned", got.sin_port != 0 && gl == sizeof got);
    CHECK("getsockname.bad_fd", getsockname(99, (void *)&got, &gl));
    CHECK("getpeername.not_connected", getpeername(l, (void *)&got, &gl));
    CHECK("listen.ok", listen(l, 8));
    CHECK("listen.not_socket", listen(0, 8));
    int c = socket(AF_INET, SOCK_STREAM, 0);
    CHECK("connect.ok", connect(c, (void *)&got, sizeof got));
    CHECK("connect.again", connect(c, (void *)&got, sizeof got));
    struct sockaddr_in peer;
    socklen_t pl = sizeof peer;
    int s = accept(l, (void *)&peer, &pl);
    CHECK("accept.ok", s >= 0);
    CHECK("accept.peer_loopback", peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK) && pl == sizeof peer);
    CHECK("getpeername.ok", (pl = sizeof peer, getpeername(c, (void *)&peer, &pl)));
    CHECK("getpeername.matches", peer.sin_port == got.sin_port);
    CHECK("sendto.connected", sendto(c, "hello", 5, 0, 0, 0));
    memset(b, 0, sizeof b);
    CHECK("recvfrom.ok", recvfrom(s, b, sizeof b, 0, 0, 0));
    SHOW("recvfrom.data", "%s", b);
    CHECK("recvfrom.waitall", (send(c, "abcdef", 6, 0), recv(s, b, 6, MSG_WAITALL)));
    struct iovec iov[2] = {{"vec", 3}, {"tor", 3}};
    struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
    CHECK("sendmsg.iov", sendmsg(c, &mh, 0));
    char r1[2], r2[8] = {0};
    struct iovec riov[2] = {{r1, 2}, {r2, 8}};
    struct msghdr rh = {.msg_iov = riov, .msg_iovlen = 2};
    CHECK("recvmsg.iov", recvmsg(s, &rh, 0));
    SHOW("recvmsg.data", "%.2s|%s", r1, r2);
    CHECK("recvmsg.flags", rh.msg_flags);
    struct { struct sockaddr_in a; char rest[2048]; } bigname;
    struct iovec one_iov = {r2, 8};
    struct msghdr bh = {.msg_name = &bigname, .msg_namelen = sizeof bigname, .msg_iov = &one_iov, .msg_iovlen = 1};
    send(c, "n", 1, 0);
    CHECK("recvmsg.long_name_buffer", recvmsg(s, &bh, 0));
    SHOW("recvmsg.long_name_len", "%u", (unsigned)bh.msg_namelen);
    bh.msg_namelen = -1;
    CHECK("recvmsg.negative_namelen", (send(c, "n", 1, 0), recvmsg(s, &bh, 0)));
    recv(s, r2, 8, 0);
    CHECK("sendmsg.bad_iov", sendmsg(c, &(struct msghdr){.msg_iov = BAD, .msg_iovlen = 1}, 0));
    CHECK("recvmsg.bad_hdr", syscall(SYS_recvmsg, s, BAD, 0));
    CHECK("shutdown.write", shutdown(c, SHUT_WR));
    CHECK("recv.eof_after_shutdown", recv(s, b, sizeof b, 0));
    CHECK("shutdown.bad_how", shutdown(c, 99));
    CHECK("shutdown.not_connected", shutdown(l, SHUT_RDWR));
    close(s);
    CHECK("accept4.nonblock_empty", (fcntl(l, F_SETFL, O_NONBLOCK), accept4(l, 0, 0, SOCK_NONBLOCK)));
    CHECK("accept4.bad_flags", accept4(l, 0, 0, 0x1234));
    int c2 = socket(AF_INET, SOCK_STREAM, 0);
    connect(c2, (void *)&got, sizeof got);
    int s2 = accept4(l, 0, 0, SOCK_NONBLOCK | SOCK_CLOEXEC);
    CHECK("accept4.ok", s2 >= 0);
    CHECK("accept4.nonblock", (fcntl(s2, F_GETFL) & O_NONBLOCK) != 0);
    CHECK("accept4.cloexec", fcntl(s2, F_GETFD));
    close(c2);
    CHECK("recv.peer_closed", recv(s2, b, sizeof b, 0));
    close(c);
    close(l);
    int refused = socket(AF_INET, SOCK_STREAM, 0);
    CHECK("connect.refused", connect(refused, (void *)&got, sizeof got));
    int nb = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    CHECK("connect.bad_family", connect(nb, (void *)&(struct sockaddr){.sa_family = 12345}, sizeof got));

    int u = socket(AF_INET, SOCK_DGRAM, 0);
    bind(u, (void *)&a, sizeof a);
    gl = sizeof got;
    getsockname(u, (void *)&got, &gl);
    int u2 = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK("sendto.udp", sendto(u2, "dgram", 5, 0, (void *)&got, sizeof got));
    struct sockaddr_in from;
    socklen_t fl = sizeof from;
    memset(b, 0, sizeof b);
    CHECK("recvfrom.udp", recvfrom(u, b, sizeof b, 0, (void *)&from, &fl));
    CHECK("recvfrom.udp_from", from.sin_addr.s_addr == htonl(INADDR_LOOPBACK) && fl == sizeof from);
    CHECK("sendto.udp_no_dest", sendto(u2, "x", 1, 0, 0, 0));
    CHECK("sendto.bad_addr_ptr", syscall(SYS_sendto, u2, "x", 1, 0, BAD, sizeof got));
    CHECK("sendto.bad_buf", syscall(SYS_sendto, u2, BAD, 1, 0, &got, sizeof got));

    int us = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un ua = {.sun_family = AF_UNIX};
    strcpy(ua.sun_path, "sock");
    CHECK("bind.unix", bind(us, (void *)&ua, sizeof ua));
    CHECK("bind.unix_exists", bind(socket(AF_UNIX, SOCK_STREAM, 0), (void *)&ua, sizeof ua));
    listen(us, 1);
    int uc = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK("connect.unix", connect(uc, (void *)&ua, sizeof ua));
    struct sockaddr_un un2;
    socklen_t ul = sizeof un2;
    CHECK("getpeername.unix", getpeername(uc, (void *)&un2, &ul));
    SHOW("getpeername.unix_path", "%s %u", un2.sun_path, (unsigned)ul);
    strcpy(ua.sun_path, "missing");
    CHECK("connect.unix_missing", connect(socket(AF_UNIX, SOCK_STREAM, 0), (void *)&ua, sizeof ua));

    int s6 = socket(AF_INET6, SOCK_STREAM, 0);
    CHECK("socket.inet6", s6 >= 0);
    CHECK("setsockopt.v6only", setsockopt(s6, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one));
    struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    CHECK("bind.inet6", bind(s6, (void *)&a6, sizeof a6));
    struct sockaddr_in6 g6;
    socklen_t g6l = sizeof g6;
    getsockname(s6, (void *)&g6, &g6l);
    char txt[64];
    SHOW("getsockname.inet6_addr", "%s %u", inet_ntop(AF_INET6, &g6.sin6_addr, txt, sizeof txt), (unsigned)g6l);
    return 0;
}
