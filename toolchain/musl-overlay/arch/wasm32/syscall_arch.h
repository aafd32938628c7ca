/* Syscalls are calls of WALI imports ("wali" / "SYS_<name>"), declared with their
 * exact wasm signatures in the generated wali_syscalls.h. The dispatch inlines, so a
 * constant syscall number becomes one direct import call. Arguments travel as long
 * long (as on x32) so 64-bit ones (off_t) survive; results are truncated to long, so
 * calls returning 64-bit values (lseek) use their import directly. */

#define __SYSCALL_LL_E(x) (x)
#define __SYSCALL_LL_O(x) (x)

#define __scc(X) sizeof(1?(X):0ULL) < 8 ? (unsigned long) (X) : (long long) (X)
typedef long long syscall_arg_t;

#include "wali_syscalls.h"

static __inline long __syscall0(long long n)
{
	return __wali_syscall(n, 0, 0, 0, 0, 0, 0);
}

static __inline long __syscall1(long long n, long long a1)
{
	return __wali_syscall(n, a1, 0, 0, 0, 0, 0);
}

static __inline long __syscall2(long long n, long long a1, long long a2)
{
	return __wali_syscall(n, a1, a2, 0, 0, 0, 0);
}

static __inline long __syscall3(long long n, long long a1, long long a2, long long a3)
{
	return __wali_syscall(n, a1, a2, a3, 0, 0, 0);
}

static __inline long __syscall4(long long n, long long a1, long long a2, long long a3,
                                long long a4)
{
	return __wali_syscall(n, a1, a2, a3, a4, 0, 0);
}

static __inline long __syscall5(long long n, long long a1, long long a2, long long a3,
                                long long a4, long long a5)
{
	return __wali_syscall(n, a1, a2, a3, a4, a5, 0);
}

static __inline long __syscall6(long long n, long long a1, long long a2, long long a3,
                                long long a4, long long a5, long long a6)
{
	return __wali_syscall(n, a1, a2, a3, a4, a5, a6);
}

#define VDSO_USEFUL 0
#define IPC_64 0
