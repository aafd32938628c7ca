//! Files, directories, descriptors. A path argument goes to the process's file system
//! (`crate::vfs`: the sandbox's, or the pass-through); descriptor calls pass to the
//! kernel with checked pointers. `struct stat`, `statx`, `statfs`, `dirent64`,
//! `timespec`, `flock` have the x86-64 layout in the guest, so the kernel's bytes are the
//! guest's.

use crate::args::*;
use crate::ctx::{Ctx, Stop, SysResult};
use crate::errno::*;

const STAT_SIZE: usize = 144;
const STATX_SIZE: usize = 256;
const STATFS_SIZE: usize = 120;
/// Linux's UIO_MAXIOV.
const IOV_MAX: i32 = 1024;

pub fn read(cx: &mut Ctx, fd: Fd, buf: OutBuf, count: Len) -> SysResult {
    let p = cx.mem.host_w(buf.0, count.0 as usize)?;
    sys!(SYS_read, fd.0, p, count.0)
}

pub fn write(cx: &mut Ctx, fd: Fd, buf: Buf, count: Len) -> SysResult {
    let p = cx.mem.host(buf.0, count.0 as usize)?;
    sys!(SYS_write, fd.0, p, count.0)
}

pub fn pread64(cx: &mut Ctx, fd: Fd, buf: OutBuf, count: Len, off: Off) -> SysResult {
    let p = cx.mem.host_w(buf.0, count.0 as usize)?;
    sys!(SYS_pread64, fd.0, p, count.0, off.0)
}

pub fn pwrite64(cx: &mut Ctx, fd: Fd, buf: Buf, count: Len, off: Off) -> SysResult {
    let p = cx.mem.host(buf.0, count.0 as usize)?;
    sys!(SYS_pwrite64, fd.0, p, count.0, off.0)
}

/// Translate a guest `iovec[cnt]` (8-byte entries) into host iovecs, every range checked.
pub fn host_iovecs(cx: &Ctx, iov: u32, cnt: i32) -> Result<Vec<libc::iovec>, Errno> {
    iovecs(cx, iov, cnt, false)
}

/// `host_iovecs` for buffers the kernel fills (readv): read-only pages fault too.
pub fn host_iovecs_w(cx: &Ctx, iov: u32, cnt: i32) -> Result<Vec<libc::iovec>, Errno> {
    iovecs(cx, iov, cnt, true)
}

fn iovecs(cx: &Ctx, iov: u32, cnt: i32, write: bool) -> Result<Vec<libc::iovec>, Errno> {
    if !(0..=IOV_MAX).contains(&cnt) {
        return Err(EINVAL);
    }
    let raw = cx.mem.read_bytes(iov, cnt as usize * 8)?;
    let mut out = Vec::with_capacity(cnt as usize);
    for e in raw.chunks_exact(8) {
        let base = u32::from_le_bytes([e[0], e[1], e[2], e[3]]);
        let len = u32::from_le_bytes([e[4], e[5], e[6], e[7]]) as usize;
        let p = if write {
            cx.mem.host_w(base, len)?
        } else {
            cx.mem.host(base, len)?
        };
        out.push(libc::iovec {
            iov_base: p.cast(),
            iov_len: len,
        });
    }
    Ok(out)
}

pub fn readv(cx: &mut Ctx, fd: Fd, iov: Ptr, cnt: Int) -> SysResult {
    let v = host_iovecs_w(cx, iov.0, cnt.0)?;
    sys!(SYS_readv, fd.0, v.as_ptr(), v.len())
}

