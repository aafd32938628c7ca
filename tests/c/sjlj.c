// setjmp/longjmp across three frames, plus a second jump through the same buffer.
#include <setjmp.h>
#include <stdio.h>

static jmp_buf env;
static int depth;

static void level3(int v) { depth = 3; printf("level3 jumping with %d\n", v); longjmp(env, v); }
static void level2(int v) { depth = 2; level3(v * 10); printf("not reached 2\n"); }
static void level1(int v) { depth = 1; level2(v + 1); printf("not reached 1\n"); }

int main(void) {
    volatile int rounds = 0;
    int r = setjmp(env);
    printf("setjmp returned %d (depth %d)\n", r, depth);
    if (rounds++ < 2) level1(rounds);
    jmp_buf inner;
    if ((r = setjmp(inner)) == 0) longjmp(inner, 0);
    printf("longjmp(…, 0) made setjmp return %d\n", r);
    return 0;
}
