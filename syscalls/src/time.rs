//! Clocks and sleeps. `timespec`/`timeval`/`itimerspec` have the x86-64 size, and
//! `timeval` its layout; a `timespec` the guest hands in goes through `timespec_in`.

use crate::args::*;
use crate::ctx::{Ctx, SysResult};
use crate::errno::Errno;

const TIMESPEC: usize = 16;
const ITIMERSPEC: usize = 32;

/// A `struct timespec` the guest hands to a syscall, as the host kernel's. wasm32's is
/// 16 bytes like x86-64's, but its `tv_nsec` is a 4-byte `long` followed by 4 bytes of
/// padding that C code never sets (an unnamed bit-field). The kernel drops that padding
/// for an ILP32 caller (x32's `get_timespec64`: `tv_nsec &= 0xFFFFFFFF`), and so does
/// this, the one translation every timespec argument goes through: passed as is, stack
/// garbage in the padding would make `tv_nsec` out of range (`EINVAL`). Times the kernel
/// writes back need nothing: their `tv_nsec` is below 10^9, so the padding gets zeros.
pub fn timespec_in(cx: &Ctx, p: u32) -> Result<libc::timespec, Errno> {
    let [s, ns]: [i64; 2] = cx.mem.read(p)?;
    Ok(libc::timespec {
        tv_sec: s,
        tv_nsec: ns as u32 as i64,
    })
}

/// `timespec_in` for an optional argument (NULL is `None`).
pub fn timespec_opt(cx: &Ctx, p: u32) -> Result<Option<libc::timespec>, Errno> {
    if p == 0 {
        return Ok(None);
    }
    timespec_in(cx, p).map(Some)
}

/// A `struct itimerspec` (interval, value) the guest hands in.
pub fn itimerspec_in(cx: &Ctx, p: u32) -> Result<[libc::timespec; 2], Errno> {
    Ok([
        timespec_in(cx, p)?,
        timespec_in(cx, p.checked_add(16).ok_or(crate::errno::EFAULT)?)?,
    ])
}

/// The host pointer for an optional translated time (NULL for `None`).
pub fn ts_ptr(t: &mut Option<libc::timespec>) -> *mut libc::timespec {
    t.as_mut()
        .map_or(std::ptr::null_mut(), |t| t as *mut libc::timespec)
}

/// Copy a time the kernel updated in place (ppoll, pselect6: the time left) back to
/// the guest's `timespec`.
pub fn timespec_out(cx: &Ctx, p: u32, t: &Option<libc::timespec>) -> Result<(), Errno> {
    match t {
        Some(t) if p != 0 => cx.mem.write(p, [t.tv_sec, t.tv_nsec]),
        _ => Ok(()),
    }
}

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
    let q = timespec_in(cx, req.0)?;
    let r = cx.mem.host_lazy(rem.0, TIMESPEC)?;
    sys!(SYS_nanosleep, &q as *const libc::timespec, r)
}

pub fn clock_nanosleep(cx: &mut Ctx, clk: Int, flags: Int, req: Ptr, rem: Ptr) -> SysResult {
    let q = timespec_in(cx, req.0)?;
    let r = cx.mem.host_lazy(rem.0, TIMESPEC)?;
    sys!(
        SYS_clock_nanosleep,
        clk.0,
        flags.0,
        &q as *const libc::timespec,
        r
    )
}

pub fn timerfd_create(_cx: &mut Ctx, clk: Int, flags: Int) -> SysResult {
    sys!(SYS_timerfd_create, clk.0, flags.0)
}

pub fn timerfd_settime(cx: &mut Ctx, fd: Fd, flags: Int, new: Ptr, old: Ptr) -> SysResult {
    let n = itimerspec_in(cx, new.0)?;
    let o = cx.mem.host_opt_w(old.0, ITIMERSPEC)?;
    sys!(SYS_timerfd_settime, fd.0, flags.0, n.as_ptr(), o)
}
