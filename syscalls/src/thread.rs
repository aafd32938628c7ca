//! Threads: futex on the real kernel futex (the memory is a host mapping), and exit.

use crate::args::*;
use crate::ctx::{Ctx, Exit, Stop, SysResult};
use crate::errno::*;
use std::sync::atomic::Ordering;

const TIMESPEC: usize = 16;

pub fn futex(
    cx: &mut Ctx,
    uaddr: Ptr,
    op: Int,
    val: Int,
    timeout: Ptr,
    uaddr2: Ptr,
    val3: Int,
) -> SysResult {
    if !uaddr.0.is_multiple_of(4) {
        return Err(EINVAL.into());
    }
    let u = cx.mem.host(uaddr.0, 4)?;
    let cmd = op.0 & libc::FUTEX_CMD_MASK;
    match cmd {
        libc::FUTEX_WAIT | libc::FUTEX_WAIT_BITSET => {
            let t = cx.mem.host_opt(timeout.0, TIMESPEC)?;
            sys!(SYS_futex, u, op.0, val.0, t, 0, val3.0)
        }
        libc::FUTEX_WAKE | libc::FUTEX_WAKE_BITSET => sys!(SYS_futex, u, op.0, val.0, 0, 0, val3.0),
        // For these the fourth argument is a count (val2), not a pointer.
        libc::FUTEX_REQUEUE | libc::FUTEX_CMP_REQUEUE | libc::FUTEX_WAKE_OP => {
            if !uaddr2.0.is_multiple_of(4) {
                return Err(EINVAL.into());
            }
            let u2 = cx.mem.host(uaddr2.0, 4)?;
            sys!(SYS_futex, u, op.0, val.0, timeout.0, u2, val3.0)
        }
        _ => Err(ENOSYS.into()),
    }
}

pub fn exit(cx: &mut Ctx, status: Int) -> SysResult {
    // The last thread's exit ends the process, as on Linux.
    let code = status.0 & 0xff;
    if cx.proc.threads.load(Ordering::SeqCst) > 1 {
        Err(Stop::Exit(Exit::Thread(code)))
    } else {
        Err(Stop::Exit(Exit::Process(code)))
    }
}

pub fn set_robust_list(_cx: &mut Ctx, _head: Ptr, len: Len) -> SysResult {
    // musl registers its list only for robust mutexes; the kernel never walks ours
    // (threads are host threads of this process), so accept and remember nothing.
    if len.0 != 12 {
        return Err(EINVAL.into());
    }
    Ok(0)
}
