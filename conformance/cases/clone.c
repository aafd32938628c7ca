// syscalls: clone fork wait4 exit exit_group pipe write read
// xfail: clone.parent CLONE_PARENT answers EINVAL: the runtime forks through the host libc, whose child is always the caller's
/* clone(2) beyond threads: process clones with CLONE_VFORK, the tid flags, child
 * functions of other C types than int (*)(void *), and the raw syscall. */
#include "../case.h"
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char stack_mem[64 * 1024] __attribute__((aligned(16)));
#define STACK (stack_mem + sizeof stack_mem)

static int p[2];
static pid_t child_tid_word;

static int child_int(void *arg) { return (int)(intptr_t)arg; }
static int child_noarg(void) { return 9; }
static void child_void(void *arg) { _exit((int)(intptr_t)arg); }
static long long child_wide(void *arg) { return (intptr_t)arg + 1; }
static int child_two(void *arg, int extra) { return (int)(intptr_t)arg + extra; }
static int child_vfork(void *arg) {
    (void)arg;
    usleep(50000);
    write(p[1], "c", 1);
    return 0;
}
static int child_settid(void *arg) {
    (void)arg;
    return child_tid_word == getpid() ? 5 : 6;
}

static int status_of(pid_t pid) {
    int st = 0;
    if (pid <= 0) return -1;
    if (waitpid(pid, &st, 0) != pid) return -2;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(void) {
    SHOW("clone.plain", "%d", status_of(clone(child_int, STACK, SIGCHLD, (void *)7)));
    SHOW("clone.noarg_child", "%d",
         status_of(clone((int (*)(void *))child_noarg, STACK, SIGCHLD, 0)));
    SHOW("clone.void_child", "%d",
         status_of(clone((int (*)(void *))child_void, STACK, SIGCHLD, (void *)11)));
    SHOW("clone.wide_child", "%d",
         status_of(clone((int (*)(void *))child_wide, STACK, SIGCHLD, (void *)12)));
    /* The second argument is whatever the register held natively: only the exit matters. */
    SHOW("clone.two_arg_child_exits", "%d",
         status_of(clone((int (*)(void *))child_two, STACK, SIGCHLD, (void *)1)) >= 0);

    /* CLONE_VFORK: the parent goes on only once the child has exited. */
    pipe(p);
    pid_t pid = clone(child_vfork, STACK, CLONE_VFORK | SIGCHLD, 0);
    write(p[1], "p", 1);
    char order[3] = {0};
    read(p[0], order, 2);
    SHOW("clone.vfork_order", "%s", order);
    SHOW("clone.vfork_status", "%d", status_of(pid));
    /* posix_spawn's flags: CLONE_VM | CLONE_VFORK. */
    SHOW("clone.vm_vfork", "%d", status_of(clone(child_int, STACK, CLONE_VM | CLONE_VFORK | SIGCHLD, (void *)3)));

    pid_t ptid = 0;
    pid = clone(child_int, STACK, CLONE_PARENT_SETTID | SIGCHLD, (void *)4, &ptid);
    CHECK("clone.parent_settid", pid > 0 && ptid == pid);
    SHOW("clone.parent_settid_status", "%d", status_of(pid));
    child_tid_word = 0;
    pid = clone(child_settid, STACK, CLONE_CHILD_SETTID | SIGCHLD, 0, 0, 0, &child_tid_word);
    SHOW("clone.child_settid", "%d", status_of(pid));
    CHECK("clone.child_settid.parent_untouched", child_tid_word);

    /* The raw syscall with no stack: a fork. */
    long r = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    if (r == 0) _exit(3);
    SHOW("clone.raw", "%d", status_of(r));

    CHECK("clone.sighand_without_vm", clone(child_int, STACK, CLONE_SIGHAND | SIGCHLD, 0));
    CHECK("clone.newns_with_fs", clone(child_int, STACK, CLONE_NEWNS | CLONE_FS | SIGCHLD, 0));

    pid = clone(child_int, STACK, CLONE_PARENT | SIGCHLD, 0);
    CHECK("clone.parent", pid > 0);
    return 0;
}
