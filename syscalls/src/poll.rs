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
    if let Some(h) = HostFds::new(cx, fds.0, nfds.0, p)? {
        let t = if h.hidden > 0 { 0 } else { timeout.0 };
        let n = sys!(SYS_poll, h.ptr(), nfds.0, t);
        return h.finish(cx, n);
    }
    sys!(SYS_poll, p, nfds.0, timeout.0)
}

/// A `pollfd` array that names one of the runtime's own descriptors, in host memory:
/// those entries are polled as closed ones (`POLLNVAL`), as the guest must see them.
/// The common case (no such entry) polls the guest's array in place.
struct HostFds {
    fds: Vec<libc::pollfd>,
    /// Entries that named a runtime descriptor (polled as -1).
    runtime: Vec<bool>,
    at: u32,
    hidden: usize,
}

impl HostFds {
    fn new(cx: &Ctx, at: u32, n: u64, p: *mut u8) -> Result<Option<HostFds>, Errno> {
        // SAFETY: p was checked for n * 8 bytes; each entry is read once, unaligned.
        let any = (0..n as usize).any(|i| {
            crate::runtime_fds::is_runtime(unsafe { (p.add(i * 8) as *const i32).read_unaligned() })
        });
        if !any {
            return Ok(None);
        }
        let mut fds: Vec<libc::pollfd> = Vec::with_capacity(n as usize);
        let mut runtime = Vec::with_capacity(n as usize);
        let mut hidden = 0;
        for i in 0..n as u32 {
            let [fd, ev]: [i32; 2] = cx.mem.read(at + i * 8)?;
            let mut e = libc::pollfd {
                fd,
                events: ev as i16,
                revents: 0,
            };
            let r = crate::runtime_fds::is_runtime(fd);
            if r {
                e.fd = -1;
                hidden += 1;
            }
            fds.push(e);
            runtime.push(r);
        }
        Ok(Some(HostFds {
            fds,
            runtime,
            at,
            hidden,
        }))
    }

    fn ptr(&self) -> *const libc::pollfd {
        self.fds.as_ptr()
    }

    fn finish(&self, cx: &Ctx, n: SysResult) -> SysResult {
        let n = n?;
        for (i, (e, r)) in self.fds.iter().zip(&self.runtime).enumerate() {
            let revents = if *r { libc::POLLNVAL } else { e.revents };
            cx.mem.write(self.at + i as u32 * 8 + 6, revents)?;
        }
        Ok(n + self.hidden as i64)
    }
}

pub fn ppoll(cx: &mut Ctx, fds: Ptr, nfds: U64, tmo: Ptr, mask: Ptr, size: Len) -> SysResult {
    if nfds.0 > nofile() {
        return Err(EINVAL.into());
    }
    let p = cx.mem.host(fds.0, nfds.0 as usize * 8)?;
    let mut ts = crate::time::timespec_opt(cx, tmo.0)?;
    let t = crate::time::ts_ptr(&mut ts);
    let m = signal::call_mask(cx, mask.0, size.0)?;
    let m = m.as_ref().map_or(std::ptr::null(), |m| m as *const u64);
    if let Some(h) = HostFds::new(cx, fds.0, nfds.0, p)? {
        let zero = [0i64; 2];
        let hidden = h.hidden > 0;
        let t = if hidden {
            zero.as_ptr() as *mut libc::timespec
        } else {
            t
        };
        let n = sys!(SYS_ppoll, h.ptr(), nfds.0, t, m, 8);
        if !hidden {
            crate::time::timespec_out(cx, tmo.0, &ts)?;
        }
        return h.finish(cx, n);
    }
    let n = sys!(SYS_ppoll, p, nfds.0, t, m, 8);
    // The kernel leaves the time remaining in the timeout.
    crate::time::timespec_out(cx, tmo.0, &ts)?;
    n
}

fn sets(cx: &Ctx, nfds: i32, r: Ptr, w: Ptr, e: Ptr) -> Result<[*mut u8; 3], Errno> {
    // A set naming one of the runtime's own descriptors names a closed one.
    for s in [r, w, e].into_iter().filter(|s| s.0 != 0) {
        for fd in crate::runtime_fds::holes(0, nfds.max(1) as u32 - 1).0 {
            let word: u64 = cx.mem.read(s.0 + (fd as u32 / 64) * 8)?;
            if word & (1 << (fd % 64)) != 0 {
                return Err(EBADF);
            }
        }
    }
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
    let [r, w, e] = sets(cx, nfds.0, r, w, e)?;
    let t = cx.mem.host_opt(tv.0, TIMESPEC)?;
    sys!(SYS_select, nfds.0, r, w, e, t)
}

/// The sixth argument points at `{sigset ptr, size}`, two 8-byte words from our libc
/// (its syscall arguments are `long long`).
pub fn pselect6(cx: &mut Ctx, nfds: Int, r: Ptr, w: Ptr, e: Ptr, ts: Ptr, mask: Ptr) -> SysResult {
    if !(0..=1024).contains(&nfds.0) {
        return Err(EINVAL.into());
    }
    let [r, w, e] = sets(cx, nfds.0, r, w, e)?;
    let mut tv = crate::time::timespec_opt(cx, ts.0)?;
    let t = crate::time::ts_ptr(&mut tv);
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
    let n = sys!(SYS_pselect6, nfds.0, r, w, e, t, arg);
    // The kernel leaves the time remaining in the timeout.
    crate::time::timespec_out(cx, ts.0, &tv)?;
    n
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
