// attack: execve a wasm module with an argv array that has no NULL terminator and runs
// into the end of memory (then an envp the same way); the module, if it runs, exits 0
// grant: none
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    NATIVE_SKIP();
#ifdef __wasm__
    if (write_probe_module("probe.wasm", ".") < 0) broken("probe");
    static char name[] = "probe.wasm";
    uintptr_t end = fresh_end_page();
    char **tail = (char **)(end - 4 * sizeof(char *));
    for (int i = 0; i < 4; i++) tail[i] = name;
    char *av[] = {name, NULL};
    syscall(SYS_execve, "./probe.wasm", tail, environ);
    int e1 = errno;
    syscall(SYS_execve, "./probe.wasm", av, tail);
    int e2 = errno;
    contained("execve, argv unterminated: %s; envp unterminated: %s", errname(e1), errname(e2));
#endif
}
