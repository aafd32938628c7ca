// attack: F_SETOWN on a unix stream socket names a foreign process; out-of-band data (MSG_OOB) then sends it SIGURG (no O_ASYNC needed)
// grant: --allow-signals
// victim: yes
#include "escape.h"
#include <sys/socket.h>
int main(int argc, char **argv) {
    setup(argc, argv);
    if (VICTIM <= 1) broken("no victim");
    int s[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, s)) broken("socketpair");
    if (fcntl(s[1], F_SETOWN, VICTIM)) contained("F_SETOWN(victim %d): %s", VICTIM, E_);
    if (send(s[0], "!", 1, MSG_OOB) != 1) broken("send(MSG_OOB)");
    if (victim_hit(2000)) escaped("the victim %d got SIGURG", VICTIM);
    contained("F_SETOWN accepted, but the victim got nothing");
}
