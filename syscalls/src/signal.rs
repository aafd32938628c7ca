//! Signal syscalls: dispositions, per-thread masks, sending, waiting. Delivery of
//! handlers is in `deliver.rs`.
//!
//! `rt_sigaction` takes the kernel's packed 24-byte `k_sigaction`:
//! `{u32 handler; u64 flags; u32 restorer; u32 mask[2]}`. `handler` is a table index or
//! `SIG_DFL` 0 / `SIG_IGN` -2 (the reference libc's values).

use crate::args::*;
use crate::ctx::{Ctx, SysResult};
use crate::deliver::{self, UNBLOCKABLE};
use crate::errno::*;
// The dispositions are process state (`ctx.rs`); deliver.rs names them from here.
pub use crate::ctx::{Action, SignalState, NSIG, SIG_DFL, SIG_IGN};

const K_SIGACTION: usize = 24;
const SIGSET: u32 = 8;
const SS_AUTODISARM: i32 = 1 << 31;

fn decode(b: &[u8]) -> Action {
    let u32_at = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().unwrap());
    let u64_at = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().unwrap());
    Action {
        handler: u32_at(0),
        flags: u64_at(4),
        restorer: u32_at(12),
        mask: u64_at(16),
    }
}

fn encode(a: &Action) -> [u8; K_SIGACTION] {
    let mut b = [0u8; K_SIGACTION];
    b[0..4].copy_from_slice(&a.handler.to_le_bytes());
    b[4..12].copy_from_slice(&a.flags.to_le_bytes());
    b[12..16].copy_from_slice(&a.restorer.to_le_bytes());
    b[16..24].copy_from_slice(&a.mask.to_le_bytes());
    b
}

pub fn rt_sigaction(cx: &mut Ctx, sig: Sig, act: Ptr, old: Ptr, size: Len) -> SysResult {
    if size.0 != SIGSET || !(1..=NSIG as i32).contains(&sig.0) {
        return Err(EINVAL.into());
    }
    let new = if act.0 != 0 {
        Some(decode(&cx.mem.read_bytes(act.0, K_SIGACTION)?))
    } else {
        None
    };
    if new.is_some() && (sig.0 == libc::SIGKILL || sig.0 == libc::SIGSTOP) {
        return Err(EINVAL.into());
    }
    if old.0 != 0 {
        cx.mem.host(old.0, K_SIGACTION)?;
    }
    let mut table = cx
        .proc
        .signals
        .actions
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let i = sig.0 as usize - 1;
    let prev = table[i];
    if let Some(mut a) = new {
        a.mask &= !UNBLOCKABLE;
        deliver::install(sig.0, &a)?;
        table[i] = a;
    }
    drop(table);
    if old.0 != 0 {
        cx.mem.write_bytes(old.0, &encode(&prev))?;
    }
    Ok(0)
}

pub fn rt_sigprocmask(cx: &mut Ctx, how: Int, set: Ptr, old: Ptr, size: Len) -> SysResult {
    if size.0 != SIGSET {
        return Err(EINVAL.into());
    }
    let new: Option<u64> = if set.0 != 0 {
        Some(cx.mem.read(set.0)?)
    } else {
        None
    };
    if old.0 != 0 {
        cx.mem.host(old.0, 8)?;
    }
    let prev = cx.sigmask;
    if let Some(s) = new {
        cx.sigmask = match how.0 {
            libc::SIG_BLOCK => prev | s,
            libc::SIG_UNBLOCK => prev & !s,
            libc::SIG_SETMASK => s,
            _ => return Err(EINVAL.into()),
        } & !UNBLOCKABLE;
        // Signals unblocked here and pending in the kernel arrive now, and run at
        // this syscall's return, as on Linux.
        deliver::mirror_mask(cx.sigmask);
    }
    if old.0 != 0 {
        cx.mem.write(old.0, prev)?;
    }
    Ok(0)
}

pub fn rt_sigpending(cx: &mut Ctx, set: Ptr, size: Len) -> SysResult {
    if size.0 > SIGSET {
        return Err(EINVAL.into());
    }
    cx.mem.host(set.0, size.0 as usize)?;
    let mut host: u64 = 0;
    sys!(SYS_rt_sigpending, &mut host as *mut u64, 8)?;
    let p = (host | deliver::pending()) & cx.sigmask;
    cx.mem
        .write_bytes(set.0, &p.to_le_bytes()[..size.0 as usize])?;
    Ok(0)
}

fn read_set(cx: &Ctx, ptr: u32, size: u32) -> Result<u64, Errno> {
    if size != SIGSET {
        return Err(EINVAL);
    }
    cx.mem.read::<u64>(ptr)
}

