// attack: the runtime's compiled-code cache lies inside the granted cwd (as
// ~/.cache/wali-run does when wali-run is started in $HOME): open a cached module for
// writing (rewriting it would run the guest's native code on the next start)
// cache: inside
// grant: --allow-all
#include "escape.h"
static char found[PATH_MAX];
static int writable(const char *dir, int depth) {
    DIR *d = opendir(dir);
    if (!d) return 0;
    struct dirent *e;
    int ok = 0;
    while (!ok && (e = readdir(d))) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2]))) continue;
        char p[PATH_MAX];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) < 0) continue;
        if (S_ISREG(st.st_mode)) {
            int fd = open(p, O_RDWR);
            if (fd >= 0) { ok = 1; snprintf(found, sizeof found, "%s", p); close(fd); }
            else if (!found[0]) snprintf(found, sizeof found, "%s: %s", p, E_);
        } else if (S_ISDIR(st.st_mode) && depth < 6) ok = writable(p, depth + 1);
    }
    closedir(d);
    return ok;
}
int main(int argc, char **argv) {
    setup(argc, argv);
    if (writable(".cache", 0)) escaped("the compiled-code cache file %s is open for writing", found);
    contained("no writable cache file under ./.cache (%s)", found[0] ? found : "none visible");
}
