// syscalls: mkdir mkdirat rmdir unlink unlinkat rename renameat renameat2 link linkat symlink symlinkat readlink readlinkat getcwd chdir fchdir getdents64
#include "../case.h"
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int cmp(const void *a, const void *b) { return strcmp(*(char **)a, *(char **)b); }

static void list(const char *name, const char *dir) {
    DIR *d = opendir(dir);
    if (!d) { SHOW(name, "opendir failed %s", errname(errno)); return; }
    char *names[64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64) names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, n, sizeof *names, cmp);
    printf("%s:", name);
    for (int i = 0; i < n; i++) printf(" %s", names[i]);
    printf("\n");
}

int main(void) {
    umask(022);
    CHECK("mkdir.ok", mkdir("a", 0755));
    CHECK("mkdir.exists", mkdir("a", 0755));
    CHECK("mkdir.missing_parent", mkdir("x/y", 0755));
    CHECK("mkdir.bad_path", mkdir(BAD, 0755));
    close(open("file", O_CREAT | O_WRONLY, 0644));
    CHECK("mkdir.over_file", mkdir("file", 0755));
    CHECK("mkdir.under_file", mkdir("file/x", 0755));
    int a = open("a", O_RDONLY | O_DIRECTORY);
    CHECK("mkdirat.dirfd", mkdirat(a, "b", 0700));
    struct stat st;
    stat("a/b", &st);
    SHOW("mkdirat.mode", "%o", st.st_mode & 0777);
    CHECK("mkdirat.bad_dirfd", mkdirat(99, "c", 0700));
    CHECK("rmdir.nonempty", rmdir("a"));
    CHECK("rmdir.file", rmdir("file"));
    CHECK("rmdir.missing", rmdir("nope"));
    CHECK("rmdir.dot", rmdir("a/b/."));
    CHECK("unlink.dir", unlink("a/b"));
    CHECK("unlink.missing", unlink("nope"));
    CHECK("unlinkat.removedir", unlinkat(a, "b", AT_REMOVEDIR));
    CHECK("unlinkat.removedir_gone", unlinkat(a, "b", AT_REMOVEDIR));
    CHECK("unlinkat.bad_flag", unlinkat(a, "b", 0x1234));
    close(open("a/f1", O_CREAT | O_WRONLY, 0644));
    close(open("a/f2", O_CREAT | O_WRONLY, 0644));
    mkdir("a/sub", 0755);
    list("getdents.listing", "a");
    char buf[4096];
    long n = syscall(SYS_getdents64, a, buf, sizeof buf);
    CHECK("getdents64.positive", n > 0);
    lseek(a, 0, SEEK_SET);
    CHECK("getdents64.tiny_buf", syscall(SYS_getdents64, a, buf, 8));
    CHECK("getdents64.bad_fd", syscall(SYS_getdents64, 99, buf, sizeof buf));
    CHECK("getdents64.not_dir", syscall(SYS_getdents64, open("file", O_RDONLY), buf, sizeof buf));
    CHECK("getdents64.bad_buf", syscall(SYS_getdents64, open("a", O_RDONLY), BAD, 4096));

    CHECK("rename.ok", rename("a/f1", "a/g1"));
    CHECK("rename.missing", rename("a/f1", "a/g1"));
    CHECK("rename.over_file", rename("a/f2", "a/g1"));
    CHECK("rename.file_over_dir", rename("a/g1", "a/sub"));
    mkdir("a/empty", 0755);
    CHECK("rename.dir_over_empty", rename("a/sub", "a/empty"));
    CHECK("rename.dir_into_self", rename("a/empty", "a/empty/x"));
    list("rename.listing", "a");
    CHECK("renameat.dirfd", renameat(a, "g1", AT_FDCWD, "moved"));
    close(open("x1", O_CREAT | O_WRONLY, 0644));
    close(open("x2", O_CREAT | O_WRONLY, 0644));
    CHECK("renameat2.noreplace", syscall(SYS_renameat2, AT_FDCWD, "x1", AT_FDCWD, "x2", 1));
    CHECK("renameat2.exchange", syscall(SYS_renameat2, AT_FDCWD, "x1", AT_FDCWD, "x2", 2));
    CHECK("renameat2.bad_flags", syscall(SYS_renameat2, AT_FDCWD, "x1", AT_FDCWD, "x2", 0x100));

    CHECK("link.ok", link("moved", "hard"));
    stat("moved", &st);
    SHOW("link.nlink", "%ld", (long)st.st_nlink);
    CHECK("link.exists", link("moved", "hard"));
    CHECK("link.dir", link("a", "adir"));
    CHECK("link.missing", link("nope", "n2"));
    CHECK("linkat.dirfd", linkat(AT_FDCWD, "moved", a, "hard2", 0));
    symlink("moved", "sym");
    CHECK("linkat.follow", linkat(AT_FDCWD, "sym", AT_FDCWD, "hard3", AT_SYMLINK_FOLLOW));
    lstat("hard3", &st);
    SHOW("linkat.follow_is_reg", "%d", S_ISREG(st.st_mode));
    CHECK("linkat.nofollow", linkat(AT_FDCWD, "sym", AT_FDCWD, "hard4", 0));
    lstat("hard4", &st);
    SHOW("linkat.nofollow_is_link", "%d", S_ISLNK(st.st_mode));
    CHECK("linkat.bad_flags", linkat(AT_FDCWD, "moved", AT_FDCWD, "h5", 0x12));

    CHECK("symlink.ok", symlink("target/path", "s1"));
    CHECK("symlink.exists", symlink("x", "s1"));
    CHECK("symlinkat.dirfd", symlinkat("../moved", a, "s2"));
    char lb[64] = {0};
    CHECK("readlink.len", readlink("s1", lb, sizeof lb));
    SHOW("readlink.value", "%s", lb);
    memset(lb, 0, sizeof lb);
    CHECK("readlink.truncated", readlink("s1", lb, 4));
    SHOW("readlink.truncated_value", "%s", lb);
    CHECK("readlink.not_link", readlink("moved", lb, sizeof lb));
    CHECK("readlink.missing", readlink("nope", lb, sizeof lb));
    CHECK("readlink.bad_buf", readlink("s1", BAD, 10));
    CHECK("readlink.zero", readlink("s1", lb, 0));
    memset(lb, 0, sizeof lb);
    CHECK("readlinkat.dirfd", readlinkat(a, "s2", lb, sizeof lb));
    SHOW("readlinkat.value", "%s", lb);
    CHECK("readlinkat.empty_path", readlinkat(a, "", lb, sizeof lb));

    char cwd[4096], start[4096];
    CHECK("getcwd.ok", getcwd(start, sizeof start) != 0);
    CHECK("getcwd.small", getcwd(cwd, 2) == 0 ? -errno : 0);
    CHECK("getcwd.bad_buf", syscall(SYS_getcwd, BAD, 100));
    CHECK("chdir.ok", chdir("a"));
    getcwd(cwd, sizeof cwd);
    SHOW("chdir.suffix", "%s", cwd + strlen(start));
    CHECK("chdir.missing", chdir("nope"));
    CHECK("chdir.file", chdir("../moved"));
    CHECK("chdir.dotdot", chdir(".."));
    CHECK("fchdir.ok", fchdir(a));
    getcwd(cwd, sizeof cwd);
    SHOW("fchdir.suffix", "%s", cwd + strlen(start));
    CHECK("fchdir.file", fchdir(open("/dev/null", O_RDONLY)));
    CHECK("fchdir.bad_fd", fchdir(99));
    chdir(start);
    CHECK("unlink.ok", unlink("hard"));
    CHECK("unlink.symlink_only", unlink("sym"));
    CHECK("unlink.target_remains", access("moved", F_OK));
    /* telldir/seekdir: a position taken mid-listing brings back the same entry. */
    mkdir("td", 0755);
    char nm[64];
    for (int i = 0; i < 40; i++) {
        snprintf(nm, sizeof nm, "td/entry-%02d", i);
        close(open(nm, O_CREAT | O_WRONLY, 0644));
    }
    DIR *dp = opendir("td");
    for (int i = 0; i < 10; i++) readdir(dp);
    long pos = telldir(dp);
    CHECK("telldir.nonnegative", pos >= 0);
    struct dirent *de = readdir(dp);
    char want[256];
    snprintf(want, sizeof want, "%s", de->d_name);
    int rest = 0;
    while (readdir(dp)) rest++;
    CHECK("readdir.rest_count", rest);
    seekdir(dp, pos);
    de = readdir(dp);
    CHECK("seekdir.same_entry", de && !strcmp(de->d_name, want));
    rewinddir(dp);
    int all = 0;
    while (readdir(dp)) all++;
    CHECK("rewinddir.all_again", all);
    closedir(dp);
    /* Names relative to a directory descriptor: the number reused for another directory,
     * replaced by dup2, the directory renamed while held, and paths that leave it. */
    mkdir("da", 0755);
    mkdir("db", 0755);
    close(open("db/only-in-b", O_CREAT | O_WRONLY, 0644));
    int fa = open("da", O_RDONLY | O_DIRECTORY);
    CHECK("dirfd.first_lookup", fstatat(fa, "only-in-b", &st, 0));
    close(fa);
    int fb = open("db", O_RDONLY | O_DIRECTORY);
    CHECK("dirfd.same_number", fb == fa);
    CHECK("dirfd.reused_sees_new", fstatat(fb, "only-in-b", &st, 0));
    CHECK("dirfd.reused_creates_in_new", mkdirat(fb, "made", 0755));
    CHECK("dirfd.made_in_b", access("db/made", F_OK));
    CHECK("dirfd.not_in_a", access("da/made", F_OK));
    int fa2 = open("da", O_RDONLY | O_DIRECTORY);
    CHECK("dirfd.dup2", dup2(fa2, fb));
    CHECK("dirfd.dup2_sees_a", fstatat(fb, "only-in-b", &st, 0));
    CHECK("dirfd.dup2_creates_in_a", mkdirat(fb, "made2", 0755));
    CHECK("dirfd.made2_in_a", access("da/made2", F_OK));
    CHECK("dirfd.rename_held", rename("da", "da-moved"));
    CHECK("dirfd.after_rename", fstatat(fb, "made2", &st, 0));
    CHECK("dirfd.dotdot_after_rename", fstatat(fb, "../da-moved/made2", &st, 0));
    CHECK("dirfd.dotdot_old_name", fstatat(fb, "../da/made2", &st, 0));
    CHECK("dirfd.two_levels", mkdirat(fb, "made2/inner", 0755));
    CHECK("dirfd.two_levels_seen", access("da-moved/made2/inner", F_OK));
    CHECK("dirfd.trailing_slash_file", fstatat(fb, "../db/only-in-b/", &st, 0));
    CHECK("dirfd.trailing_slash_dir", fstatat(fb, "made2/", &st, 0));
    symlink("../db", "da-moved/to-b");
    CHECK("dirfd.symlink_on_way", fstatat(fb, "to-b/only-in-b", &st, 0));
    CHECK("dirfd.symlink_last_nofollow", fstatat(fb, "to-b", &st, AT_SYMLINK_NOFOLLOW));
    CHECK("dirfd.symlink_last_is_link", S_ISLNK(st.st_mode));
    int ff = open("db/only-in-b", O_RDONLY);
    CHECK("dirfd.file_as_dirfd", fstatat(ff, "x", &st, 0));
    CHECK("dirfd.still_open", fstatat(fa2, "made2", &st, 0));
    close(fa2);
    CHECK("dirfd.closed_twice", fstatat(fa2, "made2", &st, 0));
    close(ff);
    close(fb);
    CHECK("dirfd.after_close", fstatat(fb, "made2", &st, 0));
    /* The working directory is the directory, not its name: renamed while we stand in
     * it (here from inside, by its own ../ path), getcwd names the new place and
     * relative names keep working; removed, getcwd answers ENOENT. */
    mkdir("wd", 0755);
    close(open("wd/here", O_CREAT | O_WRONLY, 0644));
    CHECK("cwd_rename.chdir", chdir("wd"));
    CHECK("cwd_rename.rename", rename("../wd", "../wd-moved"));
    CHECK("cwd_rename.getcwd", getcwd(cwd, sizeof cwd) != 0);
    SHOW("cwd_rename.suffix", "%s", cwd + strlen(start));
    CHECK("cwd_rename.relative_open", access("here", F_OK));
    CHECK("cwd_rename.relative_create", close(open("new", O_CREAT | O_WRONLY, 0644)));
    CHECK("cwd_rename.created_there", access("../wd-moved/new", F_OK));
    CHECK("cwd_rename.dotdot", access("../wd-moved/here", F_OK));
    CHECK("cwd_rename.mkdir_rel", mkdir("sub", 0755));
    CHECK("cwd_rename.chdir_rel", chdir("sub"));
    CHECK("cwd_rename.rename_parent", rename("../../wd-moved", "../../wd-twice"));
    getcwd(cwd, sizeof cwd);
    SHOW("cwd_rename.nested_suffix", "%s", cwd + strlen(start));
    CHECK("cwd_rename.back_up", chdir(".."));
    getcwd(cwd, sizeof cwd);
    SHOW("cwd_rename.back_up_suffix", "%s", cwd + strlen(start));
    mkdir("gone", 0755);
    CHECK("cwd_removed.chdir", chdir("gone"));
    CHECK("cwd_removed.rmdir", rmdir("../gone"));
    CHECK("cwd_removed.getcwd", getcwd(cwd, sizeof cwd) ? 0 : -errno);
    CHECK("cwd_removed.create", open("x", O_CREAT | O_WRONLY, 0644));
    chdir(start);
    return 0;
}