/// Wait for a signal with `mask` in place; the old mask comes back after the handlers
/// run (at this syscall's return). Always `EINTR`.
pub fn rt_sigsuspend(cx: &mut Ctx, mask: Ptr, size: Len) -> SysResult {
    let m = read_set(cx, mask.0, size.0)? & !UNBLOCKABLE;
    cx.saved_mask = Some(cx.sigmask);
    cx.sigmask = m;
    if deliver::pending() & !m != 0 {
        return Err(EINTR.into());
    }
    let host = deliver::host_set(m);
    sys!(SYS_rt_sigsuspend, &host as *const u64, 8)
}

pub fn pause(cx: &mut Ctx) -> SysResult {
    if deliver::pending() & !cx.sigmask != 0 {
        return Err(EINTR.into());
    }
    sys!(SYS_pause)
}

/// A mask for the duration of a blocking call (ppoll, pselect6, epoll_pwait): the
/// kernel applies the returned host set atomically for the call; the guest mask is the
/// call's until `deliver` has run the handlers it let in, then the old one is back.
pub fn call_mask(cx: &mut Ctx, mask: u32, size: u32) -> Result<Option<u64>, Errno> {
    if mask == 0 {
        return Ok(None);
    }
    let m = read_set(cx, mask, size)? & !UNBLOCKABLE;
    cx.saved_mask = Some(cx.sigmask);
    cx.sigmask = m;
    Ok(Some(deliver::host_set(m)))
}

pub fn rt_sigtimedwait(cx: &mut Ctx, set: Ptr, info: Ptr, timeout: Ptr, size: Len) -> SysResult {
    let want = read_set(cx, set.0, size.0)? & !UNBLOCKABLE;
    if info.0 != 0 {
        cx.mem.host(info.0, 128)?;
    }
    let mut t = crate::time::timespec_opt(cx, timeout.0)?;
    let t = crate::time::ts_ptr(&mut t);
    // A signal the host handler already took counts as pending.
    let taken = deliver::pending() & want;
    if taken != 0 {
        let sig = taken.trailing_zeros() as i32 + 1;
        if let Some(k) = deliver::take(sig) {
            if info.0 != 0 {
                cx.mem
                    .write_bytes(info.0, &deliver::guest_siginfo(sig, k))?;
            }
            return Ok(sig as i64);
        }
    }
    let host = deliver::host_set(want);
    let mut kinfo = [0u64; 16];
    let sig = sys!(
        SYS_rt_sigtimedwait,
        &host as *const u64,
        kinfo.as_mut_ptr(),
        t,
        8
    )?;
    if info.0 != 0 {
        let k = [kinfo[0], kinfo[1], kinfo[2], kinfo[3]];
        cx.mem
            .write_bytes(info.0, &deliver::guest_siginfo(sig as i32, k))?;
    }
    Ok(sig)
}

/// `SI_USER` and `SI_TKILL`: the `si_code` of `kill` and of `tkill`/`tgkill`.
const SI_USER: i32 = 0;
const SI_TKILL: i32 = -6;

/// The signals wasmtime keeps for its traps (SIGSEGV, SIGBUS, SIGILL, SIGFPE) never
/// reach the guest through the host (wasmtime's handler drops a sent one, or the
/// default action kills the process under a guest handler). Sent by the guest to
/// itself (`raise`, `kill`), they are made pending on the calling thread instead, once
/// the kernel has checked the call with signal 0, and `deliver` runs the guest's
/// handler, ignores them, or takes the default action (death by that signal).
/// `tid` 0: any thread of the process (`kill`); otherwise only the calling thread,
/// whose pending set is the one `deliver` reads.
fn to_self_reserved(pid: i32, tid: i32, sig: i32) -> bool {
    // SAFETY: no preconditions.
    let (me, my_tid) = unsafe { (libc::getpid(), libc::gettid()) };
    (1..=NSIG as i32).contains(&sig)
        && deliver::RESERVED & deliver::bit(sig) != 0
        && pid == me
        && (tid == 0 || tid == my_tid)
}

pub fn kill(cx: &mut Ctx, pid: Target, sig: Int) -> SysResult {
    let pid = pid.signal(cx)?;
    if to_self_reserved(pid, 0, sig.0) {
        sys!(SYS_kill, pid, 0)?;
        deliver::post_self(sig.0, SI_USER);
        return Ok(0);
    }
    sys!(SYS_kill, pid, sig.0)
}

pub fn tkill(cx: &mut Ctx, tid: Target, sig: Int) -> SysResult {
    match tid.thread(cx)? {
        (0, tid) => {
            // SAFETY: no preconditions.
            if tid > 0 && to_self_reserved(unsafe { libc::getpid() }, tid, sig.0) {
                deliver::post_self(sig.0, SI_TKILL);
                return Ok(0);
            }
            sys!(SYS_tkill, tid, sig.0)
        }
        (tgid, tid) => tgkill_host(tgid, tid, sig.0),
    }
}

pub fn tgkill(cx: &mut Ctx, tgid: Target, tid: Target, sig: Int) -> SysResult {
    let tgid = tgid.process(cx)?;
    tgkill_host(tgid, tid.member_of(tgid), sig.0)
}

