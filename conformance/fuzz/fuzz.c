/* A fuzzer for wali-run's syscall layer (see README.md beside this file).
 *
 *   wali-run --list-syscalls --format tsv | conformance/fuzz/gen-table.py > gen/fuzz-table.h
 *   wali-cc -O1 -I gen conformance/fuzz/fuzz.c -o fuzz.wasm
 *   wali-run fuzz.wasm [-v] [--no-paths] [--allow-root] SEED ITERATIONS
 *
 * It makes ITERATIONS calls of syscalls picked from the runtime's table (fuzz-table.h), with
 * arguments drawn by a xorshift generator seeded by SEED: small and extreme integers,
 * fds, and pointers into a dedicated 1 MiB buffer (random bytes or crafted structures),
 * into the heap region above the module's data, at and past the end of linear memory.
 * After each call it checks two guard areas around the buffer: a changed byte means the
 * runtime wrote where no argument pointed. Prints `executions: N` and exits 0; exit 3 is
 * a damaged guard, 2 a usage error. `-v` prints each call to stderr before making it (and
 * its result after), so the last line before a runtime crash names the culprit.
 *
 * Memory the fuzzer itself uses is never handed to the runtime as a writable argument:
 * the stack's active part and the static data other than the buffer form a forbidden
 * zone no generated value may point into; the module never mallocs, so everything from
 * the initial break up (heap, mmap region) is fair game. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

typedef unsigned long long u64;
typedef long long i64;
typedef unsigned int u32;

/* ---- the syscall table ------------------------------------------------------------ */

enum {
    K_FD, K_DIRFD, K_PATH, K_PTR, K_BUF, K_OBUF, K_LEN, K_INT, K_UINT, K_OFF, K_U64,
    K_MODE, K_PID, K_SIG, K_OFLAGS, K_ATFLAGS, K_PROT, K_MFLAGS, K_SADDR, K_OSADDR,
    K_EPEV, K_OEPEVS,
};
struct sc {
    const char *name;
    int nr;
    int nargs;
    unsigned char k[6];
};
static const struct sc table[] = {
/* Generated from the runtime's table by gen-table.py (never a copy kept here): see the
 * build line at the top. */
#include <fuzz-table.h>
};
#define NTABLE ((int)(sizeof table / sizeof table[0]))

/* Calls that must not be fuzzed, with the reason (README.md lists them). */
static const char *excluded(const char *n) {
    static const struct { const char *name, *why; } x[] = {
        {"exit", "ends the process"},
        {"exit_group", "ends the process"},
        {"fork", "a second fuzzer"},
        {"clone", "a second fuzzer (a process clone is a fork)"},
        {"futex_waitv", "a wait with no timeout never returns"},
        {"execve", "replaces the fuzzer; runs host programs"},
        {"kill", "signals other processes, or kills the fuzzer"},
        {"tkill", "signals threads, or kills the fuzzer"},
        {"tgkill", "signals threads, or kills the fuzzer"},
        {"rt_sigqueueinfo", "signals other processes"},
        {"rt_tgsigqueueinfo", "signals other processes"},
        {"pause", "waits for a signal"},
        {"rt_sigsuspend", "waits for a signal (forever if the mask blocks SIGALRM)"},
        {"rt_sigtimedwait", "waits for a signal"},
        {"rt_sigaction", "would change the fuzzer's SIGALRM handler"},
        {"rt_sigprocmask", "could block the fuzzer's SIGALRM"},
        {"sigaltstack", "would move the fuzzer's signal stack"},
        {"setitimer", "would stop the fuzzer's interval timer"},
        {"alarm", "would stop the fuzzer's interval timer"},
        {"timer_create", "timers send signals"},
        {"timer_settime", "timers send signals"},
        {"setrlimit", "could starve the fuzzer (fds, memory, file size)"},
        {"chroot", "changes the root"},
        {"setuid", "changes credentials"},
        {"setgid", "changes credentials"},
        {"setreuid", "changes credentials"},
        {"setregid", "changes credentials"},
        {"setresuid", "changes credentials"},
        {"setresgid", "changes credentials"},
        {"setgroups", "changes credentials"},
        {"capset", "changes credentials (capabilities)"},
        {"personality", "changes how the runtime's process execs programs"},
        {"shmget", "System V objects are host-wide and outlive the run"},
        {"msgget", "System V objects are host-wide and outlive the run"},
        {"semget", "System V objects are host-wide and outlive the run"},
    };
    for (unsigned i = 0; i < sizeof x / sizeof x[0]; i++)
        if (!strcmp(n, x[i].name))
            return x[i].why;
    return 0;
}

/* Imports with 64-bit parameters are called directly, so those get full 64-bit values
 * (syscall() passes longs, 32 bits on wasm32). Signatures as in syscalls/abi. */
#define WIMP(n) __attribute__((import_module("wali"), import_name("SYS_" #n)))
WIMP(poll) i64 w_poll(int, i64, int);
WIMP(lseek) i64 w_lseek(int, i64, int);
WIMP(mmap) i64 w_mmap(int, int, int, int, int, i64);
WIMP(rt_sigreturn) i64 w_rt_sigreturn(i64);
WIMP(pread64) i64 w_pread64(int, int, int, i64);
WIMP(pwrite64) i64 w_pwrite64(int, int, int, i64);
WIMP(fcntl) i64 w_fcntl(int, int, i64);
WIMP(ftruncate) i64 w_ftruncate(int, i64);
WIMP(prctl) i64 w_prctl(int, i64, i64, i64, i64);
WIMP(fadvise) i64 w_fadvise(int, i64, i64, int);
WIMP(ppoll) i64 w_ppoll(int, i64, int, int, int);
WIMP(preadv) i64 w_preadv(int, int, int, i64, i64);
WIMP(truncate) i64 w_truncate(int, i64);
WIMP(fallocate) i64 w_fallocate(int, int, i64, i64);
WIMP(readahead) i64 w_readahead(int, i64, int);
WIMP(pwritev) i64 w_pwritev(int, int, int, i64, i64);
WIMP(sync_file_range) i64 w_sync_file_range(int, i64, i64, int);
WIMP(mount) i64 w_mount(int, int, int, i64, int);

static i64 do_call(const struct sc *s, const u64 *a) {
    int i0 = (int)a[0], i1 = (int)a[1], i2 = (int)a[2], i3 = (int)a[3], i4 = (int)a[4];
    switch (s->nr) {
    case 7: return w_poll(i0, (i64)a[1], i2);
    case 8: return w_lseek(i0, (i64)a[1], i2);
    case 9: return w_mmap(i0, i1, i2, i3, i4, (i64)a[5]);
    case 15: return w_rt_sigreturn((i64)a[0]);
    case 17: return w_pread64(i0, i1, i2, (i64)a[3]);
    case 18: return w_pwrite64(i0, i1, i2, (i64)a[3]);
    case 72: return w_fcntl(i0, i1, (i64)a[2]);
    case 77: return w_ftruncate(i0, (i64)a[1]);
    case 157: return w_prctl(i0, (i64)a[1], (i64)a[2], (i64)a[3], (i64)a[4]);
    case 221: return w_fadvise(i0, (i64)a[1], (i64)a[2], i3);
    case 271: return w_ppoll(i0, (i64)a[1], i2, i3, i4);
    case 295: return w_preadv(i0, i1, i2, (i64)a[3], (i64)a[4]);
    case 76: return w_truncate(i0, (i64)a[1]);
    case 285: return w_fallocate(i0, i1, (i64)a[2], (i64)a[3]);
    case 187: return w_readahead(i0, (i64)a[1], i2);
    case 296: return w_pwritev(i0, i1, i2, (i64)a[3], (i64)a[4]);
    case 277: return w_sync_file_range(i0, (i64)a[1], (i64)a[2], i3);
    case 165: return w_mount(i0, i1, i2, (i64)a[3], i4);
    }
    long r = syscall(s->nr, (long)a[0], (long)a[1], (long)a[2], (long)a[3], (long)a[4],
                     (long)a[5]);
    return r == -1 ? -(i64)errno : (i64)r;
}

