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

// --- capabilities, clocks, personality, namespaces and mounts ----------------------------

/// Capability data structs per `_LINUX_CAPABILITY_VERSION_*` (1: 32-bit sets, 2 and 3:
/// 64-bit); 0 for an unknown version, which the kernel refuses before any data.
fn cap_words(cx: &Ctx, hdrp: u32) -> Result<usize, Errno> {
    let version: u32 = cx.mem.read(hdrp)?;
    Ok(match version {
        0x1998_0330 => 1,
        0x2007_1026 | 0x2008_0522 => 2,
        _ => 0,
    })
}

/// `struct __user_cap_header_struct { u32 version; int pid; }` and `n` data structs of
/// three u32: the same layout in the guest.
pub fn capget(cx: &mut Ctx, hdrp: Ptr, datap: Ptr) -> SysResult {
    let n = cap_words(cx, hdrp.0)?;
    let h = cx.mem.host(hdrp.0, 8)?;
    let pid: i32 = cx.mem.read(hdrp.0 + 4)?;
    crate::signal::may_touch(cx, pid)?;
    // An unknown version with data answers EINVAL (without touching it); without data,
    // 0 (libcap's probe): the kernel decides, on a pointer that is NULL when the guest's is.
    let d = cx.mem.host_opt(datap.0, 12 * n)?;
    sys!(SYS_capget, h, d)
}

/// The calling thread's own sets (the kernel refuses another pid): under the sandbox
/// too, as a guest can only drop what the runtime's thread has.
pub fn capset(cx: &mut Ctx, hdrp: Ptr, datap: Ptr) -> SysResult {
    let n = cap_words(cx, hdrp.0)?;
    let h = cx.mem.host(hdrp.0, 8)?;
    let d = cx.mem.host_opt(datap.0, 12 * n)?;
    sys!(SYS_capset, h, d)
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

/// `MMAP_PAGE_ZERO`: a page at address 0 for the programs this process execs.
const MMAP_PAGE_ZERO: u32 = 0x0010_0000;

pub fn personality(cx: &mut Ctx, persona: UInt) -> SysResult {
    if cx.proc.policy.vfs.is_some() && persona.0 != 0xffff_ffff && persona.0 & MMAP_PAGE_ZERO != 0 {
        return Err(crate::policy::denied(
            "personality MMAP_PAGE_ZERO is refused under the sandbox",
        )
        .into());
    }
    sys!(SYS_personality, persona.0)
}

/// New namespaces (and a private descriptor table or cwd for one runtime thread) are
/// the runtime's own business: under the sandbox only `unshare(0)`, which changes
/// nothing. `--allow-all` passes it through, as the reference engine does.
pub fn unshare(cx: &mut Ctx, flags: Int) -> SysResult {
    /// The flags unshare(2) knows (the kernel's check_unshare_flags).
    const KNOWN: i32 = libc::CLONE_THREAD
        | libc::CLONE_FS
        | libc::CLONE_NEWNS
        | libc::CLONE_SIGHAND
        | libc::CLONE_VM
        | libc::CLONE_FILES
        | libc::CLONE_SYSVSEM
        | libc::CLONE_NEWUTS
        | libc::CLONE_NEWIPC
        | libc::CLONE_NEWNET
        | libc::CLONE_NEWUSER
        | libc::CLONE_NEWPID
        | libc::CLONE_NEWCGROUP
        | 0x80; // CLONE_NEWTIME
    if flags.0 & !KNOWN != 0 {
        return Err(EINVAL.into());
    }
    if cx.proc.policy.vfs.is_some() && flags.0 != 0 {
        return Err(crate::policy::denied(
            "unshare is refused under the sandbox (--allow-all passes it through)",
        )
        .into());
    }
    sys!(SYS_unshare, flags.0)
}

/// A string argument that may be NULL.
fn opt_cstr(cx: &Ctx, p: u32) -> Result<Option<std::ffi::CString>, Errno> {
    if p == 0 {
        Ok(None)
    } else {
        cx.mem.path(p).map(Some)
    }
}

pub fn mount(
    cx: &mut Ctx,
    source: Ptr,
    target: Path,
    fstype: Ptr,
    flags: U64,
    data: Ptr,
) -> SysResult {
    let src = opt_cstr(cx, source.0)?;
    let tgt = cx.mem.path(target.0)?;
    let ty = opt_cstr(cx, fstype.0)?;
    if cx.proc.policy.vfs.is_some() {
        return Err(crate::policy::denied(
            "mount is refused under the sandbox (--allow-all passes it through)",
        )
        .into());
    }
    // The kernel copies up to a page of options, stopping where memory ends.
    let d = if data.0 == 0 {
        std::ptr::null_mut()
    } else {
        let avail = cx.mem.len().saturating_sub(data.0 as usize).min(4096);
        if avail == 0 {
            return Err(EFAULT.into());
        }
        cx.mem.host(data.0, avail)?
    };
    let p = |c: &Option<std::ffi::CString>| c.as_ref().map_or(std::ptr::null(), |c| c.as_ptr());
    sys!(SYS_mount, p(&src), tgt.as_ptr(), p(&ty), flags.0, d)
}

pub fn umount2(cx: &mut Ctx, target: Path, flags: Int) -> SysResult {
    // MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW, checked first as the kernel does.
    if flags.0 & !0xf != 0 {
        return Err(EINVAL.into());
    }
    let tgt = cx.mem.path(target.0)?;
    if cx.proc.policy.vfs.is_some() {
        return Err(crate::policy::denied(
            "umount is refused under the sandbox (--allow-all passes it through)",
        )
        .into());
    }
    sys!(SYS_umount2, tgt.as_ptr(), flags.0)
}
