// kill(getpid(), SIGTERM) with no handler ends the process by the signal: the parent
// sees a death by SIGTERM, and nothing after the kill runs.
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main(void) {
    printf("before\n");
    fflush(stdout);
    kill(getpid(), SIGTERM);
    printf("after (must not print)\n");
    return 0;
}
