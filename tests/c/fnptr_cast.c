/* Function pointers called through another type, as C libraries do (Ruby's zlib passes a
 * void function to rb_protect as VALUE (*)(VALUE)). Native code runs these by the calling
 * convention; wasm's call_indirect traps unless wali-cc's wali-fnptr gives each a thunk.
 * Every result printed is one the C ABI defines natively (no value read from a void). */
#include <stdio.h>

typedef long (*long_fn)(long);
typedef void (*void_fn)(long);
typedef long (*two_fn)(long, long);

static long total;

/* APIs that take a callback, kept out of line as a library's would be. */
__attribute__((noinline)) long protect(long_fn f, long arg) { return f(arg) * 0 + 1; }
__attribute__((noinline)) void each(void_fn f, long n) {
    for (long i = 1; i <= n; i++) f(i);
}
/* Passes its callback on to another API, unchanged. */
__attribute__((noinline)) long ensure(long_fn body, long arg) { return protect(body, arg); }
__attribute__((noinline)) long call2(two_fn f, long a) { return f(a, 0); }

static void add(long x) { total += x; }           /* void, called as long (*)(long) */
static long add_ret(long x) { total += 10 * x; return 99; } /* result nobody reads */
static long one_arg(long x) { total += 100 * x; return x; } /* called with an extra argument */

int main(void) {
    protect((long_fn)add, 1);
    ensure((long_fn)add, 2);
    each((void_fn)add_ret, 3);
    long r = call2((two_fn)one_arg, 4);
    printf("total=%ld r=%ld\n", total, r);
    return 0;
}
