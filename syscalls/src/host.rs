//! Raw host syscalls. The guest's ABI is the x86-64 kernel's, so most calls pass
//! straight through with checked host pointers; the kernel's own answer is the truth.

use crate::ctx::SysResult;
use crate::errno::Errno;

/// Map a raw `syscall(2)` return to a guest result.
#[inline(always)]
pub fn ret(r: libc::c_long) -> SysResult {
    if r < 0 {
        Err(Errno::last().into())
    } else {
        Ok(r)
    }
}

/// `sys!(SYS_name, a, b, ...)`: the raw host syscall, as a `SysResult`.
macro_rules! sys {
    ($nr:ident $(, $a:expr)* $(,)?) => {
        // SAFETY: every pointer argument was produced by `GuestMem::host*` (checked
        // against guest memory) or points at host data that outlives the call.
        $crate::host::ret(unsafe { libc::syscall(libc::$nr $(, $a as libc::c_long)*) })
    };
}

/// The `*at` directory fd as the kernel wants it (AT_FDCWD stays -100).
#[inline(always)]
pub fn dirfd(fd: i32) -> libc::c_long {
    fd as libc::c_long
}
