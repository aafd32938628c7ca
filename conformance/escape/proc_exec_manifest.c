// attack: write a wasm module with a manifest beside it (probeN.wasm.toml) whose
// [needs] asks for OUTSIDE, then execve the module: a manifest the guest wrote must not
// widen its sandbox. Three asks: OUTSIDE by name; OUTSIDE spelled as a path under the
// module's own directory ({dir}/../../<outside>, which read-only needs may ask for
// freely); and a symlink planted in the module's directory that points at OUTSIDE.
// grant: --dir {outside}
#include "escape.h"
static int child(void *a) {
    char *av[] = {(char *)a, NULL};
    execve((char *)a, av, environ);
    printf("execve %s: %s\n", (char *)a, E_);
    return 99;
}
static int try(int i, const char *host) {
    char mod[32], man[48];
    snprintf(mod, sizeof mod, "./probe%d.wasm", i);
    snprintf(man, sizeof man, "%s.toml", mod);
    if (write_probe_module(mod, out("secret")) < 0) broken("write %s", mod);
    FILE *f = fopen(man, "w");
    if (!f) broken("write %s", man);
    fprintf(f, "[needs]\ndirs = [ { host = \"%s\", ro = true } ]\n", host);
    fclose(f);
    return in_child(child, mod);
}
int main(int argc, char **argv) {
    setup(argc, argv);
    char dotted[PATH_MAX];
    snprintf(dotted, sizeof dotted, "{dir}/%s", rel_out(""));
    dotted[strlen(dotted) - 1] = 0; /* no trailing slash */
    if (symlink(OUT, "o") < 0) broken("symlink o");
    const char *asks[] = {OUT, dotted, "{dir}/o"};
    int st[3];
    for (int i = 0; i < 3; i++) {
        st[i] = try(i, asks[i]);
        if (st[i] == 0) escaped("an exec'd module whose manifest asks for %s opened OUTSIDE/secret", asks[i]);
    }
    contained("the exec'd modules exited %d %d %d", st[0], st[1], st[2]);
}
