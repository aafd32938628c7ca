// malloc 200 MB, touch it, free it, and do it again many times: memory must be reused.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
    size_t n = 200u << 20;
    for (int round = 0; round < 20; round++) {
        unsigned char *p = malloc(n);
        if (!p) { printf("round %d: malloc failed\n", round); return 1; }
        memset(p, round + 1, n);
        unsigned long sum = 0;
        for (size_t i = 0; i < n; i += 4096) sum += p[i];
        if (sum != (unsigned long)(round + 1) * (n / 4096)) { printf("round %d: bad sum\n", round); return 1; }
        free(p);
    }
    // Fresh memory from calloc reads as zero even after the big blocks were freed.
    unsigned char *z = calloc(1, n);
    size_t nonzero = 0;
    for (size_t i = 0; i < n; i += 4096) nonzero += z[i] != 0;
    printf("20 rounds of 200 MB ok, calloc nonzero pages=%zu\n", nonzero);
    free(z);
    return 0;
}
