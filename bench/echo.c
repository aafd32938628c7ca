// 64 KiB-message echo over loopback TCP, server and client in one process (a thread
// each): prints MB/s moved through the echo for SECONDS (default 3).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MSG (64 * 1024)

static void *server(void *arg) {
    int c = accept((int)(long)arg, 0, 0);
    char *buf = malloc(MSG);
    ssize_t n;
    while ((n = read(c, buf, MSG)) > 0) {
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(c, buf + off, n - off);
            if (w <= 0) return 0;
            off += w;
        }
    }
    return 0;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    double secs = argc > 1 ? atof(argv[1]) : 3;
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bind(l, (void *)&a, sizeof a);
    listen(l, 1);
    socklen_t al = sizeof a;
    getsockname(l, (void *)&a, &al);
    pthread_t t;
    pthread_create(&t, 0, server, (void *)(long)l);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    connect(c, (void *)&a, sizeof a);
    char *out = malloc(MSG), *in = malloc(MSG);
    memset(out, 'x', MSG);
    double start = now(), end = start + secs;
    long long bytes = 0;
    while (now() < end) {
        for (ssize_t off = 0; off < MSG;) off += write(c, out + off, MSG - off);
        for (ssize_t got = 0; got < MSG;) {
            ssize_t n = read(c, in + got, MSG - got);
            if (n <= 0) return 1;
            got += n;
        }
        bytes += MSG;
    }
    printf("%.0f\n", bytes / (now() - start) / 1e6);
    return 0;
}
