// attack: poll/ppoll/select/epoll_wait with a ready fd and an array that runs past the
// end of memory, and poll with nfds 0xffffffff and 0x20000000
// grant: none
#include "escape.h"
#include <poll.h>
#include <sys/epoll.h>
#include <sys/select.h>
int main(int argc, char **argv) {
    setup(argc, argv);
    NATIVE_SKIP();
#ifdef __wasm__
    int p[2];
    if (pipe(p) < 0 || write(p[1], "x", 1) != 1) broken("pipe");
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN};
    if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) < 0) broken("epoll");
    uintptr_t end = fresh_end_page();
    struct pollfd ok = {p[0], POLLIN, 0};
    struct pollfd *tail = (struct pollfd *)(end - 4);
    memcpy((char *)tail, &ok, 4); /* fd only; events would be past the end */
    long r[6];
    int e[6];
    r[0] = syscall(SYS_poll, tail, 1L, 0L); e[0] = errno;
    r[1] = syscall(SYS_ppoll, tail, 1L, NULL, NULL, 8L); e[1] = errno;
    /* 64 fds need 8 bytes of fd_set (the kernel never clamps below 64); 4 are left */
    unsigned char *fs = (unsigned char *)(end - 4);
    memset(fs, 0, 4);
    fs[p[0] / 8] |= 1 << (p[0] % 8);
    struct timeval tv = {0, 0};
    r[2] = syscall(SYS_select, 64L, fs, NULL, NULL, &tv); e[2] = errno;
    r[3] = syscall(SYS_epoll_wait, ep, (void *)(end - 4), 8L, 0L); e[3] = errno;
    r[4] = syscall(SYS_poll, &ok, 0xffffffffUL, 0L); e[4] = errno;
    r[5] = syscall(SYS_poll, &ok, 0x20000000UL, 0L); e[5] = errno;
    for (int i = 0; i < 6; i++)
        if (r[i] >= 0) escaped("call %d accepted an array past the end of memory: %ld", i, r[i]);
    contained("poll %s, ppoll %s, select %s, epoll_wait %s, poll(nfds 2^32-1) %s, poll(nfds 2^29) %s",
              errname(e[0]), errname(e[1]), errname(e[2]), errname(e[3]), errname(e[4]), errname(e[5]));
#endif
}
