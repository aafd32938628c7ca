// attack: create a character device node in the writable cwd (1:3, /dev/null's; a
// 1:1 /dev/mem or a disk node would follow the same path)
// grant: --allow-all
#include "escape.h"
#include <sys/sysmacros.h>
int main(int argc, char **argv) {
    setup(argc, argv);
    if (mknod("nulldev", S_IFCHR | 0600, makedev(1, 3)) == 0) escaped("made a character device ./nulldev (1:3)");
    contained("mknod S_IFCHR 1:3: %s", E_);
}