/* ---- randomness ---------------------------------------------------------------------- */

static u64 rs;
static u64 rnd(void) {
    rs ^= rs >> 12;
    rs ^= rs << 25;
    rs ^= rs >> 27;
    return rs * 0x2545F4914F6CDD1DULL;
}
static u32 below(u32 n) { return n ? (u32)((rnd() >> 32) % n) : 0; }
static int chance(u32 n) { return below(n) == 0; }

/* ---- memory layout ------------------------------------------------------------------ */

#define BUFSZ (1u << 20)
#define GUARD 4096u
#define MARGIN 65536u /* room kept after a pointer whose size the call decides */
#define PAGE 4096u
static struct {
    unsigned char g0[GUARD];
    unsigned char b[BUFSZ];
    unsigned char g1[GUARD];
} A __attribute__((aligned(4096)));
#define BUF ((u32)(unsigned long)A.b)
#define BUFEND (BUF + BUFSZ)
#define CANARY 0xA5C3A5C3A5C3A5C3ULL

static u32 zone_lo;  /* forbidden: [zone_lo, BUF) and [BUFEND, heap0) */
static u32 heap0;    /* the break at start: everything above is fair game */
static u32 grown_end; /* end of the last page the fuzzer grew (for end-of-memory strings) */

static u32 memsize(void) {
    u64 s = (u64)__builtin_wasm_memory_size(0) * 65536;
    return s > 0xffffffffULL ? 0xffffffffu : (u32)s;
}

/* Whether [v, v+need) touches the fuzzer's own memory (outside the buffer). */
static int forbidden(u32 v, u32 need) {
    u64 s = v, e = (u64)v + need;
    return (s < BUF && e > zone_lo) || (s < heap0 && e > BUFEND);
}
/* A value that may be taken as a pointer: moved out of the forbidden zone. */
static u32 clean32(u32 v) {
    return forbidden(v, MARGIN) ? v ^ 0x80000000u : v;
}
static u64 clean64(u64 v) { return (v & ~0xffffffffULL) | clean32((u32)v); }

static void set_guards(void) {
    u64 *p = (u64 *)A.g0, *q = (u64 *)A.g1;
    for (unsigned i = 0; i < GUARD / 8; i++)
        p[i] = q[i] = CANARY;
}
static int guards_ok(void) {
    const volatile u64 *p = (const u64 *)A.g0, *q = (const u64 *)A.g1;
    u64 d = 0;
    for (unsigned i = 0; i < GUARD / 8; i++)
        d |= (p[i] ^ CANARY) | (q[i] ^ CANARY);
    return d == 0;
}
static void fill_random(u32 p, u32 n) {
    unsigned char *c = (unsigned char *)(unsigned long)p;
    while (n >= 8) {
        u64 v = rnd();
        memcpy(c, &v, 8);
        c += 8, n -= 8;
    }
    while (n--)
        *c++ = (unsigned char)rnd();
}
/* Writable by the fuzzer: inside the buffer. (Not the heap region: a call may have put
 * a shared file map there, and a store past a truncated file's end would fault.) */
static int mine(u32 p, u32 n) {
    return p >= BUF && (u64)p + n <= BUFEND;
}
/* Zero [0, n): a NULL pointer is address 0 in wasm, and earlier calls may have written
 * there (the stack's unused bottom); structures read through NULL must be harmless. */
static volatile u32 opaque_zero;
static void zero_low(u32 n) {
    memset((void *)(unsigned long)opaque_zero, 0, n);
}

/* ---- output ------------------------------------------------------------------------- */

#define OUT 900 /* the original stdout and stderr, out of the fuzzer's reach */
#define ERR 901
#define ROOTDIR 902 /* the working directory, to come back to */
static int verbose;
static void say(int fd, const char *fmt, ...) {
    char b[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b, sizeof b, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof b - 1)
        n = sizeof b - 1;
    for (int o = 0; o < n;) {
        int w = write(fd, b + o, n - o);
        if (w <= 0 && errno != EINTR)
            break;
        if (w > 0)
            o += w;
    }
}

/* ---- fds ---------------------------------------------------------------------------- */

static int pool[96];
static int npool;
static int listen_port; /* a listening TCP socket on 127.0.0.1, for connect */
static void add_fd(int fd) {
    if (fd < 0 || fd >= OUT - 10)
        return;
    if (npool < (int)(sizeof pool / sizeof pool[0]))
        pool[npool++] = fd;
    else
        pool[below(npool)] = fd;
}
static u32 gen_fd(void) {
    switch (below(16)) {
    case 0: return below(32);
    case 1: return below(64);
    case 2: return (u32)-1;
    case 3: switch (below(5)) {
        case 0: return INT_MAX;
        case 1: return INT_MIN;
        case 2: return (u32)-100; /* AT_FDCWD */
        case 3: return 65536 + below(1 << 20);
        default: return 0x80000000u | (u32)rnd();
        }
    default: return npool ? (u32)pool[below(npool)] : below(32);
    }
}

/* ---- values ------------------------------------------------------------------------- */

static u32 gen_int(void) {
    switch (below(14)) {
    case 0: return 0;
    case 1: return 1;
    case 2: return (u32)-1;
    case 3: return INT_MAX;
    case 4: return (u32)INT_MIN;
    case 5: return UINT_MAX - below(4);
    case 6: return 1u << below(32);
    case 7: return (1u << below(32)) - 1;
    case 8: case 9: return below(16);
    case 10: return below(4096);
    case 11: return (u32)rnd();
    default: return below(256);
    }
}
static u64 gen_u64(void) {
    switch (below(10)) {
    case 0: return (u64)(i64)(int)gen_int();
    case 1: return gen_int();
    case 2: return rnd();
    case 3: return 1ULL << below(64);
    case 4: return (1ULL << below(64)) - 1;
    case 5: return 0x7fffffffffffffffULL - below(4);
    case 6: return 0x8000000000000000ULL + below(4);
    case 7: return ~0ULL - below(4);
    default: return below(1 << 16);
    }
}
static u32 gen_len(void) {
    switch (below(10)) {
    case 0: return 0;
    case 1: return below(16);
    case 2: case 3: return below(4096);
    case 4: return below(1 << 16);
    case 5: return below(BUFSZ);
    case 6: return UINT_MAX - below(4096);
    case 7: return 0x80000000u + below(16);
    case 8: return (u32)rnd();
    default: return 1u << below(32);
    }
}

