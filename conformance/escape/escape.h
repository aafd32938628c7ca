/* Helpers for the sandbox escape corpus (see README.md).
 *
 * Every program makes ONE attack and ends with escaped() (exit 0: the attack worked) or
 * contained() (exit 1: it was refused), printing one line that says what happened.
 * Any other exit status is a bug in the program or the runtime.
 *
 * argv[1]  the OUTSIDE directory (absolute; holds `secret`, `sub/`, `empty/`, ...)
 * argv[2]  a TCP port on 127.0.0.1 the harness listens on ({port})
 * argv[3]  a second listening TCP port ({port2})
 * argv[4]  a free TCP port nobody listens on ({freeport})
 * argv[5]  a UDP port the harness has bound ({udpport})
 * cwd      a fresh INSIDE directory (granted read-write by default) */
#define _GNU_SOURCE
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wpragmas"
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

/* What the harness writes into OUTSIDE/secret. */
#define SECRET "WALI-ESCAPE-SECRET-7f3a9c"

#include "../errname.h"

static const char *OUT;        /* argv[1] */
static char CWD[PATH_MAX];     /* getcwd() at start */
static int PORT, PORT2, FREEPORT, UDPPORT;
static int VICTIM;             /* argv[6] with `// victim:`: a process the guest did not make */

__attribute__((noreturn, format(printf, 1, 2))) static void escaped(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    printf("ESCAPED: ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
    _exit(0);
}

__attribute__((noreturn, format(printf, 1, 2))) static void contained(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    printf("contained: ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
    _exit(1);
}

/* A broken precondition (not an attack result): exit 3, which the harness reports. */
__attribute__((noreturn, format(printf, 1, 2))) static void broken(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    printf("BROKEN: ");
    vprintf(fmt, ap);
    printf(" (%s)\n", errname(errno));
    va_end(ap);
    fflush(stdout);
    _exit(3);
}

static void setup(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2 || argv[1][0] != '/')
        broken("usage: %s OUTSIDE [port port2 freeport udpport]", argv[0]);
    OUT = argv[1];
    if (argc > 2) PORT = atoi(argv[2]);
    if (argc > 3) PORT2 = atoi(argv[3]);
    if (argc > 4) FREEPORT = atoi(argv[4]);
    if (argc > 5) UDPPORT = atoi(argv[5]);
    if (argc > 6) VICTIM = atoi(argv[6]);
    if (!getcwd(CWD, sizeof CWD)) broken("getcwd");
}

/* OUTSIDE/<rel>, in a static rotating buffer. */
static const char *out(const char *rel) {
    static char b[4][PATH_MAX];
    static int i;
    char *p = b[i++ & 3];
    snprintf(p, PATH_MAX, "%s/%s", OUT, rel);
    return p;
}

/* "../" as many times as the cwd is deep: relative to the cwd it names "/". */
static const char *to_root(void) {
    static char b[PATH_MAX];
    b[0] = 0;
    for (const char *c = CWD; *c; c++)
        if (*c == '/' && c[1]) strcat(b, "../");
    if (!b[0]) strcpy(b, "./");
    return b;
}

/* A relative path from the cwd to OUTSIDE/<rel> through "..": ../../../<outside>/<rel>. */
static const char *rel_out(const char *rel) {
    static char b[4][PATH_MAX];
    static int i;
    char *p = b[i++ & 3];
    snprintf(p, PATH_MAX, "%s%s/%s", to_root(), OUT + 1, rel);
    return p;
}

/* Does fd read as the secret? (1 yes, 0 no; errno kept from a failing read) */
static int fd_is_secret(int fd) {
    char buf[256];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n < 0) n = read(fd, buf, sizeof buf - 1);
    if (n <= 0) return 0;
    buf[n] = 0;
    return strstr(buf, SECRET) != NULL;
}

/* Open `path` relative to dirfd and check it is the secret. Sets errno on failure. */
static int read_secret_at(int dirfd, const char *path) {
    errno = 0;
    int fd = openat(dirfd, path, O_RDONLY);
    if (fd < 0) return 0;
    int ok = fd_is_secret(fd);
    int e = errno;
    close(fd);
    if (!ok && !e) e = EIO;
    errno = ok ? 0 : e;
    return ok;
}
static int read_secret(const char *path) { return read_secret_at(AT_FDCWD, path); }

/* Did the victim (`// victim:`) get a signal? It notes each in ./.victim-hit; wait up to
 * `ms` for one. */
static int victim_hit(int ms) {
    for (int i = 0; i <= ms / 10; i++) {
        if (access(".victim-hit", F_OK) == 0) return 1;
        usleep(10000);
    }
    return 0;
}

/* One line of a result: "what -> errno". */
#define E_ (errname(errno))

