// wali-run: --allow-net
// TCP echo server thread and client in one process over IPv4 and IPv6 loopback; UDP
// round trip; ECONNREFUSED on a closed port; poll timeouts; getaddrinfo offline;
// socket options; shutdown.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int listener(int family, int *port) {
    int s = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t len;
    if (family == AF_INET) {
        struct sockaddr_in *a = (void *)&ss;
        a->sin_family = AF_INET;
        a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = sizeof *a;
    } else {
        struct sockaddr_in6 *a = (void *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_addr = in6addr_loopback;
        len = sizeof *a;
    }
    if (bind(s, (void *)&ss, len) || listen(s, 16)) { perror("bind/listen"); return -1; }
    len = sizeof ss;
    getsockname(s, (void *)&ss, &len);
    *port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port : ((struct sockaddr_in6 *)&ss)->sin6_port);
    return s;
}

static void *echo_server(void *arg) {
    int l = (int)(long)arg;
    struct sockaddr_storage peer;
    socklen_t plen = sizeof peer;
    int c = accept(l, (void *)&peer, &plen);
    char buf[4096];
    ssize_t n;
    while ((n = recv(c, buf, sizeof buf, 0)) > 0) send(c, buf, n, 0);
    close(c);
    return (void *)(long)(peer.ss_family);
}

static void round_trip(int family, const char *what) {
    int port;
    int l = listener(family, &port);
    pthread_t t;
    pthread_create(&t, 0, echo_server, (void *)(long)l);
    int c = socket(family, SOCK_STREAM, 0);
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t len;
    if (family == AF_INET) {
        struct sockaddr_in *a = (void *)&ss;
        a->sin_family = AF_INET;
        a->sin_port = htons(port);
        inet_pton(AF_INET, "127.0.0.1", &a->sin_addr);
        len = sizeof *a;
    } else {
        struct sockaddr_in6 *a = (void *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(port);
        inet_pton(AF_INET6, "::1", &a->sin6_addr);
        len = sizeof *a;
    }
    if (connect(c, (void *)&ss, len)) perror("connect");
    int one = 1;
    printf("%s: TCP_NODELAY set: %d\n", what, setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one));
    int got = 0;
    socklen_t glen = sizeof got;
    getsockopt(c, IPPROTO_TCP, TCP_NODELAY, &got, &glen);
    printf("%s: TCP_NODELAY reads back: %d (len %u)\n", what, got != 0, glen);
    long total = 0;
    char msg[1000], back[1000];
    for (int i = 0; i < 100; i++) {
        memset(msg, 'a' + i % 26, sizeof msg);
        send(c, msg, sizeof msg, 0);
        size_t have = 0;
        while (have < sizeof back) {
            ssize_t n = recv(c, back + have, sizeof back - have, 0);
            if (n <= 0) break;
            have += n;
        }
        total += have;
        if (memcmp(msg, back, sizeof msg)) printf("%s: mismatch at %d\n", what, i);
    }
    struct sockaddr_storage peer;
    socklen_t plen = sizeof peer;
    getpeername(c, (void *)&peer, &plen);
    char host[64];
    if (family == AF_INET) inet_ntop(AF_INET, &((struct sockaddr_in *)&peer)->sin_addr, host, sizeof host);
    else inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&peer)->sin6_addr, host, sizeof host);
    shutdown(c, SHUT_WR);
    void *fam;
    pthread_join(t, &fam);
    printf("%s: echoed %ld bytes, peer %s, server saw family %s\n", what, total, host,
           (long)fam == family ? "right" : "wrong");
    printf("%s: recv after shutdown: %zd\n", what, recv(c, back, 1, 0));
    close(c);
    close(l);
}

int main(void) {
    round_trip(AF_INET, "ipv4");
    round_trip(AF_INET6, "ipv6");

    // UDP round trip.
    int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bind(a, (void *)&sa, sizeof sa);
    socklen_t sl = sizeof sa;
    getsockname(a, (void *)&sa, &sl);
    sendto(b, "ping", 4, 0, (void *)&sa, sizeof sa);
    char buf[16] = {0};
    struct sockaddr_in from;
    socklen_t fl = sizeof from;
    ssize_t n = recvfrom(a, buf, sizeof buf, 0, (void *)&from, &fl);
    sendto(a, "pong", 4, 0, (void *)&from, fl);
    char buf2[16] = {0};
    recv(b, buf2, sizeof buf2, 0);
    printf("udp: got %zd '%s' from len %u, reply '%s'\n", n, buf, fl, buf2);

    // A closed port.
    int port;
    int l = listener(AF_INET, &port);
    close(l);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    sa.sin_port = htons(port);
    int r = connect(c, (void *)&sa, sizeof sa);
    printf("closed port: %d %s\n", r, strerror(errno));
    int err = 0;
    socklen_t el = sizeof err;
    getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el);
    printf("SO_ERROR after: %d\n", err);
    close(c);

    // poll timeouts.
    struct pollfd pfd = {.fd = a, .events = POLLIN};
    printf("poll with nothing to read: %d\n", poll(&pfd, 1, 50));
    sendto(b, "x", 1, 0, (void *)&sa, sizeof sa);
    getsockname(a, (void *)&sa, &sl);
    sendto(b, "x", 1, 0, (void *)&sa, sizeof sa);
    int pr = poll(&pfd, 1, 1000);
    printf("poll with a datagram: %d revents=%#x\n", pr, pfd.revents);

    // Name resolution, offline.
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res;
    int g = getaddrinfo("localhost", "80", &hints, &res);
    if (g == 0) {
        char h[64];
        inet_ntop(AF_INET, &((struct sockaddr_in *)res->ai_addr)->sin_addr, h, sizeof h);
        printf("getaddrinfo localhost: %s port %d\n", h, ntohs(((struct sockaddr_in *)res->ai_addr)->sin_port));
        freeaddrinfo(res);
    } else {
        printf("getaddrinfo failed: %s\n", gai_strerror(g));
    }

    // Timeouts and bad input.
    struct timeval tv = {0, 100000};
    printf("SO_RCVTIMEO: %d\n", setsockopt(a, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    while (recv(a, buf, sizeof buf, MSG_DONTWAIT) > 0) {}
    n = recv(a, buf, sizeof buf, 0);
    printf("recv with timeout: %zd %s\n", n, strerror(errno));
    r = bind(a, (void *)0xfffff000u, sizeof sa);
    printf("bind bad address: %d %s\n", r, strerror(errno));
    r = listen(999, 1);
    printf("listen on bad fd: %d %s\n", r, strerror(errno));
    r = socket(12345, SOCK_STREAM, 0);
    printf("bad family: %d %s\n", r, strerror(errno));
    return 0;
}