/* A pointer, and whether its target is meant to be written by the call. Read-only ones
 * may sit anywhere outside the fuzzer's memory; written ones keep MARGIN bytes of buffer
 * after them, or lie in the heap region or outside memory. */
static u32 gen_ptr(int written) {
    u32 m = memsize();
    switch (below(20)) {
    case 0: return 0;
    case 1: return 0xffffffffu - below(16);
    case 2: return m + below(64);          /* just past the end of memory */
    case 3: return m - 1 - below(16);      /* the last bytes of memory (heap region) */
    case 4: return 0x80000000u + (u32)below(1u << 30); /* likely past the end */
    case 5: return heap0 + below(m - heap0);   /* heap / mmap region */
    case 6: return below(4096);                /* ints taken as pointers: unused stack */
    case 7:
        if (!written)
            return BUFEND - below(64); /* read-only: right at the end of the buffer */
        /* fall through */
    default: {
        u32 off = below(BUFSZ - MARGIN);
        if (chance(2))
            off &= ~7u;
        if (chance(4))
            off &= ~(PAGE - 1);
        return BUF + off;
    }
    }
}

/* Structures the kernel might read, written at p (inside the buffer), n bytes at most. */
static u32 gen_safe_wptr(u32 *len, u32 maxlen);
static void put_timespec(u32 p) {
    i64 *t = (i64 *)(unsigned long)p;
    switch (below(6)) {
    case 0: t[0] = 0, t[1] = 0; break;
    case 1: t[0] = 0, t[1] = below(1000); break;
    case 2: t[0] = -1, t[1] = 0; break;
    case 3: t[0] = 0, t[1] = 1000000000; break;
    case 4: t[0] = 0, t[1] = -1; break;
    default: t[0] = (i64)rnd() | (1LL << 62), t[1] = (i64)rnd(); break; /* invalid or huge */
    }
}
static void put_sockaddr(u32 p, u32 *len) {
    unsigned char *c = (unsigned char *)(unsigned long)p;
    memset(c, 0, 128);
    switch (below(5)) {
    case 0: {
        struct sockaddr_in *s = (void *)c;
        s->sin_family = AF_INET;
        s->sin_port = htons(chance(2) && listen_port ? listen_port : below(65536));
        s->sin_addr.s_addr = htonl(0x7f000001);
        *len = chance(4) ? gen_len() : sizeof *s;
        break;
    }
    case 1: {
        struct sockaddr_in6 *s = (void *)c;
        s->sin6_family = AF_INET6;
        s->sin6_port = htons(below(65536));
        s->sin6_addr.s6_addr[15] = 1;
        *len = chance(4) ? gen_len() : sizeof *s;
        break;
    }
    case 2: {
        struct sockaddr_un *s = (void *)c;
        static const char *names[] = {"sock", "dsock", "", "d0/sock", "f0", "../sock"};
        s->sun_family = AF_UNIX;
        if (chance(4)) {
            s->sun_path[0] = 0; /* abstract */
            fill_random(p + 3, 8);
        } else
            strcpy(s->sun_path, names[below(6)]);
        *len = chance(4) ? below(128) : 2 + strlen(s->sun_path) + 1;
        break;
    }
    default:
        fill_random(p, 128);
        /* Random bytes must not name a real host by accident. */
        if (c[0] == AF_INET || c[0] == AF_INET6 || c[1])
            c[0] = 0xff, c[1] = 0xff;
        *len = chance(2) ? below(130) : gen_len();
        break;
    }
}

static const char *words[] = {
    "..", ".", "", "/", "a", "b", "f0", "f1", "d0", "d0/a", "ln", "fifo", "sock", "x",
    "nonexistent", "d0/..", "./f0", "../", "//", "\xff\xfe", "dir/", "f0/", "ln/",
};
static u32 put_path(u32 p, u32 room) {
    char *c = (char *)(unsigned long)p;
    u32 n = 0, cap = room - 1;
    switch (below(8)) {
    case 0: { /* long strings: around PATH_MAX and NAME_MAX */
        static const u32 lens[] = {255, 256, 4095, 4096, 5000, 1 << 16};
        u32 l = lens[below(6)];
        if (l > cap)
            l = cap;
        memset(c, chance(2) ? 'a' : '/', l);
        if (chance(2))
            for (u32 i = 200; i < l; i += 256)
                c[i] = '/';
        n = l;
        break;
    }
    case 1: /* random bytes */
        n = below(64);
        if (n > cap)
            n = cap;
        fill_random(p, n);
        for (u32 i = 0; i < n; i++)
            if (!c[i])
                c[i] = 'z';
        break;
    case 2: case 3: { /* a name that exists */
        static const char *names[] = {"f0", "f1", "d0", "d0/a", "d0/b", "d0/s", "ln", "fifo",
                                      "sock", "fz.in", ".", "x", "d0/x", "y"};
        const char *w = names[below(sizeof names / sizeof names[0])];
        n = strlen(w);
        if (n > cap)
            n = cap;
        memcpy(c, w, n);
        break;
    }
    default: { /* components */
        int parts = 1 + below(6);
        if (chance(6) && n < cap)
            c[n++] = '/';
        for (int i = 0; i < parts; i++) {
            const char *w = words[below(sizeof words / sizeof words[0])];
            u32 l = strlen(w);
            if (n + l + 1 >= cap)
                break;
            memcpy(c + n, w, l);
            n += l;
            if (i + 1 < parts)
                c[n++] = '/';
        }
    }
    }
    c[n] = 0;
    return n + 1;
}

/* An iovec array at p for a call that writes through it (readv, recvmsg) or reads. */
static void put_iovecs(u32 p, int cnt, int written) {
    u32 *v = (u32 *)(unsigned long)p;
    for (int i = 0; i < cnt; i++) {
        u32 len;
        if (written) {
            if (chance(8))
                v[2 * i] = gen_safe_wptr(&len, 1 << 16);
            else { /* a good one: 64 KiB slots in the buffer, or the heap region */
                v[2 * i] = BUF + below(BUFSZ / 65536) * 65536 + below(4096);
                len = below(65536 - 4096);
            }
        } else {
            v[2 * i] = gen_ptr(0);
            len = chance(2) ? below(4096) : gen_len();
        }
        v[2 * i + 1] = len;
    }
}