pub fn writev(cx: &mut Ctx, fd: Fd, iov: Ptr, cnt: Int) -> SysResult {
    let v = host_iovecs(cx, iov.0, cnt.0)?;
    sys!(SYS_writev, fd.0, v.as_ptr(), v.len())
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

/// A 64-bit offset the kernel reads and writes back advanced (`copy_file_range`,
/// `sendfile`, `splice`): read from the guest here, handed to the kernel as the
/// runtime's own copy, written back through the write check after. So a read-only page
/// answers as on Linux: the transfer happens, then `EFAULT`.
struct InOutOff {
    at: u32,
    pos: Option<i64>,
}

impl InOutOff {
    fn read(cx: &Ctx, p: Ptr) -> Result<Self, Errno> {
        let pos = if p.0 == 0 {
            None
        } else {
            Some(cx.mem.read::<i64>(p.0)?)
        };
        Ok(InOutOff { at: p.0, pos })
    }

    fn ptr(&mut self) -> *mut i64 {
        self.pos
            .as_mut()
            .map_or(std::ptr::null_mut(), |p| p as *mut i64)
    }

    /// Write the advanced offset back (when there is one): `EFAULT` if the page is not
    /// writable.
    fn put(&self, cx: &Ctx) -> Result<(), Errno> {
        match self.pos {
            Some(v) => cx.mem.write(self.at, v),
            None => Ok(()),
        }
    }
}

/// Linux writes the offsets back only after a copy that moved bytes.
pub fn copy_file_range(
    cx: &mut Ctx,
    fin: Fd,
    offin: Ptr,
    fout: Fd,
    offout: Ptr,
    len: Len,
    flags: UInt,
) -> SysResult {
    let (mut a, mut b) = (InOutOff::read(cx, offin)?, InOutOff::read(cx, offout)?);
    let (pa, pb) = (a.ptr(), b.ptr());
    let n = sys!(
        SYS_copy_file_range,
        fin.0,
        pa,
        fout.0,
        pb,
        len.0 as usize,
        flags.0
    )?;
    if n > 0 {
        a.put(cx)?;
        b.put(cx)?;
    }
    Ok(n)
}

/// Linux writes the offset back whatever the transfer did.
pub fn sendfile(cx: &mut Ctx, out: Fd, inp: Fd, off: Ptr, count: Len) -> SysResult {
    let mut o = InOutOff::read(cx, off)?;
    let po = o.ptr();
    let r = sys!(SYS_sendfile, out.0, inp.0, po, count.0 as usize);
    o.put(cx)?;
    r
}

/// Linux writes the offsets back after a transfer that did not fail.
pub fn splice(
    cx: &mut Ctx,
    fin: Fd,
    offin: Ptr,
    fout: Fd,
    offout: Ptr,
    len: Len,
    flags: UInt,
) -> SysResult {
    let (mut a, mut b) = (InOutOff::read(cx, offin)?, InOutOff::read(cx, offout)?);
    let (pa, pb) = (a.ptr(), b.ptr());
    let n = sys!(SYS_splice, fin.0, pa, fout.0, pb, len.0 as usize, flags.0)?;
    b.put(cx)?;
    a.put(cx)?;
    Ok(n)
}

pub fn tee(_cx: &mut Ctx, fin: Fd, fout: Fd, len: Len, flags: UInt) -> SysResult {
    sys!(SYS_tee, fin.0, fout.0, len.0 as usize, flags.0)
}

pub fn open(cx: &mut Ctx, path: Path, flags: OpenFlags, mode: Mode) -> SysResult {
    openat(cx, DirFd(libc::AT_FDCWD), path, flags, mode)
}

pub fn openat(cx: &mut Ctx, dir: DirFd, path: Path, flags: OpenFlags, mode: Mode) -> SysResult {
    let p = path.read(cx)?;
    // The environment file the runtime made for this guest (`__get_init_envfile`).
    if let Some(env) = cx.proc.env_file.as_ref().filter(|e| p.is(e)) {
        if cx.proc.policy.vfs.is_some() {
            return sys!(
                SYS_openat,
                libc::AT_FDCWD,
                env.as_ptr(),
                libc::O_RDONLY | libc::O_CLOEXEC
            );
        }
    }
    cx.proc.fs().open(dir.0, &p, flags.0, mode.0)
}

pub fn close(cx: &mut Ctx, fd: Fd) -> SysResult {
    let r = sys!(SYS_close, fd.0);
    closed(cx, fd.0, fd.0, &r);
    r
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

/// Descriptors `first..=last` were closed or replaced (unless the call found none): the
/// file system forgets what it kept about them.
pub(crate) fn closed(cx: &Ctx, first: i32, last: i32, r: &SysResult) {
    if !matches!(r, Err(Stop::Errno(e)) if *e == EBADF) {
        cx.proc.fs().closed(first as u32, last as u32);
    }
}

pub fn lseek(cx: &mut Ctx, fd: Fd, off: Off, whence: Int) -> SysResult {
    let mut off = off.0;
    if whence.0 == libc::SEEK_SET && off >= crate::ctx::COOKIE_BASE {
        // seekdir to a telldir value: a cookie handed out by getdents64, on a directory
        // (the fstat only for offsets that are issued cookies).
        let host = cx
            .proc
            .dir_cookies
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .host(off);
        if let Some(h) = host {
            // SAFETY: stat is plain data; all-zero is a valid value.
            let mut st: libc::stat = unsafe { std::mem::zeroed() };
            if sys!(SYS_fstat, fd.0, &mut st as *mut libc::stat).is_ok()
                && st.st_mode & libc::S_IFMT == libc::S_IFDIR
            {
                off = h;
            }
        }
    }
    sys!(SYS_lseek, fd.0, off, whence.0)
}

pub fn stat(cx: &mut Ctx, path: Path, buf: Ptr) -> SysResult {
    newfstatat(cx, DirFd(libc::AT_FDCWD), path, buf, AtFlags(0))
}

pub fn lstat(cx: &mut Ctx, path: Path, buf: Ptr) -> SysResult {
    newfstatat(
        cx,
        DirFd(libc::AT_FDCWD),
        path,
        buf,
        AtFlags(libc::AT_SYMLINK_NOFOLLOW),
    )
}

pub fn fstat(cx: &mut Ctx, fd: Fd, buf: Ptr) -> SysResult {
    cx.mem.host_w(buf.0, STAT_SIZE)?;
    // SAFETY: plain data; the kernel (or the file system) fills it.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    let r = cx.proc.fs().fstat(fd.0, &mut st)?;
    // SAFETY: stat is plain data of STAT_SIZE bytes.
    let bytes =
        unsafe { std::slice::from_raw_parts((&st as *const libc::stat).cast::<u8>(), STAT_SIZE) };
    cx.mem.write_bytes(buf.0, bytes)?;
    Ok(r)
}

pub fn newfstatat(cx: &mut Ctx, dir: DirFd, path: Path, buf: Ptr, flags: AtFlags) -> SysResult {
    let p = path.read(cx)?;
    cx.mem.host_w(buf.0, STAT_SIZE)?;
    // SAFETY: plain data; the kernel fills it.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    let r = cx.proc.fs().stat(dir.0, &p, flags.0, &mut st)?;
    // SAFETY: stat is plain data of STAT_SIZE bytes.
    let bytes =
        unsafe { std::slice::from_raw_parts((&st as *const libc::stat).cast::<u8>(), STAT_SIZE) };
    cx.mem.write_bytes(buf.0, bytes)?;
    Ok(r)
}

pub fn statx(
    cx: &mut Ctx,
    dir: DirFd,
    path: Path,
    flags: AtFlags,
    mask: UInt,
    buf: Ptr,
) -> SysResult {
    let p = path.read(cx)?;
    cx.mem.host_w(buf.0, STATX_SIZE)?;
    let mut sx = [0u8; STATX_SIZE];
    let r = cx.proc.fs().statx(dir.0, &p, flags.0, mask.0, &mut sx)?;
    cx.mem.write_bytes(buf.0, &sx)?;
    Ok(r)
}

pub fn statfs(cx: &mut Ctx, path: Path, buf: Ptr) -> SysResult {
    let p = path.read(cx)?;
    cx.mem.host_w(buf.0, STATFS_SIZE)?;
    let mut sf = [0u8; STATFS_SIZE];
    let r = cx.proc.fs().statfs(&p, &mut sf)?;
    cx.mem.write_bytes(buf.0, &sf)?;
    Ok(r)
}

pub fn fstatfs(cx: &mut Ctx, fd: Fd, buf: Ptr) -> SysResult {
    let b = cx.mem.host_w(buf.0, STATFS_SIZE)?;
    sys!(SYS_fstatfs, fd.0, b)
}

/// `struct flock` is 32 bytes with 64-bit offsets in both guest and host.
const FLOCK_SIZE: usize = 32;
const F_SETSIG: i32 = 10;
const F_GETSIG: i32 = 11;
const F_SETOWN_EX: i32 = 15;
const F_GETOWN_EX: i32 = 16;

/// The allow-list of `fcntl` commands, decided by what each reaches outside the guest:
/// - locks, descriptor flags, pipe sizes, seals: this file or pipe only;
/// - owners (`F_SETOWN`, `F_SETOWN_EX`) name whom the kernel signals on I/O, urgent
///   data, lease breaks and directory notifications: checked as `kill` is
///   (`signal::may_own`); turning on `O_ASYNC` checks the owner already there;
/// - `F_SETSIG` picks the signal sent to that (checked) owner; `F_SETLEASE` and
///   `F_NOTIFY` make the caller the owner (the kernel sets it);
/// - anything else (a pointer this code cannot size, or a command added later) is
///   `EINVAL`, traced with the rule.
pub fn fcntl(cx: &mut Ctx, fd: Fd, cmd: Int, arg: U64) -> SysResult {
    match cmd.0 {
        libc::F_GETLK
        | libc::F_SETLK
        | libc::F_SETLKW
        | libc::F_OFD_GETLK
        | libc::F_OFD_SETLK
        | libc::F_OFD_SETLKW => {
            let p = cx.mem.host(arg.0 as u32, FLOCK_SIZE)?;
            sys!(SYS_fcntl, fd.0, cmd.0, p)
        }
        F_GETOWN_EX => {
            let p = cx.mem.host(arg.0 as u32, 8)?;
            sys!(SYS_fcntl, fd.0, cmd.0, p)
        }
        F_SETOWN_EX => {
            // A host copy: another thread cannot change the owner after the check.
            let own: [i32; 2] = cx.mem.read(arg.0 as u32)?;
            crate::signal::may_own(cx, own[0], own[1])?;
            sys!(SYS_fcntl, fd.0, cmd.0, own.as_ptr())
        }
        libc::F_SETOWN => {
            crate::signal::may_own_int(cx, arg.0 as i32)?;
            sys!(SYS_fcntl, fd.0, cmd.0, arg.0 as i32)
        }
        libc::F_SETFL => {
            if arg.0 as i32 & libc::O_ASYNC != 0 {
                owner_may_be_signalled(cx, fd.0)?;
            }
            sys!(SYS_fcntl, fd.0, cmd.0, arg.0 as i32)
        }
        // Integer-argument commands of this descriptor alone.
        libc::F_DUPFD
        | libc::F_DUPFD_CLOEXEC
        | libc::F_GETFD
        | libc::F_SETFD
        | libc::F_GETFL
        | libc::F_GETOWN
        | F_SETSIG
        | F_GETSIG
        | libc::F_GETLEASE
        | libc::F_SETLEASE
        | libc::F_GETPIPE_SZ
        | libc::F_SETPIPE_SZ
        | libc::F_ADD_SEALS
        | libc::F_GET_SEALS
        | libc::F_NOTIFY => sys!(SYS_fcntl, fd.0, cmd.0, arg.0 as i64 as i32),
        _ => {
            crate::policy::refuse("fcntl command not in the allow-list");
            Err(EINVAL.into())
        }
    }
}

/// Before signals are turned on for `fd` (`O_ASYNC`, `FIOASYNC`): the owner already set
/// (by whoever opened it, or inherited) must be one the guest may signal.
fn owner_may_be_signalled(cx: &Ctx, fd: i32) -> Result<(), Errno> {
    let mut own = [0i32; 2];
    if sys!(SYS_fcntl, fd, F_GETOWN_EX, own.as_mut_ptr()).is_ok() {
        crate::signal::may_own(cx, own[0], own[1])?;
    }
    Ok(())
}

/// `_IOC` fields of an ioctl request number.
const IOC_NONE: u32 = 0;
/// `_IOC_READ`: the kernel writes the buffer (the caller reads it).
const IOC_READ: u32 = 2;
const fn ioc_dir(req: u32) -> u32 {
    req >> 30
}
const fn ioc_size(req: u32) -> usize {
    ((req >> 16) & 0x3fff) as usize
}

/// Requests spelled out here (libc lacks some).
const FIOSETOWN: u32 = 0x8901;
const SIOCSPGRP: u32 = 0x8902;
const FIOGETOWN: u32 = 0x8903;
const SIOCGPGRP: u32 = 0x8904;
const SIOCATMARK: u32 = 0x8905;
const TIOCSCTTY: u32 = 0x540E;
const TIOCSTI: u32 = 0x5412;
const TIOCCONS: u32 = 0x541D;
const TIOCNOTTY: u32 = 0x5422;
const TIOCSETD: u32 = 0x5423;
const TIOCGETD: u32 = 0x5424;
const TIOCGSID: u32 = 0x5429;
const TIOCSIG: u32 = 0x4004_5436;
const TIOCVHANGUP: u32 = 0x5437;
const TCSBRK: u32 = 0x5409;
const TCXONC: u32 = 0x540A;
const TCFLSH: u32 = 0x540B;

/// What an ioctl's argument is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum IoArg {
    /// An integer, passed as is.
    Int,
    /// A buffer of this many bytes the kernel reads and/or writes.
    Buf(usize),
}

/// Which objects a request is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum IoObj {
    /// Any descriptor (the generic `FIO*` requests).
    Any,
    /// Files, pipes and sockets (`FIONREAD`, `TIOCOUTQ`).
    Stream,
    /// Terminals (character devices: the kernel answers `ENOTTY` for the others).
    Tty,
    /// Sockets.
    Socket,
}

