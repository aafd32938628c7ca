//! Threads: futex on the real kernel futex (the memory is a host mapping), robust
//! lists, and exit.
//!
//! A guest thread is a host thread and its tid is the host tid (`gettid`,
//! `set_tid_address`), so the tid-valued futex words of priority-inheritance mutexes
//! mean to the kernel what they mean to the guest. The kernel cannot walk a guest's
//! robust list (its pointers are guest addresses), so the runtime does, as the kernel
//! would: at a thread's exit and at the process's.

use crate::args::*;
use crate::ctx::{Ctx, Exit, Stop, SysResult};
use crate::errno::*;
use crate::mem::GuestMem;
use std::sync::atomic::{AtomicI32, AtomicU32, AtomicUsize, Ordering};

/// `struct futex_waitv`: `{u64 val; u64 uaddr; u32 flags; u32 reserved}`, the same
/// on both sides except that `uaddr` is a guest address.
const FUTEX_WAITV: usize = 24;
/// The kernel's `FUTEX_WAITV_MAX`.
const FUTEX_WAITV_MAX: u32 = 128;
/// x86-64's `futex_waitv` (not in every libc crate yet).
const SYS_FUTEX_WAITV: libc::c_long = 449;
const FUTEX_LOCK_PI2: i32 = 13;
/// The kernel's `ROBUST_LIST_LIMIT`: a longer (or circular) list is not followed further.
const ROBUST_LIST_LIMIT: usize = 2048;
/// wasm32's `struct robust_list_head`: `{ptr next; long futex_offset; ptr pending}`.
const ROBUST_HEAD: u32 = 12;
const FUTEX_WAITERS: u32 = 0x8000_0000;
const FUTEX_OWNER_DIED: u32 = 0x4000_0000;
const FUTEX_TID_MASK: u32 = 0x3fff_ffff;

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
    let second = |cx: &Ctx| -> Result<*mut u8, Errno> {
        if !uaddr2.0.is_multiple_of(4) {
            return Err(EINVAL);
        }
        cx.mem.host(uaddr2.0, 4)
    };
    let cmd = op.0 & libc::FUTEX_CMD_MASK;
    match cmd {
        libc::FUTEX_WAIT
        | libc::FUTEX_WAIT_BITSET
        | libc::FUTEX_LOCK_PI
        | FUTEX_LOCK_PI2
        | libc::FUTEX_WAIT_REQUEUE_PI => {
            let mut t = crate::time::timespec_opt(cx, timeout.0)?;
            let t = crate::time::ts_ptr(&mut t);
            let u2 = if cmd == libc::FUTEX_WAIT_REQUEUE_PI {
                second(cx)?
            } else {
                std::ptr::null_mut()
            };
            sys!(SYS_futex, u, op.0, val.0, t, u2, val3.0)
        }
        libc::FUTEX_WAKE
        | libc::FUTEX_WAKE_BITSET
        | libc::FUTEX_UNLOCK_PI
        | libc::FUTEX_TRYLOCK_PI => {
            sys!(SYS_futex, u, op.0, val.0, 0, 0, val3.0)
        }
        // For these the fourth argument is a count (val2), not a pointer.
        libc::FUTEX_REQUEUE
        | libc::FUTEX_CMP_REQUEUE
        | libc::FUTEX_WAKE_OP
        | libc::FUTEX_CMP_REQUEUE_PI => {
            let u2 = second(cx)?;
            sys!(SYS_futex, u, op.0, val.0, timeout.0, u2, val3.0)
        }
        _ => Err(ENOSYS.into()),
    }
}

