// syscalls: fork execve wait4 waitid exit exit_group kill getppid setpgid getpgid
#include "../case.h"
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc > 1 && !strcmp(argv[1], "child")) {
        /* exec'd image: report what it inherited */
        printf("execve.child_args: %d %s\n", argc, argc > 2 ? argv[2] : "-");
        printf("execve.env: %s\n", getenv("CONF_VAR") ? getenv("CONF_VAR") : "(unset)");
        printf("execve.fd_inherited: %d\n", fcntl(5, F_GETFD));
        printf("execve.cloexec_closed: %d\n", fcntl(6, F_GETFD));
        fflush(stdout);
        return 7;
    }
    int st = -1;
    pid_t me = getpid();
    pid_t c = fork();
    if (c == 0) {
        printf("fork.child_ppid_is_parent: %d\n", getppid() == me);
        fflush(stdout);
        _exit(3);
    }
    CHECK("fork.parent_gets_pid", c > 0);
    CHECK("wait4.child", wait4(c, &st, 0, 0) == c);
    CHECK("wait4.exited", WIFEXITED(st));
    CHECK("wait4.status", WEXITSTATUS(st));
    CHECK("wait4.no_children", wait4(-1, &st, 0, 0));
    CHECK("wait4.bad_status_ptr", (c = fork()) == 0 ? (_exit(0), 0) : wait4(c, BAD, 0, 0));
    waitpid(c, 0, 0);

    c = fork();
    if (c == 0) { for (;;) pause(); }
    CHECK("kill.child", kill(c, SIGTERM));
    waitpid(c, &st, 0);
    CHECK("wait4.signaled", WIFSIGNALED(st));
    CHECK("wait4.termsig", WTERMSIG(st));

    c = fork();
    if (c == 0) _exit(0);
    struct timespec ts = {0, 50000000};
    nanosleep(&ts, 0);
    CHECK("wait4.wnohang_reaps_zombie", waitpid(-1, &st, WNOHANG) == c);
    c = fork();
    if (c == 0) { nanosleep(&(struct timespec){0, 200000000}, 0); _exit(1); }
    CHECK("wait4.wnohang_running", waitpid(c, &st, WNOHANG));
    struct rusage ru;
    CHECK("wait4.rusage", wait4(c, &st, 0, &ru) == c);

    c = fork();
    if (c == 0) _exit(9);
    siginfo_t si = {0};
    CHECK("waitid.exited", waitid(P_PID, c, &si, WEXITED));
    CHECK("waitid.si_pid", si.si_pid == c);
    CHECK("waitid.si_code", si.si_code);
    CHECK("waitid.si_status", si.si_status);
    CHECK("waitid.bad_options", waitid(P_ALL, 0, &si, 0));
    CHECK("waitid.no_children", waitid(P_ALL, 0, &si, WEXITED));
    c = fork();
    if (c == 0) { for (;;) pause(); }
    kill(c, SIGKILL);
    CHECK("waitid.killed", waitid(P_PID, c, &si, WEXITED));
    CHECK("waitid.killed_code", si.si_code);
    CHECK("waitid.killed_status", si.si_status);

    c = fork();
    if (c == 0) {
        setpgid(0, 0);
        printf("setpgid.child_leader: %d\n", getpgid(0) == getpid());
        fflush(stdout);
        exit(0);
    }
    waitpid(c, 0, 0);

    /* a child's stdout is the parent's: output order kept by waiting */
    int p[2];
    pipe(p);
    c = fork();
    if (c == 0) { close(p[0]); write(p[1], "via pipe", 8); _exit(0); }
    close(p[1]);
    char buf[16] = {0};
    CHECK("fork.pipe_read", read(p[0], buf, sizeof buf));
    SHOW("fork.pipe_data", "%s", buf);
    waitpid(c, 0, 0);

    /* memory is copied, not shared */
    static int shared_var = 1;
    c = fork();
    if (c == 0) { shared_var = 2; _exit(shared_var); }
    waitpid(c, &st, 0);
    CHECK("fork.memory_copied", shared_var * 10 + WEXITSTATUS(st));

    int f = open("x", O_CREAT | O_RDWR, 0644);
    dup2(f, 5);
    dup2(f, 6);
    fcntl(6, F_SETFD, FD_CLOEXEC);
    c = fork();
    if (c == 0) {
        char *av[] = {argv[0], "child", "arg2", 0};
        char *ev[] = {"CONF_VAR=hello", 0};
        execve(argv[0], av, ev);
        _exit(99);
    }
    waitpid(c, &st, 0);
    CHECK("execve.child_status", WEXITSTATUS(st));
    CHECK("execve.missing", execve("/nonexistent/prog", (char *[]){"x", 0}, (char *[]){0}));
    CHECK("execve.not_executable", execve("x", (char *[]){"x", 0}, (char *[]){0}));
    CHECK("execve.bad_path_ptr", syscall(SYS_execve, BAD, (char *[]){"x", 0}, (char *[]){0}));

    c = fork();
    if (c == 0) syscall(SYS_exit_group, 42);
    waitpid(c, &st, 0);
    CHECK("exit_group.status", WEXITSTATUS(st));
    c = fork();
    if (c == 0) exit(300);
    waitpid(c, &st, 0);
    CHECK("exit.status_truncated", WEXITSTATUS(st));
    return 5;
}
