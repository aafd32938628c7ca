/* struct itimerval already has the kernel's 64-bit layout on wasm32 (as on x32):
 * pass it through instead of musl's 32-bit conversion. */
#include <sys/time.h>
#include "syscall.h"

int getitimer(int which, struct itimerval *old)
{
	return syscall(SYS_getitimer, which, old);
}
