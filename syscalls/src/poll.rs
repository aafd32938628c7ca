//! Readiness: poll, select, epoll. `pollfd`, `fd_set` and the packed 12-byte
//! `epoll_event` have the kernel's layout in the guest.

use crate::args::*;
use crate::ctx::{Ctx, SysResult};
use crate::errno::*;
use crate::signal;

const FD_SET: usize = 128;
const EPOLL_EVENT: usize = 12;
const TIMESPEC: usize = 16;
/// Linux caps epoll_wait's maxevents at INT_MAX / sizeof(epoll_event).
const EP_MAX_EVENTS: i32 = i32::MAX / 12;

fn nofile() -> u64 {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: r is a valid out-pointer.
    unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) };
    r.rlim_cur
}

pub fn poll(cx: &mut Ctx, fds: Ptr, nfds: U64, timeout: Int) -> SysResult {
    if nfds.0 > nofile() {
        return Err(EINVAL.into());
    }
    let p = cx.mem.host(fds.0, nfds.0 as usize * 8)?;
    sys!(SYS_poll, p, nfds.0, timeout.0)
}

pub fn ppoll(cx: &mut Ctx, fds: Ptr, nfds: U64, tmo: Ptr, mask: Ptr, size: Len) -> SysResult {
    if nfds.0 > nofile() {
        return Err(EINVAL.into());
    }
    let p = cx.mem.host(fds.0, nfds.0 as usize * 8)?;
    let t = cx.mem.host_opt(tmo.0, TIMESPEC)?;
    let m = signal::call_mask(cx, mask.0, size.0)?;
    sys!(
        SYS_ppoll,
        p,
        nfds.0,
        t,
        m.as_ref().map_or(std::ptr::null(), |m| m as *const u64),
        8
    )
}

fn sets(cx: &Ctx, r: Ptr, w: Ptr, e: Ptr) -> Result<[*mut u8; 3], Errno> {
    Ok([
        cx.mem.host_opt(r.0, FD_SET)?,
        cx.mem.host_opt(w.0, FD_SET)?,
        cx.mem.host_opt(e.0, FD_SET)?,
    ])
}

pub fn select(cx: &mut Ctx, nfds: Int, r: Ptr, w: Ptr, e: Ptr, tv: Ptr) -> SysResult {
    if !(0..=1024).contains(&nfds.0) {
        return Err(EINVAL.into());
    }
    let [r, w, e] = sets(cx, r, w, e)?;
    let t = cx.mem.host_opt(tv.0, TIMESPEC)?;
    sys!(SYS_select, nfds.0, r, w, e, t)
}

/// The sixth argument points at `{sigset ptr, size}`, two 8-byte words from our libc
/// (its syscall arguments are `long long`).
pub fn pselect6(cx: &mut Ctx, nfds: Int, r: Ptr, w: Ptr, e: Ptr, ts: Ptr, mask: Ptr) -> SysResult {
    if !(0..=1024).contains(&nfds.0) {
        return Err(EINVAL.into());
    }
    let [r, w, e] = sets(cx, r, w, e)?;
    let t = cx.mem.host_opt(ts.0, TIMESPEC)?;
    let m = if mask.0 != 0 {
        let [ss, len]: [u64; 2] = cx.mem.read(mask.0)?;
        signal::call_mask(cx, ss as u32, len as u32)?
    } else {
        None
    };
    let data: [usize; 2] = [m.as_ref().map_or(0, |m| m as *const u64 as usize), 8];
    let arg = if m.is_some() {
        data.as_ptr()
    } else {
        std::ptr::null()
    };
    sys!(SYS_pselect6, nfds.0, r, w, e, t, arg)
}

pub fn epoll_create(_cx: &mut Ctx, size: Int) -> SysResult {
    if size.0 <= 0 {
        return Err(EINVAL.into());
    }
    sys!(SYS_epoll_create1, 0)
}

pub fn epoll_create1(_cx: &mut Ctx, flags: Int) -> SysResult {
    sys!(SYS_epoll_create1, flags.0)
}

pub fn epoll_ctl(cx: &mut Ctx, epfd: Fd, op: Int, fd: Fd, ev: EpollEvent) -> SysResult {
    let p = if op.0 == libc::EPOLL_CTL_DEL {
        cx.mem.host_opt(ev.0, EPOLL_EVENT)?
    } else {
        cx.mem.host(ev.0, EPOLL_EVENT)?
    };
    sys!(SYS_epoll_ctl, epfd.0, op.0, fd.0, p)
}

pub fn epoll_wait(
    cx: &mut Ctx,
    epfd: Fd,
    events: OutEpollEvents,
    max: Int,
    timeout: Int,
) -> SysResult {
    if max.0 <= 0 || max.0 > EP_MAX_EVENTS {
        return Err(EINVAL.into());
    }
    let p = cx.mem.host_w(events.0, max.0 as usize * EPOLL_EVENT)?;
    sys!(SYS_epoll_wait, epfd.0, p, max.0, timeout.0)
}

pub fn epoll_pwait(
    cx: &mut Ctx,
    epfd: Fd,
    events: OutEpollEvents,
    max: Int,
    timeout: Int,
    mask: Ptr,
    size: Len,
) -> SysResult {
    if max.0 <= 0 || max.0 as usize > i32::MAX as usize / 12 {
        return Err(EINVAL.into());
    }
    let ev = cx.mem.host_w(events.0, max.0 as usize * 12)?;
    let m = signal::call_mask(cx, mask.0, size.0)?;
    sys!(
        SYS_epoll_pwait,
        epfd.0,
        ev,
        max.0,
        timeout.0,
        m.as_ref().map_or(std::ptr::null(), |m| m as *const u64),
        8
    )
}
