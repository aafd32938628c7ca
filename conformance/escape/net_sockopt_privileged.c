// attack: the socket options the kernel leaves to CAP_NET_ADMIN / CAP_NET_RAW, which a
// runtime run as root holds: SO_MARK (steers policy routing and firewall marks),
// SO_BINDTODEVICE on an already bound socket, SO_RCVBUFFORCE (past the host's buffer
// limits), SO_PRIORITY above 6, IP_TRANSPARENT (bind to foreign addresses). All on the
// guest's own fresh UDP socket: nothing outside changes
// grant: --allow-all
#include "escape.h"
#include <sys/socket.h>
#include <netinet/in.h>
int main(int argc, char **argv) {
    setup(argc, argv);
    if (geteuid() != 0) contained("not root: the kernel refuses these itself");
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0) broken("socket AF_INET");
    int one = 1, big = 1 << 20, prio = 7;
    char why[256] = "";
    if (setsockopt(s, SOL_SOCKET, 36 /* SO_MARK */, &one, sizeof one) == 0) strcat(why, " SO_MARK");
    if (setsockopt(s, SOL_SOCKET, 25 /* SO_BINDTODEVICE */, "lo", 3) == 0 &&
        setsockopt(s, SOL_SOCKET, 25, "lo", 3) == 0)
        strcat(why, " SO_BINDTODEVICE");
    if (setsockopt(s, SOL_SOCKET, 33 /* SO_RCVBUFFORCE */, &big, sizeof big) == 0) strcat(why, " SO_RCVBUFFORCE");
    if (setsockopt(s, SOL_SOCKET, 12 /* SO_PRIORITY */, &prio, sizeof prio) == 0) strcat(why, " SO_PRIORITY=7");
    if (setsockopt(s, 0 /* SOL_IP */, 19 /* IP_TRANSPARENT */, &one, sizeof one) == 0) strcat(why, " IP_TRANSPARENT");
    if (why[0]) escaped("set as root:%s", why);
    contained("SO_MARK and the rest refused: %s", E_);
}
