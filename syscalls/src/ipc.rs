//! System V IPC: message queues, semaphore sets and shared memory segments.
//!
//! The objects are the host kernel's. Their control structures (`ipc_perm`, `msqid_ds`,
//! `semid_ds`, `shmid_ds`, `shminfo`, `shm_info`, `msginfo`, `seminfo`, `sembuf`) have the
//! x86-64 layout in the guest too (musl's x32 headers pad every `long` to 8 bytes), so
//! they are copied byte for byte through a host buffer. Two things are translated: a
//! message's `long mtype` (4 bytes in the guest, 8 on the host) and `semtimedop`'s
//! `timespec` (the guest's `long tv_nsec` is 4 bytes and the 4 after it are padding).
//!
//! `shmat` maps the segment inside linear memory: the host attaches it at the guest
//! page's own address (`SHM_REMAP`), so the guest's loads and stores are the segment's
//! and a forked child shares it; `shmdt` puts zero pages back.
//!
//! The sandbox: IPC objects are host-wide (another user's database or X server keeps
//! its segments there), so under the sandbox a guest reaches only the objects it created
//! itself: `IPC_PRIVATE` ones and keys it created. Their ids are kept in a registry
//! shared by every process of the sandbox (a page of a memfd inherited across `fork` and
//! passed to an `execve`'d runtime with `--ipc-fd`). A key that names another's object
//! answers `EACCES`; an id the guest did not create answers `EINVAL`, as a removed one
//! does; the `*_STAT` calls that enumerate the host's objects by index show only the
//! guest's. `--allow-all` passes everything through, as the reference engine does.

use crate::args::*;
use crate::ctx::{Ctx, SysResult};
use crate::errno::*;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};
use std::sync::Mutex;

const IPC_PRIVATE: i32 = 0;
const IPC_CREAT: i32 = 0o1000;
const IPC_EXCL: i32 = 0o2000;
const IPC_RMID: i32 = 0;
const IPC_SET: i32 = 1;
const IPC_STAT: i32 = 2;
const IPC_INFO: i32 = 3;

const MSG_STAT: i32 = 11;
const MSG_INFO: i32 = 12;
const MSG_STAT_ANY: i32 = 13;

const GETPID: i32 = 11;
const GETVAL: i32 = 12;
const GETALL: i32 = 13;
const GETNCNT: i32 = 14;
const GETZCNT: i32 = 15;
const SETVAL: i32 = 16;
const SETALL: i32 = 17;
const SEM_STAT: i32 = 18;
const SEM_INFO: i32 = 19;
const SEM_STAT_ANY: i32 = 20;

const SHM_LOCK: i32 = 11;
const SHM_UNLOCK: i32 = 12;
const SHM_STAT: i32 = 13;
const SHM_INFO: i32 = 14;
const SHM_STAT_ANY: i32 = 15;
const SHM_RDONLY: i32 = 0o10000;
const SHM_RND: i32 = 0o20000;
const SHM_REMAP: i32 = 0o40000;
const SHMLBA: u32 = 4096;

/// Sizes of the control structures (guest and host alike).
const MSQID_DS: usize = 120;
const SEMID_DS: usize = 104;
const SHMID_DS: usize = 112;
const MSGINFO: usize = 32;
const SEMINFO: usize = 40;
const SHMINFO: usize = 72;
const SHM_INFO_SIZE: usize = 48;
const SEMBUF: usize = 6;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Msg = 1,
    Sem = 2,
    Shm = 3,
}

// --- the registry of the sandbox's own objects ----------------------------------------

/// Slots in the registry: `kind << 32 | id`, 0 for a free slot.
const SLOTS: usize = 8192;
const REGISTRY_BYTES: usize = SLOTS * 8;
static REGISTRY: AtomicPtr<AtomicU64> = AtomicPtr::new(std::ptr::null_mut());