fn tgkill_host(tgid: i32, tid: i32, sig: i32) -> SysResult {
    if tid > 0 && to_self_reserved(tgid, tid, sig) {
        deliver::post_self(sig, SI_TKILL);
        return Ok(0);
    }
    sys!(SYS_tgkill, tgid, tid, sig)
}

// Whom a signal may reach is `reach.rs` (the argument types check it); these are its
// checks as fs.rs and more.rs call them.
pub(crate) use crate::reach::{may_own, may_own_int, may_touch};

pub fn alarm(_cx: &mut Ctx, secs: UInt) -> SysResult {
    sys!(SYS_alarm, secs.0)
}

/// `struct itimerval` is two 16-byte timevals on both sides.
pub fn setitimer(cx: &mut Ctx, which: Int, new: Ptr, old: Ptr) -> SysResult {
    let n = cx.mem.host_opt(new.0, 32)?;
    let o = cx.mem.host_opt_w(old.0, 32)?;
    sys!(SYS_setitimer, which.0, n, o)
}

pub fn getitimer(cx: &mut Ctx, which: Int, cur: Ptr) -> SysResult {
    let c = cx.mem.host_w(cur.0, 32)?;
    sys!(SYS_getitimer, which.0, c)
}

pub fn signalfd4(cx: &mut Ctx, fd: Fd, mask: Ptr, size: Len, flags: Int) -> SysResult {
    let m = read_set(cx, mask.0, size.0)?;
    let host = deliver::host_set(m);
    sys!(SYS_signalfd4, fd.0, &host as *const u64, 8, flags.0)
}

/// The old call's third argument is the mask size (the ABI names it `flags`).
pub fn signalfd(cx: &mut Ctx, fd: Fd, mask: Ptr, size: Int) -> SysResult {
    signalfd4(cx, fd, mask, Len(size.0 as u32), Int(0))
}

/// `stack_t` is 12 bytes in the guest: `{u32 ss_sp; i32 ss_flags; u32 ss_size}`.
pub fn sigaltstack(cx: &mut Ctx, ss: Ptr, old: Ptr) -> SysResult {
    let new = if ss.0 != 0 {
        Some(cx.mem.read::<[u32; 3]>(ss.0)?)
    } else {
        None
    };
    if old.0 != 0 {
        cx.mem.host(old.0, 12)?;
    }
    let prev = cx.altstack;
    let on = deliver::on_altstack();
    if let Some([sp, flags, size]) = new {
        let flags = flags as i32;
        // As the kernel: the mode is 0, SS_ONSTACK (an old spelling of 0) or SS_DISABLE,
        // plus SS_AUTODISARM; no change while a handler runs on the stack.
        let mode = flags & !SS_AUTODISARM;
        if mode != 0 && mode != libc::SS_ONSTACK && mode != libc::SS_DISABLE {
            return Err(EINVAL.into());
        }
        if on {
            return Err(EPERM.into());
        }
        if mode == libc::SS_DISABLE {
            cx.altstack = (0, libc::SS_DISABLE, 0);
        } else {
            if size < libc::MINSIGSTKSZ as u32 {
                return Err(ENOMEM.into());
            }
            cx.mem.host(sp, size as usize)?;
            cx.altstack = (sp, flags & SS_AUTODISARM, size);
        }
    }
    if old.0 != 0 {
        let flags = if on {
            libc::SS_ONSTACK | (prev.1 & SS_AUTODISARM)
        } else {
            prev.1
        };
        cx.mem.write(old.0, [prev.0, flags as u32, prev.2])?;
    }
    Ok(0)
}

/// The kernel's siginfo from the guest's (wasm32: the union at +12, not +16): the
/// sender fields and the 4-byte `si_value` that sigqueue fills.
fn kernel_siginfo(cx: &Ctx, info: u32) -> Result<[u8; 128], Errno> {
    let g = cx.mem.read_bytes(info, 24)?;
    let mut k = [0u8; 128];
    k[0..12].copy_from_slice(&g[0..12]);
    k[16..28].copy_from_slice(&g[12..24]);
    Ok(k)
}

pub fn rt_sigqueueinfo(cx: &mut Ctx, tgid: Target, sig: Int, info: Ptr) -> SysResult {
    let tgid = tgid.process(cx)?;
    let k = kernel_siginfo(cx, info.0)?;
    sys!(SYS_rt_sigqueueinfo, tgid, sig.0, k.as_ptr())
}

pub fn rt_tgsigqueueinfo(
    cx: &mut Ctx,
    tgid: Target,
    tid: Target,
    sig: Int,
    info: Ptr,
) -> SysResult {
    let tgid = tgid.process(cx)?;
    let k = kernel_siginfo(cx, info.0)?;
    sys!(
        SYS_rt_tgsigqueueinfo,
        tgid,
        tid.member_of(tgid),
        sig.0,
        k.as_ptr()
    )
}
