// Create, write, read, seek, stat and unlink a file, printing what Linux says.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void check(const char *what, long r) {
    if (r < 0) printf("%s = -1 %s\n", what, strerror(errno));
    else printf("%s = %ld\n", what, r);
}

int main(void) {
    const char *msg = "The quick brown fox jumps over the lazy dog\n";
    int fd = open("data.txt", O_CREAT | O_EXCL | O_RDWR, 0640);
    check("open O_CREAT|O_EXCL", fd >= 0 ? 0 : -1);
    check("write", write(fd, msg, strlen(msg)));
    check("lseek SEEK_SET 4", lseek(fd, 4, SEEK_SET));
    char buf[64] = {0};
    check("read 5", read(fd, buf, 5));
    printf("read: '%s'\n", buf);
    check("lseek SEEK_END -5", lseek(fd, -5, SEEK_END));
    memset(buf, 0, sizeof buf);
    check("read rest", read(fd, buf, sizeof buf));
    printf("tail: '%s'", buf);
    check("read at EOF", read(fd, buf, sizeof buf));
    check("pwrite at 100", pwrite(fd, "X", 1, 100));
    struct stat st;
    check("fstat", fstat(fd, &st));
    printf("size=%lld mode=%o nlink=%ld regular=%d\n", (long long)st.st_size, st.st_mode & 0777, (long)st.st_nlink, S_ISREG(st.st_mode));
    memset(buf, 'z', 8);
    check("pread at 98", pread(fd, buf, 8, 98));
    printf("pread bytes: %d %d %c\n", buf[0], buf[1], buf[2]);
    check("close", close(fd));
    check("close again", close(fd));
    check("open again O_EXCL", open("data.txt", O_CREAT | O_EXCL | O_RDWR, 0640));
    check("stat", stat("data.txt", &st));
    printf("size=%lld\n", (long long)st.st_size);
    check("rename", rename("data.txt", "moved.txt"));
    check("stat old name", stat("data.txt", &st));
    check("access moved R_OK", access("moved.txt", R_OK));
    check("unlink", unlink("moved.txt"));
    check("unlink again", unlink("moved.txt"));
    check("open missing", open("nope/none.txt", O_RDONLY));
    check("mkdir", mkdir("sub", 0755));
    check("mkdir again", mkdir("sub", 0755));
    check("chdir", chdir("sub"));
    char cwd[256];
    printf("cwd ends with /sub: %d\n", getcwd(cwd, sizeof cwd) && strlen(cwd) >= 4 && strcmp(cwd + strlen(cwd) - 4, "/sub") == 0);
    check("chdir ..", chdir(".."));
    check("rmdir", rmdir("sub"));
    return 0;
}
