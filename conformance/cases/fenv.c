// syscalls:
// The floating-point environment says what it can do, and does it. Each line is 1
// when the program's view is true: a rounding mode or exception flag the headers
// offer takes effect (x86-64), or the header does not offer it (wasm32 has no
// status flags and rounds to nearest only, as an FPU-less target).
#include "../case.h"
#include <fenv.h>
#include <math.h>

static volatile double one = 1.0, three = 3.0, zero = 0.0, big = 1e308, minus = -1.0;

int main(void) {
#ifdef FE_DOWNWARD
    if (fesetround(FE_DOWNWARD) == 0) {
        volatile double down = minus / three;
        int mode = fegetround() == FE_DOWNWARD;
        fesetround(FE_TONEAREST);
        volatile double near = minus / three;
        SHOW("fenv.downward_takes_effect", "%d", mode && down < near);
    } else {
        SHOW("fenv.downward_takes_effect", "%d", 1);
    }
#else
    SHOW("fenv.downward_takes_effect", "%d", 1);
#endif
#ifdef FE_UPWARD
    if (fesetround(FE_UPWARD) == 0) {
        volatile double up = one / three;
        fesetround(FE_TONEAREST);
        volatile double near = one / three;
        SHOW("fenv.upward_takes_effect", "%d", up > near);
    } else {
        SHOW("fenv.upward_takes_effect", "%d", 1);
    }
#else
    SHOW("fenv.upward_takes_effect", "%d", 1);
#endif
#ifdef FE_TOWARDZERO
    if (fesetround(FE_TOWARDZERO) == 0) {
        volatile double t = rint(-2.5 + zero), u = nearbyint(2.7 + zero);
        fesetround(FE_TONEAREST);
        SHOW("fenv.towardzero_takes_effect", "%d", t == -2.0 && u == 2.0);
    } else {
        SHOW("fenv.towardzero_takes_effect", "%d", 1);
    }
#else
    SHOW("fenv.towardzero_takes_effect", "%d", 1);
#endif
#ifdef FE_DIVBYZERO
    feclearexcept(FE_ALL_EXCEPT);
    volatile double inf = one / zero;
    (void)inf;
    SHOW("fenv.divbyzero_flag_set", "%d", fetestexcept(FE_DIVBYZERO) != 0);
#else
    SHOW("fenv.divbyzero_flag_set", "%d", 1);
#endif
#ifdef FE_INEXACT
    feclearexcept(FE_ALL_EXCEPT);
    volatile double third = one / three;
    (void)third;
    SHOW("fenv.inexact_flag_set", "%d", fetestexcept(FE_INEXACT) != 0);
#else
    SHOW("fenv.inexact_flag_set", "%d", 1);
#endif
#ifdef FE_INVALID
    feclearexcept(FE_ALL_EXCEPT);
    volatile double nan_ = sqrt(minus);
    (void)nan_;
    SHOW("fenv.invalid_flag_set", "%d", fetestexcept(FE_INVALID) != 0);
#else
    SHOW("fenv.invalid_flag_set", "%d", 1);
#endif
#ifdef FE_OVERFLOW
    feclearexcept(FE_ALL_EXCEPT);
    volatile double o = big * big;
    (void)o;
    int ovf = fetestexcept(FE_OVERFLOW) != 0;
    feclearexcept(FE_ALL_EXCEPT);
    feraiseexcept(FE_OVERFLOW);
    SHOW("fenv.overflow_flag_set", "%d", ovf && fetestexcept(FE_OVERFLOW) != 0);
#else
    SHOW("fenv.overflow_flag_set", "%d", 1);
#endif
    SHOW("fenv.default_mode", "%d", fegetround() == FE_TONEAREST);
    SHOW("fenv.unknown_mode_refused", "%d", fesetround(0x7777) != 0);
    fenv_t e;
    SHOW("fenv.getenv", "%d", fegetenv(&e));
    SHOW("fenv.setenv_default", "%d", fesetenv(FE_DFL_ENV));
    SHOW("math.rint_even", "%.1f", rint(2.5 + zero));
    SHOW("math.lrint", "%ld", lrint(-3.5 + zero));
    SHOW("math.nearbyint", "%.1f", nearbyint(0.5 + zero));
    SHOW("math.fma", "%.17g", fma(one / three, three, -one));
    SHOW("math.sqrt2", "%.17g", sqrt(2.0 + zero));
    return 0;
}
