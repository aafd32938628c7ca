// syscalls: getpid getppid gettid getuid geteuid getgid getegid getresuid getresgid getgroups setgroups setuid setgid setreuid setregid setresuid setresgid getpgid setpgid getsid setsid getpriority setpriority uname getrlimit setrlimit prlimit64 getrusage sysinfo getrandom prctl sched_yield sched_getaffinity sched_setaffinity sched_getscheduler sched_setscheduler sched_getparam sched_setparam sched_get_priority_max sched_get_priority_min sched_rr_get_interval getcpu sync syncfs
// xfail: prctl.child_subreaper prctl options beyond names, dumpable, no_new_privs, timer slack, keepcaps and pdeathsig answer EINVAL
#include "../case.h"
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

int main(void) {
    CHECK("getpid.positive", getpid() > 0);
    CHECK("getppid.positive", getppid() > 0);
    CHECK("getppid.not_self", getppid() != getpid());
    CHECK("gettid.main_is_pid", syscall(SYS_gettid) == getpid());
    SHOW("getuid.value", "%d", getuid());
    SHOW("geteuid.value", "%d", geteuid());
    SHOW("getgid.value", "%d", getgid());
    SHOW("getegid.value", "%d", getegid());
    uid_t r, e, s;
    CHECK("getresuid.ok", getresuid(&r, &e, &s));
    CHECK("getresuid.agrees", r == getuid() && e == geteuid() && s == geteuid());
    gid_t gr, ge, gs;
    CHECK("getresgid.ok", getresgid(&gr, &ge, &gs));
    CHECK("getresgid.agrees", gr == getgid() && ge == getegid());
    CHECK("getresuid.bad_ptr", syscall(SYS_getresuid, BAD, &e, &s));
    int ng = getgroups(0, 0);
    CHECK("getgroups.count", ng >= 0);
    gid_t groups[64];
    CHECK("getgroups.fill", getgroups(64, groups) == ng);
    if (ng > 0) CHECK("getgroups.too_small", getgroups(ng > 1 ? ng - 1 : 0, groups) < 0 || ng == 1);
    else SHOW("getgroups.too_small", "%d", 1);
    CHECK("getgroups.bad_ptr", ng > 0 ? syscall(SYS_getgroups, 64, BAD) : -1);
    CHECK("setgroups.same", setgroups(ng, groups));
    CHECK("setuid.same", setuid(getuid()));
    CHECK("setgid.same", setgid(getgid()));
    CHECK("setreuid.same", setreuid(-1, geteuid()));
    CHECK("setregid.same", setregid(-1, getegid()));
    CHECK("setresuid.unchanged", setresuid(-1, -1, -1));
    CHECK("setresgid.unchanged", setresgid(-1, -1, -1));

    pid_t pg = getpgid(0);
    CHECK("getpgid.self", pg > 0);
    CHECK("getpgid.matches_getpgrp", pg == getpgrp());
    CHECK("getpgid.no_such", getpgid(0x3fffffff));
    CHECK("getsid.self", getsid(0) > 0);
    CHECK("getsid.no_such", getsid(0x3fffffff));
    CHECK("setpgid.self_leader", setpgid(0, 0));
    CHECK("setpgid.now_leader", getpgid(0) == getpid());
    CHECK("setsid.as_leader", setsid());
    CHECK("setpgid.bad_pgid", setpgid(0, -1));

    CHECK("getpriority.process", getpriority(PRIO_PROCESS, 0) >= -20);
    CHECK("setpriority.nicer", setpriority(PRIO_PROCESS, 0, 5));
    CHECK("getpriority.after", getpriority(PRIO_PROCESS, 0));
    CHECK("getpriority.bad_which", getpriority(99, 0));

    struct utsname u;
    CHECK("uname.ok", uname(&u));
    SHOW("uname.sysname", "%s", u.sysname);
    CHECK("uname.release_nonempty", u.release[0] != 0);
    CHECK("uname.bad_ptr", syscall(SYS_uname, BAD));

    struct rlimit rl, rl2;
    CHECK("getrlimit.nofile", getrlimit(RLIMIT_NOFILE, &rl));
    CHECK("getrlimit.soft_le_hard", rl.rlim_cur <= rl.rlim_max);
    rl2 = rl;
    rl2.rlim_cur = 200;
    CHECK("setrlimit.lower_soft", setrlimit(RLIMIT_NOFILE, &rl2));
    getrlimit(RLIMIT_NOFILE, &rl2);
    SHOW("getrlimit.lowered", "%llu", (unsigned long long)rl2.rlim_cur);
    rl2.rlim_cur = rl2.rlim_max + 1;
    if (rl2.rlim_max != RLIM_INFINITY) CHECK("setrlimit.soft_above_hard", setrlimit(RLIMIT_NOFILE, &rl2));
    else SHOW("setrlimit.soft_above_hard", "%d -1 EINVAL", -1);
    CHECK("getrlimit.bad_resource", getrlimit(99, &rl));
    CHECK("getrlimit.bad_ptr", syscall(SYS_getrlimit, RLIMIT_NOFILE, BAD));
    CHECK("getrlimit.stack", getrlimit(RLIMIT_STACK, &rl));
    struct rlimit old;
    rl.rlim_cur = 100; rl.rlim_max = 300;
    CHECK("prlimit64.set_get_old", prlimit(0, RLIMIT_CORE, &rl, &old));
    CHECK("prlimit64.get", prlimit(0, RLIMIT_CORE, 0, &old));
    SHOW("prlimit64.value", "%llu %llu", (unsigned long long)old.rlim_cur, (unsigned long long)old.rlim_max);
    rl.rlim_cur = 400;
    CHECK("prlimit64.cur_above_max", prlimit(0, RLIMIT_CORE, &rl, 0));
    CHECK("prlimit64.no_such_pid", prlimit(0x3fffffff, RLIMIT_CORE, 0, &old));

    struct rusage ru;
    CHECK("getrusage.self", getrusage(RUSAGE_SELF, &ru));
    CHECK("getrusage.maxrss_positive", ru.ru_maxrss > 0);
    CHECK("getrusage.children", getrusage(RUSAGE_CHILDREN, &ru));
    CHECK("getrusage.thread", getrusage(RUSAGE_THREAD, &ru));
    CHECK("getrusage.bad_who", getrusage(99, &ru));
    CHECK("getrusage.bad_ptr", syscall(SYS_getrusage, RUSAGE_SELF, BAD));

    struct sysinfo si;
    CHECK("sysinfo.ok", sysinfo(&si));
    CHECK("sysinfo.uptime_positive", si.uptime > 0);
    CHECK("sysinfo.ram", (unsigned long long)si.totalram * si.mem_unit > (1ull << 26));
    CHECK("sysinfo.free_le_total", si.freeram <= si.totalram);
    CHECK("sysinfo.procs", si.procs > 0);
    CHECK("sysinfo.bad_ptr", syscall(SYS_sysinfo, BAD));

    unsigned char rnd[64] = {0}, rnd2[64] = {0};
    CHECK("getrandom.full", getrandom(rnd, sizeof rnd, 0));
    getrandom(rnd2, sizeof rnd2, GRND_NONBLOCK);
    CHECK("getrandom.differs", memcmp(rnd, rnd2, sizeof rnd) != 0);
    CHECK("getrandom.zero_len", getrandom(rnd, 0, 0));
    CHECK("getrandom.bad_flags", getrandom(rnd, 8, 0x100));
    CHECK("getrandom.bad_ptr", syscall(SYS_getrandom, BAD, 16, 0));

    char name[32] = {0};
    CHECK("prctl.set_name", prctl(PR_SET_NAME, "conf-test"));
    CHECK("prctl.get_name", prctl(PR_GET_NAME, name));
    SHOW("prctl.name", "%s", name);
    CHECK("prctl.set_name_long", prctl(PR_SET_NAME, "a-very-long-thread-name-indeed"));
    prctl(PR_GET_NAME, name);
    SHOW("prctl.name_truncated", "%s", name);
    CHECK("prctl.get_name_bad_ptr", syscall(SYS_prctl, PR_GET_NAME, BAD, 0, 0, 0));
    CHECK("prctl.get_dumpable", prctl(PR_GET_DUMPABLE));
    int subreaper = 7;
    CHECK("prctl.child_subreaper", prctl(PR_GET_CHILD_SUBREAPER, &subreaper));
    CHECK("prctl.set_no_new_privs", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    CHECK("prctl.get_no_new_privs", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    int sig = -1;
    CHECK("prctl.set_pdeathsig", prctl(PR_SET_PDEATHSIG, 15));
    CHECK("prctl.get_pdeathsig", prctl(PR_GET_PDEATHSIG, &sig));
    SHOW("prctl.pdeathsig_value", "%d", sig);
    CHECK("prctl.get_pdeathsig_bad_ptr", syscall(SYS_prctl, PR_GET_PDEATHSIG, BAD, 0, 0, 0));
    prctl(PR_SET_PDEATHSIG, 0);
    CHECK("prctl.unknown_option", prctl(0x7fff0000));

    CHECK("sched_yield.ok", sched_yield());
    cpu_set_t set;
    CPU_ZERO(&set);
    CHECK("sched_getaffinity.ok", sched_getaffinity(0, sizeof set, &set) == 0);
    CHECK("sched_getaffinity.count", CPU_COUNT(&set) > 0);
    CHECK("sched_getaffinity.bad_ptr", syscall(SYS_sched_getaffinity, 0, sizeof set, BAD));
    CHECK("sched_getaffinity.size_too_small", syscall(SYS_sched_getaffinity, 0, 0, &set));
    CHECK("sched_setaffinity.same", sched_setaffinity(0, sizeof set, &set));
    CHECK("sched_getscheduler.self", sched_getscheduler(0));
    struct sched_param sp = {0};
    CHECK("sched_getparam.ok", sched_getparam(0, &sp));
    SHOW("sched_getparam.priority", "%d", sp.sched_priority);
    CHECK("sched_setparam.same", sched_setparam(0, &sp));
    sp.sched_priority = 50;
    CHECK("sched_setscheduler.bad_priority", sched_setscheduler(0, SCHED_OTHER, &sp));
    sp.sched_priority = 0;
    CHECK("sched_setscheduler.batch", sched_setscheduler(0, SCHED_BATCH, &sp));
    CHECK("sched_getscheduler.batch", sched_getscheduler(0));
    CHECK("sched_get_priority_max.fifo", sched_get_priority_max(SCHED_FIFO));
    CHECK("sched_get_priority_min.fifo", sched_get_priority_min(SCHED_FIFO));
    CHECK("sched_get_priority_max.other", sched_get_priority_max(SCHED_OTHER));
    CHECK("sched_get_priority_max.bad", sched_get_priority_max(99));
    struct timespec ts;
    CHECK("sched_rr_get_interval.ok", sched_rr_get_interval(0, &ts));
    CHECK("sched_rr_get_interval.bad_pid", sched_rr_get_interval(-1, &ts));
    unsigned cpu = 999, node = 999;
    CHECK("getcpu.ok", syscall(SYS_getcpu, &cpu, &node, 0));
    CHECK("getcpu.in_set", cpu < 1024 && node < 1024);
    CHECK("getcpu.bad_ptr", syscall(SYS_getcpu, BAD, 0, 0));

    sync();
    SHOW("sync.returned", "%d", 1);
    int fd = open(".", O_RDONLY);
    CHECK("syncfs.ok", syncfs(fd));
    CHECK("syncfs.bad_fd", syncfs(99));
    return 0;
}