/// The default sandbox's allow-list: (request, argument, object). Terminal requests
/// that reach processes beyond the guest are in `TTY_SIGNALLING` instead.
const IOCTLS: &[(u32, IoArg, IoObj)] = &[
    (libc::FIOCLEX as u32, IoArg::Int, IoObj::Any),
    (libc::FIONCLEX as u32, IoArg::Int, IoObj::Any),
    (libc::FIONBIO as u32, IoArg::Buf(4), IoObj::Any),
    (libc::FIOASYNC as u32, IoArg::Buf(4), IoObj::Any),
    (libc::FIONREAD as u32, IoArg::Buf(4), IoObj::Stream),
    (libc::TIOCOUTQ as u32, IoArg::Buf(4), IoObj::Stream),
    (FIOSETOWN, IoArg::Buf(4), IoObj::Socket),
    (SIOCSPGRP, IoArg::Buf(4), IoObj::Socket),
    (FIOGETOWN, IoArg::Buf(4), IoObj::Socket),
    (SIOCGPGRP, IoArg::Buf(4), IoObj::Socket),
    (SIOCATMARK, IoArg::Buf(4), IoObj::Socket),
    // The kernel's termios is 36 bytes.
    (libc::TCGETS as u32, IoArg::Buf(36), IoObj::Tty),
    (libc::TCSETS as u32, IoArg::Buf(36), IoObj::Tty),
    (libc::TCSETSW as u32, IoArg::Buf(36), IoObj::Tty),
    (libc::TCSETSF as u32, IoArg::Buf(36), IoObj::Tty),
    (TCSBRK, IoArg::Int, IoObj::Tty),
    (TCXONC, IoArg::Int, IoObj::Tty),
    (TCFLSH, IoArg::Int, IoObj::Tty),
    (libc::TIOCGWINSZ as u32, IoArg::Buf(8), IoObj::Tty),
    (libc::TIOCGPGRP as u32, IoArg::Buf(4), IoObj::Tty),
    (TIOCGSID, IoArg::Buf(4), IoObj::Tty),
    (TIOCGETD, IoArg::Buf(4), IoObj::Tty),
];