/// Set up the sandbox's registry: a fresh one (`None`), or the one an exec'ing runtime
/// handed down (`--ipc-fd`). Returns the descriptor to hand to an `execve`'d runtime; it
/// is the runtime's own (hidden from the guest) and kept across execve on purpose.
pub fn setup(inherited: Option<i32>) -> Result<i32, String> {
    let fd = match inherited {
        Some(fd) => fd,
        None => {
            // SAFETY: a valid name; no flags: the fd survives execve on purpose.
            let fd = unsafe { libc::memfd_create(c"wali-run-ipc".as_ptr(), 0) };
            if fd < 0 {
                return Err(format!("memfd: {}", std::io::Error::last_os_error()));
            }
            // SAFETY: fd is ours.
            if unsafe { libc::ftruncate(fd, REGISTRY_BYTES as libc::off_t) } != 0 {
                return Err(format!("memfd: {}", std::io::Error::last_os_error()));
            }
            // Out of the guest's way (it expects low numbers to be its own).
            // SAFETY: duplicating and closing a descriptor we own.
            unsafe {
                let high = libc::fcntl(fd, libc::F_DUPFD, 1024);
                if high >= 0 {
                    libc::close(fd);
                    high
                } else {
                    fd
                }
            }
        }
    };
    // SAFETY: stat is plain data.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: valid out-pointer.
    if unsafe { libc::fstat(fd, &mut st) } != 0 || st.st_size != REGISTRY_BYTES as i64 {
        return Err(format!("--ipc-fd {fd}: not the sandbox's IPC registry"));
    }
    // SAFETY: a fresh shared mapping of the memfd, never unmapped.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            REGISTRY_BYTES,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED,
            fd,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        return Err(format!(
            "--ipc-fd {fd}: {}",
            std::io::Error::last_os_error()
        ));
    }
    crate::runtime_fds::hide(fd);
    REGISTRY.store(p.cast(), Ordering::SeqCst);
    Ok(fd)
}

fn slots() -> Option<&'static [AtomicU64]> {
    let p = REGISTRY.load(Ordering::SeqCst);
    if p.is_null() {
        return None;
    }
    // SAFETY: `setup` mapped SLOTS zero-initialised (or atomically written) u64s for the
    // life of the process; AtomicU64 has the layout of u64.
    Some(unsafe { std::slice::from_raw_parts(p, SLOTS) })
}

fn entry(kind: Kind, id: i32) -> u64 {
    ((kind as u64) << 32) | id as u32 as u64
}

/// Did the sandbox create this object? (Always, without a sandbox.)
fn owns(cx: &Ctx, kind: Kind, id: i32) -> bool {
    if cx.proc.policy.vfs.is_none() {
        return true;
    }
    let e = entry(kind, id);
    slots().is_some_and(|s| s.iter().any(|x| x.load(Ordering::SeqCst) == e))
}

/// An id the guest did not create: to it, as good as removed.
fn foreign() -> Errno {
    crate::policy::refuse("a System V IPC object the guest did not create");
    EINVAL
}

