// wali-run: --allow-all
/* chroot under --allow-all is the kernel's, as in the reference engine's pass-through:
 * "." as root succeeds (as non-root both sides answer EPERM), a missing directory is
 * ENOENT, a file ENOTDIR. The sandbox refuses chroot (conformance/escape/fs_chroot_break.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void show(const char *what, int r) {
    printf("%s: %d %s\n", what, r, r < 0 ? strerror(errno) : "");
    fflush(stdout);
}

int main(void) {
    close(open("file", O_WRONLY | O_CREAT | O_TRUNC, 0644));
    show("chroot missing", chroot("./chroot_nonexistent_dir"));
    show("chroot file", chroot("file"));
    show("chroot dot", chroot("."));
    /* After chroot("."), the cwd is the root: the file is still there. */
    show("access file", access("file", F_OK));
    return 0;
}
