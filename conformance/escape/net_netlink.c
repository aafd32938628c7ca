// attack: a NETLINK_ROUTE socket asking for the host's network interfaces (with root,
// the same socket could change routes and links)
// grant: --allow-all
#include "escape.h"
struct nlreq { uint32_t len; uint16_t type, flags; uint32_t seq, pid; uint8_t family, pad[3]; };
int main(int argc, char **argv) {
    setup(argc, argv);
    int s = socket(16 /* AF_NETLINK */, SOCK_RAW, 0 /* NETLINK_ROUTE */);
    if (s < 0) contained("socket AF_NETLINK: %s", E_);
    struct nlreq r = {sizeof r, 18 /* RTM_GETLINK */, 0x301 /* REQUEST|DUMP */, 1, 0, 0, {0}};
    struct { uint16_t family, pad; uint32_t pid, groups; } k = {16, 0, 0, 0};
    if (sendto(s, &r, sizeof r, 0, (void *)&k, sizeof k) < 0) contained("sendto netlink: %s", E_);
    char buf[8192];
    ssize_t n = recv(s, buf, sizeof buf, 0);
    if (n > 0) escaped("netlink answered the link dump (%zd bytes)", n);
    contained("recv netlink: %s", E_);
}