/// Terminal requests that signal or reach other processes: the window size change
/// (SIGWINCH to the terminal's foreground group, and the operator's terminal resized),
/// the foreground group, the controlling terminal, input injection, hangups, the
/// console, the line discipline, signals to the foreground group. Only with
/// `process.signals`.
const TTY_SIGNALLING: &[(u32, IoArg)] = &[
    (libc::TIOCSWINSZ as u32, IoArg::Buf(8)),
    (libc::TIOCSPGRP as u32, IoArg::Buf(4)),
    (TIOCSCTTY, IoArg::Int),
    (TIOCSTI, IoArg::Buf(1)),
    (TIOCNOTTY, IoArg::Int),
    (TIOCCONS, IoArg::Int),
    (TIOCSETD, IoArg::Buf(4)),
    (TIOCVHANGUP, IoArg::Int),
    (TIOCSIG, IoArg::Int),
];

/// Loop-device control (`LOOP_*`, `LOOP_CTL_*`): old-style numbers that do not encode
/// their argument, so named here for `--allow-all`'s pass-through. `loop_info64` is 232
/// bytes and `loop_config` 304, the same on wasm32 (fixed-width fields, no pointers).
const LOOP_IOCTLS: &[(u32, IoArg)] = &[
    (0x4C00, IoArg::Int),      // LOOP_SET_FD
    (0x4C01, IoArg::Int),      // LOOP_CLR_FD
    (0x4C04, IoArg::Buf(232)), // LOOP_SET_STATUS64
    (0x4C05, IoArg::Buf(232)), // LOOP_GET_STATUS64
    (0x4C06, IoArg::Int),      // LOOP_CHANGE_FD
    (0x4C07, IoArg::Int),      // LOOP_SET_CAPACITY
    (0x4C08, IoArg::Int),      // LOOP_SET_DIRECT_IO
    (0x4C09, IoArg::Int),      // LOOP_SET_BLOCK_SIZE
    (0x4C0A, IoArg::Buf(304)), // LOOP_CONFIGURE
    (0x4C80, IoArg::Int),      // LOOP_CTL_ADD
    (0x4C81, IoArg::Int),      // LOOP_CTL_REMOVE
    (0x4C82, IoArg::Int),      // LOOP_CTL_GET_FREE
];

