#include "pthread_impl.h"

/* A detached thread frees its own stack and exits: no stack switch is needed on
 * wasm, whose call stack is not in linear memory; the shadow stack is no longer used
 * once the thread leaves. */
_Noreturn void __unmapself(void *base, size_t size)
{
	__syscall(SYS_munmap, base, size);
	for (;;) __syscall(SYS_exit, 0);
}