/// Record a new object; a full registry makes room by dropping objects that are gone.
fn record(kind: Kind, id: i32) -> Result<(), Errno> {
    let Some(s) = slots() else { return Ok(()) };
    let e = entry(kind, id);
    for pass in 0..2 {
        for x in s {
            if x.load(Ordering::SeqCst) == e {
                return Ok(());
            }
        }
        for x in s {
            if x.compare_exchange(0, e, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
            {
                return Ok(());
            }
        }
        if pass == 0 {
            for x in s {
                let v = x.load(Ordering::SeqCst);
                if v != 0 && !exists(v) {
                    let _ = x.compare_exchange(v, 0, Ordering::SeqCst, Ordering::SeqCst);
                }
            }
        }
    }
    Err(ENOSPC)
}

fn forget(kind: Kind, id: i32) {
    if let Some(s) = slots() {
        let e = entry(kind, id);
        for x in s {
            let _ = x.compare_exchange(e, 0, Ordering::SeqCst, Ordering::SeqCst);
        }
    }
}

/// Does the registry entry's object still exist on the host?
fn exists(v: u64) -> bool {
    let id = v as u32 as i32;
    let mut buf = [0u64; 16];
    let nr = match v >> 32 {
        1 => libc::SYS_msgctl,
        2 => {
            // SAFETY: a host buffer larger than semid_ds.
            let r = unsafe { libc::syscall(libc::SYS_semctl, id, 0, IPC_STAT, buf.as_mut_ptr()) };
            return r >= 0 || Errno::last() != EINVAL;
        }
        _ => libc::SYS_shmctl,
    };
    // SAFETY: a host buffer larger than msqid_ds and shmid_ds.
    let r = unsafe { libc::syscall(nr, id, IPC_STAT, buf.as_mut_ptr()) };
    r >= 0 || Errno::last() != EINVAL
}

/// `*get(key, ..., flags)` under the sandbox: a new object is recorded; an existing
/// key is the guest's only if it created it.
fn get(cx: &Ctx, kind: Kind, key: i32, flags: i32, call: impl Fn(i32) -> SysResult) -> SysResult {
    if cx.proc.policy.vfs.is_none() {
        return call(flags);
    }
    let keep = |id: i64| -> SysResult {
        if let Err(e) = record(kind, id as i32) {
            // No room to remember it: the object must not outlive the call.
            rmid(kind, id as i32);
            return Err(e.into());
        }
        Ok(id)
    };
    if key == IPC_PRIVATE {
        return keep(call(flags)?);
    }
    for _ in 0..8 {
        if flags & IPC_CREAT != 0 {
            match call(flags | IPC_EXCL) {
                Ok(id) => return keep(id),
                Err(crate::ctx::Stop::Errno(e)) if e == EEXIST && flags & IPC_EXCL == 0 => {}
                Err(e) => return Err(e),
            }
        }
        match call(flags & !(IPC_CREAT | IPC_EXCL)) {
            Ok(id) if owns(cx, kind, id as i32) => return Ok(id),
            Ok(_) => {
                crate::policy::refuse(
                    "the key names a System V IPC object the guest did not create",
                );
                return Err(EACCES.into());
            }
            // Removed between the two calls: try again.
            Err(crate::ctx::Stop::Errno(e)) if e == ENOENT && flags & IPC_CREAT != 0 => {}
            Err(e) => return Err(e),
        }
    }
    Err(EAGAIN.into())
}

fn rmid(kind: Kind, id: i32) {
    let nr = match kind {
        Kind::Msg => libc::SYS_msgctl,
        Kind::Sem => libc::SYS_semctl,
        Kind::Shm => libc::SYS_shmctl,
    };
    // SAFETY: IPC_RMID reads no buffer.
    unsafe {
        if kind == Kind::Sem {
            libc::syscall(nr, id, 0, IPC_RMID, 0);
        } else {
            libc::syscall(nr, id, IPC_RMID, 0);
        }
    }
}

/// The control structure a `*ctl` command reads or writes, and its size: `(in, out)`.
fn ctl_buffer(kind: Kind, cmd: i32) -> (usize, usize) {
    let ds = match kind {
        Kind::Msg => MSQID_DS,
        Kind::Sem => SEMID_DS,
        Kind::Shm => SHMID_DS,
    };
    match (kind, cmd) {
        (_, IPC_SET) => (ds, 0),
        (_, IPC_STAT) => (0, ds),
        (Kind::Msg, MSG_STAT | MSG_STAT_ANY) => (0, ds),
        (Kind::Sem, SEM_STAT | SEM_STAT_ANY) => (0, ds),
        (Kind::Shm, SHM_STAT | SHM_STAT_ANY) => (0, ds),
        (Kind::Msg, IPC_INFO | MSG_INFO) => (0, MSGINFO),
        (Kind::Sem, IPC_INFO | SEM_INFO) => (0, SEMINFO),
        (Kind::Shm, IPC_INFO) => (0, SHMINFO),
        (Kind::Shm, SHM_INFO) => (0, SHM_INFO_SIZE),
        _ => (0, 0),
    }
}

/// Commands that name an object by index in the host's table, not by id.
fn by_index(kind: Kind, cmd: i32) -> bool {
    matches!(
        (kind, cmd),
        (Kind::Msg, MSG_STAT | MSG_STAT_ANY)
            | (Kind::Sem, SEM_STAT | SEM_STAT_ANY)
            | (Kind::Shm, SHM_STAT | SHM_STAT_ANY)
    )
}

/// Commands about the host's IPC as a whole (limits and usage), with no object.
fn global(kind: Kind, cmd: i32) -> bool {
    cmd == IPC_INFO
        || matches!(
            (kind, cmd),
            (Kind::Msg, MSG_INFO) | (Kind::Sem, SEM_INFO) | (Kind::Shm, SHM_INFO)
        )
}

/// `msgctl`/`shmctl`/`semctl` (but for the semaphore arrays): the structure goes
/// through a host buffer, so a refused answer never reaches guest memory.
fn ctl(
    cx: &Ctx,
    kind: Kind,
    id: i32,
    cmd: i32,
    buf: u32,
    call: impl Fn(*mut u8) -> SysResult,
) -> SysResult {
    let (inn, out) = ctl_buffer(kind, cmd);
    let checked = !global(kind, cmd) && !by_index(kind, cmd);
    if checked && !owns(cx, kind, id) {
        return Err(foreign().into());
    }
    let mut host = [0u8; 128];
    let p = if inn > 0 {
        host[..inn].copy_from_slice(&cx.mem.read_bytes(buf, inn)?);
        host.as_mut_ptr()
    } else if out > 0 {
        // The kernel would fault writing: so does the guest's call, before any effect.
        cx.mem.host(buf, out)?;
        host.as_mut_ptr()
    } else {
        std::ptr::null_mut()
    };
    let r = call(p)?;
    if by_index(kind, cmd) && !owns(cx, kind, r as i32) {
        return Err(foreign().into());
    }
    if out > 0 {
        cx.mem.write_bytes(buf, &host[..out])?;
    }
    if cmd == IPC_RMID {
        // A segment still attached lives on (its id stays valid) until the last detach.
        if kind != Kind::Shm || !exists(entry(kind, id)) {
            forget(kind, id);
        }
    }
    Ok(r)
}

// --- message queues -------------------------------------------------------------------

pub fn msgget(cx: &mut Ctx, key: Int, flags: Int) -> SysResult {
    get(cx, Kind::Msg, key.0, flags.0, |f| {
        sys!(SYS_msgget, key.0, f)
    })
}

/// The host's largest message (`msgmax`), for the size check the kernel makes first.
fn msgmax() -> usize {
    let mut info = [0i32; MSGINFO / 4];
    // SAFETY: a host buffer of msginfo's size.
    let r = unsafe { libc::syscall(libc::SYS_msgctl, 0, IPC_INFO, info.as_mut_ptr()) };
    if r < 0 {
        8192
    } else {
        info[2] as usize
    }
}

pub fn msgsnd(cx: &mut Ctx, id: Int, msgp: Ptr, size: Len, flags: Int) -> SysResult {
    let n = size.0 as usize;
    if id.0 < 0 || n > msgmax() {
        return Err(EINVAL.into());
    }
    if !owns(cx, Kind::Msg, id.0) {
        return Err(foreign().into());
    }
    // The guest's `struct msgbuf { long mtype; char mtext[]; }` has a 4-byte mtype.
    let mtype: i32 = cx.mem.read(msgp.0)?;
    let mut host = Vec::with_capacity(8 + n);
    host.extend_from_slice(&(mtype as i64).to_ne_bytes());
    host.extend_from_slice(&cx.mem.read_bytes(msgp.0.checked_add(4).ok_or(EFAULT)?, n)?);
    sys!(SYS_msgsnd, id.0, host.as_ptr(), n, flags.0)
}

pub fn msgrcv(cx: &mut Ctx, id: Int, msgp: Ptr, size: Len, typ: Int, flags: Int) -> SysResult {
    let n = size.0 as usize;
    if id.0 < 0 || (size.0 as i32) < 0 {
        return Err(EINVAL.into());
    }
    if !owns(cx, Kind::Msg, id.0) {
        return Err(foreign().into());
    }
    // No message is longer than the host's msgmax (but for one sent before an
    // administrator lowered it): a buffer that size holds what the kernel copies. As on
    // Linux, a message taken off the queue for a buffer the guest does not have is lost
    // (EFAULT).
    let n = n.min(msgmax().max(1 << 16));
    let mut host = Vec::new();
    host.try_reserve_exact(8 + n).map_err(|_| ENOMEM)?;
    host.resize(8 + n, 0u8);
    let r = sys!(
        SYS_msgrcv,
        id.0,
        host.as_mut_ptr(),
        n,
        typ.0 as i64,
        flags.0
    )?;
    let mtype = i64::from_ne_bytes(host[..8].try_into().unwrap_or_default());
    cx.mem.write(msgp.0, mtype as i32)?;
    cx.mem.write_bytes(
        msgp.0.checked_add(4).ok_or(EFAULT)?,
        &host[8..8 + r as usize],
    )?;
    Ok(r)
}

pub fn msgctl(cx: &mut Ctx, id: Int, cmd: Int, buf: Ptr) -> SysResult {
    ctl(cx, Kind::Msg, id.0, cmd.0, buf.0, |p| {
        sys!(SYS_msgctl, id.0, cmd.0, p)
    })
}

// --- semaphores -----------------------------------------------------------------------

pub fn semget(cx: &mut Ctx, key: Int, nsems: Int, flags: Int) -> SysResult {
    get(cx, Kind::Sem, key.0, flags.0, |f| {
        sys!(SYS_semget, key.0, nsems.0, f)
    })
}

pub fn semop(cx: &mut Ctx, id: Int, sops: Ptr, nsops: Len) -> SysResult {
    semtimedop(cx, id, sops, nsops, Ptr(0))
}

pub fn semtimedop(cx: &mut Ctx, id: Int, sops: Ptr, nsops: Len, timeout: Ptr) -> SysResult {
    if !owns(cx, Kind::Sem, id.0) {
        return Err(foreign().into());
    }
    // An array the guest does not have goes to the kernel as NULL: it answers E2BIG for
    // too many operations first, as it would, and EFAULT otherwise.
    let ops = (nsops.0 as usize)
        .checked_mul(SEMBUF)
        .and_then(|len| cx.mem.host(sops.0, len).ok())
        .unwrap_or(std::ptr::null_mut());
    let ts = if timeout.0 == 0 {
        None
    } else {
        let sec: i64 = cx.mem.read(timeout.0)?;
        let nsec: i32 = cx.mem.read(timeout.0.checked_add(8).ok_or(EFAULT)?)?;
        Some(libc::timespec {
            tv_sec: sec,
            tv_nsec: nsec as i64,
        })
    };
    let tp = ts
        .as_ref()
        .map_or(std::ptr::null(), |t| t as *const libc::timespec);
    sys!(SYS_semtimedop, id.0, ops, nsops.0 as usize, tp)
}

pub fn semctl(cx: &mut Ctx, id: Int, num: Int, cmd: Int, arg: UInt) -> SysResult {
    match cmd.0 {
        GETALL | SETALL => {
            if !owns(cx, Kind::Sem, id.0) {
                return Err(foreign().into());
            }
            let mut ds = [0u8; SEMID_DS];
            sys!(SYS_semctl, id.0, 0, IPC_STAT, ds.as_mut_ptr())?;
            let nsems = u16::from_ne_bytes([ds[80], ds[81]]) as usize;
            let p = cx.mem.host(arg.0, nsems * 2)?;
            sys!(SYS_semctl, id.0, num.0, cmd.0, p)
        }
        SETVAL | GETVAL | GETPID | GETNCNT | GETZCNT => {
            if !owns(cx, Kind::Sem, id.0) {
                return Err(foreign().into());
            }
            sys!(SYS_semctl, id.0, num.0, cmd.0, arg.0 as i32 as i64)
        }
        _ => ctl(cx, Kind::Sem, id.0, cmd.0, arg.0, |p| {
            sys!(SYS_semctl, id.0, num.0, cmd.0, p)
        }),
    }
}

// --- shared memory --------------------------------------------------------------------

/// Segments attached in linear memory: guest address -> (length, id). Process-wide
/// (threads share it), inherited with the attachments across `fork`.
static ATTACHED: Mutex<BTreeMap<u32, (u32, i32)>> = Mutex::new(BTreeMap::new());

fn attached() -> std::sync::MutexGuard<'static, BTreeMap<u32, (u32, i32)>> {
    ATTACHED.lock().unwrap_or_else(|e| e.into_inner())
}

