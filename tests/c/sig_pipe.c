// Writing to a pipe with no reader: EPIPE while SIGPIPE is ignored, then death by
// SIGPIPE once the default action is back.
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    int p[2];
    pipe(p);
    close(p[0]);
    signal(SIGPIPE, SIG_IGN);
    ssize_t r = write(p[1], "x", 1);
    printf("ignored: write %zd (%s)\n", r, strerror(errno));
    signal(SIGPIPE, SIG_DFL);
    fflush(stdout);
    write(p[1], "x", 1);
    printf("still alive (must not print)\n");
    return 0;
}
