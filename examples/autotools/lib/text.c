#include <config.h>
#include <ctype.h>
#include <string.h>
#include "walidemo.h"

char *walidemo_shout(const char *s, char *out, size_t outlen) {
    size_t n = strlen(s), i;
    if (outlen == 0)
        return out;
    if (n >= outlen)
        n = outlen - 1;
    for (i = 0; i < n; i++)
        out[i] = (char)toupper((unsigned char)s[n - 1 - i]);
    out[n] = 0;
    return out;
}
