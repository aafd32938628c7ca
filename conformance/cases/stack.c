// syscalls: prlimit64 mmap mprotect munmap
/* Stacks as a program sees them: pthread_getattr_np's bounds (the main thread's and a
 * thread's hold their locals; Ruby sizes its stack checks by them), RLIMIT_STACK as the
 * most the main thread can use (raised to 16 MiB first: Linux then grows the main stack
 * that far; a runtime whose main stack is fixed at link time must not promise more),
 * and recursion to within 512 KiB of each. */
#include "../case.h"
#include <pthread.h>
#include <stdint.h>
#include <sys/resource.h>

static uintptr_t top;
static size_t target;

/* Recurse with 4 KiB frames until `target` bytes of stack below `top` are in use. */
static int dig(int n) {
    volatile char frame[4096];
    frame[0] = (char)n;
    frame[sizeof frame - 1] = (char)n;
    if (top - (uintptr_t)frame >= target)
        return n;
    return dig(n + 1) + frame[n % sizeof frame];
}

static int inside(pthread_t t, void *p, size_t *size, size_t *guard) {
    pthread_attr_t a;
    void *addr;
    if (pthread_getattr_np(t, &a))
        return -1;
    pthread_attr_getstack(&a, &addr, size);
    pthread_attr_getguardsize(&a, guard);
    pthread_attr_destroy(&a);
    return (uintptr_t)p >= (uintptr_t)addr && (uintptr_t)p < (uintptr_t)addr + *size;
}

static void *thread(void *arg) {
    int local;
    size_t size, guard;
    CHECK("thread.getattr_np.local_inside", inside(pthread_self(), &local, &size, &guard));
    CHECK("thread.getattr_np.size_at_least_requested", size >= 256 * 1024);
    SHOW("thread.getattr_np.guard", "%zu", guard);
    top = (uintptr_t)&local;
    target = 256 * 1024 - 32 * 1024;
    CHECK("thread.recursion_to_the_size", dig(0) > 0);
    return arg;
}

int main(void) {
    int local;
    size_t size, guard;
    CHECK("main.getattr_np.local_inside", inside(pthread_self(), &local, &size, &guard));

    struct rlimit r;
    CHECK("rlimit.stack.get", getrlimit(RLIMIT_STACK, &r));
    if (r.rlim_max == RLIM_INFINITY || r.rlim_max >= (16u << 20)) {
        r.rlim_cur = 16u << 20;
        CHECK("rlimit.stack.raise_to_16M", setrlimit(RLIMIT_STACK, &r));
    } else {
        printf("rlimit.stack.raise_to_16M: 0\n");
    }
    CHECK("rlimit.stack.get_again", getrlimit(RLIMIT_STACK, &r));
    CHECK("rlimit.stack.at_least_1M", r.rlim_cur >= (1u << 20));
    top = (uintptr_t)&local;
    target = r.rlim_cur - 512 * 1024;
    CHECK("main.recursion_to_rlimit", dig(0) > 0);

    pthread_attr_t a;
    pthread_t t;
    pthread_attr_init(&a);
    pthread_attr_setstacksize(&a, 256 * 1024);
    CHECK("thread.create", pthread_create(&t, &a, thread, 0));
    CHECK("thread.join", pthread_join(t, 0));
    return 0;
}
