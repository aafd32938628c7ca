//! Syscalls beyond the reference ABI that real programs (and musl) use: more file
//! operations, scheduling and ids, POSIX timers, inotify. All pass to the kernel with
//! checked pointers; layouts that differ (sigevent) are translated.

use crate::args::*;
use crate::ctx::{Ctx, SysResult};
use crate::errno::*;
use crate::fs::{host_iovecs, host_iovecs_w};
use crate::host::dirfd;

// --- files ---------------------------------------------------------------------------

pub fn renameat(cx: &mut Ctx, od: DirFd, op: Path, nd: DirFd, np: Path) -> SysResult {
    crate::fs::renameat2(cx, od, op, nd, np, UInt(0))
}

/// `off_in`/`off_out` point at 64-bit offsets (or are NULL).
pub fn copy_file_range(
    cx: &mut Ctx,
    fin: Fd,
    offin: Ptr,
    fout: Fd,
    offout: Ptr,
    len: Len,
    flags: UInt,
) -> SysResult {
    let a = cx.mem.host_opt(offin.0, 8)?;
    let b = cx.mem.host_opt(offout.0, 8)?;
    sys!(
        SYS_copy_file_range,
        fin.0,
        a,
        fout.0,
        b,
        len.0 as usize,
        flags.0
    )
}

pub fn sendfile(cx: &mut Ctx, out: Fd, inp: Fd, off: Ptr, count: Len) -> SysResult {
    let o = cx.mem.host_opt(off.0, 8)?;
    sys!(SYS_sendfile, out.0, inp.0, o, count.0 as usize)
}

pub fn splice(
    cx: &mut Ctx,
    fin: Fd,
    offin: Ptr,
    fout: Fd,
    offout: Ptr,
    len: Len,
    flags: UInt,
) -> SysResult {
    let a = cx.mem.host_opt(offin.0, 8)?;
    let b = cx.mem.host_opt(offout.0, 8)?;
    sys!(SYS_splice, fin.0, a, fout.0, b, len.0 as usize, flags.0)
}

pub fn tee(_cx: &mut Ctx, fin: Fd, fout: Fd, len: Len, flags: UInt) -> SysResult {
    sys!(SYS_tee, fin.0, fout.0, len.0 as usize, flags.0)
}

pub fn fallocate(_cx: &mut Ctx, fd: Fd, mode: Int, off: Off, len: Off) -> SysResult {
    sys!(SYS_fallocate, fd.0, mode.0, off.0, len.0)
}

pub fn readahead(_cx: &mut Ctx, fd: Fd, off: Off, count: Len) -> SysResult {
    sys!(SYS_readahead, fd.0, off.0, count.0 as usize)
}

pub fn memfd_create(cx: &mut Ctx, name: Path, flags: UInt) -> SysResult {
    let n = cx.mem.path(name.0)?;
    sys!(SYS_memfd_create, n.as_ptr(), flags.0)
}

pub fn close_range(cx: &mut Ctx, first: UInt, last: UInt, flags: UInt) -> SysResult {
    if first.0 > last.0 {
        return Err(EINVAL.into());
    }
    // The runtime's own descriptors are not the guest's to close: the range is closed
    // in the pieces between them (one call when none lies inside, the usual case).
    let (holes, end) = crate::runtime_fds::holes(first.0, last.0);
    let mut r = Ok(0);
    let mut from = first.0 as u64;
    for hole in holes
        .iter()
        .map(|&h| h as u64)
        .chain(std::iter::once(end + 1))
    {
        if hole > from {
            r = sys!(SYS_close_range, from, hole - 1, flags.0);
            if r.is_err() {
                break;
            }
        }
        from = hole + 1;
    }
    let last = last.0.min(i32::MAX as u32) as i32;
    crate::fs::closed(cx, first.0.min(i32::MAX as u32) as i32, last, &r);
    r
}

/// The offset comes split in two words (musl passes `(long)ofs, (long)(ofs >> 32)`,
/// and `long` is 32-bit here).
fn split_off(lo: i64, hi: i64) -> i64 {
    (lo as u32 as i64) | (hi << 32)
}

pub fn pwritev(cx: &mut Ctx, fd: Fd, iov: Ptr, cnt: Int, lo: Off, hi: Off) -> SysResult {
    let v = host_iovecs(cx, iov.0, cnt.0)?;
    sys!(
        SYS_pwritev,
        fd.0,
        v.as_ptr(),
        v.len(),
        split_off(lo.0, hi.0),
        0
    )
}

pub fn preadv(cx: &mut Ctx, fd: Fd, iov: Ptr, cnt: Int, lo: Off, hi: Off) -> SysResult {
    let v = host_iovecs_w(cx, iov.0, cnt.0)?;
    sys!(
        SYS_preadv,
        fd.0,
        v.as_ptr(),
        v.len(),
        split_off(lo.0, hi.0),
        0
    )
}

