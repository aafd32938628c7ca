// syscalls: socket setsockopt getsockopt close
#include "../case.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

/* Protocol-independent multicast (RFC 3678): struct group_req, group_source_req and
 * group_filter hold a sockaddr_storage after a 32-bit interface, so on wasm32 they are 4
 * bytes shorter than on x86-64. */
#ifndef MCAST_MSFILTER
#define MCAST_MSFILTER 48
#endif

static void v4(int ifindex) {
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct group_req g;
    memset(&g, 0, sizeof g);
    g.gr_interface = ifindex;
    struct sockaddr_in *a = (struct sockaddr_in *)&g.gr_group;
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = inet_addr("239.255.1.2");
    CHECK("setsockopt.mcast_join_v4", setsockopt(s, IPPROTO_IP, MCAST_JOIN_GROUP, &g, sizeof g));
    CHECK("setsockopt.mcast_join_v4_again", setsockopt(s, IPPROTO_IP, MCAST_JOIN_GROUP, &g, sizeof g));
    CHECK("setsockopt.mcast_join_v4_short", setsockopt(s, IPPROTO_IP, MCAST_JOIN_GROUP, &g, sizeof g - 1));
    CHECK("setsockopt.mcast_join_v4_bad_ptr", setsockopt(s, IPPROTO_IP, MCAST_JOIN_GROUP, BAD, sizeof g));
    CHECK("setsockopt.mcast_leave_v4", setsockopt(s, IPPROTO_IP, MCAST_LEAVE_GROUP, &g, sizeof g));
    CHECK("setsockopt.mcast_leave_v4_again", setsockopt(s, IPPROTO_IP, MCAST_LEAVE_GROUP, &g, sizeof g));
    a->sin_addr.s_addr = inet_addr("10.1.2.3");
    CHECK("setsockopt.mcast_join_v4_unicast", setsockopt(s, IPPROTO_IP, MCAST_JOIN_GROUP, &g, sizeof g));

    struct group_source_req gs;
    memset(&gs, 0, sizeof gs);
    gs.gsr_interface = ifindex;
    a = (struct sockaddr_in *)&gs.gsr_group;
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = inet_addr("232.1.2.3");
    struct sockaddr_in *src = (struct sockaddr_in *)&gs.gsr_source;
    src->sin_family = AF_INET;
    src->sin_addr.s_addr = inet_addr("127.0.0.1");
    CHECK("setsockopt.mcast_join_source_v4", setsockopt(s, IPPROTO_IP, MCAST_JOIN_SOURCE_GROUP, &gs, sizeof gs));
    CHECK("setsockopt.mcast_join_source_v4_short", setsockopt(s, IPPROTO_IP, MCAST_JOIN_SOURCE_GROUP, &gs, sizeof gs - 1));
    CHECK("setsockopt.mcast_block_source_v4", setsockopt(s, IPPROTO_IP, MCAST_BLOCK_SOURCE, &gs, sizeof gs));
    CHECK("setsockopt.mcast_leave_source_v4", setsockopt(s, IPPROTO_IP, MCAST_LEAVE_SOURCE_GROUP, &gs, sizeof gs));

    /* A filter with two sources: set it, read it back. */
    size_t fl = sizeof(struct group_filter) + sizeof(struct sockaddr_storage);
    struct group_filter *f = calloc(1, fl);
    f->gf_interface = ifindex;
    a = (struct sockaddr_in *)&f->gf_group;
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = inet_addr("239.255.1.3");
    CHECK("setsockopt.mcast_join_v4_for_filter", setsockopt(s, IPPROTO_IP, MCAST_JOIN_GROUP,
          &(struct group_req){ifindex, f->gf_group}, sizeof(struct group_req)));
    f->gf_fmode = MCAST_INCLUDE;
    f->gf_numsrc = 2;
    for (int i = 0; i < 2; i++) {
        struct sockaddr_in *x = (struct sockaddr_in *)&f->gf_slist[i];
        x->sin_family = AF_INET;
        x->sin_addr.s_addr = htonl(0x7f000001 + i);
    }
    CHECK("setsockopt.mcast_msfilter_v4", setsockopt(s, IPPROTO_IP, MCAST_MSFILTER, f, fl));
    CHECK("setsockopt.mcast_msfilter_v4_short", setsockopt(s, IPPROTO_IP, MCAST_MSFILTER, f, fl - 1));
    struct group_filter *r = calloc(1, fl);
    r->gf_interface = ifindex;
    r->gf_group = f->gf_group;
    r->gf_numsrc = 2;
    socklen_t rl = fl;
    CHECK("getsockopt.mcast_msfilter_v4", getsockopt(s, IPPROTO_IP, MCAST_MSFILTER, r, &rl));
    SHOW("getsockopt.mcast_msfilter_v4_len", "%u", (unsigned)(rl == fl ? 0 : rl));
    SHOW("getsockopt.mcast_msfilter_v4_mode", "%u %u", r->gf_fmode, r->gf_numsrc);
    struct sockaddr_in *x0 = (struct sockaddr_in *)&r->gf_slist[0], *x1 = (struct sockaddr_in *)&r->gf_slist[1];
    SHOW("getsockopt.mcast_msfilter_v4_sources", "%d %x %x", x0->sin_family, ntohl(x0->sin_addr.s_addr), ntohl(x1->sin_addr.s_addr));
    rl = sizeof(struct group_filter) - sizeof(struct sockaddr_storage) - 1;
    CHECK("getsockopt.mcast_msfilter_v4_short", getsockopt(s, IPPROTO_IP, MCAST_MSFILTER, r, &rl));
    free(f);
    free(r);
    close(s);
}

static void v6(int ifindex) {
    int s = socket(AF_INET6, SOCK_DGRAM, 0);
    if (s < 0) return;
    struct group_req g;
    memset(&g, 0, sizeof g);
    g.gr_interface = ifindex;
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&g.gr_group;
    a->sin6_family = AF_INET6;
    inet_pton(AF_INET6, "ff02::1:3", &a->sin6_addr);
    CHECK("setsockopt.mcast_join_v6", setsockopt(s, IPPROTO_IPV6, MCAST_JOIN_GROUP, &g, sizeof g));
    CHECK("setsockopt.mcast_leave_v6", setsockopt(s, IPPROTO_IPV6, MCAST_LEAVE_GROUP, &g, sizeof g));
    CHECK("setsockopt.mcast_leave_v6_again", setsockopt(s, IPPROTO_IPV6, MCAST_LEAVE_GROUP, &g, sizeof g));
    close(s);
}

int main(void) {
    /* Interface 0: the kernel picks it by route (if_nametoindex needs SIOCGIFINDEX,
     * which the runtime's ioctl list does not pass). */
    v4(0);
    v6(0);
    return 0;
}
