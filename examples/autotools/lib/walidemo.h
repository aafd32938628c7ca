/* The project's own library: statistics over doubles (libm) and a little text. */
#ifndef WALIDEMO_H
#define WALIDEMO_H
#include <stddef.h>

double walidemo_mean(const double *v, size_t n);
double walidemo_stddev(const double *v, size_t n);
/* Writes s reversed and upper-cased into out (size outlen); returns out. */
char *walidemo_shout(const char *s, char *out, size_t outlen);

#endif