/* A (pointer, length) pair the call may write in full. */
static u32 gen_safe_wptr(u32 *len, u32 maxlen) {
    u32 m = memsize();
    switch (below(24)) {
    case 0: *len = gen_len(); return 0xffffffffu - below(4096);
    case 1: *len = gen_len(); return m + below(1 << 16);
    case 2: { /* crossing the end of memory */
        u32 k = 1 + below(256);
        *len = k + 1 + below(4096);
        return m - k;
    }
    case 3: { /* in the buffer, long enough to wrap around 4 GiB */
        u32 p = BUF + below(BUFSZ - MARGIN);
        *len = (u32)(0x100000000ULL - p) + below(4096);
        return p;
    }
    case 4: { /* in the buffer, reaching past the end of memory */
        u32 p = BUF + below(BUFSZ - MARGIN);
        *len = m - p + 1 + below(1 << 20);
        return p;
    }
    case 5: *len = 0; return gen_ptr(1);
    case 6: { /* heap region: anything up to the end of memory */
        u32 p = heap0 + below(m - heap0);
        u32 room = m - p;
        *len = below(room < maxlen ? room + 1 : maxlen);
        return p;
    }
    default: { /* in the buffer, any length that stays inside it */
        u32 p = BUF + below(BUFSZ);
        if (chance(2))
            p &= ~7u;
        u32 room = BUFEND - p;
        if (chance(3))
            *len = room;
        else
            *len = below((room < maxlen ? room : maxlen) + 1);
        return p;
    }
    }
}

/* Content for a pointer argument the call may read: random bytes or a structure. */
static void put_content(u32 p, u32 room) {
    if (!mine(p, room < 16 ? room : 16))
        return;
    if (room > 4096)
        room = 4096;
    switch (below(12)) {
    case 0: memset((void *)(unsigned long)p, 0, room); break;
    case 1: memset((void *)(unsigned long)p, 0xff, room); break;
    case 2: if (room >= 16) put_timespec(p); break;
    case 3: if (room >= 32) put_timespec(p), put_timespec(p + 16); break;
    case 4: if (room >= 128) { u32 l; put_sockaddr(p, &l); } break;
    case 5: if (room >= 64) put_path(p, room); break;
    case 6: { /* ints: fds, small numbers */
        u32 *v = (u32 *)(unsigned long)p;
        for (u32 i = 0; i < room / 4 && i < 64; i++)
            v[i] = chance(2) ? gen_fd() : gen_int();
        break;
    }
    case 7: { /* pollfds, epoll_events: fds and event bits */
        u32 *v = (u32 *)(unsigned long)p;
        for (u32 i = 0; i + 1 < room / 4 && i < 64; i += 2)
            v[i] = gen_fd(), v[i + 1] = (u32)rnd() & 0xffff001f;
        break;
    }
    case 8: /* read-only iovecs: their targets are only read */
        if (room >= 8 * 16) put_iovecs(p, 16, 0);
        break;
    default: fill_random(p, room < 512 ? room : 512); break;
    }
}

/* ---- the calls ---------------------------------------------------------------------- */

static int no_paths, no_shared_maps, self_test;
static u32 enabled[512];
static int nenabled;

static int has_kind(const struct sc *s, int k) {
    for (int i = 0; i < s->nargs; i++)
        if (s->k[i] == k)
            return 1;
    return 0;
}

static u64 gen_arg(int kind, int written_hint) {
    switch (kind) {
    case K_FD: return gen_fd();
    case K_DIRFD: return chance(3) ? (u32)-100 : gen_fd();
    case K_PATH: case K_BUF: case K_SADDR: case K_EPEV: return gen_ptr(0);
    case K_PTR: return gen_ptr(written_hint);
    case K_OBUF: case K_OSADDR: case K_OEPEVS: return gen_ptr(1);
    case K_LEN: return gen_len();
    case K_OFF: return chance(2) ? below(1 << 20) : gen_u64();
    case K_U64: return clean64(gen_u64());
    case K_MODE: return chance(2) ? (rnd() & 07777) : gen_int();
    case K_PID: switch (below(6)) {
        case 0: return 0;
        case 1: return (u32)-1;
        case 2: return (u32)getpid();
        case 3: return INT_MAX;
        case 4: return (u32)INT_MIN;
        default: return 4194304 + below(1 << 20); /* above pid_max: no such process */
        }
    case K_SIG: return below(70);
    case K_OFLAGS: return chance(2) ? (rnd() & 037777777) : gen_int();
    case K_ATFLAGS: return chance(2) ? (rnd() & 0x1f00) : gen_int();
    case K_PROT: return chance(2) ? below(8) : gen_int();
    case K_MFLAGS: return chance(2) ? (rnd() & 0x1fffff) : gen_int();
    default: return gen_int();
    }
}

/* A page-aligned range for the memory-management calls: inside the buffer, in the heap
 * region, or out of range, never over the fuzzer's own memory. */
static void gen_range(u64 *addr, u64 *len) {
    u32 m = memsize();
    switch (below(6)) {
    case 0: case 1: {
        u32 pages = BUFSZ / PAGE, first = below(pages);
        *addr = BUF + first * PAGE;
        *len = chance(8) ? 0 : (1 + below(pages - first)) * PAGE - (chance(4) ? below(PAGE) : 0);
        break;
    }
    case 2: case 3: {
        u32 p = (heap0 + below(m - heap0 + (8u << 20))) & ~(PAGE - 1);
        if (p < heap0)
            p = heap0;
        *addr = p;
        *len = chance(3) ? gen_len() : (1 + below(256)) * PAGE;
        break;
    }
    case 4: /* past the end of memory */
        *addr = (m + below(1 << 24)) & ~(PAGE - 1);
        *len = chance(2) ? gen_len() : PAGE * (1 + below(16));
        break;
    default: /* from the buffer or heap, long enough to wrap */
        *addr = chance(2) ? BUF : heap0;
        *len = (u32)(0x100000000ULL - *addr) + PAGE * below(4);
        break;
    }
    if (chance(16))
        *addr += 1 + below(PAGE - 1); /* unaligned: EINVAL */
    *addr = clean32((u32)*addr) == (u32)*addr ? *addr : BUF;
}

static u32 scratch(u32 need) { /* a fresh place in the buffer for a structure */
    return BUF + (below(BUFSZ - MARGIN - need) & ~7u);
}

/* Argument fix-ups that keep the call from writing over the fuzzer, hanging it, or
 * reaching outside the sandbox's intent (see README). */