/* For the runtime's own memory checks: the end of linear memory. */
#ifdef __wasm__
static uintptr_t mem_end(void) { return (uintptr_t)__builtin_wasm_memory_size(0) * 65536u; }
#endif

/* Write a minimal WALI module to `file`: it opens `path` read-only and exits 0 if that
 * worked, 1 if not. Used to test what a module exec'd by the guest is allowed. */
static int write_probe_module(const char *file, const char *path) {
    unsigned char m[1024];
    size_t n = 0;
#define B(...) do { const unsigned char _b[] = {__VA_ARGS__}; memcpy(m + n, _b, sizeof _b); n += sizeof _b; } while (0)
#define STR(s) do { size_t _l = strlen(s); m[n++] = (unsigned char)_l; memcpy(m + n, s, _l); n += _l; } while (0)
    B(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);
    /* types: (i32,i32,i32)->i64, (i32)->i64, ()->() */
    B(0x01, 0x10, 0x03, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x01, 0x7e, 0x60, 0x01, 0x7f, 0x01, 0x7e,
      0x60, 0x00, 0x00);
    /* imports: wali.SYS_open (type 0), wali.SYS_exit_group (type 1) */
    size_t sec = n;
    B(0x02, 0x00, 0x02);
    STR("wali"); STR("SYS_open"); B(0x00, 0x00);
    STR("wali"); STR("SYS_exit_group"); B(0x00, 0x01);
    m[sec + 1] = (unsigned char)(n - sec - 2);
    B(0x03, 0x02, 0x01, 0x02);                         /* one function of type 2 */
    B(0x05, 0x04, 0x01, 0x03, 0x02, 0x10);             /* shared memory, min 2, max 16 */
    sec = n;
    B(0x07, 0x00, 0x02);
    STR("_start"); B(0x00, 0x02);
    STR("memory"); B(0x02, 0x00);
    m[sec + 1] = (unsigned char)(n - sec - 2);
    /* code: if (SYS_open(1024, 0, 0) >= 0) exit_group(0); exit_group(1); */
    const unsigned char body[] = {
        0x00,                                   /* no locals */
        0x41, 0x80, 0x08, 0x41, 0x00, 0x41, 0x00, 0x10, 0x00, /* open(1024,0,0) */
        0x42, 0x00, 0x59,                       /* i64.const 0; i64.ge_s */
        0x04, 0x40, 0x41, 0x00, 0x10, 0x01, 0x1a, 0x0b, /* if exit_group(0) */
        0x41, 0x01, 0x10, 0x01, 0x1a,           /* exit_group(1) */
        0x0b};
    B(0x0a, (unsigned char)(sizeof body + 2), 0x01, (unsigned char)sizeof body);
    memcpy(m + n, body, sizeof body);
    n += sizeof body;
    /* data: the path (NUL-terminated) at 1024 */
    size_t pl = strlen(path) + 1;
    if (pl > 120) return -1;
    B(0x0b, (unsigned char)(pl + 7), 0x01, 0x00, 0x41, 0x80, 0x08, 0x0b, (unsigned char)pl);
    memcpy(m + n, path, pl);
    n += pl;
#undef B
#undef STR
    int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    if (fd < 0) return -1;
    if (write(fd, m, n) != (ssize_t)n) { close(fd); return -1; }
    return close(fd);
}

/* Sockets. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
static struct sockaddr_in lo4(int port) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}
static void need_port(int p, const char *what) {
    if (p <= 0) broken("no %s port given (argv)", what);
}

/* Processes. */
#include <signal.h>
#include <sys/wait.h>
extern char **environ;
/* Run fn in a forked child; returns its exit status (or 128+signal), -1 if fork failed. */
static int in_child(int (*fn)(void *), void *arg) {
    pid_t p = fork();
    if (p < 0) return -1;
    if (p == 0) _exit(fn(arg));
    int st;
    if (waitpid(p, &st, 0) < 0) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Memory. */
#include <sys/mman.h>
#include <sys/uio.h>
#ifndef __wasm__
#define NATIVE_SKIP() contained("native: not applicable (wasm linear memory only)")
#else
#define NATIVE_SKIP() ((void)0)
/* A fresh page grown at the very end of linear memory, for data that must touch the
 * end; returns the end address. */
static uintptr_t fresh_end_page(void) {
    if (__builtin_wasm_memory_grow(0, 1) == (size_t)-1) broken("memory.grow");
    return mem_end();
}
/* After an mmap-family call failed: does a plain mmap still land inside memory? */
static void check_space_sane(const char *after) {
    void *p = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return;
    if ((uintptr_t)p + 65536 > mem_end())
        escaped("after %s, mmap(NULL) returned %p beyond the end of memory %#lx", after, p, (unsigned long)mem_end());
    munmap(p, 65536);
}
#endif
/* An address outside wasm memory (max 2 GiB) and unmapped natively. */
#define BAD ((void *)(uintptr_t)0xfffff000u)
