// Producer/consumer over a bounded queue with condition variables; a barrier, an
// rwlock, a semaphore, a detached thread, pthread_once and thread-specific data.
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <unistd.h>

#define N 20000
#define CAP 16
static int q[CAP], head, tail, count;
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER, not_full = PTHREAD_COND_INITIALIZER;

static void *producer(void *a) {
    for (int i = 1; i <= N; i++) {
        pthread_mutex_lock(&m);
        while (count == CAP) pthread_cond_wait(&not_full, &m);
        q[tail] = i; tail = (tail + 1) % CAP; count++;
        pthread_cond_signal(&not_empty);
        pthread_mutex_unlock(&m);
    }
    return a;
}

static void *consumer(void *a) {
    long sum = 0;
    for (int i = 0; i < N; i++) {
        pthread_mutex_lock(&m);
        while (count == 0) pthread_cond_wait(&not_empty, &m);
        sum += q[head]; head = (head + 1) % CAP; count--;
        pthread_cond_signal(&not_full);
        pthread_mutex_unlock(&m);
    }
    return (void *)sum;
}

static pthread_barrier_t bar;
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static int shared_value;
static void *reader_writer(void *a) {
    long id = (long)a;
    pthread_barrier_wait(&bar);
    for (int i = 0; i < 1000; i++) {
        if (id == 0) { pthread_rwlock_wrlock(&rw); shared_value++; pthread_rwlock_unlock(&rw); }
        else { pthread_rwlock_rdlock(&rw); (void)shared_value; pthread_rwlock_unlock(&rw); }
    }
    return 0;
}

static sem_t sem;
static void *detached(void *a) { sem_post(&sem); return a; }

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int once_runs;
static void init_once(void) { once_runs++; }
static pthread_key_t key;
static int destructor_runs;
static void destroy(void *p) { (void)p; __atomic_fetch_add(&destructor_runs, 1, __ATOMIC_SEQ_CST); }
static void *with_key(void *a) { pthread_once(&once, init_once); pthread_setspecific(key, a); return pthread_getspecific(key); }

int main(void) {
    pthread_t p, c;
    void *sum;
    pthread_create(&c, 0, consumer, 0);
    pthread_create(&p, 0, producer, 0);
    pthread_join(p, 0);
    pthread_join(c, &sum);
    printf("consumed sum %ld (expected %ld)\n", (long)sum, (long)N * (N + 1) / 2);

    pthread_t t[4];
    pthread_barrier_init(&bar, 0, 4);
    for (long i = 0; i < 4; i++) pthread_create(&t[i], 0, reader_writer, (void *)i);
    for (int i = 0; i < 4; i++) pthread_join(t[i], 0);
    printf("rwlock writes %d\n", shared_value);

    sem_init(&sem, 0, 0);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    for (int i = 0; i < 5; i++) pthread_create(&t[0], &attr, detached, 0);
    for (int i = 0; i < 5; i++) sem_wait(&sem);
    printf("5 detached threads posted\n");

    pthread_key_create(&key, destroy);
    for (long i = 0; i < 4; i++) pthread_create(&t[i], 0, with_key, (void *)(i + 1));
    for (int i = 0; i < 4; i++) { void *r; pthread_join(t[i], &r); printf("key value %ld\n", (long)r); }
    printf("once ran %d time(s), destructors ran %d\n", once_runs, destructor_runs);
    return 0;
}
