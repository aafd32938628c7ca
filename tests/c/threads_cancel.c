// pthread_cancel: a thread blocked in read() (a cancellation point) is cancelled and
// its cleanup handler runs; a thread with cancellation disabled finishes its work; a
// thread in a busy loop is cancelled at pthread_testcancel().
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static int p[2];
static volatile int cleaned, spinning;
static void cleanup(void *a) { (void)a; cleaned++; }

static void *blocked_reader(void *a) {
    char c;
    pthread_cleanup_push(cleanup, 0);
    read(p[0], &c, 1);
    pthread_cleanup_pop(0);
    return a;
}

static void *disabled(void *a) {
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, 0);
    usleep(100000);
    return (void *)42;
}

static void *spinner(void *a) {
    spinning = 1;
    for (;;) pthread_testcancel();
    return a;
}

int main(void) {
    pipe(p);
    pthread_t t;
    void *r;
    pthread_create(&t, 0, blocked_reader, 0);
    usleep(100000);
    pthread_cancel(t);
    pthread_join(t, &r);
    printf("blocked reader: cancelled=%d cleanup ran=%d\n", r == PTHREAD_CANCELED, cleaned);

    pthread_create(&t, 0, disabled, 0);
    pthread_cancel(t);
    pthread_join(t, &r);
    printf("cancel disabled: returned %ld\n", (long)r);

    pthread_create(&t, 0, spinner, 0);
    while (!spinning) usleep(1000);
    pthread_cancel(t);
    pthread_join(t, &r);
    printf("spinner: cancelled=%d\n", r == PTHREAD_CANCELED);
    return 0;
}
