// attack: rename a file made in the cwd to a path in OUTSIDE (plant a file outside)
// (granted with --allow-all: across two --dir grants the runtime may answer EXDEV, as
// between two mounts)
// grant: --allow-all
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    int fd = open("f", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) broken("create f");
    close(fd);
    if (rename("f", out("planted")) == 0) escaped("renamed ./f to %s", out("planted"));
    contained("rename f %s: %s", out("planted"), E_);
}