/// `futex_waitv(waiters, nr, flags, timeout, clockid)`: the guest's array with each
/// `uaddr` made a host address, and its absolute timeout translated.
pub fn futex_waitv(
    cx: &mut Ctx,
    waiters: Ptr,
    nr: UInt,
    flags: UInt,
    timeout: Ptr,
    clockid: Int,
) -> SysResult {
    if flags.0 != 0 || nr.0 == 0 || nr.0 > FUTEX_WAITV_MAX {
        return Err(EINVAL.into());
    }
    let mut v = Vec::with_capacity(nr.0 as usize);
    for i in 0..nr.0 {
        let at = waiters
            .0
            .checked_add(i * FUTEX_WAITV as u32)
            .ok_or(EFAULT)?;
        let [val, uaddr, rest]: [u64; 3] = cx.mem.read(at)?;
        // A guest address past 4 GiB is in no memory of the guest's.
        let a = u32::try_from(uaddr).map_err(|_| EFAULT)?;
        let h = if a.is_multiple_of(4) {
            cx.mem.host(a, 4)? as u64
        } else {
            // Misaligned: the kernel's answer (EINVAL) from an address as misaligned.
            (cx.mem.host(a & !3, 4)? as u64) + (a & 3) as u64
        };
        v.push([val, h, rest]);
    }
    let mut t = crate::time::timespec_opt(cx, timeout.0)?;
    let t = crate::time::ts_ptr(&mut t);
    // SAFETY: v is host memory in the kernel's layout, with every address checked; t is
    // NULL or a host timespec.
    crate::host::ret(unsafe {
        crate::host::raw(
            SYS_FUTEX_WAITV,
            [
                v.as_ptr() as libc::c_long,
                nr.0 as libc::c_long,
                0,
                t as libc::c_long,
                clockid.0 as libc::c_long,
            ],
        )
    })
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

/// One registered robust list: (host pid, tid, guest head). A slot is free when its
/// tid is 0; a slot of another pid is a parent's, copied by `fork` (Linux gives the
/// child no list) and never walked here. Lock-free, so a `fork` at any moment leaves
/// nothing held.
struct Slot {
    pid: AtomicI32,
    tid: AtomicI32,
    head: AtomicU32,
}

const SLOTS: usize = 4096;
static ROBUST: [Slot; SLOTS] = [const {
    Slot {
        pid: AtomicI32::new(0),
        tid: AtomicI32::new(0),
        head: AtomicU32::new(0),
    }
}; SLOTS];

/// One past the highest slot ever taken in this process (or a parent it forked from):
/// the slots above are free, so the common thread, which registers no list (musl does
/// only for robust mutexes), is looked up at its exit without reading all 4096.
static HIGH: AtomicUsize = AtomicUsize::new(0);

fn used() -> &'static [Slot] {
    &ROBUST[..HIGH.load(Ordering::Acquire).min(SLOTS)]
}

fn pid() -> i32 {
    // SAFETY: no preconditions.
    unsafe { libc::getpid() }
}

/// The slot of (this process, `tid`), if registered.
fn slot(tid: i32) -> Option<&'static Slot> {
    let me = pid();
    used()
        .iter()
        .find(|s| s.tid.load(Ordering::Acquire) == tid && s.pid.load(Ordering::Acquire) == me)
}

