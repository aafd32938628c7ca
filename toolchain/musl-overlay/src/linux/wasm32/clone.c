/* clone(2) for wasm32: musl's, except that the child function is called through the
 * runtime's __wasm_call_start, which calls it with the arity its wasm type has. C on
 * Linux runs a child declared `int f(void)` or `void f(void *)` (cast to clone's
 * `int (*)(void *)`); a wasm call_indirect through that type would trap instead. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdint.h>
#include <unistd.h>
#include <sched.h>
#include "pthread_impl.h"
#include "syscall.h"
#include "lock.h"
#include "fork_impl.h"

__attribute__((import_module("wali"), import_name("__wasm_call_start")))
int __wasm_call_start(int fn, void *arg);

struct clone_start_args {
	int (*func)(void *);
	void *arg;
	sigset_t sigmask;
};

static int clone_start(void *arg)
{
	struct clone_start_args *csa = arg;
	__post_Fork(0);
	__restore_sigs(&csa->sigmask);
	return __wasm_call_start((int)(uintptr_t)csa->func, csa->arg);
}

static int clone_start_vm(void *arg)
{
	struct clone_start_args *csa = arg;
	return __wasm_call_start((int)(uintptr_t)csa->func, csa->arg);
}

int clone(int (*func)(void *), void *stack, int flags, void *arg, ...)
{
	struct clone_start_args csa;
	va_list ap;
	pid_t *ptid = 0, *ctid = 0;
	void  *tls = 0;

	/* Flags that produce an invalid thread/TLS state are disallowed. */
	int badflags = CLONE_THREAD | CLONE_SETTLS | CLONE_CHILD_CLEARTID;

	if ((flags & badflags) || !stack)
		return __syscall_ret(-EINVAL);

	va_start(ap, arg);
	if (flags & (CLONE_PIDFD | CLONE_PARENT_SETTID | CLONE_CHILD_SETTID))
	 	ptid = va_arg(ap, pid_t *);
	if (flags & CLONE_CHILD_SETTID) {
		tls = va_arg(ap, void *);
		ctid = va_arg(ap, pid_t *);
	}
	va_end(ap);

	csa.func = func;
	csa.arg = arg;

	/* The child gets a copy of memory here whatever CLONE_VM says (see __clone), but
	 * as musl does for CLONE_VM, no _Fork-like state fix-up. */
	if (flags & CLONE_VM) return __syscall_ret(
		__clone(clone_start_vm, stack, flags, &csa, ptid, tls, ctid));

	__block_all_sigs(&csa.sigmask);
	LOCK(__abort_lock);

	int ret = __clone(clone_start, stack, flags, &csa, ptid, tls, ctid);

	__post_Fork(ret);
	__restore_sigs(&csa.sigmask);
	return __syscall_ret(ret);
}
