/* Initialized data, TLS and .bss as threads see them: the module's initial data comes
 * from an image mapped copy-on-write (or copied), and must read as the C program says,
 * once per process, never re-applied when a thread starts. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define ROW "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"
static const char text[] = ROW ROW ROW ROW ROW ROW ROW ROW ROW ROW ROW ROW ROW ROW ROW ROW;
static int table[3000] = {[0] = 11, [1] = 22, [1500] = 33, [2999] = 44};
int counter = 1000;
static char zeros[100000];
static _Thread_local int tl = 5;
static _Thread_local char tl_name[16] = "initial";
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *arg) {
    long id = (long)arg;
    int saw = tl;
    tl += (int)id;
    pthread_mutex_lock(&lock);
    counter += 1;
    table[1500] += 1;
    pthread_mutex_unlock(&lock);
    return (void *)(long)(saw * 100 + (strcmp(tl_name, "initial") == 0));
}

int main(void) {
    unsigned sum = 0;
    for (size_t i = 0; i < sizeof text; i++) sum = sum * 31 + (unsigned char)text[i];
    printf("text %zu bytes, hash %u\n", sizeof text, sum);
    printf("table %d %d %d %d\n", table[0], table[1], table[1500], table[2999]);
    int nonzero = 0;
    for (size_t i = 0; i < sizeof zeros; i++) nonzero += zeros[i] != 0;
    printf("bss nonzero bytes: %d\n", nonzero);
    /* Changed before any thread starts: a thread's start must not put them back. */
    counter = 2000;
    table[0] = -1;
    tl = 9;
    strcpy(tl_name, "main");
    pthread_t t[8];
    for (long i = 0; i < 8; i++) pthread_create(&t[i], NULL, worker, (void *)i);
    for (int i = 0; i < 8; i++) {
        void *r;
        pthread_join(t[i], &r);
        printf("thread %d saw tl=%ld name-initial=%ld\n", i, (long)r / 100, (long)r % 100);
    }
    printf("counter %d table[0] %d table[1500] %d tl %d name %s\n", counter, table[0], table[1500], tl, tl_name);
    return 0;
}