pub fn shmget(cx: &mut Ctx, key: Int, size: Len, flags: Int) -> SysResult {
    get(cx, Kind::Shm, key.0, flags.0, |f| {
        sys!(SYS_shmget, key.0, size.0 as usize, f)
    })
}

pub fn shmat(cx: &mut Ctx, id: Int, addr: Ptr, flags: Int) -> SysResult {
    let f = flags.0;
    if !owns(cx, Kind::Shm, id.0) {
        return Err(foreign().into());
    }
    let mut ds = [0u8; SHMID_DS];
    sys!(SYS_shmctl, id.0, IPC_STAT, ds.as_mut_ptr())?;
    let segsz = u64::from_ne_bytes(ds[48..56].try_into().unwrap_or_default());
    let len = crate::mmap::page_up(segsz)
        .filter(|&l| l <= u32::MAX as u64)
        .ok_or(EINVAL)?;
    let mut a = addr.0;
    if a != 0 {
        if f & SHM_RND != 0 {
            a &= !(SHMLBA - 1);
        } else if !a.is_multiple_of(SHMLBA) {
            return Err(EINVAL.into());
        }
        if a == 0 && f & SHM_REMAP != 0 {
            // Rounded down to NULL: nothing there to replace (Linux's answer).
            return Err(EINVAL.into());
        }
    } else if f & SHM_REMAP != 0 {
        return Err(EINVAL.into());
    }
    let placed = crate::memory::place(cx, (a != 0).then_some(a as u64), len, f & SHM_REMAP != 0)?;
    // Read-only attaches are read-write here (linear memory has no read-only pages), so
    // they need the write permission a read-write attach needs.
    let _ = SHM_RDONLY;
    let _ = (SHM_LOCK, SHM_UNLOCK);
    if let Err(e) = cx.mem.map_shm(placed, len as usize, id.0) {
        crate::memory::unplace(cx, placed, len);
        return Err(e.into());
    }
    attached().insert(placed, (len as u32, id.0));
    Ok(placed as i64)
}