static void fixup(const struct sc *s, u64 *a) {
    const char *n = s->name;
    /* Buffers with their lengths. */
    for (int i = 0; i + 1 < s->nargs; i++) {
        int k = s->k[i], k1 = s->k[i + 1];
        if ((k == K_OBUF || k == K_PTR) && k1 == K_LEN) {
            u32 len;
            a[i] = gen_safe_wptr(&len, 1 << 20);
            a[i + 1] = len;
        } else if (k == K_BUF && (k1 == K_LEN || k1 == K_UINT)) {
            if (mine((u32)a[i], 128) && !chance(4)) {
                put_content((u32)a[i], BUFEND - (u32)a[i]);
                a[i + 1] = chance(8) ? gen_len() : below(chance(2) ? 256 : BUFEND - (u32)a[i] + 1);
            }
        }
    }
    /* (length, mask) of sched_getaffinity and sched_setaffinity. */
    if (s->nr == 204 || s->nr == 203) {
        u32 len;
        a[2] = gen_safe_wptr(&len, 4096);
        a[1] = len;
    }
    /* Socket addresses only in the buffer (sanitized: no remote host), or out of range. */
    for (int i = 0; i < s->nargs; i++) {
        if (s->k[i] != K_SADDR || (u32)a[i] == 0)
            continue;
        u32 p = (u32)a[i];
        if (!mine(p, 1))
            a[i] = chance(2) ? memsize() + below(64) : 0xffffff00u;
        else if (mine(p, 2) && !mine(p, 128)) {
            unsigned char *c = (unsigned char *)(unsigned long)p;
            if (c[1] == 0 && (c[0] == AF_INET || c[0] == AF_INET6))
                c[0] = 0xff;
        } else if (mine(p, 128) && i + 1 < s->nargs) {
            u32 len;
            put_sockaddr(p, &len);
            a[i + 1] = len;
        }
    }
    /* Content for every read pointer in the buffer. */
    for (int i = 0; i < s->nargs; i++) {
        int k = s->k[i];
        u32 p = (u32)a[i];
        if ((k == K_PTR || k == K_EPEV) && mine(p, 16))
            put_content(p, BUFEND - p);
        else if (k == K_PATH && mine(p, 64) && chance(4) == 0) {
            u32 room = BUFEND - p;
            put_path(p, room > 8192 ? 8192 : room);
        }
    }
    /* A path that ends exactly at the end of memory, unterminated (on a page the fuzzer
     * grew, so it is the fuzzer's to write). */
    for (int i = 0; i < s->nargs; i++) {
        if ((s->k[i] == K_PATH || s->k[i] == K_SADDR) && chance(64) && memsize() < (1u << 30)) {
            u32 old = memsize();
            if (__builtin_wasm_memory_grow(0, 1) != (unsigned long)-1) {
                grown_end = old + 65536;
                u32 l = 1 + below(300);
                char *c = (char *)(unsigned long)(grown_end - l);
                memset(c, 'a', l);
                if (chance(2))
                    for (u32 j = 0; j < l; j += 3)
                        c[j] = '/';
                a[i] = grown_end - l;
            }
        }
    }

    int nr = s->nr;
    if (!strcmp(n, "mmap") || !strcmp(n, "munmap") || !strcmp(n, "madvise") ||
        !strcmp(n, "mprotect") || !strcmp(n, "msync") || !strcmp(n, "mlock") ||
        !strcmp(n, "munlock") || !strcmp(n, "mincore") || !strcmp(n, "mremap")) {
        if (nr == 9 && !chance(4)) { /* mostly well-formed flags */
            static const u32 fl[] = {0x22, 0x21, 0x2, 0x1, 0x3};
            a[3] = fl[below(5)] | (chance(3) ? 0x10 : 0) | (chance(8) ? 0x100000 : 0) |
                   (chance(8) ? (u32)rnd() & 0x7ff00 : 0);
            a[2] = below(8);
            a[5] = chance(2) ? 0 : PAGE * below(16);
            if (a[3] & 0x20)
                a[4] = chance(2) ? (u32)-1 : a[4];
        }
        int fixed = nr == 9 && (a[3] & (0x10 | 0x100000));
        if (nr != 9 || fixed || chance(2))
            gen_range(&a[0], &a[1]);
        if (nr == 9 && fixed && (u32)a[0] >= BUF && (u32)a[0] < BUFEND && !(a[3] & 0x20))
            a[3] = (a[3] & ~0xfULL) | 2; /* a file map over the buffer: private (a copy) */
        if (nr == 9 && no_shared_maps && !(a[3] & 0x20) && (a[3] & 0xf) != 2)
            a[3] = (a[3] & ~0xfULL) | 2; /* --no-shared-maps: file maps are copies */
        if (nr == 9 && !(a[3] & 0x20) && chance(2))
            a[4] = npool ? (u32)pool[below(npool)] : 3;
        if (nr == 25) { /* mremap: the new place, for MREMAP_FIXED */
            u64 na, nl;
            gen_range(&na, &nl);
            a[2] = chance(2) ? nl : a[1] + PAGE * below(64);
            a[3] = chance(2) ? below(8) : gen_int();
            a[4] = na;
            /* MREMAP_FIXED writes [new, new+new_size) */
            if ((u32)na >= BUF && (u32)na < BUFEND && (u64)(u32)na + a[2] > BUFEND)
                a[2] = BUFEND - (u32)na;
            if ((u32)na < heap0 && !((u32)na >= BUF && (u32)na < BUFEND))
                a[4] = heap0;
        }
        if (nr == 27) { /* mincore: one byte per page */
            u32 need = (u32)(((u64)(u32)a[1] + PAGE - 1) / PAGE);
            if (need <= BUFSZ / 2 && !chance(8))
                a[2] = BUF + below(BUFSZ / 2);
            else
                a[2] = chance(2) ? memsize() + PAGE * below(16) : 0xfffff000u;
        }
        return;
    }
    switch (nr) {
    case 0: case 17: /* read, pread64: whatever the fd */
        break;
    case 19: case 295: case 20: case 296: { /* readv preadv writev pwritev */
        int cnt = chance(4) ? (int)gen_int() : (int)below(20);
        int written = nr == 19 || nr == 295;
        u32 at;
        switch (below(8)) {
        case 0: at = 0; break;
        case 1: at = memsize() + below(64); break;
        default: at = scratch(8 * 1100);
        }
        if (at == 0)
            zero_low(8 * 1100);
        else if (mine(at, 8 * 1100))
            memset((void *)(unsigned long)at, 0, 8 * 1100);
        if (mine(at, 8 * 1100))
            put_iovecs(at, cnt > 0 && cnt <= 1100 ? cnt : 8, written);
        else if (at == 0)
            ; /* NULL: zeroed entries */
        a[1] = at;
        a[2] = (u32)cnt;
        break;
    }
    case 46: case 47: { /* sendmsg recvmsg: a msghdr whose pointers are safe */
        int written = nr == 47;
        u32 at = chance(16) ? 0 : scratch(64 + 8 * 1100);
        if (at == 0)
            zero_low(64);
        if (mine(at, 64)) {
            struct msghdr *m = (struct msghdr *)(unsigned long)at;
            memset(m, 0, sizeof *m);
            u32 iov = at + 64, len;
            int cnt = chance(8) ? (int)gen_int() : (int)below(8);
            memset((void *)(unsigned long)iov, 0, 8 * 1100);
            put_iovecs(iov, cnt > 0 && cnt <= 1100 ? cnt : 4, written);
            if (chance(16))
                iov = chance(2) ? memsize() + 64 : 0xfffffff0u; /* EFAULT */
            m->msg_iov = (struct iovec *)(unsigned long)iov;
            m->msg_iovlen = cnt;
            if (written) {
                /* The kernel cuts a long name to 128 bytes and writes fewer control
                 * bytes than offered: keep both clear of the buffer's end. */
                u32 np = gen_safe_wptr(&len, 256);
                if (mine(np, 1) && np > BUFEND - 256)
                    np = BUFEND - 256, len = len > 256 ? 256 : len;
                m->msg_name = (void *)(unsigned long)np;
                m->msg_namelen = chance(4) ? gen_len() : len;
                if (m->msg_namelen > len && mine(np, 1))
                    m->msg_namelen = len;
                u32 cp = gen_safe_wptr(&len, 4096);
                if (mine(cp, 1) && cp > BUFEND - MARGIN)
                    cp = BUFEND - MARGIN, len = len > 4096 ? 4096 : len;
                m->msg_control = (void *)(unsigned long)cp;
                m->msg_controllen = len;
            } else {
                if (chance(2) && !no_paths) {
                    u32 sa = scratch(128);
                    put_sockaddr(sa, &len);
                    m->msg_name = (void *)(unsigned long)sa;
                    m->msg_namelen = len;
                }
                u32 c = scratch(256);
                if (chance(2)) { /* a control message: SCM_RIGHTS with pool fds, or junk */
                    u32 *h = (u32 *)(unsigned long)c;
                    int nf = below(8);
                    h[0] = 12 + 4 * nf, h[1] = SOL_SOCKET, h[2] = chance(4) ? below(8) : SCM_RIGHTS;
                    for (int i = 0; i < nf; i++)
                        h[3 + i] = gen_fd();
                    if (chance(4))
                        fill_random(c, 64);
                    m->msg_control = (void *)(unsigned long)c;
                    m->msg_controllen = chance(4) ? gen_len() : h[0];
                    if (m->msg_controllen > 256)
                        m->msg_controllen = chance(2) ? 256 : 0x7fffffff;
                }
            }
            m->msg_flags = gen_int();
        }
        a[1] = at;
        break;
    }
    case 44: case 42: case 49: /* sendto connect bind: fixed up with the buffers above */
        break;
    case 7: case 271: { /* poll ppoll: nfds pollfds, no waiting */
        u32 len, nfds;
        a[0] = gen_safe_wptr(&len, 8 * 64);
        nfds = chance(4) ? (u32)gen_u64() : len / 8;
        if (mine((u32)a[0], 8) && (u64)nfds * 8 > BUFEND - (u32)a[0])
            nfds = (BUFEND - (u32)a[0]) / 8;
        if (mine((u32)a[0], 8))
            put_content((u32)a[0], nfds * 8);
        a[1] = chance(8) ? gen_u64() : nfds;
        if ((u32)a[0] >= BUF && (u32)a[0] < BUFEND && a[1] * 8 > BUFEND - (u32)a[0])
            a[1] = nfds;
        if (nr == 7)
            a[2] = 0;
        else {
            u32 t = scratch(16);
            ((i64 *)(unsigned long)t)[0] = 0, ((i64 *)(unsigned long)t)[1] = chance(8) ? -1 : 0;
            a[2] = chance(16) ? memsize() + 8 : t;
        }
        break;
    }
    case 23: case 270: { /* select pselect6: zero timeout */
        u32 t = scratch(16);
        memset((void *)(unsigned long)t, 0, 16);
        if (chance(8))
            ((i64 *)(unsigned long)t)[1] = -1; /* EINVAL */
        a[4] = chance(16) ? memsize() + 8 : t;
        if (nr == 270 && a[5] && mine((u32)a[5], 16)) {
            u32 *v = (u32 *)(unsigned long)a[5]; /* {sigset ptr, size} as two 8-byte words */
            u32 ss = scratch(16);
            memset((void *)(unsigned long)ss, 0, 16);
            v[0] = chance(4) ? gen_ptr(0) : ss, v[1] = 0, v[2] = chance(4) ? gen_int() : 8, v[3] = 0;
        }
        break;
    }
    case 232: case 281: /* epoll_wait epoll_pwait */
        a[3] = 0;
        break;
    case 35: case 230: { /* nanosleep clock_nanosleep: at most a microsecond */
        int ri = nr == 35 ? 0 : 2;
        u32 t = scratch(16);
        put_timespec(t);
        i64 *v = (i64 *)(unsigned long)t;
        if (v[0] > 0 || (v[0] == 0 && v[1] > 1000))
            v[0] = 0, v[1] = below(1000);
        a[ri] = chance(16) ? gen_ptr(0) : t;
        if (a[ri] != t && mine((u32)a[ri], 16))
            a[ri] = t;
        if (a[ri] != t && a[ri] >= heap0 && a[ri] < memsize())
            a[ri] = memsize() + 16; /* unknown content could be a long sleep */
        if (a[ri] == 0)
            a[ri] = memsize() + 16; /* NULL is address 0: unknown content */
        break;
    }
    case 202: { /* futex: waits never block */
        u32 t = scratch(16);
        memset((void *)(unsigned long)t, 0, 16);
        a[3] = chance(16) ? memsize() + 8 : t;
        if (a[0] >= heap0 && a[0] < memsize() && chance(2))
            a[0] = BUF + (below(BUFSZ - 64) & ~3u);
        break;
    }
    case 72: { /* fcntl: signals go nowhere but here, and SIGIO is ignored */
        int cmd = chance(2) ? (int)below(48) : (int)(chance(2) ? 1024 + below(16) : gen_int());
        a[1] = (u32)cmd;
        if (cmd == F_SETOWN)
            a[2] = chance(2) ? 0 : (u32)getpid();
        else if (cmd == 15 /* F_SETOWN_EX */) {
            u32 p = scratch(8);
            ((u32 *)(unsigned long)p)[0] = below(4);
            ((u32 *)(unsigned long)p)[1] = chance(2) ? 0 : (u32)getpid();
            a[2] = p;
        } else if (cmd == 10 /* F_SETSIG */)
            a[2] = chance(2) ? 0 : (chance(2) ? SIGIO : (u32)(65 + below(100)));
        else if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)
            a[2] = chance(2) ? below(100) : gen_u64();
        else if (cmd >= 5 && cmd <= 7) /* F_GETLK F_SETLK F_SETLKW: struct flock */
            put_content((u32)a[2], 32);
        break;
    }
    case 41: case 53: { /* socket socketpair: local families, no raw sockets */
        /* Families past AF_MAX fail before any module load; an inet type or protocol
         * the kernel lacks would make it run modprobe, so inet gets only TCP and UDP. */
        static const int dom[] = {AF_UNIX, AF_UNIX, AF_INET, AF_INET6, 46, -1, 1000};
        int d = dom[below(7)];
        int ty = chance(2) ? (int)(1 + below(5)) : (int)gen_int();
        if ((ty & 0xf) == SOCK_RAW || (ty & 0xf) == 10 /* SOCK_PACKET */)
            ty = (ty & ~0xf) | SOCK_STREAM;
        int proto = chance(2) ? 0 : (int)gen_int();
        if (d == AF_INET || d == AF_INET6) {
            int t = (ty & 0xf) == SOCK_DGRAM ? SOCK_DGRAM : SOCK_STREAM;
            ty = (ty & ~0xf) | t;
            if ((u32)proto < 263)
                proto = chance(2) ? 0 : (t == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP);
        }
        a[0] = (u32)d;
        a[1] = (u32)ty;
        a[2] = (u32)proto;
        break;
    }
    case 141: /* setpriority: this process only */
        a[0] = chance(4) ? gen_int() | 4 : 0;
        a[1] = chance(2) ? 0 : (u32)getpid();
        break;
    case 144: case 142: case 203: /* sched_setscheduler sched_setparam sched_setaffinity */
        a[0] = chance(2) ? 0 : (chance(2) ? (u32)getpid() : (u32)-1);
        if (nr == 144) {
            static const int pol[] = {0, 3, 5, 7, -1, 0x40000000};
            a[1] = (u32)pol[below(6)];
        }
        break;
    case 109: /* setpgid: this process, an existing or no group */
        a[0] = chance(2) ? 0 : (u32)getpid();
        break;
    case 302: /* prlimit64: read-only */
        a[2] = 0;
        break;
    case 436: /* close_range: not the fuzzer's output fds */
        if ((u32)a[1] >= OUT - 10)
            a[1] = chance(2) ? OUT - 11 : below(64);
        if ((u32)a[0] >= OUT - 10)
            a[0] = below(64);
        break;
    case 133: case 259: { /* mknod mknodat: no device nodes */
        int mi = nr == 133 ? 1 : 2;
        static const u32 types[] = {0, S_IFREG, S_IFIFO, S_IFSOCK, S_IFDIR, 0170000};
        u32 t = types[below(6)];
        a[mi] = (a[mi] & 07777) | t;
        if (t == 0170000 || t == S_IFDIR)
            a[mi] = (a[mi] & 07777) | S_IFREG;
        break;
    }
    case 285: /* fallocate: RLIMIT_FSIZE bounds it; keep most lengths small */
        if (chance(2))
            a[3] = below(1 << 20);
        break;
    case 218: /* set_tid_address: a place in the buffer */
        a[0] = chance(4) ? gen_ptr(0) : scratch(4);
        if (a[0] < heap0 && !(a[0] >= BUF && a[0] < BUFEND))
            a[0] = scratch(4);
        break;
    case 157: /* prctl: pointers only in the buffer */
        a[0] = chance(2) ? below(80) : gen_int();
        if (chance(2))
            a[1] = scratch(16);
        break;
    case 55: { /* getsockopt: *optlen chosen with optval */
        u32 lp = scratch(4), len;
        a[3] = gen_safe_wptr(&len, 4096);
        *(u32 *)(unsigned long)lp = chance(8) ? gen_int() : len;
        if (*(u32 *)(unsigned long)lp > len && mine((u32)a[3], 1))
            *(u32 *)(unsigned long)lp = len;
        a[4] = chance(16) ? gen_ptr(1) : lp;
        if (a[4] != lp && a[4] >= BUF && a[4] < BUFEND)
            a[4] = lp;
        a[1] = chance(2) ? (u32)(chance(2) ? SOL_SOCKET : below(300)) : gen_int();
        a[2] = chance(2) ? below(80) : gen_int();
        break;
    }
    case 54: /* setsockopt */
        a[1] = chance(2) ? (u32)(chance(2) ? SOL_SOCKET : below(300)) : gen_int();
        a[2] = chance(2) ? below(80) : gen_int();
        break;
    case 43: case 288: case 51: case 52: case 45: { /* accept getsockname ...: *addrlen */
        int ai = nr == 45 ? 4 : 1;
        u32 lp = scratch(4), len;
        a[ai] = gen_safe_wptr(&len, 256);
        *(u32 *)(unsigned long)lp = chance(8) ? gen_int() : len;
        if (*(u32 *)(unsigned long)lp > len && mine((u32)a[ai], 1))
            *(u32 *)(unsigned long)lp = len;
        a[ai + 1] = chance(16) ? 0 : lp;
        break;
    }
    case 217: /* getdents64: fixed with its count above (Ptr, Len) */
        break;
    }
}

