// attack: getdents64 of a big directory into the last 64 bytes of memory, with count
// 4096 and count 0xffffffff
// grant: none
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    NATIVE_SKIP();
#ifdef __wasm__
    char n[32];
    for (int i = 0; i < 60; i++) {
        snprintf(n, sizeof n, "file-with-a-longish-name-%02d", i);
        int fd = open(n, O_WRONLY | O_CREAT, 0644);
        if (fd < 0) broken("create");
        close(fd);
    }
    int d = open(".", O_RDONLY | O_DIRECTORY);
    if (d < 0) broken("open .");
    uintptr_t end = fresh_end_page();
    long r1 = syscall(SYS_getdents64, d, (void *)(end - 64), 4096L);
    int e1 = errno;
    lseek(d, 0, SEEK_SET);
    long r2 = syscall(SYS_getdents64, d, (void *)(end - 64), 0xffffffffUL);
    int e2 = errno;
    if (r1 > 64 || r2 > 64) escaped("getdents64 wrote %ld / %ld bytes into a 64-byte tail", r1, r2);
    contained("getdents64 count 4096: %ld %s; count 2^32-1: %ld %s", r1, r1 < 0 ? errname(e1) : "",
              r2, r2 < 0 ? errname(e2) : "");
#endif
}
