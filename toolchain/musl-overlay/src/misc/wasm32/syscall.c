/* syscall(2) for wasm32. The generic version reads its variadic arguments as
 * syscall_arg_t (long long, so the inline syscalls keep 64-bit offsets), but on wasm32
 * variadic ints and pointers travel in 4-byte slots: read them as long, as on i386. */
#define _BSD_SOURCE
#include <unistd.h>
#include "syscall.h"
#include <stdarg.h>

#undef syscall

long syscall(long n, ...)
{
	va_list ap;
	long a,b,c,d,e,f;
	va_start(ap, n);
	a=va_arg(ap, long);
	b=va_arg(ap, long);
	c=va_arg(ap, long);
	d=va_arg(ap, long);
	e=va_arg(ap, long);
	f=va_arg(ap, long);
	va_end(ap);
	return __syscall_ret(__syscall(n,a,b,c,d,e,f));
}
