// attack: execve a checked module whose contents are overwritten in place (same inode,
// written through a descriptor the guest holds) with a precompiled .cwasm right after the
// exec begins: the descriptor the new runtime reads must still never yield native code
// grant: none
// fixture: cwasm
// status: any
#include "escape.h"
extern char **environ;
int main(int argc, char **argv) {
    setup(argc, argv);
    int src = open("payload.cwasm", O_RDONLY);
    if (src < 0) broken("no payload.cwasm fixture: %s", E_);
    static char buf[1 << 20];
    size_t n = 0;
    for (;;) {
        if (n == sizeof buf) broken("payload.cwasm larger than 1 MiB");
        ssize_t r = read(src, buf + n, sizeof buf - n);
        if (r < 0) broken("read payload: %s", E_);
        if (r == 0) break;
        n += (size_t)r;
    }
    if (write_probe_module("m.wasm", "/no-such-path-wali-escape") < 0) broken("m.wasm");
    if (chmod("m.wasm", 0755) != 0) broken("chmod: %s", E_);
    int w = open("m.wasm", O_WRONLY);
    if (w < 0) broken("open m.wasm for writing: %s", E_);
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) broken("pipe2: %s", E_);
    pid_t c = fork();
    if (c < 0) broken("fork: %s", E_);
    if (c == 0) {
        close(p[1]);
        char b;
        while (read(p[0], &b, 1) > 0) {}
        if (ftruncate(w, 0) == 0) {
            size_t k = 0;
            while (k < n) {
                ssize_t r = pwrite(w, buf + k, n - k, (off_t)k);
                if (r <= 0) break;
                k += (size_t)r;
            }
        }
        _exit(0);
    }
    close(p[0]);
    char *av[] = {"m.wasm", NULL};
    execve("m.wasm", av, environ);
    broken("execve m.wasm: %s", E_);
}
