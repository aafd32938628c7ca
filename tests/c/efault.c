// Bad pointers: the kernel (or the runtime) answers EFAULT; the program goes on.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

// An address no program has mapped: near the top of the 32-bit range natively, past
// the end of linear memory in wasm.
#define BAD ((void *)(unsigned long)0xfffff000u)

static void show(const char *what, long r) {
    printf("%s: %ld %s\n", what, r, r < 0 ? strerror(errno) : "ok");
}

int main(void) {
    int p[2];
    pipe(p);
    write(p[1], "abc", 3);
    show("write from bad pointer", syscall(SYS_write, 1, BAD, 16));
    show("read into bad pointer", syscall(SYS_read, p[0], BAD, 3));
    show("stat bad path", syscall(SYS_stat, BAD, BAD));
    struct stat st;
    show("fstat bad buffer", syscall(SYS_fstat, 0, BAD));
    show("open bad path", syscall(SYS_open, BAD, O_RDONLY, 0));
    show("fstat good buffer", fstat(p[0], &st) == 0 ? 0 : -1);
    char buf[4] = {0};
    show("read good pointer", read(p[0], buf, 3));
    printf("data: %s\n", buf);
    return 0;
}
