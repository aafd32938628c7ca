/* Helpers for conformance cases. Each CHECK prints one line "name: result" where the
 * result is the return value and, on failure, the errno name: the runner compares these
 * lines between the native and the wasm run, case by case. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "errname.h"

/* An address outside wasm memory, and unmapped natively. */
#define BAD ((void *)(unsigned long)0xfffff000u)

#define CHECK(name, expr) do { \
    errno = 0; \
    long _r = (long)(expr); \
    int _e = errno; \
    if (_r < 0) printf("%s: %ld %s\n", (name), _r, errname(_e)); \
    else printf("%s: %ld\n", (name), _r); \
    fflush(stdout); \
} while (0)

/* A value that is not a plain return code (a field, a string). */
#define SHOW(name, fmt, ...) do { printf("%s: " fmt "\n", (name), __VA_ARGS__); fflush(stdout); } while (0)
