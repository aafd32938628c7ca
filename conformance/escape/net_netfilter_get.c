// attack: read a netfilter table's header through getsockopt(SOL_IP, IPT_SO_GET_INFO) on
// a plain UDP socket (the same door as IPT_SO_SET_REPLACE, through which root rewrites the
// host's firewall). The table name is one that cannot exist, so nothing is loaded or
// changed: ENOENT means the kernel's netfilter code looked the table up for us (only
// CAP_NET_ADMIN gets that far; an unprivileged process gets EPERM)
// grant: --allow-all
#include "escape.h"
#include <sys/socket.h>
#include <netinet/in.h>
struct ipt_getinfo { char name[32]; unsigned valid_hooks, hook_entry[5], underflow[5], num_entries, size; };
int main(int argc, char **argv) {
    setup(argc, argv);
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0) broken("socket AF_INET");
    struct ipt_getinfo info;
    memset(&info, 0, sizeof info);
    strcpy(info.name, "wali-escape-none");
    socklen_t len = sizeof info;
    int r = getsockopt(s, 0 /* SOL_IP */, 64 /* IPT_SO_GET_INFO */, &info, &len);
    if (r == 0) escaped("IPT_SO_GET_INFO answered a table header");
    if (errno == ENOENT) escaped("IPT_SO_GET_INFO reached netfilter's table lookup (ENOENT)");
    contained("IPT_SO_GET_INFO: %s", E_);
}
