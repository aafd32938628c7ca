// attack: execve a host program: /bin/sh -c 'exit 0'
// grant: --allow-all
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    char *av[] = {"sh", "-c", "echo 'ESCAPED: /bin/sh ran'; exit 0", NULL};
    execve("/bin/sh", av, environ);
    contained("execve /bin/sh: %s", E_);
}
