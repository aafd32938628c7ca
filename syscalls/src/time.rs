//! Clocks and sleeps. `timespec`/`timeval`/`itimerspec` have the x86-64 layout.

use crate::args::*;
use crate::ctx::{Ctx, SysResult};

const TIMESPEC: usize = 16;
const ITIMERSPEC: usize = 32;

pub fn clock_gettime(cx: &mut Ctx, clk: Int, tp: Ptr) -> SysResult {
    let b = cx.mem.host_w(tp.0, TIMESPEC)?;
    // Through libc for the vDSO fast path; same struct layout as the kernel's.
    // SAFETY: b is checked for 16 bytes.
    let r = unsafe { libc::clock_gettime(clk.0, b.cast()) };
    crate::host::libc_ret(r as libc::c_long)
}

pub fn clock_getres(cx: &mut Ctx, clk: Int, res: Ptr) -> SysResult {
    let b = cx.mem.host_opt_w(res.0, TIMESPEC)?;
    sys!(SYS_clock_getres, clk.0, b)
}

pub fn gettimeofday(cx: &mut Ctx, tv: Ptr, tz: Ptr) -> SysResult {
    let t = cx.mem.host_opt_w(tv.0, TIMESPEC)?;
    let z = cx.mem.host_opt_w(tz.0, 8)?;
    // SAFETY: both checked (or NULL).
    let r = unsafe { libc::gettimeofday(t.cast(), z.cast()) };
    crate::host::libc_ret(r as libc::c_long)
}

pub fn nanosleep(cx: &mut Ctx, req: Ptr, rem: Ptr) -> SysResult {
    let q = cx.mem.host(req.0, TIMESPEC)?;
    let r = cx.mem.host_lazy(rem.0, TIMESPEC)?;
    sys!(SYS_nanosleep, q, r)
}

pub fn clock_nanosleep(cx: &mut Ctx, clk: Int, flags: Int, req: Ptr, rem: Ptr) -> SysResult {
    let q = cx.mem.host(req.0, TIMESPEC)?;
    let r = cx.mem.host_lazy(rem.0, TIMESPEC)?;
    sys!(SYS_clock_nanosleep, clk.0, flags.0, q, r)
}

pub fn timerfd_create(_cx: &mut Ctx, clk: Int, flags: Int) -> SysResult {
    sys!(SYS_timerfd_create, clk.0, flags.0)
}

pub fn timerfd_settime(cx: &mut Ctx, fd: Fd, flags: Int, new: Ptr, old: Ptr) -> SysResult {
    let n = cx.mem.host(new.0, ITIMERSPEC)?;
    let o = cx.mem.host_opt_w(old.0, ITIMERSPEC)?;
    sys!(SYS_timerfd_settime, fd.0, flags.0, n, o)
}
