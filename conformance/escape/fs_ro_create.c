// attack: OUTSIDE is granted read-only; create a new file in it
// flags: --dir {outside}:ro
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    int fd = open(out("created"), O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd >= 0) escaped("created %s in a read-only grant", out("created"));
    contained("open %s O_CREAT: %s", out("created"), E_);
}
