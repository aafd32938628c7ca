// A first program: argv, the environment, a file, and the clock.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <sys/utsname.h>

int main(int argc, char **argv) {
    printf("hello");
    for (int i = 1; i < argc; i++) printf(" %s", argv[i]);
    printf("!\n");
    struct utsname u;
    uname(&u);
    printf("running on %s %s (%s), HOME=%s\n", u.sysname, u.release, u.machine, getenv("HOME") ? getenv("HOME") : "?");
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    printf("the time is %lld seconds after the epoch\n", (long long)t.tv_sec);
    return 0;
}