/// The allow-list of `ioctl` requests, per object type (`IOCTLS`); terminal requests
/// that reach other processes only with `process.signals` (`EPERM` without); owners
/// (`FIOSETOWN`, `SIOCSPGRP`) and `FIOASYNC` checked as `fcntl`'s are. Anything else is
/// `ENOTTY`, traced with the rule. Under `--allow-all` (the reference engine's
/// pass-through) a request whose number encodes its argument (`_IOC` direction and
/// size: an integer, or a buffer of that size checked in guest memory) passes, and so
/// do the loop-device requests; a pointer inside such a buffer is the guest's and
/// means nothing to the kernel (it faults).
pub fn ioctl(cx: &mut Ctx, fd: Fd, req: UInt, argp: Ptr) -> SysResult {
    let r = req.0;
    let arg = if let Some(&(_, a, obj)) = IOCTLS.iter().find(|e| e.0 == r) {
        if !object_is(fd.0, obj) {
            return Err(ENOTTY.into());
        }
        a
    } else if let Some(&(_, a)) = TTY_SIGNALLING.iter().find(|e| e.0 == r) {
        if !cx.proc.policy.signals {
            return Err(crate::policy::denied(
                "terminal requests that signal other processes need process.signals / --allow-signals",
            )
            .into());
        }
        a
    } else if cx.proc.policy.vfs.is_none() {
        match LOOP_IOCTLS.iter().find(|e| e.0 == r) {
            Some(&(_, a)) => a,
            None if ioc_dir(r) == IOC_NONE => IoArg::Int,
            None => IoArg::Buf(ioc_size(r)),
        }
    } else {
        crate::policy::refuse("ioctl request not in the allow-list");
        return Err(ENOTTY.into());
    };
    match (r, arg) {
        (FIOSETOWN | SIOCSPGRP, _) => {
            let owner: i32 = cx.mem.read(argp.0)?;
            crate::signal::may_own_int(cx, owner)?;
            sys!(SYS_ioctl, fd.0, r, &owner as *const i32)
        }
        (x, _) if x == libc::FIOASYNC as u32 => {
            let on: i32 = cx.mem.read(argp.0)?;
            if on != 0 {
                owner_may_be_signalled(cx, fd.0)?;
            }
            sys!(SYS_ioctl, fd.0, r, &on as *const i32)
        }
        (_, IoArg::Int) => sys!(SYS_ioctl, fd.0, r, argp.0),
        (_, IoArg::Buf(0)) => sys!(SYS_ioctl, fd.0, r, 0),
        (_, IoArg::Buf(n)) => {
            // A buffer the kernel writes must be writable guest memory (EFAULT else).
            let writes = ioc_dir(r) & IOC_READ != 0
                || matches!(
                    r as libc::c_ulong,
                    libc::TCGETS
                        | libc::TIOCGWINSZ
                        | libc::FIONREAD
                        | libc::TIOCGPGRP
                        | libc::TIOCOUTQ
                );
            let p = if writes {
                cx.mem.host_w(argp.0, n)?
            } else {
                cx.mem.host(argp.0, n)?
            };
            sys!(SYS_ioctl, fd.0, r, p)
        }
    }
}

/// Is `fd` an object `obj`'s requests are for? (A bad fd passes: the kernel answers
/// `EBADF`.)
fn object_is(fd: i32, obj: IoObj) -> bool {
    if obj == IoObj::Any {
        return true;
    }
    // x86-64's `struct stat`: `st_mode` is the u32 at 24.
    let mut st = [0u8; STAT_SIZE];
    if sys!(SYS_fstat, fd, st.as_mut_ptr()).is_err() {
        return true;
    }
    let t = u32::from_le_bytes([st[24], st[25], st[26], st[27]]) & libc::S_IFMT;
    match obj {
        IoObj::Any => true,
        IoObj::Stream => [libc::S_IFREG, libc::S_IFIFO, libc::S_IFSOCK, libc::S_IFCHR].contains(&t),
        IoObj::Tty => t == libc::S_IFCHR,
        IoObj::Socket => t == libc::S_IFSOCK,
    }
}

pub fn access(cx: &mut Ctx, path: Path, mode: Int) -> SysResult {
    faccessat(cx, DirFd(libc::AT_FDCWD), path, mode, AtFlags(0))
}

pub fn faccessat(cx: &mut Ctx, dir: DirFd, path: Path, mode: Int, _flags: AtFlags) -> SysResult {
    // The faccessat syscall itself has no flags argument.
    let p = path.read(cx)?;
    cx.proc.fs().access(dir.0, &p, mode.0, 0)
}

pub fn faccessat2(cx: &mut Ctx, dir: DirFd, path: Path, mode: Int, flags: AtFlags) -> SysResult {
    let p = path.read(cx)?;
    cx.proc.fs().access(dir.0, &p, mode.0, flags.0)
}

