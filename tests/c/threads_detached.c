/* Detached threads, one after another and in small waves (bounded: 600 threads): each
 * must start as a new thread does even when its stack was an exited thread's (the libc
 * overlay keeps exited detached threads' stacks for reuse). Checked in each thread:
 * thread-local variables at their initial values (an initialised one and a zero one),
 * no thread-specific value, the default stack size and guard, a stack that holds a
 * 64 KiB frame, and pthread_self distinct from the running threads'. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <stdatomic.h>
#include <sched.h>

static _Thread_local int tl_init = 42;
static _Thread_local long tl_zero;
static _Thread_local char tl_buf[256];
static pthread_key_t key;
static atomic_int bad, done;

static void *run(void *arg)
{
	long n = (long)arg;
	if (tl_init != 42 || tl_zero != 0 || tl_buf[0] || tl_buf[255]) atomic_fetch_add(&bad, 1);
	if (pthread_getspecific(key)) atomic_fetch_add(&bad, 1);
	pthread_attr_t a;
	size_t ss = 0, gs = 0;
	if (pthread_getattr_np(pthread_self(), &a) == 0) {
		pthread_attr_getstacksize(&a, &ss);
		pthread_attr_getguardsize(&a, &gs);
		pthread_attr_destroy(&a);
	}
	if (ss < 64 * 1024 || gs == 0) atomic_fetch_add(&bad, 1);
	volatile char frame[64 * 1024];
	memset((char *)frame, (int)n, sizeof frame);
	if (frame[100] != (char)n) atomic_fetch_add(&bad, 1);
	tl_init = (int)n;
	tl_zero = n + 1;
	memset(tl_buf, 0xff, sizeof tl_buf);
	pthread_setspecific(key, (void *)(n + 1));
	atomic_fetch_add(&done, 1);
	return 0;
}

static int start(long n)
{
	pthread_attr_t a;
	pthread_t t;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	int r = pthread_create(&t, &a, run, (void *)n);
	pthread_attr_destroy(&a);
	return r;
}

int main(void)
{
	pthread_key_create(&key, 0);
	int created = 0;
	/* One at a time: each waits for the last to be done (its stack then goes back). */
	for (long i = 0; i < 300; i++) {
		if (start(i) == 0) created++;
		while (atomic_load(&done) < created) sched_yield();
	}
	/* Waves of 10 at once. */
	for (long w = 0; w < 30; w++) {
		for (long i = 0; i < 10; i++)
			if (start(1000 + w * 10 + i) == 0) created++;
		while (atomic_load(&done) < created) sched_yield();
	}
	printf("created %d done %d bad %d\n", created, atomic_load(&done), atomic_load(&bad));
	return atomic_load(&bad) != 0;
}
