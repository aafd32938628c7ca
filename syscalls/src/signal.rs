//! Signal dispositions and masks. Recorded faithfully now; delivery comes later.
//!
//! `rt_sigaction` takes the kernel's packed 24-byte `k_sigaction`:
//! `{u32 handler; u64 flags; u32 restorer; u32 mask[2]}`. `handler` is a table index or
//! `SIG_DFL` 0 / `SIG_IGN` -2 (the reference libc's values).

use crate::args::*;
use crate::ctx::{Ctx, SysResult};
use crate::errno::*;
use std::sync::Mutex;

pub const NSIG: usize = 64;
const K_SIGACTION: usize = 24;
const SIGSET: u32 = 8;
const SS_AUTODISARM: i32 = 1 << 31;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Action {
    pub handler: u32,
    pub flags: u64,
    pub restorer: u32,
    pub mask: u64,
}

pub struct SignalState {
    pub actions: Mutex<[Action; NSIG]>,
}

impl Default for SignalState {
    fn default() -> Self {
        SignalState {
            actions: Mutex::new([Action::default(); NSIG]),
        }
    }
}

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

/// Signals that can never be caught, blocked or ignored.
const UNBLOCKABLE: u64 = (1 << (libc::SIGKILL - 1)) | (1 << (libc::SIGSTOP - 1));

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
    cx.mem.fill(set.0, 0, size.0 as usize)?;
    Ok(0)
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
    if let Some([sp, flags, size]) = new {
        let flags = flags as i32;
        if flags & !(libc::SS_DISABLE | SS_AUTODISARM) != 0 {
            return Err(EINVAL.into());
        }
        if flags & libc::SS_DISABLE != 0 {
            cx.altstack = (0, libc::SS_DISABLE, 0);
        } else {
            if size < libc::MINSIGSTKSZ as u32 {
                return Err(ENOMEM.into());
            }
            cx.mem.host(sp, size as usize)?;
            cx.altstack = (sp, flags, size);
        }
    }
    if old.0 != 0 {
        cx.mem.write(old.0, [prev.0, prev.1 as u32, prev.2])?;
    }
    Ok(0)
}
