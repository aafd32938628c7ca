/* Helpers for conformance cases. Each CHECK prints one line "name: result" where the
 * result is the return value and, on failure, the errno name: the runner compares these
 * lines between the native and the wasm run, case by case. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *errname(int e) {
    switch (e) {
#define E(x) case x: return #x;
    E(EPERM) E(ENOENT) E(ESRCH) E(EINTR) E(EIO) E(ENXIO) E(E2BIG) E(ENOEXEC) E(EBADF)
    E(ECHILD) E(EAGAIN) E(ENOMEM) E(EACCES) E(EFAULT) E(EBUSY) E(EEXIST) E(EXDEV)
    E(ENODEV) E(ENOTDIR) E(EISDIR) E(EINVAL) E(ENFILE) E(EMFILE) E(ENOTTY) E(EFBIG)
    E(ENOSPC) E(ESPIPE) E(EROFS) E(EMLINK) E(EPIPE) E(ERANGE) E(EDEADLK) E(ENAMETOOLONG)
    E(ENOLCK) E(ENOSYS) E(ENOTEMPTY) E(ELOOP) E(ENOTSOCK) E(EOPNOTSUPP) E(EOVERFLOW)
    E(ENOTCONN) E(ETIMEDOUT) E(ECONNREFUSED) E(EINPROGRESS) E(EALREADY) E(EDESTADDRREQ)
    E(EAFNOSUPPORT) E(EADDRINUSE) E(EPROTONOSUPPORT) E(ENOPROTOOPT) E(ENODATA)
#undef E
    default: return "E?";
    }
}

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
