// syscalls: mmap munmap mremap mprotect madvise msync brk mincore mlock munlock munlockall fork wait4
// xfail: mprotect.store_faults wasm stores cannot fault: the child's store to a PROT_READ page succeeds (Linux: SIGSEGV)
// xfail: mincore.untouched every page of linear memory reads as resident (Linux: an untouched anonymous page is not)
#include "../case.h"
#include <signal.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* Fork a child that runs `f(p)` and exits; the parent waits for it. */
static void in_child(void (*f)(char *), char *p) {
    pid_t pid = fork();
    if (pid == 0) {
        f(p);
        _exit(0);
    }
    waitpid(pid, 0, 0);
}
static void write_hi(char *p) { memcpy(p, "hi", 3); }
static void write_end(char *p) { p[4095] = 'e'; }

/* Fork a child that runs `f(p)`; "exit N" or "signal N" as it ended. */
static const char *child_end(void (*f)(char *), char *p) {
    static char s[32];
    pid_t pid = fork();
    if (pid == 0) {
        f(p);
        _exit(0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    snprintf(s, sizeof s, WIFSIGNALED(st) ? "signal %d" : "exit %d",
             WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
    return s;
}
static void store(char *p) { *(volatile char *)p = 1; }

int main(void) {
    char *p = mmap(0, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK("mmap.anon", p != MAP_FAILED);
    CHECK("mmap.anon_aligned", ((uintptr_t)p & 4095) == 0);
    CHECK("mmap.anon_zeroed", p[0] == 0 && p[65535] == 0);
    p[100] = 'x';
    CHECK("mmap.anon_write", p[100] == 'x');
    CHECK("mmap.zero_len", (long)mmap(0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    CHECK("mmap.no_type", (long)mmap(0, 4096, PROT_READ, MAP_ANONYMOUS, -1, 0));
    CHECK("mmap.bad_fd", (long)mmap(0, 4096, PROT_READ, MAP_PRIVATE, 99, 0));
    CHECK("mmap.unaligned_off", (long)mmap(0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 7));
    CHECK("munmap.ok", munmap(p, 65536));
    CHECK("munmap.unaligned", munmap(p + 1, 4096));
    CHECK("munmap.zero", munmap(p, 0));

    int fd = open("data", O_RDWR | O_CREAT | O_TRUNC, 0644);
    write(fd, "hello mapped world", 18);
    char *f = mmap(0, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK("mmap.file_private", f != MAP_FAILED);
    SHOW("mmap.file_contents", "%.18s", f);
    CHECK("mmap.file_tail_zero", f[18] == 0 && f[4095] == 0);
    munmap(f, 4096);
    char *w = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    w[0] = 'J';
    char b[8] = {0};
    pread(fd, b, 5, 0);
    SHOW("mmap.private_not_written_back", "%s", b);
    munmap(w, 4096);
    char *sh = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK("mmap.file_shared", sh != MAP_FAILED);
    memcpy(sh, "HELLO", 5);
    CHECK("msync.shared", msync(sh, 4096, MS_SYNC));
    memset(b, 0, sizeof b);
    pread(fd, b, 5, 0);
    SHOW("mmap.shared_written_back", "%s", b);
    pwrite(fd, "J", 1, 0);
    SHOW("mmap.shared_sees_file", "%c", sh[0]);
    CHECK("munmap.shared", munmap(sh, 4096));
    CHECK("mmap.shared_rdonly_fd_write", (long)mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, open("data", O_RDONLY), 0));
    char *shr = mmap(0, 4096, PROT_READ, MAP_SHARED, open("data", O_RDONLY), 0);
    CHECK("mmap.shared_rdonly_read", shr != MAP_FAILED && shr[1] == 'E');
    CHECK("mmap.wronly_file", (long)mmap(0, 4096, PROT_READ, MAP_PRIVATE, open("data", O_WRONLY), 0));
    CHECK("mmap.dir", (long)mmap(0, 4096, PROT_READ, MAP_PRIVATE, open(".", O_RDONLY), 0));
    char *o = mmap(0, 4096, PROT_READ, MAP_PRIVATE, fd, 4096);
    CHECK("mmap.offset_past_end", o != MAP_FAILED);

    char *r = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    r[0] = 'a';
    r[8191] = 'z';
    char *r2 = mremap(r, 8192, 65536, MREMAP_MAYMOVE);
    CHECK("mremap.grow", r2 != MAP_FAILED);
    CHECK("mremap.keeps_data", r2[0] == 'a' && r2[8191] == 'z');
    CHECK("mremap.new_zeroed", r2[65535] == 0);
    char *r3 = mremap(r2, 65536, 4096, 0);
    CHECK("mremap.shrink_in_place", r3 == r2);
    CHECK("mremap.bad_flags", (long)mremap(r3, 4096, 8192, 0x100));
    CHECK("mremap.unaligned", (long)mremap(r3 + 1, 4096, 8192, MREMAP_MAYMOVE));

    char *q = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK("mprotect.ok", mprotect(q, 4096, PROT_READ));
    CHECK("mprotect.unaligned", mprotect(q + 1, 4096, PROT_READ));
    CHECK("mprotect.rw", mprotect(q, 8192, PROT_READ | PROT_WRITE));
    q[0] = 5;
    CHECK("madvise.dontneed", madvise(q, 4096, MADV_DONTNEED));
    CHECK("madvise.zeroed", q[0]);
    CHECK("madvise.bad_advice", madvise(q, 4096, 12345));
    CHECK("madvise.unaligned", madvise(q + 1, 4096, MADV_NORMAL));
    CHECK("msync.ok", msync(q, 4096, MS_SYNC));
    CHECK("msync.bad_flags", msync(q, 4096, MS_SYNC | MS_ASYNC));
    CHECK("msync.unaligned", msync(q + 1, 4096, MS_SYNC));
    unsigned char vec[2];
    CHECK("mincore.ok", mincore(q, 8192, vec));
    CHECK("mincore.unaligned", mincore(q + 1, 4096, vec));
    CHECK("mlock.ok", mlock(q, 4096));
    CHECK("munlock.ok", munlock(q, 4096));
    CHECK("mlock.again", mlock(q, 8192));
    CHECK("munlockall.ok", munlockall());
    CHECK("munlockall.again", munlockall());

    /* The partial notes' evidence (xfail above). */
    char *ro = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    mprotect(ro, 4096, PROT_READ);
    SHOW("mprotect.store_faults", "%s", child_end(store, ro));
    char *fresh = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    unsigned char one = 9;
    mincore(fresh, 4096, &one);
    CHECK("mincore.untouched", one & 1);
    char *gap = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(gap + 4096, 4096);
    CHECK("mlock.unmapped", mlock(gap, 8192));
    CHECK("munlock.unmapped", munlock(gap, 8192));

    /* MAP_SHARED | MAP_ANONYMOUS memory stays shared with a forked child. */
    char *sa = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK("mmap.shared_anon", sa != MAP_FAILED);
    CHECK("mmap.shared_anon_zeroed", sa[0] == 0 && sa[8191] == 0);
    in_child(write_hi, sa);
    SHOW("mmap.shared_anon_child_write", "%s", sa);
    in_child(write_hi, sa + 4096);
    SHOW("mmap.shared_anon_child_write_page2", "%s", sa + 4096);
    char *pa = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    in_child(write_hi, pa);
    CHECK("mmap.private_anon_child_write_unseen", pa[0]);
    CHECK("madvise.shared_dontneed", madvise(sa, 4096, MADV_DONTNEED));
    SHOW("madvise.shared_keeps", "%s", sa);
    char *sb = mremap(sa, 8192, 4096, 0);
    CHECK("mremap.shared_shrink", sb == sa);
    char *sc = mremap(sb, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED, pa);
    CHECK("mremap.shared_moved", sc == pa);
    SHOW("mremap.shared_moved_keeps", "%s", sc);
    in_child(write_end, sc);
    CHECK("mremap.shared_moved_still_shared", sc[4095]);
    CHECK("munmap.shared_anon", munmap(sc, 4096));
    char *sd = mmap(sc, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK("munmap.shared_anon_gone", sd == sc && sd[0] == 0 && sd[4095] == 0);
    in_child(write_hi, sd);
    CHECK("munmap.shared_anon_now_private", sd[0]);

    void *cur = sbrk(0);
    CHECK("brk.sbrk_grow", sbrk(4096) == cur);
    CHECK("brk.moved", (char *)sbrk(0) - (char *)cur);
    char *big = 0;
    for (int i = 0; i < 5; i++) {
        big = mmap(0, 50 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        big[(50 << 20) - 1] = 1;
        munmap(big, 50 << 20);
    }
    CHECK("mmap.reuse_50mb_x5", big != MAP_FAILED);
    return 0;
}