pub fn shmdt(cx: &mut Ctx, addr: Ptr) -> SysResult {
    let a = addr.0;
    let Some((len, id)) = attached().remove(&a) else {
        return Err(EINVAL.into());
    };
    // The guest may have unmapped or remapped the range since: only a segment still
    // there is detached (the zero pages put back detach it on the host).
    if !is_shm(cx, a, len as usize, id) {
        return Err(EINVAL.into());
    }
    crate::memory::unplace(cx, a, len as u64);
    Ok(0)
}

pub fn shmctl(cx: &mut Ctx, id: Int, cmd: Int, buf: Ptr) -> SysResult {
    ctl(cx, Kind::Shm, id.0, cmd.0, buf.0, |p| {
        sys!(SYS_shmctl, id.0, cmd.0, p)
    })
}

/// Is segment `id` still attached at guest `ptr` (the host's map of the process says
/// which segment each mapping is: its inode is the id)?
fn is_shm(cx: &Ctx, ptr: u32, len: usize, id: i32) -> bool {
    let Ok(h) = cx.mem.host(ptr, len) else {
        return false;
    };
    let Ok(maps) = std::fs::read_to_string("/proc/self/maps") else {
        return false;
    };
    let start = format!("{:x}-", h as usize);
    maps.lines().any(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        f.len() >= 6
            && f[0].starts_with(&start)
            && f[4] == id.to_string()
            && f[5].starts_with("/SYSV")
    })
}
