// attack: open /proc/self/mem for writing (the runtime's own address space: code,
// guard pages, other instances)
// grant: --allow-all
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    int fd = open("/proc/self/mem", O_RDWR);
    if (fd >= 0) escaped("opened /proc/self/mem read-write (fd %d)", fd);
    contained("open /proc/self/mem: %s", E_);
}
