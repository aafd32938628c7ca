#include "pthread_impl.h"
#include "syscall.h"

/* Cancellation points. musl's cancel handler compares the interrupted pc with
 * markers; wasm has no such pc, so the thread flags itself while it is inside a
 * cancellable syscall (read by pthread_cancel.c's handler). */
hidden _Thread_local volatile int __wasm_in_cp;

hidden long __cancel(void);

hidden long __syscall_cp_asm(volatile int *cancel, syscall_arg_t nr,
	syscall_arg_t u, syscall_arg_t v, syscall_arg_t w,
	syscall_arg_t x, syscall_arg_t y, syscall_arg_t z)
{
	__wasm_in_cp = 1;
	if (*cancel) {
		__wasm_in_cp = 0;
		return __cancel();
	}
	long r = __syscall6(nr, u, v, w, x, y, z);
	__wasm_in_cp = 0;
	return r;
}
