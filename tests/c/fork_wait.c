// wali-run: --allow-exec
// fork + wait4/waitpid/waitid: exit statuses, death by signal, the child's copy of
// memory, and pipes between parent and child; vfork, system() and popen().
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static int shared_value = 1;

int main(void) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        shared_value = 42;
        _exit(7);
    }
    int st;
    struct rusage ru;
    pid_t w = wait4(pid, &st, 0, &ru);
    printf("wait4 same pid: %d, exited: %d, status: %d, parent's value: %d\n",
           w == pid, WIFEXITED(st), WEXITSTATUS(st), shared_value);

    pid = fork();
    if (pid == 0) {
        pause();
        _exit(0);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    printf("killed child: signaled: %d, signal: %d\n", WIFSIGNALED(st), WTERMSIG(st));

    int p[2];
    pipe(p);
    pid = fork();
    if (pid == 0) {
        close(p[0]);
        char msg[64];
        int n = snprintf(msg, sizeof msg, "hello from child, ppid matches: %d", getppid() == getpid() ? 0 : 1);
        write(p[1], msg, n);
        _exit(0);
    }
    close(p[1]);
    char buf[128] = {0};
    read(p[0], buf, sizeof buf - 1);
    printf("pipe: %s\n", buf);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    waitid(P_PID, pid, &si, WEXITED);
    printf("waitid: pid matches: %d, code: %s, status: %d\n", si.si_pid == pid,
           si.si_code == CLD_EXITED ? "CLD_EXITED" : "other", si.si_status);

    pid = vfork();
    if (pid == 0) _exit(3);
    waitpid(pid, &st, 0);
    printf("vfork child status: %d\n", WEXITSTATUS(st));

    printf("waitpid with no children: %d\n", waitpid(-1, &st, WNOHANG));
    fflush(stdout);
    int r = system("echo from system; exit 5");
    printf("system: exited %d status %d\n", WIFEXITED(r), WEXITSTATUS(r));
    FILE *f = popen("echo from popen", "r");
    char line[64] = {0};
    fgets(line, sizeof line, f);
    printf("popen read: %s", line);
    printf("pclose: %d\n", pclose(f));
    return 0;
}
