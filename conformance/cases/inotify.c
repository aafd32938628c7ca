// syscalls: inotify_init inotify_init1 inotify_add_watch inotify_rm_watch
#include "../case.h"
#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Print each event as "mask name", in order. */
static void drain(const char *label, int fd) {
    char buf[4096] __attribute__((aligned(8)));
    long n = read(fd, buf, sizeof buf);
    if (n < 0) { printf("%s: -1 %s\n", label, errname(errno)); return; }
    int i = 0;
    for (char *p = buf; p < buf + n; i++) {
        struct inotify_event *e = (void *)p;
        printf("%s.%d: %#x %s\n", label, i, e->mask, e->len ? e->name : "-");
        p += sizeof *e + e->len;
    }
    fflush(stdout);
}

int main(void) {
    mkdir("d", 0755);
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    CHECK("inotify_init1.ok", fd >= 0);
    CHECK("inotify_init1.cloexec", fcntl(fd, F_GETFD));
    CHECK("inotify_init1.bad_flags", inotify_init1(0x1234));
    int plain = inotify_init();
    CHECK("inotify_init.ok", plain >= 0);
    CHECK("inotify_init.blocking", fcntl(plain, F_GETFL) & O_NONBLOCK);
    int wd = inotify_add_watch(fd, "d", IN_CREATE | IN_DELETE | IN_MODIFY | IN_MOVED_FROM | IN_MOVED_TO | IN_CLOSE_WRITE);
    CHECK("inotify_add_watch.ok", wd);
    CHECK("inotify_add_watch.same_again", inotify_add_watch(fd, "d", IN_CREATE | IN_MASK_ADD));
    CHECK("inotify_add_watch.missing", inotify_add_watch(fd, "nope", IN_CREATE));
    CHECK("inotify_add_watch.bad_mask", inotify_add_watch(fd, "d", 0));
    CHECK("inotify_add_watch.bad_fd", inotify_add_watch(99, "d", IN_CREATE));
    CHECK("inotify_add_watch.not_inotify", inotify_add_watch(0, "d", IN_CREATE));
    CHECK("inotify_add_watch.bad_path", syscall(SYS_inotify_add_watch, fd, BAD, IN_CREATE));
    CHECK("inotify_add_watch.onlydir_on_file", (close(open("file", O_CREAT | O_WRONLY, 0644)), inotify_add_watch(fd, "file", IN_MODIFY | IN_ONLYDIR)));
    drain("inotify.empty", fd);

    int f = open("d/a", O_CREAT | O_WRONLY, 0644);
    write(f, "x", 1);
    close(f);
    rename("d/a", "d/b");
    unlink("d/b");
    drain("inotify.events", fd);
    char small[8];
    int g = open("d/c", O_CREAT | O_WRONLY, 0644);
    close(g);
    CHECK("inotify.read_too_small", read(fd, small, sizeof small));
    drain("inotify.after_small", fd);
    CHECK("inotify_rm_watch.ok", inotify_rm_watch(fd, wd));
    drain("inotify.ignored", fd);
    CHECK("inotify_rm_watch.again", inotify_rm_watch(fd, wd));
    CHECK("inotify_rm_watch.bad_fd", inotify_rm_watch(99, 1));
    return 0;
}
