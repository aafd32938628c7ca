// attack: fcntl(F_SETOWN_EX, {F_OWNER_PID, victim}) on a pipe (the struct form of the owner), O_ASYNC on, then a write: SIGIO to a foreign process
// grant: --allow-signals
// victim: yes
#include "escape.h"
#ifndef F_SETOWN_EX
#define F_SETOWN_EX 15
#endif
int main(int argc, char **argv) {
    setup(argc, argv);
    if (VICTIM <= 1) broken("no victim");
    int p[2];
    if (pipe(p)) broken("pipe");
    struct { int type, pid; } own = {1 /* F_OWNER_PID */, VICTIM};
    if (fcntl(p[0], F_SETOWN_EX, &own)) contained("F_SETOWN_EX(pid %d): %s", VICTIM, E_);
    if (fcntl(p[0], F_SETFL, O_ASYNC | O_NONBLOCK)) contained("F_SETFL(O_ASYNC): %s", E_);
    if (write(p[1], "x", 1) != 1) broken("write");
    if (victim_hit(2000)) escaped("the victim %d got SIGIO through F_SETOWN_EX", VICTIM);
    contained("F_SETOWN_EX accepted, but the victim got nothing");
}