fn fill_pipe(cx: &mut Ctx, out: u32, flags: i32) -> SysResult {
    // Check first, so a bad pointer leaks no pipe.
    cx.mem.host_w(out, 8)?;
    let mut fds = [0i32; 2];
    sys!(SYS_pipe2, fds.as_mut_ptr(), flags)?;
    cx.mem.write(out, fds)?;
    Ok(0)
}

pub fn pipe(cx: &mut Ctx, fds: Ptr) -> SysResult {
    fill_pipe(cx, fds.0, 0)
}

pub fn pipe2(cx: &mut Ctx, fds: Ptr, flags: Int) -> SysResult {
    fill_pipe(cx, fds.0, flags.0)
}

pub fn memfd_create(cx: &mut Ctx, name: Name, flags: UInt) -> SysResult {
    // A name for /proc/self/fd links, not a path: nothing is resolved.
    let n = cx.mem.path(name.0)?;
    sys!(SYS_memfd_create, n.as_ptr(), flags.0)
}

pub fn dup(_cx: &mut Ctx, fd: Fd) -> SysResult {
    sys!(SYS_dup, fd.0)
}

pub fn dup2(cx: &mut Ctx, old: Fd, new: Fd) -> SysResult {
    let r = sys!(SYS_dup2, old.0, new.0);
    closed(cx, new.0, new.0, &r);
    r
}

pub fn dup3(cx: &mut Ctx, old: Fd, new: Fd, flags: Int) -> SysResult {
    let r = sys!(SYS_dup3, old.0, new.0, flags.0);
    closed(cx, new.0, new.0, &r);
    r
}

pub fn flock(_cx: &mut Ctx, fd: Fd, op: Int) -> SysResult {
    sys!(SYS_flock, fd.0, op.0)
}

pub fn fsync(_cx: &mut Ctx, fd: Fd) -> SysResult {
    sys!(SYS_fsync, fd.0)
}

