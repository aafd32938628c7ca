// exit(3) from a nested call, after buffered output that exit must flush.
#include <stdio.h>
#include <stdlib.h>

static void leave(void) { printf("leaving with 3"); exit(3); }
static void bye(void) { printf(" (atexit ran)\n"); }

int main(void) {
    atexit(bye);
    leave();
    return 0;
}
