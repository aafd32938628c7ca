// 8 threads increment a mutex-guarded counter 100000 times each; thread-local values
// stay per thread; pthread_join hands back each thread's return value.
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static _Thread_local long mine = 1000;

static void *work(void *arg) {
    long id = (long)arg;
    mine += id;
    for (int i = 0; i < 100000; i++) {
        pthread_mutex_lock(&lock);
        counter++;
        pthread_mutex_unlock(&lock);
    }
    return (void *)(mine * 2);
}

int main(void) {
    pthread_t t[8];
    for (long i = 0; i < 8; i++)
        if (pthread_create(&t[i], 0, work, (void *)i) != 0) return 1;
    for (int i = 0; i < 8; i++) {
        void *r;
        int e = pthread_join(t[i], &r);
        printf("join %d: %d, returned %ld\n", i, e, (long)r);
    }
    printf("counter = %ld\n", counter);
    printf("main's thread-local = %ld\n", mine);
    return 0;
}
