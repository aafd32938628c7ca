// One side of a conversation with a native peer (driven by tests/c_programs.rs):
//   net_peer server      listen on 127.0.0.1, print the port, answer one line upper-cased
//   net_peer client PORT send a line to a native server, print its answer
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (argc > 1 && strcmp(argv[1], "server") == 0) {
        int l = socket(AF_INET, SOCK_STREAM, 0);
        bind(l, (void *)&a, sizeof a);
        listen(l, 1);
        socklen_t al = sizeof a;
        getsockname(l, (void *)&a, &al);
        printf("%d\n", ntohs(a.sin_port));
        fflush(stdout);
        int c = accept(l, 0, 0);
        char buf[256] = {0};
        ssize_t n = 0, r;
        while (n < (ssize_t)sizeof buf - 1 && (r = read(c, buf + n, sizeof buf - 1 - n)) > 0) {
            n += r;
            if (buf[n - 1] == '\n') break;
        }
        for (ssize_t i = 0; i < n; i++) if (buf[i] >= 'a' && buf[i] <= 'z') buf[i] -= 32;
        write(c, buf, n);
        close(c);
        return 0;
    }
    if (argc > 2 && strcmp(argv[1], "client") == 0) {
        a.sin_port = htons(atoi(argv[2]));
        int c = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(c, (void *)&a, sizeof a)) { perror("connect"); return 1; }
        write(c, "hello from wasm\n", 16);
        char buf[256] = {0};
        ssize_t n = read(c, buf, sizeof buf - 1);
        printf("answer (%zd): %s", n, buf);
        return 0;
    }
    return 2;
}
