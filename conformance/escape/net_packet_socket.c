// attack: open a raw packet socket (sniff or forge traffic on the host's interfaces)
// grant: --allow-all
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    int s = socket(17 /* AF_PACKET */, SOCK_RAW, htons(3 /* ETH_P_ALL */));
    if (s >= 0) escaped("opened an AF_PACKET raw socket");
    int e = errno;
    int r = socket(AF_INET, SOCK_RAW, 1 /* ICMP */);
    if (r >= 0) escaped("opened an AF_INET raw socket (AF_PACKET: %s)", errname(e));
    contained("AF_PACKET: %s; AF_INET SOCK_RAW: %s", errname(e), E_);
}