pub fn set_robust_list(cx: &mut Ctx, head: Ptr, len: Len) -> SysResult {
    if len.0 != ROBUST_HEAD {
        return Err(EINVAL.into());
    }
    if let Some(s) = slot(cx.tid) {
        s.head.store(head.0, Ordering::Release);
        return Ok(0);
    }
    if head.0 == 0 {
        return Ok(0);
    }
    let me = pid();
    for (i, s) in ROBUST.iter().enumerate() {
        // A free slot, or one a parent left us through fork.
        let t = s.tid.load(Ordering::Acquire);
        let stale = t != 0 && s.pid.load(Ordering::Acquire) != me;
        if (t == 0 || stale)
            && s.tid
                .compare_exchange(t, cx.tid, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
        {
            HIGH.fetch_max(i + 1, Ordering::AcqRel);
            s.pid.store(me, Ordering::Release);
            s.head.store(head.0, Ordering::Release);
            return Ok(0);
        }
    }
    // More threads than slots: the list is accepted but not walked (Linux never fails).
    Ok(0)
}

/// `get_robust_list(pid, head_ptr, len_ptr)`: the caller's (pid 0) or one of its
/// threads'. Another process's list is a guest address in another memory: `EPERM`.
pub fn get_robust_list(cx: &mut Ctx, pid: Target, head: Ptr, len: Ptr) -> SysResult {
    let tid = pid.task(cx)?;
    let h = if tid == 0 || tid == cx.tid {
        slot(cx.tid).map_or(0, |s| s.head.load(Ordering::Acquire))
    } else if let Some(s) = slot(tid) {
        s.head.load(Ordering::Acquire)
    } else {
        // SAFETY: signal-0 probes of a task: no signal is sent, no memory involved.
        if unsafe { libc::syscall(libc::SYS_tgkill, self::pid(), tid, 0) } == 0 {
            0
        // SAFETY: as above.
        } else if unsafe { libc::kill(tid, 0) } == 0 {
            return Err(EPERM.into());
        } else {
            return Err(ESRCH.into());
        }
    };
    cx.mem.host(head.0, 4)?;
    cx.mem.host(len.0, 4)?;
    cx.mem.write(head.0, h)?;
    cx.mem.write(len.0, ROBUST_HEAD)?;
    Ok(0)
}

/// The kernel's `handle_futex_death` for the guest word at `uaddr` owned by `tid`.
fn futex_death(mem: &GuestMem, uaddr: u32, tid: i32, pi: bool, pending: bool) -> Result<(), Errno> {
    if !uaddr.is_multiple_of(4) {
        return Err(EINVAL);
    }
    let mut uval = mem.load_u32(uaddr)?;
    for _ in 0..1000 {
        // The unlock path may have released it and died before waking anyone.
        if pending && !pi && uval == 0 {
            mem.futex_wake(uaddr, 1, false)?;
            return Ok(());
        }
        if uval & FUTEX_TID_MASK != tid as u32 {
            return Ok(());
        }
        let mval = (uval & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
        let found = mem.cas_u32(uaddr, uval, mval)?;
        if found != uval {
            uval = found;
            continue;
        }
        // PI futexes: the kernel wakes their waiters itself as the host thread exits.
        if !pi && mval & FUTEX_WAITERS != 0 {
            mem.futex_wake(uaddr, 1, false)?;
        }
        return Ok(());
    }
    Ok(())
}

/// Walk the robust list at guest address `head` of thread `tid`, as the kernel's
/// `exit_robust_list`: every pointer checked, at most `ROBUST_LIST_LIMIT` entries.
fn walk(mem: &GuestMem, head: u32, tid: i32) -> Result<(), Errno> {
    let entry = |p: u32| -> Result<(u32, bool), Errno> {
        let e: u32 = mem.read(p)?;
        Ok((e & !1, e & 1 != 0))
    };
    let (mut e, mut pi) = entry(head)?;
    let off: i32 = mem.read(head.checked_add(4).ok_or(EFAULT)?)?;
    let (pending, ppi) = entry(head.checked_add(8).ok_or(EFAULT)?)?;
    let mut left = ROBUST_LIST_LIMIT;
    while e != head {
        // Read the next entry before the futex is released to another thread.
        let next = entry(e);
        if e != pending {
            let _ = futex_death(mem, e.wrapping_add(off as u32), tid, pi, false);
        }
        let Ok((n, npi)) = next else { break };
        (e, pi) = (n, npi);
        left -= 1;
        if left == 0 {
            break;
        }
    }
    if pending != 0 {
        let _ = futex_death(mem, pending.wrapping_add(off as u32), tid, ppi, true);
    }
    Ok(())
}

/// A guest thread ended (`exit`, or its start routine returned): as the kernel at
/// thread exit, walk its robust list, then clear and wake its tid word
/// (`CLONE_CHILD_CLEARTID`).
pub fn thread_exited(cx: &Ctx) {
    if let Some(s) = slot(cx.tid) {
        let head = s.head.load(Ordering::Acquire);
        if head != 0 {
            let _ = walk(&cx.mem, head, cx.tid);
        }
        s.head.store(0, Ordering::Release);
        s.tid.store(0, Ordering::Release);
    }
    if cx.clear_child_tid != 0 && cx.mem.store_u32(cx.clear_child_tid, 0).is_ok() {
        let _ = cx.mem.futex_wake(cx.clear_child_tid, i32::MAX, false);
    }
}

/// The process is ending (exit_group, the last thread's exit, a trap): every thread
/// dies with it, so walk every thread's robust list, as the kernel does for each. A
/// process-shared robust mutex in a `MAP_SHARED` page then reads `EOWNERDEAD` in the
/// next process that locks it.
pub fn process_exiting(mem: &GuestMem) {
    let me = pid();
    for s in used() {
        let tid = s.tid.load(Ordering::Acquire);
        if tid != 0 && s.pid.load(Ordering::Acquire) == me {
            let head = s.head.load(Ordering::Acquire);
            if head != 0 {
                let _ = walk(mem, head, tid);
            }
        }
    }
}

/// The `clone` flags a process clone has here. A clone without `CLONE_THREAD` is a fork
/// (the child gets a copy of memory, whatever `CLONE_VM` asked): `CLONE_VFORK` suspends
/// the parent until the child execs or exits, the tid flags write their words, and the
/// sharing flags (`CLONE_VM`, `CLONE_FS`, `CLONE_FILES`, `CLONE_SIGHAND`, ...) give the
/// child copies, as a fork does. Threads come through `__wasm_thread_spawn`.
const CLONE_ACCEPTED: u64 = (libc::CLONE_VM
    | libc::CLONE_FS
    | libc::CLONE_FILES
    | libc::CLONE_SIGHAND
    | libc::CLONE_PTRACE
    | libc::CLONE_VFORK
    | libc::CLONE_SYSVSEM
    | libc::CLONE_PARENT_SETTID
    | libc::CLONE_CHILD_CLEARTID
    | libc::CLONE_DETACHED
    | libc::CLONE_UNTRACED
    | libc::CLONE_CHILD_SETTID
    | libc::CLONE_IO) as u64
    | 0xff; // CSIGNAL: the exit signal (the child reports SIGCHLD whatever it names)

/// `clone(flags, stack, parent_tid, child_tid, tls)` for a new process. `stack` is not
/// switched to: the child goes on from the call on its copy of the caller's stack (as
/// the raw syscall does with a NULL stack); libc's `clone()` then calls the function.
/// `CLONE_THREAD`, `CLONE_PARENT` (the runtime forks through the host libc, whose child
/// is always the caller's), namespaces and the other flags answer `EINVAL`.
pub fn clone(cx: &mut Ctx, flags: U64, _stack: Ptr, ptid: Ptr, ctid: Ptr, _tls: U64) -> SysResult {
    let f = flags.0;
    let has = |b: i32| f & b as u64 != 0;
    // The kernel's own checks first, then what the model cannot do.
    if (has(libc::CLONE_NEWNS) && has(libc::CLONE_FS))
        || (has(libc::CLONE_SIGHAND) && !has(libc::CLONE_VM))
        || (has(libc::CLONE_THREAD) && !has(libc::CLONE_SIGHAND))
        || f & !CLONE_ACCEPTED != 0
        || f >> 32 != 0
    {
        return Err(EINVAL.into());
    }
    if has(libc::CLONE_PARENT_SETTID) {
        cx.mem.host(ptid.0, 4)?;
    }
    let vfork = if has(libc::CLONE_VFORK) {
        Some(vfork_pipe()?)
    } else {
        None
    };
    let pid = crate::process::fork(cx)? as i32;
    if pid == 0 {
        if let Some((r, w)) = vfork {
            // The write end stays open (hidden, close-on-exec) until exec or exit.
            drop(r);
            std::mem::forget(w);
        }
        if has(libc::CLONE_CHILD_SETTID) {
            let _ = cx.mem.write(ctid.0, cx.tid);
        }
        if has(libc::CLONE_CHILD_CLEARTID) {
            cx.clear_child_tid = ctid.0;
        }
        return Ok(0);
    }
    if has(libc::CLONE_PARENT_SETTID) {
        let _ = cx.mem.write(ptid.0, pid);
    }
    if let Some((r, w)) = vfork {
        drop(w);
        let mut b = [0u8; 1];
        // EOF once the child has exec'd or exited (its copy closes on both).
        loop {
            // SAFETY: a one-byte host buffer and a descriptor owned here.
            let n = unsafe {
                libc::read(
                    std::os::fd::AsRawFd::as_raw_fd(&r),
                    b.as_mut_ptr().cast(),
                    1,
                )
            };
            if n == 0 || (n < 0 && Errno::last() != EINTR) {
                break;
            }
        }
    }
    Ok(pid as i64)
}

/// A close-on-exec pipe out of the guest's reach, high in the descriptor table so the
/// child's own descriptors get the numbers they would get natively.
fn vfork_pipe() -> Result<(crate::runtime_fds::RuntimeFd, crate::runtime_fds::RuntimeFd), Errno> {
    use std::os::fd::FromRawFd;
    let mut p = [0i32; 2];
    // SAFETY: a valid out-array of two ints.
    if unsafe { libc::pipe2(p.as_mut_ptr(), libc::O_CLOEXEC) } < 0 {
        return Err(Errno::last());
    }
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: valid out-pointer.
    unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) };
    let floor = (lim.rlim_cur.clamp(64, 4096) as i32) - 16;
    let high = |fd: i32| {
        // SAFETY: fcntl on a descriptor just made here; the original is closed once.
        unsafe {
            let h = libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, floor);
            if h < 0 {
                return fd;
            }
            libc::close(fd);
            h
        }
    };
    let (r, w) = (high(p[0]), high(p[1]));
    // SAFETY: both descriptors were made above and are owned by nothing else.
    unsafe {
        Ok((
            crate::runtime_fds::RuntimeFd::new(std::os::fd::OwnedFd::from_raw_fd(r)),
            crate::runtime_fds::RuntimeFd::new(std::os::fd::OwnedFd::from_raw_fd(w)),
        ))
    }
}
