// Walk a tree and print what a guest sees of it: names (sorted), types, modes, sizes,
// mtimes, link counts, symlink targets, contents read three ways (read, pread, mmap),
// fstat against fstatat, openat relative to directory descriptors, chdir/fchdir, and
// what writes answer. tests/box.rs runs it on a tree granted with --dir (read-only) and
// on the same tree inside a box, and compares. With no argument: a greeting.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *en(int e) {
    switch (e) {
    case 0: return "ok";
    case EROFS: return "EROFS";
    case EEXIST: return "EEXIST";
    case ENOENT: return "ENOENT";
    case EISDIR: return "EISDIR";
    case ENOTDIR: return "ENOTDIR";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case EBADF: return "EBADF";
    case EXDEV: return "EXDEV";
    case ELOOP: return "ELOOP";
    case EINVAL: return "EINVAL";
    default: return "other";
    }
}

static int cmp(const void *a, const void *b) { return strcmp(*(char **)a, *(char **)b); }

static unsigned long sum(const unsigned char *p, size_t n) {
    unsigned long h = 5381;
    for (size_t i = 0; i < n; i++) h = h * 33 + p[i];
    return h;
}

static void file(int dir, const char *name, const char *shown) {
    int fd = openat(dir, name, O_RDONLY | O_CLOEXEC);
    if (fd < 0) { printf("  open: %s\n", en(errno)); return; }
    struct stat a, b;
    fstat(fd, &a);
    fstatat(dir, name, &b, 0);
    printf("  fstat==fstatat %d size %lld\n", a.st_ino == b.st_ino && a.st_size == b.st_size &&
           a.st_mode == b.st_mode && a.st_mtime == b.st_mtime, (long long)a.st_size);
    size_t n = a.st_size;
    unsigned char *buf = malloc(n + 1);
    size_t got = 0;
    ssize_t r;
    while ((r = read(fd, buf + got, n + 1 - got)) > 0) got += r;
    printf("  read %zu sum %lu\n", got, sum(buf, got));
    if (n > 3) {
        unsigned char c[3];
        printf("  pread %zd", pread(fd, c, 3, n - 3));
        printf(" %lu\n", sum(c, 3));
    }
    printf("  lseek end %lld\n", (long long)lseek(fd, 0, SEEK_END));
    if (n > 0) {
        void *m = mmap(0, n, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED) printf("  mmap: %s\n", en(errno));
        else { printf("  mmap sum %lu\n", sum(m, n)); munmap(m, n); }
    }
    errno = 0;
    printf("  write: %s\n", write(fd, "x", 1) < 0 ? en(errno) : "wrote");
    errno = 0;
    printf("  fchmod: %s\n", fchmod(fd, 0600) < 0 ? en(errno) : "ok");
    close(fd);
    errno = 0;
    int w = openat(dir, name, O_WRONLY);
    printf("  open for write: %s\n", w < 0 ? en(errno) : "opened");
    if (w >= 0) close(w);
    printf("  access R %s W %s X %s\n", faccessat(dir, name, R_OK, 0) ? en(errno) : "ok",
           faccessat(dir, name, W_OK, 0) ? en(errno) : "ok",
           faccessat(dir, name, X_OK, 0) ? en(errno) : "ok");
    free(buf);
    (void)shown;
}

