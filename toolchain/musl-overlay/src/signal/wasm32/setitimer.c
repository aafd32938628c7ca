/* struct itimerval already has the kernel's 64-bit layout on wasm32 (as on x32):
 * pass it through instead of musl's 32-bit conversion. */
#include <sys/time.h>
#include "syscall.h"

int setitimer(int which, const struct itimerval *restrict new, struct itimerval *restrict old)
{
	return syscall(SYS_setitimer, which, new, old);
}
