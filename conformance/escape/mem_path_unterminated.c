// attack: a path with no NUL that runs into the very end of linear memory (the cwd
// holds a file named like the path's bytes, so a runtime that reads past the end, or
// takes the end as a terminator, opens it)
// grant: none
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    NATIVE_SKIP();
#ifdef __wasm__
    char name[65];
    memset(name, 'a', 64);
    name[64] = 0;
    int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) broken("create aaaa...");
    close(fd);
    uintptr_t end = fresh_end_page();
    char *p = (char *)(end - 64);
    memset(p, 'a', 64); /* no terminator: the last byte of memory is 'a' */
    long r[6];
    int e[6];
    r[0] = syscall(SYS_open, p, O_RDONLY, 0); e[0] = errno;
    r[1] = syscall(SYS_access, p, F_OK); e[1] = errno;
    struct stat st;
    r[2] = syscall(SYS_stat, p, &st); e[2] = errno;
    r[3] = syscall(SYS_unlink, p); e[3] = errno;
    r[4] = syscall(SYS_open, (char *)end - 1, O_RDONLY, 0); e[4] = errno;
    r[5] = syscall(SYS_open, (char *)end, O_RDONLY, 0); e[5] = errno;
    for (int i = 0; i < 6; i++)
        if (r[i] >= 0) escaped("call %d took an unterminated path at the end of memory: %ld", i, r[i]);
    contained("open %s, access %s, stat %s, unlink %s, open(end-1) %s, open(end) %s", errname(e[0]),
              errname(e[1]), errname(e[2]), errname(e[3]), errname(e[4]), errname(e[5]));
#endif
}
