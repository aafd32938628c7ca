#include <config.h>
#include <math.h>
#include "walidemo.h"

double walidemo_mean(const double *v, size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    return n ? s / n : 0;
}

double walidemo_stddev(const double *v, size_t n) {
    double m = walidemo_mean(v, n), s = 0;
    for (size_t i = 0; i < n; i++)
        s += (v[i] - m) * (v[i] - m);
    return n ? sqrt(s / n) : 0;
}
