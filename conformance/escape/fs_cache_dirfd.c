// attack: the runtime's compiled-code cache lies inside the granted cwd; reach it only
// through directory descriptors (openat from a descriptor of .cache, then fdopendir),
// and open a cached module for writing
// cache: inside
// grant: --allow-all
#include "escape.h"
static char found[PATH_MAX];
static int writable(int dir, const char *path, int depth) {
    int fd = dup(dir);
    DIR *d = fdopendir(fd);
    if (!d) return 0;
    struct dirent *e;
    int ok = 0;
    while (!ok && (e = readdir(d))) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2]))) continue;
        struct stat st;
        if (fstatat(dir, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) continue;
        char p[PATH_MAX];
        snprintf(p, sizeof p, "%s/%s", path, e->d_name);
        if (S_ISREG(st.st_mode)) {
            int f = openat(dir, e->d_name, O_RDWR);
            if (f >= 0) { ok = 1; snprintf(found, sizeof found, "%s", p); close(f); }
            else if (!found[0]) snprintf(found, sizeof found, "%s: %s", p, E_);
        } else if (S_ISDIR(st.st_mode) && depth < 6) {
            int sub = openat(dir, e->d_name, O_RDONLY | O_DIRECTORY);
            if (sub >= 0) { ok = writable(sub, p, depth + 1); close(sub); }
            else if (!found[0]) snprintf(found, sizeof found, "%s: %s", p, E_);
        }
    }
    closedir(d);
    return ok;
}
int main(int argc, char **argv) {
    setup(argc, argv);
    int c = open(".cache", O_RDONLY | O_DIRECTORY);
    if (c < 0) contained("open .cache: %s", E_);
    if (writable(c, ".cache", 0)) escaped("the compiled-code cache file %s is open for writing", found);
    contained("no writable cache file under ./.cache (%s)", found[0] ? found : "none visible");
}
