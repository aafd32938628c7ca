#include "pthread_impl.h"
#include "syscall.h"

/* Cancellation points: pthread_cancel.c compares a signal's pc with these markers;
 * wasm code has no such pc, so they only need to exist. */
hidden const char __cp_begin[1], __cp_end[1], __cp_cancel[1];

hidden long __cancel(void);

hidden long __syscall_cp_asm(volatile int *cancel, syscall_arg_t nr,
	syscall_arg_t u, syscall_arg_t v, syscall_arg_t w,
	syscall_arg_t x, syscall_arg_t y, syscall_arg_t z)
{
	if (*cancel) return __cancel();
	return __syscall6(nr, u, v, w, x, y, z);
}
