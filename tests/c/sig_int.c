// Waits in pause() for a SIGINT from outside (as Ctrl-C sends it) and handles it.
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static volatile sig_atomic_t got;
static void on_int(int sig) { got = sig; }

int main(void) {
    signal(SIGINT, on_int);
    printf("ready\n");
    fflush(stdout);
    while (!got) pause();
    printf("handled signal %d\n", (int)got);
    return 0;
}
