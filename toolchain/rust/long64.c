/* C `long` is 64-bit for Rust on wasm32-wali-linux-musl (core::ffi::c_long, and so the
 * libc crate) and 32-bit for the sysroot's musl (clang's wasm32). Struct layouts agree
 * (the ABI's longs are the x86-64 kernel's: 8 bytes, which the C side pads to), but a
 * function with `long` in its signature does not: wasm-ld links a Rust call to musl's
 * poll(ptr, unsigned long, int) to a stub that traps. These take the Rust side's
 * signatures; wali-cargo's copy of the libc crate for std links poll, sysconf,
 * getauxval and syscall to them (the ones std calls). */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <sys/auxv.h>
#include <unistd.h>

int __wali_long64_poll(struct pollfd *fds, unsigned long long n, int timeout)
{
	if (n > 0xffffffffULL) { errno = EINVAL; return -1; }
	return poll(fds, (nfds_t)n, timeout);
}

long long __wali_long64_sysconf(int name)
{
	return sysconf(name);
}

unsigned long long __wali_long64_getauxval(unsigned long long type)
{
	return getauxval((unsigned long)type);
}

/* The arguments after the number are read as musl's syscall() reads them: six C longs
 * (std passes pointers and 32-bit integers). */
long long __wali_long64_syscall(long long n, ...)
{
	va_list ap;
	va_start(ap, n);
	long a = va_arg(ap, long), b = va_arg(ap, long), c = va_arg(ap, long);
	long d = va_arg(ap, long), e = va_arg(ap, long), f = va_arg(ap, long);
	va_end(ap);
	return syscall((long)n, a, b, c, d, e, f);
}
