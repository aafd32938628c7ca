// attack: system() (fork, then execve /bin/sh in the child)
// grant: --allow-all
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    int st = system("exit 42");
    if (st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 42) escaped("system(\"exit 42\") ran the host shell");
    contained("system(): status %d (%s)", st == -1 ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), E_);
}
