//! Clocks, sleeps and timers (timerfd, POSIX timers), `times`. `timespec`/`timeval`/`itimerspec` have the x86-64 size, and
//! `timeval` its layout; a `timespec` the guest hands in goes through `timespec_in`.

use crate::args::*;
use crate::ctx::{Ctx, SysResult};
use crate::errno::{Errno, EFAULT, EINVAL};

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

pub fn timerfd_gettime(cx: &mut Ctx, fd: Fd, cur: Ptr) -> SysResult {
    let c = cx.mem.host_w(cur.0, 32)?;
    sys!(SYS_timerfd_gettime, fd.0, c)
}

/// The guest's `struct sigevent` has a 4-byte `sigval`: `{u32 value; i32 signo; i32
/// notify; i32 tid}`; the kernel's starts with an 8-byte one.
pub fn timer_create(cx: &mut Ctx, clk: Int, sev: Ptr, id: Ptr) -> SysResult {
    let idp = cx.mem.host_w(id.0, 4)?;
    let mut k = [0u8; 64];
    let kp = if sev.0 != 0 {
        let [value, signo, notify, tid]: [u32; 4] = cx.mem.read(sev.0)?;
        k[0..8].copy_from_slice(&(value as u64).to_le_bytes());
        k[8..12].copy_from_slice(&signo.to_le_bytes());
        k[12..16].copy_from_slice(&notify.to_le_bytes());
        k[16..20].copy_from_slice(&tid.to_le_bytes());
        k.as_ptr()
    } else {
        std::ptr::null()
    };
    sys!(SYS_timer_create, clk.0, kp, idp)
}

pub fn timer_settime(cx: &mut Ctx, id: Int, flags: Int, new: Ptr, old: Ptr) -> SysResult {
    // A NULL new value goes to the kernel, which answers EINVAL for it.
    let n = if new.0 == 0 {
        None
    } else {
        Some(itimerspec_in(cx, new.0)?)
    };
    let o = cx.mem.host_opt_w(old.0, 32)?;
    sys!(
        SYS_timer_settime,
        id.0,
        flags.0,
        n.as_ref().map_or(std::ptr::null(), |n| n.as_ptr()),
        o
    )
}

pub fn timer_gettime(cx: &mut Ctx, id: Int, cur: Ptr) -> SysResult {
    let c = cx.mem.host_w(cur.0, 32)?;
    sys!(SYS_timer_gettime, id.0, c)
}

pub fn timer_getoverrun(_cx: &mut Ctx, id: Int) -> SysResult {
    sys!(SYS_timer_getoverrun, id.0)
}

pub fn timer_delete(_cx: &mut Ctx, id: Int) -> SysResult {
    sys!(SYS_timer_delete, id.0)
}

/// The host's clock is not the guest's to set: under the sandbox the kernel's own checks
/// come first (a bad pointer, a clock that cannot be set, a bad time), then `EPERM`, as
/// for an unprivileged caller. The guest's `timespec` has a 4-byte `tv_nsec`.
pub fn clock_settime(cx: &mut Ctx, clk: Int, tp: Ptr) -> SysResult {
    let sec: i64 = cx.mem.read(tp.0)?;
    let nsec: i32 = cx.mem.read(tp.0.checked_add(8).ok_or(EFAULT)?)?;
    let ts = libc::timespec {
        tv_sec: sec,
        tv_nsec: nsec as i64,
    };
    if cx.proc.policy.vfs.is_none() {
        return sys!(SYS_clock_settime, clk.0, &ts as *const libc::timespec);
    }
    match clk.0 {
        libc::CLOCK_REALTIME => {
            if !(0..1_000_000_000).contains(&nsec) || sec < 0 {
                return Err(EINVAL.into());
            }
        }
        // The CPU-time clocks (and the others a negative id names): the kernel's EPERM.
        libc::CLOCK_PROCESS_CPUTIME_ID | libc::CLOCK_THREAD_CPUTIME_ID => {}
        c if c < 0 => {}
        _ => return Err(EINVAL.into()),
    }
    Err(crate::policy::denied(
        "the host's clock is not the guest's to set (--allow-all passes it through)",
    )
    .into())
}

/// `struct tms` is four 8-byte clock_t on both sides.
pub fn times(cx: &mut Ctx, buf: Ptr) -> SysResult {
    let b = cx.mem.host_opt_w(buf.0, 32)?;
    sys!(SYS_times, b)
}
