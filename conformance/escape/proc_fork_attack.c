// attack: fork, and read OUTSIDE/secret in the child (the sandbox must survive fork)
// grant: --dir {outside}
#include "escape.h"
static int child(void *a) {
    (void)a;
    if (read_secret(out("secret"))) return 0;
    printf("child: open %s: %s\n", out("secret"), E_);
    return 1;
}
int main(int argc, char **argv) {
    setup(argc, argv);
    int st = in_child(child, NULL);
    if (st == 0) escaped("a forked child read OUTSIDE/secret");
    if (st < 0) contained("fork: %s", E_);
    contained("the forked child exited %d", st);
}
