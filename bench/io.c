// File-system work for bench/io.sh: `copy SRC DST` copies a file through a 1 MiB buffer
// (read + write), `walk DIR` counts the entries of a tree (opendir/readdir/fstatat).
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static long walk(int dfd) {
    DIR *d = fdopendir(dfd);
    if (!d) return 0;
    long n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) continue;
        n++;
        if (S_ISDIR(st.st_mode)) {
            int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY);
            if (sub >= 0) n += walk(sub);
        }
    }
    closedir(d);
    return n;
}

int main(int argc, char **argv) {
    if (argc == 4 && !strcmp(argv[1], "copy")) {
        int in = open(argv[2], O_RDONLY), out = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (in < 0 || out < 0) { perror("open"); return 1; }
        static char buf[1 << 20];
        long total = 0;
        for (;;) {
            ssize_t r = read(in, buf, sizeof buf);
            if (r <= 0) break;
            for (ssize_t w = 0; w < r;) {
                ssize_t k = write(out, buf + w, r - w);
                if (k <= 0) { perror("write"); return 1; }
                w += k;
            }
            total += r;
        }
        printf("copied %ld bytes\n", total);
        return 0;
    }
    if (argc == 3 && !strcmp(argv[1], "walk")) {
        int d = open(argv[2], O_RDONLY | O_DIRECTORY);
        if (d < 0) { perror("open"); return 1; }
        printf("entries %ld\n", walk(d));
        return 0;
    }
    fprintf(stderr, "usage: io copy SRC DST | io walk DIR\n");
    return 2;
}
