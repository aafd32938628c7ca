// attack: write a wasm module and a manifest beside it (probe.wasm.toml) that asks
// for OUTSIDE, then execve the module: a manifest written by the guest must not widen
// its own sandbox
// grant: --dir {outside}
#include "escape.h"
static int child(void *a) {
    (void)a;
    char *av[] = {"probe.wasm", NULL};
    execve("./probe.wasm", av, environ);
    printf("execve ./probe.wasm: %s\n", E_);
    return 99;
}
int main(int argc, char **argv) {
    setup(argc, argv);
    if (write_probe_module("probe.wasm", out("secret")) < 0) broken("write probe.wasm");
    FILE *f = fopen("probe.wasm.toml", "w");
    if (!f) broken("write probe.wasm.toml");
    fprintf(f, "[fs]\ndirs = [ { host = \"%s\", guest = \"%s\" } ]\n", OUT, OUT);
    fclose(f);
    int st = in_child(child, NULL);
    if (st == 0) escaped("the exec'd module opened OUTSIDE/secret");
    contained("the exec'd module exited %d", st);
}
