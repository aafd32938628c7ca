// attack: renameat2(RENAME_EXCHANGE) a file of the cwd with OUTSIDE/secret
// (granted with --allow-all: across two --dir grants the runtime may answer EXDEV, as
// between two mounts)
// grant: --allow-all
#include "escape.h"
#define RENAME_EXCHANGE 2
int main(int argc, char **argv) {
    setup(argc, argv);
    int fd = open("mine", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) broken("create mine");
    close(fd);
    if (syscall(SYS_renameat2, AT_FDCWD, "mine", AT_FDCWD, out("secret"), RENAME_EXCHANGE) == 0)
        escaped("exchanged ./mine with OUTSIDE/secret");
    contained("renameat2 RENAME_EXCHANGE: %s", E_);
}