pub fn mknodat(cx: &mut Ctx, dir: DirFd, path: Path, mode: Mode, dev: UInt) -> SysResult {
    let p = cx.mem.path(path.0)?;
    if let Some(v) = crate::fs::vfs(cx) {
        // Files, fifos and sockets only: a device node would open the host's devices.
        let kind = mode.0 & libc::S_IFMT;
        if kind == libc::S_IFCHR || kind == libc::S_IFBLK {
            return Err(
                crate::policy::denied("device nodes are never created in the sandbox").into(),
            );
        }
        // A new file is never set-ID (sandbox::setid_refused): the bits go, as under a umask.
        let mode = mode.0 & !(libc::S_ISUID | libc::S_ISGID);
        return Ok(v.create(dir.0, &p, |d, n| {
            sys!(SYS_mknodat, d, n.as_ptr(), mode, dev.0).map_err(crate::fs::errno_of)
        })?);
    }
    sys!(SYS_mknodat, dirfd(dir.0), p.as_ptr(), mode.0, dev.0)
}

pub fn mknod(cx: &mut Ctx, path: Path, mode: Mode, dev: UInt) -> SysResult {
    mknodat(cx, DirFd(libc::AT_FDCWD), path, mode, dev)
}

pub fn lchown(cx: &mut Ctx, path: Path, owner: UInt, group: UInt) -> SysResult {
    let p = cx.mem.path(path.0)?;
    if let Some(v) = crate::fs::vfs(cx) {
        return Ok(v.chown(
            libc::AT_FDCWD,
            &p,
            owner.0,
            group.0,
            libc::AT_SYMLINK_NOFOLLOW,
        )?);
    }
    sys!(SYS_lchown, p.as_ptr(), owner.0, group.0)
}

pub fn sync(_cx: &mut Ctx) -> SysResult {
    sys!(SYS_sync)
}

pub fn syncfs(_cx: &mut Ctx, fd: Fd) -> SysResult {
    sys!(SYS_syncfs, fd.0)
}

pub fn sync_file_range(_cx: &mut Ctx, fd: Fd, off: Off, n: Off, flags: UInt) -> SysResult {
    sys!(SYS_sync_file_range, fd.0, off.0, n.0, flags.0)
}

pub fn inotify_init(_cx: &mut Ctx) -> SysResult {
    sys!(SYS_inotify_init1, 0)
}

pub fn inotify_init1(_cx: &mut Ctx, flags: Int) -> SysResult {
    sys!(SYS_inotify_init1, flags.0)
}

pub fn inotify_add_watch(cx: &mut Ctx, fd: Fd, path: Path, mask: UInt) -> SysResult {
    let p = cx.mem.path(path.0)?;
    if let Some(v) = crate::fs::vfs(cx) {
        let follow = mask.0 & libc::IN_DONT_FOLLOW == 0;
        return Ok(v.via_proc(&p, follow, |h| {
            sys!(
                SYS_inotify_add_watch,
                fd.0,
                h.as_ptr(),
                mask.0 & !libc::IN_DONT_FOLLOW
            )
            .map_err(crate::fs::errno_of)
        })?);
    }
    sys!(SYS_inotify_add_watch, fd.0, p.as_ptr(), mask.0)
}

pub fn inotify_rm_watch(_cx: &mut Ctx, fd: Fd, wd: Int) -> SysResult {
    sys!(SYS_inotify_rm_watch, fd.0, wd.0)
}

// --- memory --------------------------------------------------------------------------

fn in_memory(cx: &Ctx, addr: u32, len: u32) -> Result<(), Errno> {
    if !addr.is_multiple_of(4096) {
        return Err(EINVAL);
    }
    cx.mem
        .host(addr, len as usize)
        .map(|_| ())
        .map_err(|_| ENOMEM)
}

/// Linear memory is never swapped out by the runtime: locking is accepted.
pub fn mlock(cx: &mut Ctx, addr: Ptr, len: Len) -> SysResult {
    cx.mem
        .host(addr.0 & !4095, (len.0 + (addr.0 & 4095)) as usize)
        .map_err(|_| ENOMEM)?;
    Ok(0)
}

pub fn munlock(cx: &mut Ctx, addr: Ptr, len: Len) -> SysResult {
    mlock(cx, addr, len)
}

pub fn munlockall(_cx: &mut Ctx) -> SysResult {
    Ok(0)
}

/// Every page of linear memory counts as resident.
pub fn mincore(cx: &mut Ctx, addr: Ptr, len: Len, vec: Ptr) -> SysResult {
    in_memory(cx, addr.0, len.0)?;
    let pages = (len.0 as usize).div_ceil(4096);
    cx.mem.fill(vec.0, 1, pages)?;
    Ok(0)
}

// --- scheduling and ids ----------------------------------------------------------------

pub fn getpriority(cx: &mut Ctx, which: Int, who: Target) -> SysResult {
    let who = who.prio(cx, which.0)?;
    sys!(SYS_getpriority, which.0, who)
}

