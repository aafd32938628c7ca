// attack: burn 3 s of CPU under a 1 s CPU limit (the runtime may stop the process
// instead of letting it report: any non-crash end counts as contained)
// flags: --limit cpu=1
// grant: --limit cpu=30
// stderr: limit
// status: any
#include "escape.h"
#include <time.h>
int main(int argc, char **argv) {
    setup(argc, argv);
    struct timespec t;
    volatile unsigned long x = 0;
    do {
        for (int i = 0; i < 1000000; i++) x += i;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    } while (t.tv_sec < 3);
    escaped("burned %ld s of CPU under a limit of 1 s", (long)t.tv_sec);
}
