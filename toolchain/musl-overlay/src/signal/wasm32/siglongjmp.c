/* sigsetjmp/siglongjmp on wasm32. <setjmp.h> makes sigsetjmp(env, savemask) the
 * caller's own setjmp (the only one the compiler can lower) on the buffer that
 * __wasm_sigsetjmp returns, after it recorded savemask and, when non-zero, the
 * current signal mask. siglongjmp restores that mask, then jumps: the same effect
 * as musl's other arches, which restore it on sigsetjmp's second return. */
#include <setjmp.h>
#include <signal.h>
#include "syscall.h"

struct __jmp_buf_tag *__wasm_sigsetjmp(struct __jmp_buf_tag *buf, int savemask)
{
	buf->__fl = savemask != 0;
	if (savemask)
		__syscall(SYS_rt_sigprocmask, SIG_SETMASK, 0, buf->__ss, _NSIG/8);
	return buf;
}

_Noreturn void siglongjmp(sigjmp_buf buf, int ret)
{
	if (buf->__fl)
		__syscall(SYS_rt_sigprocmask, SIG_SETMASK, buf->__ss, 0, _NSIG/8);
	longjmp(buf, ret);
}