pub fn setpriority(cx: &mut Ctx, which: Int, who: Target, prio: Int) -> SysResult {
    let who = who.prio(cx, which.0)?;
    if cx.proc.policy.vfs.is_some() {
        // The raw call answers 20 - nice of the highest-priority target (1..=40).
        let cur = 20 - sys!(SYS_getpriority, which.0, who)?;
        if i64::from(prio.0.clamp(-20, 19)) < cur {
            crate::policy::refuse(
                "raising a priority needs CAP_SYS_NICE, which the sandbox never lends the guest",
            );
            return Err(EACCES.into());
        }
    }
    sys!(SYS_setpriority, which.0, who, prio.0)
}

/// Under the sandbox, no real-time class: a runtime run as root holds CAP_SYS_NICE, and a
/// real-time busy loop starves the host's processes on its CPU. EPERM is what an
/// unprivileged process gets (RLIMIT_RTPRIO 0).
fn no_realtime(cx: &Ctx, policy: i32) -> Result<(), Errno> {
    const SCHED_RESET_ON_FORK: i32 = 0x4000_0000;
    let p = policy & !SCHED_RESET_ON_FORK;
    if cx.proc.policy.vfs.is_some() && matches!(p, libc::SCHED_FIFO | libc::SCHED_RR | 6) {
        return Err(crate::policy::denied(
            "real-time scheduling needs CAP_SYS_NICE, which the sandbox never lends the guest",
        ));
    }
    Ok(())
}

pub fn getresuid(cx: &mut Ctx, r: Ptr, e: Ptr, s: Ptr) -> SysResult {
    let (a, b, c) = (
        cx.mem.host_w(r.0, 4)?,
        cx.mem.host_w(e.0, 4)?,
        cx.mem.host_w(s.0, 4)?,
    );
    sys!(SYS_getresuid, a, b, c)
}

pub fn getresgid(cx: &mut Ctx, r: Ptr, e: Ptr, s: Ptr) -> SysResult {
    let (a, b, c) = (
        cx.mem.host_w(r.0, 4)?,
        cx.mem.host_w(e.0, 4)?,
        cx.mem.host_w(s.0, 4)?,
    );
    sys!(SYS_getresgid, a, b, c)
}

pub fn sched_getparam(cx: &mut Ctx, pid: Target, param: Ptr) -> SysResult {
    // NULL goes to the kernel, which answers EINVAL for it.
    let p = cx.mem.host_opt_w(param.0, 4)?;
    let pid = pid.task(cx)?;
    sys!(SYS_sched_getparam, pid, p)
}

pub fn sched_setparam(cx: &mut Ctx, pid: Target, param: Ptr) -> SysResult {
    let p = cx.mem.host_opt(param.0, 4)?;
    let pid = pid.task(cx)?;
    sys!(SYS_sched_setparam, pid, p)
}

pub fn sched_getscheduler(cx: &mut Ctx, pid: Target) -> SysResult {
    let pid = pid.task(cx)?;
    sys!(SYS_sched_getscheduler, pid)
}

pub fn sched_setscheduler(cx: &mut Ctx, pid: Target, policy: Int, param: Ptr) -> SysResult {
    let p = cx.mem.host_opt(param.0, 4)?;
    let pid = pid.task(cx)?;
    no_realtime(cx, policy.0)?;
    sys!(SYS_sched_setscheduler, pid, policy.0, p)
}

pub fn sched_get_priority_max(_cx: &mut Ctx, policy: Int) -> SysResult {
    sys!(SYS_sched_get_priority_max, policy.0)
}

pub fn sched_get_priority_min(_cx: &mut Ctx, policy: Int) -> SysResult {
    sys!(SYS_sched_get_priority_min, policy.0)
}

pub fn sched_rr_get_interval(cx: &mut Ctx, pid: Target, ts: Ptr) -> SysResult {
    let t = cx.mem.host_w(ts.0, 16)?;
    let pid = pid.task(cx)?;
    sys!(SYS_sched_rr_get_interval, pid, t)
}

pub fn sched_setaffinity(cx: &mut Ctx, pid: Target, size: Len, mask: Ptr) -> SysResult {
    let m = cx.mem.host(mask.0, size.0 as usize)?;
    let pid = pid.task(cx)?;
    sys!(SYS_sched_setaffinity, pid, size.0 as usize, m)
}

pub fn getcpu(cx: &mut Ctx, cpu: Ptr, node: Ptr, _cache: Ptr) -> SysResult {
    let (c, n) = (cx.mem.host_opt_w(cpu.0, 4)?, cx.mem.host_opt_w(node.0, 4)?);
    sys!(SYS_getcpu, c, n, 0)
}

pub fn membarrier(_cx: &mut Ctx, cmd: Int, flags: UInt, cpu: Int) -> SysResult {
    sys!(SYS_membarrier, cmd.0, flags.0, cpu.0)
}

/// `struct tms` is four 8-byte clock_t on both sides.
pub fn times(cx: &mut Ctx, buf: Ptr) -> SysResult {
    let b = cx.mem.host_opt_w(buf.0, 32)?;
    sys!(SYS_times, b)
}

// --- timers ----------------------------------------------------------------------------

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
        Some(crate::time::itimerspec_in(cx, new.0)?)
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
