// attack: execve a wasm module with an argv[0] that looks like runtime flags
// ("--allow-all", "--dir=<outside>"): the runtime re-runs itself on the module and must
// not parse them as its own options
// grant: --dir {outside}
#include "escape.h"
static int child(void *a) {
    char *av[] = {(char *)a, NULL};
    execve("./probe.wasm", av, environ);
    printf("execve ./probe.wasm: %s\n", E_);
    return 99;
}
int main(int argc, char **argv) {
    setup(argc, argv);
    if (write_probe_module("probe.wasm", out("secret")) < 0) broken("write probe.wasm");
    char dir[PATH_MAX + 8];
    snprintf(dir, sizeof dir, "--dir=%s", OUT);
    char *tries[] = {"--allow-all", dir, "--policy=/dev/null", NULL};
    int st[3];
    for (int i = 0; tries[i]; i++) {
        st[i] = in_child(child, tries[i]);
        if (st[i] == 0) escaped("argv[0] %s: the exec'd module opened OUTSIDE/secret", tries[i]);
    }
    contained("exec'd module exit statuses %d %d %d", st[0], st[1], st[2]);
}
