// attack: the ioctl form of a socket's owner: ioctl(FIOSETOWN, victim) (then SIOCSPGRP), then MSG_OOB: SIGURG to a foreign process
// grant: --allow-signals
// victim: yes
#include "escape.h"
#include <sys/ioctl.h>
#include <sys/socket.h>
int main(int argc, char **argv) {
    setup(argc, argv);
    if (VICTIM <= 1) broken("no victim");
    int s[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, s)) broken("socketpair");
    int v = VICTIM;
    if (ioctl(s[1], 0x8901 /* FIOSETOWN */, &v)) {
        int e = errno;
        if (ioctl(s[1], 0x8902 /* SIOCSPGRP */, &v))
            contained("FIOSETOWN: %s, SIOCSPGRP: %s", errname(e), E_);
    }
    if (send(s[0], "!", 1, MSG_OOB) != 1) broken("send(MSG_OOB)");
    if (victim_hit(2000)) escaped("the victim %d got SIGURG", VICTIM);
    contained("FIOSETOWN accepted, but the victim got nothing");
}
