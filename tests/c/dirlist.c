// Make a directory with a few entries and list it (sorted, as readdir order varies).
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int cmp(const void *a, const void *b) { return strcmp(*(char **)a, *(char **)b); }

int main(void) {
    mkdir("d", 0755);
    const char *names[] = {"zeta", "alpha", "mid.txt", "a-longer-file-name-with-many-characters.dat"};
    for (int i = 0; i < 4; i++) {
        char p[128];
        snprintf(p, sizeof p, "d/%s", names[i]);
        close(open(p, O_CREAT | O_WRONLY, 0644));
    }
    mkdir("d/subdir", 0755);
    DIR *dir = opendir("d");
    if (!dir) { perror("opendir"); return 1; }
    char *seen[16];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(dir)) && n < 16) {
        char line[300];
        snprintf(line, sizeof line, "%s %s", e->d_name, e->d_type == DT_DIR ? "dir" : e->d_type == DT_REG ? "file" : "other");
        seen[n++] = strdup(line);
    }
    closedir(dir);
    qsort(seen, n, sizeof *seen, cmp);
    for (int i = 0; i < n; i++) printf("%s\n", seen[i]);
    printf("entries=%d\n", n);
    for (int i = 0; i < 4; i++) {
        char p[128];
        snprintf(p, sizeof p, "d/%s", names[i]);
        unlink(p);
    }
    rmdir("d/subdir");
    printf("rmdir=%d\n", rmdir("d"));
    return 0;
}
