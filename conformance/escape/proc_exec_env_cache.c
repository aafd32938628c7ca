// attack: execve a wasm module with WALI_CACHE_DIR (then XDG_CACHE_HOME, then HOME)
// pointing into the writable cwd: the re-run runtime would keep its compiled native
// code where the guest can rewrite it, and load it back on the next exec
// grant: none
// (the runtime never hands the guest's environment to the host, even under --allow-all)
#include "escape.h"
static int child(void *a) {
    char *av[] = {"probe.wasm", NULL};
    char *ev[] = {(char *)a, NULL};
    execve("./probe.wasm", av, ev);
    return 99;
}
static int has_files(const char *dir, int depth) {
    DIR *d = opendir(dir);
    if (!d) return 0;
    struct dirent *e;
    int found = 0;
    while (!found && (e = readdir(d))) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2]))) continue;
        char p[PATH_MAX];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) < 0) continue;
        if (S_ISREG(st.st_mode)) found = 1;
        else if (S_ISDIR(st.st_mode) && depth < 6) found = has_files(p, depth + 1);
    }
    closedir(d);
    return found;
}
int main(int argc, char **argv) {
    setup(argc, argv);
    if (write_probe_module("probe.wasm", ".") < 0) broken("write probe.wasm");
    static char v[3][PATH_MAX + 32];
    const char *dirs[3] = {"c1", "c2", "c3"};
    snprintf(v[0], sizeof v[0], "WALI_CACHE_DIR=%s/c1", CWD);
    snprintf(v[1], sizeof v[1], "XDG_CACHE_HOME=%s/c2", CWD);
    snprintf(v[2], sizeof v[2], "HOME=%s/c3", CWD);
    int st[3];
    for (int i = 0; i < 3; i++) {
        mkdir(dirs[i], 0755);
        st[i] = in_child(child, v[i]);
        if (has_files(dirs[i], 0)) escaped("with %s the exec'd runtime put its compiled code in the guest's cwd", v[i]);
    }
    contained("no compiled code landed in the cwd (children exited %d %d %d)", st[0], st[1], st[2]);
}