static void walk(int dir, const char *path, int depth) {
    int d2 = dup(dir);
    DIR *d = fdopendir(d2);
    if (!d) { printf("%s: fdopendir %s\n", path, en(errno)); return; }
    char *names[256];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 256) names[n++] = strdup(e->d_name);
    // rewinddir then count again: seeking a directory works
    rewinddir(d);
    int again = 0;
    while (readdir(d)) again++;
    closedir(d);
    qsort(names, n, sizeof *names, cmp);
    printf("%s: %d entries (again %d)\n", path, n, again);
    for (int i = 0; i < n; i++) {
        char shown[1024];
        snprintf(shown, sizeof shown, "%s/%s", path, names[i]);
        if (!strcmp(names[i], ".") || !strcmp(names[i], "..")) { printf("%s\n", shown); continue; }
        struct stat st;
        if (fstatat(dir, names[i], &st, AT_SYMLINK_NOFOLLOW)) { printf("%s: lstat %s\n", shown, en(errno)); continue; }
        char t = S_ISDIR(st.st_mode) ? 'd' : S_ISLNK(st.st_mode) ? 'l' : S_ISREG(st.st_mode) ? 'f' : '?';
        printf("%s %c %04o nlink %ld mtime %lld", shown, t, st.st_mode & 07777 & (t == 'l' ? 0 : 07777),
               (long)(t == 'd' ? st.st_nlink : 1), (long long)(t == 'l' ? 0 : st.st_mtime));
        if (t == 'f') printf(" size %lld", (long long)st.st_size);
        if (t == 'l') {
            char tgt[512];
            ssize_t k = readlinkat(dir, names[i], tgt, sizeof tgt - 1);
            tgt[k < 0 ? 0 : k] = 0;
            struct stat fo;
            int ok = fstatat(dir, names[i], &fo, 0);
            printf(" -> %s (follows to %s)", tgt, ok ? en(errno) : S_ISDIR(fo.st_mode) ? "dir" : "file");
        }
        printf("\n");
        if (t == 'f') file(dir, names[i], shown);
        if (t == 'd' && depth < 8) {
            int sub = openat(dir, names[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (sub < 0) { printf("  openat dir: %s\n", en(errno)); continue; }
            walk(sub, shown, depth + 1);
            close(sub);
        }
    }
    for (int i = 0; i < n; i++) free(names[i]);
}

int main(int argc, char **argv) {
    if (argc < 2) { printf("hello from %s\n", argv[0]); return 0; }
    const char *root = argv[1];
    int fd = open(root, O_RDONLY | O_DIRECTORY);
    if (fd < 0) { printf("open %s: %s\n", root, en(errno)); return 1; }
    printf("root fd %d\n", fd);
    walk(fd, root, 0);
    // The working directory inside the tree, by chdir and by fchdir.
    char cwd[512];
    printf("chdir %s\n", chdir(root) ? en(errno) : "ok");
    printf("getcwd %s\n", getcwd(cwd, sizeof cwd) ? cwd : en(errno));
    struct stat st;
    printf("stat sub/.. %s\n", stat("sub/..", &st) ? en(errno) : S_ISDIR(st.st_mode) ? "dir" : "?");
    printf("chdir / %s\n", chdir("/") ? en(errno) : "ok");
    printf("fchdir %s\n", fchdir(fd) ? en(errno) : "ok");
    printf("getcwd %s\n", getcwd(cwd, sizeof cwd) ? cwd : en(errno));
    printf("relative a.txt %s\n", access("a.txt", R_OK) ? en(errno) : "ok");
    struct stat e1, e2;
    int r1 = fstatat(AT_FDCWD, "", &e1, AT_EMPTY_PATH), r2 = stat(".", &e2);
    printf("fstatat(AT_FDCWD, \"\") is . %d\n", !r1 && !r2 && e1.st_ino == e2.st_ino && e1.st_dev == e2.st_dev);
    // Writes into the tree.
    errno = 0; printf("mkdir new %s\n", mkdir("new", 0755) ? en(errno) : "ok");
    errno = 0; printf("mkdir sub %s\n", mkdir("sub", 0755) ? en(errno) : "ok");
    errno = 0; int c = open("created", O_CREAT | O_WRONLY, 0644);
    printf("create %s\n", c < 0 ? en(errno) : "ok");
    errno = 0; printf("unlink a.txt %s\n", unlink("a.txt") ? en(errno) : "ok");
    errno = 0; printf("unlink missing %s\n", unlink("missing") ? en(errno) : "ok");
    errno = 0; printf("rename a.txt b %s\n", rename("a.txt", "b") ? en(errno) : "ok");
    errno = 0; printf("rename to /tmp %s\n", rename("a.txt", "/tmp/b") ? en(errno) : "ok");
    errno = 0; printf("symlink %s\n", symlink("x", "lnk") ? en(errno) : "ok");
    errno = 0; printf("truncate %s\n", truncate("a.txt", 0) ? en(errno) : "ok");
    errno = 0; printf("chmod %s\n", chmod("a.txt", 0600) ? en(errno) : "ok");
    errno = 0; printf("open missing %s\n", open("missing", O_RDONLY) < 0 ? en(errno) : "opened");
    errno = 0; printf("open a.txt/x %s\n", open("a.txt/x", O_RDONLY) < 0 ? en(errno) : "opened");
    errno = 0; printf("open sub O_WRONLY %s\n", open("sub", O_WRONLY) < 0 ? en(errno) : "opened");
    // /tmp stays writable beside the tree.
    int t = open("/tmp/out", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    printf("tmp write %s\n", t >= 0 && write(t, "ok", 2) == 2 ? "ok" : en(errno));
    return 0;
}
