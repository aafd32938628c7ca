// attack: watch OUTSIDE with inotify (learn what happens there)
// grant: --dir {outside}
#include "escape.h"
#include <sys/inotify.h>
int main(int argc, char **argv) {
    setup(argc, argv);
    int fd = inotify_init1(0);
    if (fd < 0) contained("inotify_init1: %s", E_);
    int wd = inotify_add_watch(fd, OUT, IN_ALL_EVENTS);
    if (wd >= 0) escaped("inotify watch %d on OUTSIDE", wd);
    contained("inotify_add_watch %s: %s", OUT, E_);
}