/* ---- setup -------------------------------------------------------------------------- */

static void on_alarm(int sig) { (void)sig; }

static void make_fds(void) {
    int fd, p[2];
    npool = 0;
    /* fds 0-2: files in the working directory */
    for (int i = 0; i < 3; i++) {
        static const char *names[] = {"fz.in", "fz.out", "fz.err"};
        fd = open(names[i], O_RDWR | O_CREAT, 0600);
        if (fd >= 0 && fd != i) {
            dup2(fd, i);
            close(fd);
        }
        if (i == 0 && lseek(0, 0, SEEK_END) == 0)
            write(0, "some input\n", 11), lseek(0, 0, SEEK_SET);
        add_fd(i);
    }
    mkdir("d0", 0755);
    close(open("d0/a", O_CREAT | O_WRONLY, 0644));
    close(open("d0/b", O_CREAT | O_WRONLY, 0644));
    mkdir("d0/s", 0755);
    symlink("f0", "ln");
    mknod("fifo", S_IFIFO | 0644, 0);
    if ((fd = open("f0", O_RDWR | O_CREAT, 0644)) >= 0) {
        char b[4096];
        for (unsigned i = 0; i < sizeof b; i++)
            b[i] = 'a' + i % 26;
        if (lseek(fd, 0, SEEK_END) == 0)
            write(fd, b, sizeof b);
        add_fd(fd);
    }
    add_fd(open("f1", O_RDWR | O_CREAT | O_APPEND, 0644));
    add_fd(open(".", O_RDONLY | O_DIRECTORY));
    add_fd(open("d0", O_RDONLY | O_DIRECTORY));
    add_fd(open("d0", O_PATH));
    if (pipe(p) == 0) add_fd(p[0]), add_fd(p[1]);
    if (pipe2(p, O_NONBLOCK) == 0) add_fd(p[0]), add_fd(p[1]);
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, p) == 0) add_fd(p[0]), add_fd(p[1]);
    if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, p) == 0) add_fd(p[0]), add_fd(p[1]);
    if ((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0) {
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
        socklen_t l = sizeof sa;
        if (bind(fd, (void *)&sa, sizeof sa) == 0 && listen(fd, 8) == 0 &&
            getsockname(fd, (void *)&sa, &l) == 0)
            listen_port = ntohs(sa.sin_port);
        add_fd(fd);
    }
    if ((fd = socket(AF_INET6, SOCK_DGRAM, 0)) >= 0) add_fd(fd);
    if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0) {
        struct sockaddr_un su = {.sun_family = AF_UNIX, .sun_path = "sock"};
        unlink("sock");
        if (bind(fd, (void *)&su, sizeof su) == 0)
            listen(fd, 8);
        add_fd(fd);
    }
    add_fd(syscall(SYS_eventfd2, 0, 0));
    if ((fd = epoll_create1(0)) >= 0) {
        for (int i = 3; i < npool && i < 12; i++) {
            struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.u64 = i};
            epoll_ctl(fd, EPOLL_CTL_ADD, pool[i], &ev);
        }
        add_fd(fd);
    }
    if ((fd = syscall(SYS_timerfd_create, CLOCK_MONOTONIC, 0)) >= 0) {
        i64 its[4] = {0, 1000000, 0, 1000000};
        syscall(SYS_timerfd_settime, fd, 0, its, 0);
        add_fd(fd);
    }
    {
        u64 mask = 1ULL << (SIGUSR1 - 1);
        add_fd(syscall(SYS_signalfd4, -1, &mask, 8, 0));
    }
    if ((fd = syscall(SYS_inotify_init1, 0)) >= 0) {
        syscall(SYS_inotify_add_watch, fd, ".", 0xfff);
        add_fd(fd);
    }
    if ((fd = syscall(SYS_memfd_create, "fz", 0)) >= 0) {
        ftruncate(fd, 65536);
        add_fd(fd);
    }
}

