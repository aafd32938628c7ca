/* __clone for wasm32. A thread is a new instance of the module on the same shared
 * memory, started by the runtime through `__wasm_thread_spawn(fn, arg)`; it enters at
 * the export `__wasm_thread_start_libc(tid, arg)` (thread_start.s), which switches to
 * the new stack and calls __wasm_thread_start_C below. A clone without CLONE_THREAD
 * (posix_spawn's CLONE_VM|CLONE_VFORK child) is the runtime's SYS_clone, a fork: the
 * child runs fn on a copy of memory instead of the parent's, which posix_spawn
 * tolerates (it reports through a pipe). */
#define _GNU_SOURCE
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include "pthread_impl.h"
#include "syscall.h"

/* Read by thread_start.s at fixed offsets: stack first. */
struct wasm_thread_start {
	void *stack;
	void *tls;
	int (*fn)(void *);
	void *arg;
	void *tp;
	int *ptid;
	int *ctid;
	int flags;
};

__attribute__((import_module("wali"), import_name("__wasm_thread_spawn")))
int __wasm_thread_spawn(int fn, void *arg);

extern void __wasm_init_tls(void *);
extern void __wasm_thread_start_libc(int, void *);
extern _Thread_local unsigned long __wasm_thread_pointer;

hidden _Noreturn void __wasm_thread_start_C(int tid, struct wasm_thread_start *s)
{
	__wasm_init_tls(s->tls);
	if (s->flags & CLONE_SETTLS) __wasm_thread_pointer = (unsigned long)s->tp;
	if (s->flags & (CLONE_PARENT_SETTID|CLONE_CHILD_SETTID)) {
		if (s->ptid) *s->ptid = tid;
	}
	if (s->flags & CLONE_CHILD_CLEARTID) __syscall(SYS_set_tid_address, s->ctid);
	int r = s->fn(s->arg);
	for (;;) __syscall(SYS_exit, r);
}

int __clone(int (*fn)(void *), void *stack, int flags, void *arg, ...)
{
	va_list ap;
	va_start(ap, arg);
	int *ptid = va_arg(ap, int *);
	void *tp = va_arg(ap, void *);
	int *ctid = va_arg(ap, int *);
	va_end(ap);

	if (!(flags & CLONE_THREAD)) {
		/* A process: the runtime's SYS_clone forks (CLONE_VFORK waits, the tid
		 * flags write their words); the child goes on here, on its copy of memory. */
		int pid = __syscall(SYS_clone, flags, stack, ptid, ctid, tp);
		if (pid) return pid;
		for (;;) __syscall(SYS_exit, fn(arg));
	}
	if (!stack) return -EINVAL;

	/* Below the stack top: the thread's wasm TLS block, then the start record. */
	uintptr_t top = (uintptr_t)stack;
	size_t tls_align = __builtin_wasm_tls_align();
	if (tls_align < 16) tls_align = 16;
	top = (top - __builtin_wasm_tls_size()) & -tls_align;
	void *tls = (void *)top;
	top = (top - sizeof(struct wasm_thread_start)) & -16;
	struct wasm_thread_start *s = (void *)top;
	*s = (struct wasm_thread_start){
		.stack = (void *)top, .tls = tls, .fn = fn, .arg = arg, .tp = tp,
		.ptid = ptid, .ctid = ctid, .flags = flags,
	};
	int tid = __wasm_thread_spawn((int)(uintptr_t)__wasm_thread_start_libc, s);
	if (tid < 0) return tid;
	if ((flags & CLONE_PARENT_SETTID) && ptid) *ptid = tid;
	return tid;
}
