/* epoll for wasm32: programs see struct epoll_event in its natural layout (16 bytes,
 * data at offset 8), as Rust's libc crate declares it for wasm32-wali-linux-musl and as
 * every other non-x86 musl target has it; the WALI ABI passes the x86-64 kernel's
 * packed 12-byte layout (layouts.txt). epoll_ctl narrows the one event it passes;
 * epoll_pwait lets the kernel write packed events at the start of the caller's array
 * (n * 12 <= n * 16 bytes) and widens them in place, last first, so no entry is
 * overwritten before it is read. */
#include <sys/epoll.h>
#include <signal.h>
#include <errno.h>
#include <string.h>
#include <stdint.h>
#include "syscall.h"

struct kepoll_event {
	uint32_t events;
	uint64_t data;
} __attribute__((packed));

int epoll_create(int size)
{
	if (size<=0) return __syscall_ret(-EINVAL);
	return epoll_create1(0);
}

int epoll_create1(int flags)
{
	int r = __syscall(SYS_epoll_create1, flags);
#ifdef SYS_epoll_create
	if (r==-ENOSYS && !flags) r = __syscall(SYS_epoll_create, 1);
#endif
	return __syscall_ret(r);
}

int epoll_ctl(int fd, int op, int fd2, struct epoll_event *ev)
{
	struct kepoll_event k, *kp = 0;
	/* EPOLL_CTL_DEL ignores the event (and callers may pass anything). */
	if (ev && op != EPOLL_CTL_DEL) {
		k.events = ev->events;
		k.data = ev->data.u64;
		kp = &k;
	}
	return syscall(SYS_epoll_ctl, fd, op, fd2, kp);
}

static void widen(struct epoll_event *ev, int n)
{
	const unsigned char *packed = (const unsigned char *)ev;
	for (int i = n-1; i >= 0; i--) {
		struct kepoll_event k;
		memcpy(&k, packed + i*sizeof k, sizeof k);
		ev[i].events = k.events;
		ev[i].data.u64 = k.data;
	}
}

int epoll_pwait(int fd, struct epoll_event *ev, int cnt, int to, const sigset_t *sigs)
{
	int r = __syscall_cp(SYS_epoll_pwait, fd, ev, cnt, to, sigs, _NSIG/8);
#ifdef SYS_epoll_wait
	if (r==-ENOSYS && !sigs) r = __syscall_cp(SYS_epoll_wait, fd, ev, cnt, to);
#endif
	if (r > 0) widen(ev, r);
	return __syscall_ret(r);
}

int epoll_wait(int fd, struct epoll_event *ev, int cnt, int to)
{
	return epoll_pwait(fd, ev, cnt, to, 0);
}
