// wali-run: --allow-net
// A non-blocking epoll server (edge-triggered accept, level-triggered reads) handling
// 200 concurrent clients that connect non-blocking (EINPROGRESS) from another thread.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define CLIENTS 200
static int port, served;

static void *server(void *arg) {
    int l = (int)(long)arg;
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.fd = l};
    epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
    struct epoll_event evs[64];
    while (served < CLIENTS) {
        int n = epoll_wait(ep, evs, 64, 5000);
        if (n <= 0) { printf("server: epoll_wait %d\n", n); break; }
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == l) {
                int c;
                while ((c = accept4(l, 0, 0, SOCK_NONBLOCK)) >= 0) {
                    struct epoll_event ce = {.events = EPOLLIN | EPOLLRDHUP, .data.fd = c};
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
                }
                if (errno != EAGAIN) perror("accept4");
            } else {
                char buf[64];
                ssize_t r = read(fd, buf, sizeof buf);
                if (r > 0) {
                    for (ssize_t k = 0; k < r; k++) if (buf[k] >= 'a' && buf[k] <= 'z') buf[k] -= 32;
                    write(fd, buf, r);
                    served++;
                }
                epoll_ctl(ep, EPOLL_CTL_DEL, fd, 0);
                if (r <= 0 || evs[i].events & EPOLLRDHUP) close(fd);
                else close(fd);
            }
        }
    }
    close(ep);
    return 0;
}

int main(void) {
    int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bind(l, (void *)&a, sizeof a);
    listen(l, 256);
    socklen_t al = sizeof a;
    getsockname(l, (void *)&a, &al);
    port = ntohs(a.sin_port);
    pthread_t t;
    pthread_create(&t, 0, server, (void *)(long)l);

    int fds[CLIENTS], inprogress = 0, immediate = 0, connected = 0, answered = 0, right = 0;
    struct pollfd p[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) {
        fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        int r = connect(fds[i], (void *)&a, sizeof a);
        if (r < 0 && errno == EINPROGRESS) inprogress++;
        else if (r == 0) immediate++;
        p[i] = (struct pollfd){.fd = fds[i], .events = POLLOUT};
    }
    int ready = 0;
    while (ready < CLIENTS) {
        int n = poll(p, CLIENTS, 5000);
        if (n <= 0) break;
        for (int i = 0; i < CLIENTS; i++) {
            if (p[i].fd >= 0 && p[i].revents & POLLOUT) {
                int err = 1;
                socklen_t el = sizeof err;
                getsockopt(fds[i], SOL_SOCKET, SO_ERROR, &err, &el);
                if (err == 0) connected++;
                char msg[32];
                int m = snprintf(msg, sizeof msg, "client %d", i);
                write(fds[i], msg, m);
                p[i].fd = -1;
                ready++;
            }
        }
    }
    for (int i = 0; i < CLIENTS; i++) p[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
    while (answered < CLIENTS) {
        int n = poll(p, CLIENTS, 5000);
        if (n <= 0) break;
        for (int i = 0; i < CLIENTS; i++) {
            if (p[i].fd >= 0 && p[i].revents & POLLIN) {
                char buf[32] = {0}, want[32];
                read(fds[i], buf, sizeof buf - 1);
                snprintf(want, sizeof want, "CLIENT %d", i);
                right += strcmp(buf, want) == 0;
                answered++;
                close(fds[i]);
                p[i].fd = -1;
            }
        }
    }
    pthread_join(t, 0);
    printf("connects started (EINPROGRESS or done): %d, connected: %d\n", inprogress + immediate, connected);
    printf("answered %d, correct %d, served %d\n", answered, right, served);
    return 0;
}
