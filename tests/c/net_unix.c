// wali-run: --allow-net
// Unix sockets: a stream pair passing a file descriptor with SCM_RIGHTS; sendmsg and
// recvmsg with several iovecs; a named socket bound in the current directory; datagrams.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(void) {
    int sv[2];
    printf("socketpair: %d\n", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    int f = open("passed.txt", O_RDWR | O_CREAT | O_TRUNC, 0600);
    write(f, "through the socket", 18);

    char a[] = "two ", b[] = "parts";
    struct iovec iov[2] = {{a, 4}, {b, 5}};
    union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
    memset(&u, 0, sizeof u);
    struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &f, sizeof f);
    printf("sendmsg: %zd\n", sendmsg(sv[0], &m, 0));
    close(f);

    char x[3] = {0}, y[16] = {0};
    struct iovec riov[2] = {{x, 3}, {y, sizeof y - 1}};
    union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } ru;
    struct msghdr rm = {.msg_iov = riov, .msg_iovlen = 2, .msg_control = ru.buf, .msg_controllen = sizeof ru.buf};
    ssize_t n = recvmsg(sv[1], &rm, 0);
    printf("recvmsg: %zd '%.3s' '%s' controllen=%zu flags=%d\n", n, x, y, (size_t)rm.msg_controllen, rm.msg_flags);
    struct cmsghdr *rc = CMSG_FIRSTHDR(&rm);
    if (rc && rc->cmsg_type == SCM_RIGHTS) {
        int g;
        memcpy(&g, CMSG_DATA(rc), sizeof g);
        char buf[32] = {0};
        pread(g, buf, sizeof buf - 1, 0);
        printf("received fd reads: %s\n", buf);
        printf("next cmsg: %s\n", CMSG_NXTHDR(&rm, rc) ? "yes" : "none");
    } else {
        printf("no SCM_RIGHTS\n");
    }

    int srv = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    strcpy(sun.sun_path, "sock");
    printf("bind named: %d\n", bind(srv, (void *)&sun, sizeof sun));
    listen(srv, 1);
    int cl = socket(AF_UNIX, SOCK_STREAM, 0);
    printf("connect named: %d\n", connect(cl, (void *)&sun, sizeof sun));
    int acc = accept(srv, 0, 0);
    write(cl, "hi", 2);
    char hb[3] = {0};
    read(acc, hb, 2);
    struct sockaddr_un got;
    socklen_t gl = sizeof got;
    getsockname(srv, (void *)&got, &gl);
    printf("named: read '%s', bound to '%s' (len %u)\n", hb, got.sun_path, gl);

    int d[2];
    socketpair(AF_UNIX, SOCK_DGRAM, 0, d);
    send(d[0], "one", 3, 0);
    send(d[0], "three", 5, 0);
    char db[8];
    ssize_t d1 = recv(d[1], db, sizeof db, 0), d2 = recv(d[1], db, 2, 0);
    printf("datagrams keep boundaries: %zd, then %zd (truncated)\n", d1, d2);
    unlink("sock");
    return 0;
}
