//! Raw host syscalls. The guest's ABI is the x86-64 kernel's, so most calls pass
//! straight through with checked host pointers; the kernel's own answer is the truth.

use crate::errno::Errno;
use crate::errno::{Stop, SysResult};

/// Map a raw kernel return (`-4095..=-1` is `-errno`) to a guest result.
#[inline(always)]
pub fn ret(r: libc::c_long) -> SysResult {
    if (r as u64) > -4096i64 as u64 {
        std::hint::cold_path();
        Err(Stop::Errno(Errno(-r as i32)))
    } else {
        Ok(r)
    }
}

/// Map a libc wrapper's return (`-1` and `errno` on failure) to a guest result.
#[inline(always)]
pub fn libc_ret(r: libc::c_long) -> SysResult {
    if r < 0 {
        Err(Errno::last().into())
    } else {
        Ok(r)
    }
}

/// The `syscall` instruction itself, inline: no call into libc's variadic `syscall(2)`
/// and no detour through the thread's `errno`. Every call level between the `syscall`
/// instruction and the guest costs a mispredicted return once the kernel is back
/// (about 5 ns here: its return thunks leave the return-stack predictor out of step).
///
/// # Safety
/// As for `syscall(2)`: pointer arguments must be valid for what the call does.
#[inline(always)]
pub unsafe fn raw<const N: usize>(nr: libc::c_long, a: [libc::c_long; N]) -> libc::c_long {
    const { assert!(N <= 6) };
    let arg = |i: usize| if i < N { a[i] } else { 0 };
    let r: libc::c_long;
    // SAFETY: the caller's contract; the kernel clobbers only rax, rcx and r11.
    unsafe {
        std::arch::asm!(
            "syscall",
            inlateout("rax") nr => r,
            in("rdi") arg(0),
            in("rsi") arg(1),
            in("rdx") arg(2),
            in("r10") arg(3),
            in("r8") arg(4),
            in("r9") arg(5),
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack),
        );
    }
    r
}

/// `sys!(SYS_name, a, b, ...)`: the raw host syscall, as a `SysResult`.
macro_rules! sys {
    ($nr:ident $(, $a:expr)* $(,)?) => {
        // SAFETY: every pointer argument was produced by `GuestMem::host*` (checked
        // against guest memory) or points at host data that outlives the call.
        $crate::host::ret(unsafe {
            $crate::host::raw(libc::$nr as libc::c_long, [$($a as libc::c_long),*])
        })
    };
}

/// The `*at` directory fd as the kernel wants it (AT_FDCWD stays -100).
#[inline(always)]
pub fn dirfd(fd: i32) -> libc::c_long {
    fd as libc::c_long
}