pub fn fdatasync(_cx: &mut Ctx, fd: Fd) -> SysResult {
    sys!(SYS_fdatasync, fd.0)
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

pub fn ftruncate(_cx: &mut Ctx, fd: Fd, len: Off) -> SysResult {
    // Needs a descriptor open for writing, which a read-only grant never hands out.
    sys!(SYS_ftruncate, fd.0, len.0)
}

pub fn truncate(cx: &mut Ctx, path: Path, len: Off) -> SysResult {
    let p = path.read(cx)?;
    cx.proc.fs().truncate(&p, len.0)
}

pub fn fadvise(_cx: &mut Ctx, fd: Fd, off: Off, len: Off, advice: Int) -> SysResult {
    sys!(SYS_fadvise64, fd.0, off.0, len.0, advice.0)
}

pub fn fallocate(_cx: &mut Ctx, fd: Fd, mode: Int, off: Off, len: Off) -> SysResult {
    sys!(SYS_fallocate, fd.0, mode.0, off.0, len.0)
}

pub fn readahead(_cx: &mut Ctx, fd: Fd, off: Off, count: Len) -> SysResult {
    sys!(SYS_readahead, fd.0, off.0, count.0 as usize)
}

pub fn getcwd(cx: &mut Ctx, buf: Ptr, size: Len) -> SysResult {
    cx.mem.host_w(buf.0, size.0 as usize)?;
    // The kernel's getcwd answers ENAMETOOLONG past a page.
    let mut c = vec![0u8; (size.0 as usize).min(2 * libc::PATH_MAX as usize)];
    let n = cx.proc.fs().getcwd(&mut c)?;
    cx.mem.write_bytes(buf.0, &c[..n as usize])?;
    Ok(n)
}

pub fn chdir(cx: &mut Ctx, path: Path) -> SysResult {
    let p = path.read(cx)?;
    cx.proc.fs().chdir(&p)
}

pub fn fchdir(cx: &mut Ctx, fd: Fd) -> SysResult {
    cx.proc.fs().fchdir(fd.0)
}

/// Under the sandbox, refused: the grants are the guest's root, and a host chroot would
/// move the whole runtime's. Under `--allow-all`, the kernel's (the reference engine's
/// pass-through): `chroot(".")` as root succeeds.
pub fn chroot(cx: &mut Ctx, path: Path) -> SysResult {
    let p = path.read(cx)?;
    cx.proc.fs().host_namespace(
        &p,
        "chroot is refused under the sandbox (--allow-all passes it through)",
        &mut |h| sys!(SYS_chroot, h.as_ptr()),
    )
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
    let tgt = target.read(cx)?;
    let ty = opt_cstr(cx, fstype.0)?;
    let why = "mount is refused under the sandbox (--allow-all passes it through)";
    cx.proc.fs().host_namespace(&tgt, why, &mut |tgt| {
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
    })
}

pub fn umount2(cx: &mut Ctx, target: Path, flags: Int) -> SysResult {
    // MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW, checked first as the kernel does.
    if flags.0 & !0xf != 0 {
        return Err(EINVAL.into());
    }
    let tgt = target.read(cx)?;
    let why = "umount is refused under the sandbox (--allow-all passes it through)";
    cx.proc.fs().host_namespace(&tgt, why, &mut |tgt| {
        sys!(SYS_umount2, tgt.as_ptr(), flags.0)
    })
}

pub fn rename(cx: &mut Ctx, old: Path, new: Path) -> SysResult {
    renameat2(
        cx,
        DirFd(libc::AT_FDCWD),
        old,
        DirFd(libc::AT_FDCWD),
        new,
        UInt(0),
    )
}

pub fn renameat2(
    cx: &mut Ctx,
    od: DirFd,
    old: Path,
    nd: DirFd,
    new: Path,
    flags: UInt,
) -> SysResult {
    let o = old.read(cx)?;
    let n = new.read(cx)?;
    cx.proc.fs().rename(od.0, &o, nd.0, &n, flags.0)
}

pub fn renameat(cx: &mut Ctx, od: DirFd, op: Path, nd: DirFd, np: Path) -> SysResult {
    renameat2(cx, od, op, nd, np, UInt(0))
}

pub fn mkdir(cx: &mut Ctx, path: Path, mode: Mode) -> SysResult {
    mkdirat(cx, DirFd(libc::AT_FDCWD), path, mode)
}

pub fn mkdirat(cx: &mut Ctx, dir: DirFd, path: Path, mode: Mode) -> SysResult {
    let p = path.read(cx)?;
    cx.proc.fs().mkdir(dir.0, &p, mode.0)
}

pub fn mknod(cx: &mut Ctx, path: Path, mode: Mode, dev: UInt) -> SysResult {
    mknodat(cx, DirFd(libc::AT_FDCWD), path, mode, dev)
}

pub fn mknodat(cx: &mut Ctx, dir: DirFd, path: Path, mode: Mode, dev: UInt) -> SysResult {
    let p = path.read(cx)?;
    cx.proc.fs().mknod(dir.0, &p, mode.0, dev.0)
}

pub fn rmdir(cx: &mut Ctx, path: Path) -> SysResult {
    unlinkat(cx, DirFd(libc::AT_FDCWD), path, AtFlags(libc::AT_REMOVEDIR))
}

pub fn unlink(cx: &mut Ctx, path: Path) -> SysResult {
    unlinkat(cx, DirFd(libc::AT_FDCWD), path, AtFlags(0))
}

pub fn unlinkat(cx: &mut Ctx, dir: DirFd, path: Path, flags: AtFlags) -> SysResult {
    let p = path.read(cx)?;
    cx.proc.fs().unlink(dir.0, &p, flags.0)
}

pub fn link(cx: &mut Ctx, old: Path, new: Path) -> SysResult {
    linkat(
        cx,
        DirFd(libc::AT_FDCWD),
        old,
        DirFd(libc::AT_FDCWD),
        new,
        AtFlags(0),
    )
}

pub fn linkat(
    cx: &mut Ctx,
    od: DirFd,
    old: Path,
    nd: DirFd,
    new: Path,
    flags: AtFlags,
) -> SysResult {
    let o = old.read(cx)?;
    let n = new.read(cx)?;
    cx.proc.fs().link(od.0, &o, nd.0, &n, flags.0)
}

pub fn symlink(cx: &mut Ctx, target: Path, link: Path) -> SysResult {
    symlinkat(cx, target, DirFd(libc::AT_FDCWD), link)
}

pub fn symlinkat(cx: &mut Ctx, target: Path, dir: DirFd, link: Path) -> SysResult {
    let t = target.read(cx)?;
    let l = link.read(cx)?;
    cx.proc.fs().symlink(&t, dir.0, &l)
}

pub fn readlink(cx: &mut Ctx, path: Path, buf: OutBuf, size: Len) -> SysResult {
    readlinkat(cx, DirFd(libc::AT_FDCWD), path, buf, size)
}

pub fn readlinkat(cx: &mut Ctx, dir: DirFd, path: Path, buf: OutBuf, size: Len) -> SysResult {
    let p = path.read(cx)?;
    cx.mem.host_w(buf.0, size.0 as usize)?;
    if size.0 as i32 <= 0 {
        return Err(EINVAL.into()); // the kernel's int bufsiz
    }
    let mut host = vec![0u8; (size.0 as usize).min(libc::PATH_MAX as usize)];
    let n = cx.proc.fs().readlink(dir.0, &p, &mut host)?;
    cx.mem.write_bytes(buf.0, &host[..n as usize])?;
    Ok(n)
}

pub fn chmod(cx: &mut Ctx, path: Path, mode: Mode) -> SysResult {
    fchmodat(cx, DirFd(libc::AT_FDCWD), path, mode, AtFlags(0))
}

pub fn fchmod(cx: &mut Ctx, fd: Fd, mode: Mode) -> SysResult {
    cx.proc.fs().fchmod(fd.0, mode.0)
}

pub fn fchmodat(cx: &mut Ctx, dir: DirFd, path: Path, mode: Mode, flags: AtFlags) -> SysResult {
    let p = path.read(cx)?;
    // Linux's fchmodat (268) has no flags argument: the kernel ignores a fourth value
    // (libcs handle AT_SYMLINK_NOFOLLOW themselves, with fchmodat2 or O_PATH), so does
    // the runtime.
    let _ = flags;
    cx.proc.fs().chmod(dir.0, &p, mode.0)
}

pub fn chown(cx: &mut Ctx, path: Path, owner: UInt, group: UInt) -> SysResult {
    fchownat(cx, DirFd(libc::AT_FDCWD), path, owner, group, AtFlags(0))
}

pub fn fchown(cx: &mut Ctx, fd: Fd, owner: UInt, group: UInt) -> SysResult {
    cx.proc.fs().fchown(fd.0, owner.0, group.0)
}

pub fn fchownat(
    cx: &mut Ctx,
    dir: DirFd,
    path: Path,
    owner: UInt,
    group: UInt,
    flags: AtFlags,
) -> SysResult {
    let p = path.read(cx)?;
    cx.proc.fs().chown(dir.0, &p, owner.0, group.0, flags.0)
}

pub fn lchown(cx: &mut Ctx, path: Path, owner: UInt, group: UInt) -> SysResult {
    fchownat(
        cx,
        DirFd(libc::AT_FDCWD),
        path,
        owner,
        group,
        AtFlags(libc::AT_SYMLINK_NOFOLLOW),
    )
}

pub fn umask(_cx: &mut Ctx, mask: Mode) -> SysResult {
    sys!(SYS_umask, mask.0)
}

pub fn getdents64(cx: &mut Ctx, fd: Fd, dirp: Ptr, count: Len) -> SysResult {
    let b = cx.mem.host_w(dirp.0, count.0 as usize)?;
    // A directory the file system serves itself (a box's): its records as they are
    // (their d_off are plain positions, valid lseek offsets on that descriptor).
    if let Some(r) = cx.proc.fs().getdents(fd.0, count.0 as usize) {
        let own = r?;
        cx.mem.write_bytes(dirp.0, &own)?;
        return Ok(own.len() as i64);
    }
    let n = sys!(SYS_getdents64, fd.0, b, count.0)? as u32;
    // Rewrite each record's d_off to a cookie (see DirCookies), in place. The records
    // are in guest memory another thread may change: every access is checked and the
    // walk only moves forward inside the n bytes.
    // linux_dirent64: d_ino u64, d_off i64 (+8), d_reclen u16 (+16), d_type, d_name.
    let mut c = cx
        .proc
        .dir_cookies
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let mut at = 0u32;
    while at + 19 <= n {
        let rec = dirp.0 + at;
        let off: i64 = cx.mem.read(rec + 8)?;
        cx.mem.write(rec + 8, c.cookie(off))?;
        match cx.mem.read::<u16>(rec + 16)? {
            0 => break,
            len => at += u32::from(len),
        }
    }
    Ok(n as i64)
}

pub fn utimensat(cx: &mut Ctx, dir: DirFd, path: Path, times: Ptr, flags: AtFlags) -> SysResult {
    // A NULL path is Linux's futimens(fd) form (with AT_FDCWD, a bad path).
    if path.is_null() && dir.0 == libc::AT_FDCWD {
        return Err(EFAULT.into());
    }
    let p = if path.is_null() {
        None
    } else {
        Some(path.read(cx)?)
    };
    let ts = time_pair(cx, times.0, false)?;
    cx.proc.fs().utimens(dir.0, p.as_ref(), ts, flags.0)
}

pub fn futimesat(cx: &mut Ctx, dir: DirFd, path: Path, times: Ptr) -> SysResult {
    let p = if path.is_null() {
        None
    } else {
        Some(path.read(cx)?)
    };
    let ts = time_pair(cx, times.0, true)?;
    cx.proc.fs().utimens(dir.0, p.as_ref(), ts, 0)
}

pub fn utimes(cx: &mut Ctx, path: Path, times: Ptr) -> SysResult {
    let p = path.read(cx)?;
    let ts = time_pair(cx, times.0, true)?;
    cx.proc.fs().utimens(libc::AT_FDCWD, Some(&p), ts, 0)
}

pub fn eventfd(_cx: &mut Ctx, init: UInt) -> SysResult {
    sys!(SYS_eventfd2, init.0, 0)
}

pub fn eventfd2(_cx: &mut Ctx, init: UInt, flags: Int) -> SysResult {
    sys!(SYS_eventfd2, init.0, flags.0)
}

pub fn inotify_init(_cx: &mut Ctx) -> SysResult {
    sys!(SYS_inotify_init1, 0)
}

pub fn inotify_init1(_cx: &mut Ctx, flags: Int) -> SysResult {
    sys!(SYS_inotify_init1, flags.0)
}

pub fn inotify_add_watch(cx: &mut Ctx, fd: Fd, path: Path, mask: UInt) -> SysResult {
    let p = path.read(cx)?;
    cx.proc.fs().inotify_add_watch(fd.0, &p, mask.0)
}

pub fn inotify_rm_watch(_cx: &mut Ctx, fd: Fd, wd: Int) -> SysResult {
    sys!(SYS_inotify_rm_watch, fd.0, wd.0)
}

/// Two times from guest memory as host `timespec`s: `timespec[2]`, or with `micro`
/// `timeval[2]` (16 bytes each, microseconds checked as utimes does). NULL is `None`.
fn time_pair(cx: &Ctx, p: u32, micro: bool) -> Result<Option<[libc::timespec; 2]>, Errno> {
    if p == 0 {
        return Ok(None);
    }
    let w: [i64; 4] = cx.mem.read(p)?;
    let scale = if micro { 1000 } else { 1 };
    if micro && (!(0..1_000_000).contains(&w[1]) || !(0..1_000_000).contains(&w[3])) {
        return Err(EINVAL);
    }
    // A timespec's tv_nsec is wasm32's 4-byte long and padding (see time::timespec_in);
    // a timeval's tv_usec is a full 8-byte suseconds_t.
    let ts = |s: i64, f: i64| libc::timespec {
        tv_sec: s,
        tv_nsec: if micro { f * scale } else { f as u32 as i64 },
    };
    Ok(Some([ts(w[0], w[1]), ts(w[2], w[3])]))
}
