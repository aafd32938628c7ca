// attack: a negative owner names a process group: fcntl(F_SETOWN, -victim's group) on a pipe, O_ASYNC on, then a write: SIGIO to every process of a foreign group
// grant: --allow-signals
// victim: yes
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    if (VICTIM <= 1) broken("no victim");
    int p[2];
    if (pipe(p)) broken("pipe");
    /* The victim leads a group of its own (pgid == pid). */
    if (fcntl(p[0], F_SETOWN, -VICTIM)) contained("F_SETOWN(-%d): %s", VICTIM, E_);
    if (fcntl(p[0], F_SETFL, O_ASYNC | O_NONBLOCK)) contained("F_SETFL(O_ASYNC): %s", E_);
    if (write(p[1], "x", 1) != 1) broken("write");
    if (victim_hit(2000)) escaped("the victim's group %d got SIGIO", VICTIM);
    contained("F_SETOWN(-pgid) accepted, but the victim got nothing");
}
