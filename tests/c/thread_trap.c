// A trap in a second thread ends the process with a message naming the thread.
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static void *crash(void *a) {
    volatile int *p = 0;
    (void)a;
    __builtin_trap();
    return (void *)(long)*p;
}

int main(void) {
    pthread_t t;
    printf("main: starting\n");
    fflush(stdout);
    pthread_create(&t, 0, crash, 0);
    pthread_join(t, 0);
    printf("main: joined (must not print)\n");
    return 0;
}
