#include <unistd.h>
#include "syscall.h"

/* Through the import directly: __syscall's long result is 32-bit here. */
off_t __lseek(int fd, off_t offset, int whence)
{
	long long r = __wali_SYS_lseek(fd, offset, whence);
	if (r < 0 && r > -4096) {
		errno = -r;
		return -1;
	}
	return r;
}

weak_alias(__lseek, lseek);
