// exit() from a second thread ends the whole process at once with its status, while
// the main thread is blocked in read() and a third thread in a futex wait.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;

static void *waiter(void *a) {
    pthread_mutex_lock(&m);
    for (;;) pthread_cond_wait(&never, &m);
    return a;
}

static void *ender(void *a) {
    usleep(100000);
    printf("ender: exit(5)\n");
    exit(5);
    return a;
}

int main(void) {
    int p[2];
    pipe(p);
    pthread_t t1, t2;
    pthread_create(&t1, 0, waiter, 0);
    pthread_create(&t2, 0, ender, 0);
    char c;
    read(p[0], &c, 1);
    printf("main: read returned (must not print)\n");
    return 0;
}