int main(int argc, char **argv) {
    int allow_root = 0;
    const char *pos[2];
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-v"))
            verbose = 1;
        else if (!strcmp(argv[i], "--no-paths"))
            no_paths = 1;
        else if (!strcmp(argv[i], "--self-test"))
            self_test = 1; /* one call that writes into a guard: must end in exit 3 */
        else if (!strcmp(argv[i], "--no-shared-maps"))
            no_shared_maps = 1;
        else if (!strcmp(argv[i], "--allow-root"))
            allow_root = 1;
        else if (npos < 2)
            pos[npos++] = argv[i];
    }
    if (npos != 2) {
        fprintf(stderr, "usage: fuzz.wasm [-v] [--no-paths] [--no-shared-maps] [--allow-root] SEED ITERATIONS\n");
        return 2;
    }
    if (getuid() == 0 && !no_paths && !allow_root) {
        fprintf(stderr, "fuzz: refusing to fuzz paths as root: run as an unprivileged user, "
                        "or with --no-paths (or --allow-root)\n");
        return 2;
    }
    u64 seed = strtoull(pos[0], 0, 0);
    long iters = strtol(pos[1], 0, 0);

    /* Memory: stack first (wali-cc links with --stack-first), then data, then the heap. */
    volatile char here;
    u32 sp = (u32)(unsigned long)&here;
    heap0 = (u32)syscall(SYS_brk, 0);
    if (!(sp < BUF && BUFEND < heap0 && heap0 <= memsize())) {
        fprintf(stderr, "fuzz: unexpected layout: sp %#x buf %#x heap %#x\n", sp, BUF, heap0);
        return 2;
    }
    zone_lo = sp > (1u << 20) ? sp - (1u << 20) : 65536;

    /* Output out of reach; no fds inherited; file sizes bounded. */
    if (dup2(1, OUT) != OUT || dup2(2, ERR) != ERR) {
        fprintf(stderr, "fuzz: cannot keep stdout/stderr\n");
        return 2;
    }
    int rd = open(".", O_RDONLY | O_DIRECTORY);
    if (rd < 0 || dup2(rd, ROOTDIR) != ROOTDIR) {
        fprintf(stderr, "fuzz: cannot open the working directory\n");
        return 2;
    }
    close(rd);
    syscall(SYS_close_range, 3, OUT - 1, 0);
    struct rlimit fl = {16 << 20, 16 << 20};
    setrlimit(RLIMIT_FSIZE, &fl);

    /* Signals: SIGALRM every 20 ms interrupts blocking calls (no SA_RESTART). */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, 0);
    sa.sa_handler = SIG_IGN;
    static const int ign[] = {SIGPIPE, SIGXFSZ, SIGIO, SIGURG, SIGTTIN, SIGTTOU, SIGHUP};
    for (unsigned i = 0; i < sizeof ign / sizeof ign[0]; i++)
        sigaction(ign[i], &sa, 0);
    struct itimerval it = {{0, 20000}, {0, 20000}};
    setitimer(ITIMER_REAL, &it, 0);

    for (int i = 0; i < NTABLE; i++) {
        const struct sc *s = &table[i];
        if (excluded(s->name))
            continue;
        if (no_paths && strcmp(s->name, "memfd_create") &&
            (has_kind(s, K_PATH) || has_kind(s, K_SADDR)))
            continue;
        enabled[nenabled++] = i;
    }

    rs = seed * 0x9E3779B97F4A7C15ULL + 0x1234567;
    for (int i = 0; i < 8; i++)
        rnd();
    make_fds();
    set_guards();
    fill_random(BUF, BUFSZ);

    if (verbose)
        say(ERR, "layout: stack %#x, forbidden %#x-%#x, buffer %#x-%#x, heap %#x, memory %#x\n",
            sp, zone_lo, heap0, BUF, BUFEND, heap0, memsize());
    long done = 0, ok = 0;
    for (long it_ = 0; it_ < iters; it_++) {
        if (it_ && it_ % 4000 == 0) { /* fresh fds now and then: back home, close, reopen */
            syscall(SYS_fchdir, ROOTDIR);
            syscall(SYS_close_range, 3, OUT - 1, 0);
            make_fds();
        }
        if (it_ % 64 == 0)
            syscall(SYS_fchdir, ROOTDIR); /* back home: most names are relative to it */
        if (it_ % 256 == 0) {
            u32 off = below(BUFSZ / 65536) * 65536;
            fill_random(BUF + off, 65536);
        }
        const struct sc *s = &table[enabled[below(nenabled)]];
        u64 a[6] = {0, 0, 0, 0, 0, 0};
        if (self_test) {
            static const struct sc getrandom_ = {"getrandom", 318, 3, {K_OBUF, K_LEN, K_UINT}};
            s = &getrandom_;
            a[0] = BUFEND + 100, a[1] = 8;
            goto call;
        }
        for (int i = 0; i < s->nargs; i++)
            a[i] = gen_arg(s->k[i], 1);
        for (int i = 0; i < s->nargs; i++) {
            int k = s->k[i];
            if (k == K_LEN || k == K_OFF)
                continue;
            if (k == K_U64)
                a[i] = clean64(a[i]);
            else if (k == K_PATH || k == K_BUF || k == K_SADDR || k == K_EPEV)
                a[i] = forbidden((u32)a[i], 1) ? a[i] ^ 0x80000000u : a[i]; /* only read */
            else
                a[i] = clean32((u32)a[i]);
        }
        fixup(s, a);
    call:
        if (verbose) {
            say(ERR, "%ld %s(", it_, s->name);
            for (int i = 0; i < s->nargs; i++)
                say(ERR, "%s%#llx", i ? ", " : "", a[i]);
            say(ERR, ")\n");
        }
        i64 r = do_call(s, a);
        done++;
        if (r >= 0)
            ok++;
        if (verbose)
            say(ERR, "  = %lld\n", r);
        if (r >= 3 && r < OUT - 10 &&
            (strstr(s->name, "open") || strstr(s->name, "dup") || strstr(s->name, "socket") ||
             strstr(s->name, "accept") || strstr(s->name, "create") || strstr(s->name, "eventfd") ||
             strstr(s->name, "signalfd") || strstr(s->name, "inotify_init") ||
             (s->nr == 72 && (a[1] == F_DUPFD || a[1] == F_DUPFD_CLOEXEC))))
            add_fd((int)r);
        if ((s->nr == 22 || s->nr == 293 || s->nr == 53) && r == 0) {
            u32 p = (u32)a[s->nr == 53 ? 3 : 0];
            if (mine(p, 8))
                add_fd(((int *)(unsigned long)p)[0]), add_fd(((int *)(unsigned long)p)[1]);
        }
        if (!guards_ok()) {
            say(ERR, "fuzz: GUARD DAMAGED by call %ld %s(", it_, s->name);
            for (int i = 0; i < s->nargs; i++)
                say(ERR, "%s%#llx", i ? ", " : "", a[i]);
            say(ERR, ") = %lld, seed %llu (buffer %#x-%#x)\n", r, seed, BUF, BUFEND);
            return 3;
        }
    }
    say(OUT, "executions: %ld\nsucceeded: %ld\n", done, ok);
    return 0;
}
