// execve of the same program (a module under wali-run): same pid, argv and environment
// passed on, descriptors without O_CLOEXEC kept, O_CLOEXEC ones closed, an ignored
// signal stays ignored; a failing execve returns with errno.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "child") == 0) {
        char pid[32];
        snprintf(pid, sizeof pid, "%d", getpid());
        printf("child: argc=%d argv[2]=%s same pid=%d env=%s\n", argc, argv[2],
               strcmp(pid, getenv("EXEC_PID")) == 0, getenv("EXEC_MARK"));
        int keep = atoi(argv[3]), gone = atoi(argv[4]);
        printf("child: kept fd open=%d, cloexec fd open=%d\n", fcntl(keep, F_GETFD) >= 0,
               fcntl(gone, F_GETFD) >= 0);
        char buf[16] = {0};
        lseek(keep, 0, SEEK_SET);
        read(keep, buf, 5);
        printf("child: read through inherited fd: %s\n", buf);
        struct sigaction sa;
        sigaction(SIGUSR1, 0, &sa);
        printf("child: SIGUSR1 ignored=%d\n", sa.sa_handler == SIG_IGN);
        return 9;
    }
    char *bad[] = {"nope", 0};
    execve("/nonexistent/program", bad, 0);
    printf("missing program: %s\n", strerror(errno));
    execve(".", bad, 0);
    printf("directory: %s\n", strerror(errno));

    int keep = open("data.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
    write(keep, "hello", 5);
    int gone = open("data.txt", O_RDONLY | O_CLOEXEC);
    signal(SIGUSR1, SIG_IGN);
    char pid[32], k[16], g[16];
    snprintf(pid, sizeof pid, "EXEC_PID=%d", getpid());
    snprintf(k, sizeof k, "%d", keep);
    snprintf(g, sizeof g, "%d", gone);
    char *args[] = {argv[0], "child", "two words", k, g, 0};
    char *env[] = {pid, "EXEC_MARK=passed", 0};
    printf("parent: exec\n");
    fflush(stdout);
    execve(argv[0], args, env);
    printf("execve failed: %s\n", strerror(errno));
    return 1;
}
