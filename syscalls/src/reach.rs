//! Whom the guest may reach: the one check of a signal's (or a priority's, a
//! scheduling change's, a descriptor owner's) target, without `process.signals` only
//! the guest itself, its threads, its children and the process groups it made. The
//! argument types (`args::Target`) call it, so it sits below the handlers.

use crate::ctx::Ctx;
use crate::errno::{Errno, EINVAL, ESRCH};
use std::sync::atomic::Ordering;

fn getpid() -> i32 {
    // SAFETY: no preconditions.
    unsafe { libc::getpid() }
}

fn getpgrp() -> i32 {
    // SAFETY: no preconditions.
    unsafe { libc::getpgrp() }
}

/// After a successful `setsid` (its answer, the new session and group) or `setpgid`:
/// note a group the guest has just made and leads.
pub(crate) fn made_group(cx: &Ctx, before: i32) {
    let (me, now) = (getpid(), getpgrp());
    if now == me && before != me {
        cx.proc.own_group.store(me, Ordering::Relaxed);
    }
}

/// The process group the caller is in (for `made_group`'s "before").
pub(crate) fn current_group() -> i32 {
    getpgrp()
}

/// A group the guest may signal without `process.signals`: one it made (and still is
/// in, or leads), or one led by its child (which the child or the guest made: a
/// foreign process joins a group only by its own `setpgid`).
fn own_group(cx: &Ctx, g: i32) -> bool {
    let me = getpid();
    let made = cx.proc.own_group.load(Ordering::Relaxed);
    (made != 0 && g == made && (getpgrp() == g || g == me)) || (g != me && parent_of(g) == Some(me))
}

/// Without `process.signals`, a guest signals (or renices, reschedules, names as an
/// owner of its descriptors) only itself, its children and the process groups it made.
/// `pid` is read as `kill` reads it: > 0 a process, 0 the caller's group, -1 every
/// process, < -1 the group -pid. The one check for every target (see `args::Target`).
pub(crate) fn may_signal(cx: &Ctx, pid: i32) -> Result<(), Errno> {
    if cx.proc.policy.signals {
        return Ok(());
    }
    let me = getpid();
    let ok = match pid {
        p if p == me => true,
        p if p > 0 => match parent_of(p) {
            Some(parent) => parent == me,
            // As Linux answers a process that is not there.
            None => return Err(ESRCH),
        },
        0 => own_group(cx, getpgrp()),
        -1 | i32::MIN => false,
        p => own_group(cx, -p),
    };
    if ok {
        Ok(())
    } else {
        Err(crate::policy::denied(
            "signals outside the process need process.signals / --allow-signals",
        ))
    }
}

/// Scheduling, priority and group changes (and reads) reach only this process, its
/// threads and its children unless the policy grants `process.signals`. 0 is the caller;
/// negative numbers name nothing (the kernel answers them).
pub(crate) fn may_touch(cx: &Ctx, pid: i32) -> Result<(), Errno> {
    if pid <= 0 || cx.proc.policy.signals || own_thread(pid) {
        return Ok(());
    }
    may_signal(cx, pid)
}

fn own_thread(tid: i32) -> bool {
    tid > 0 && std::path::Path::new(&format!("/proc/self/task/{tid}")).exists()
}

/// `tkill`'s target as a `tgkill` pair (`(0, tid)`: plain `tkill`, with
/// `process.signals`): the caller's own thread, or a child's main thread; anything
/// else is looked up in the caller's own thread group, where the kernel finds nothing.
pub(crate) fn thread_target(cx: &Ctx, tid: i32) -> Result<(i32, i32), Errno> {
    if cx.proc.policy.signals {
        return Ok((0, tid));
    }
    let me = getpid();
    if tid > 0 && tid != me && !own_thread(tid) && parent_of(tid) == Some(me) {
        return Ok((tid, tid));
    }
    Ok((me, tid))
}

/// `F_OWNER_*` of `struct f_owner_ex`.
pub const F_OWNER_TID: i32 = 0;
pub const F_OWNER_PID: i32 = 1;
pub const F_OWNER_PGRP: i32 = 2;

/// An owner of a descriptor (`F_SETOWN`, `F_SETOWN_EX`, `FIOSETOWN`, `SIOCSPGRP`): the
/// kernel signals it on I/O (`O_ASYNC`, `SIGIO` or `F_SETSIG`'s signal), on urgent data
/// (`SIGURG`), on lease breaks and directory notifications, with the permission of the
/// process that set it. So it is checked as `kill` is: 0 (no owner), the guest itself
/// or its threads, its children, a group it made.
pub(crate) fn may_own(cx: &Ctx, kind: i32, id: i32) -> Result<(), Errno> {
    if id == 0 {
        return Ok(());
    }
    match kind {
        F_OWNER_TID if own_thread(id) => Ok(()),
        F_OWNER_TID | F_OWNER_PID => may_signal(cx, if id > 0 { id } else { -1 }),
        F_OWNER_PGRP => may_signal(cx, if id > 0 { -id } else { -1 }),
        _ => Err(EINVAL),
    }
}

/// `F_SETOWN`'s and `FIOSETOWN`'s integer: > 0 a process, < 0 a process group.
pub(crate) fn may_own_int(cx: &Ctx, owner: i32) -> Result<(), Errno> {
    match owner {
        0 => Ok(()),
        o if o > 0 => may_own(cx, F_OWNER_PID, o),
        i32::MIN => may_signal(cx, -1),
        o => may_own(cx, F_OWNER_PGRP, -o),
    }
}

/// Is there a process (or thread) `pid`?
pub(crate) fn exists(pid: i32) -> bool {
    pid > 0 && std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// The parent of `pid`, from /proc.
fn parent_of(pid: i32) -> Option<i32> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
    let rest = &s[s.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ctx::{Process, ProcessConfig};
    use crate::errno::EPERM;
    use crate::policy::Policy;
    use std::sync::Arc;

    /// A thread of a process with no memory, under `policy`.
    fn cx(signals: bool) -> Ctx {
        let mut policy = Policy::allow_all();
        policy.signals = signals;
        let proc = Process::new(
            ProcessConfig {
                argv: Vec::new(),
                env: Vec::new(),
                tracer: None,
                ignored_signals: 0,
                initial_mask: 0,
                exec_runtime: Vec::new(),
                policy,
            },
            crate::mem::GuestMem::none(),
        )
        .expect("a process");
        Ctx::new(Arc::clone(&proc), 0)
    }

    #[test]
    fn without_process_signals_only_itself_and_its_children() {
        let cx = cx(false);
        let me = getpid();
        assert_eq!(may_signal(&cx, me), Ok(()));
        // A child of this (test) process.
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .expect("a child");
        assert_eq!(may_signal(&cx, child.id() as i32), Ok(()));
        let _ = child.kill();
        let _ = child.wait();
        // Init is no child of ours; -1 is everyone; a pid that is not there is ESRCH.
        assert_eq!(may_signal(&cx, 1), Err(EPERM));
        assert_eq!(may_signal(&cx, -1), Err(EPERM));
        assert_eq!(may_signal(&cx, i32::MAX), Err(ESRCH));
        // Scheduling and priority calls: the caller (0) and its own threads too.
        assert_eq!(may_touch(&cx, 0), Ok(()));
        // SAFETY: no preconditions.
        let tid = unsafe { libc::gettid() };
        assert_eq!(may_touch(&cx, tid), Ok(()));
        assert_eq!(may_touch(&cx, 1), Err(EPERM));
        // Descriptor owners: none (0) is fine, a foreign process is not, a bad kind is EINVAL.
        assert_eq!(may_own(&cx, F_OWNER_PID, 0), Ok(()));
        assert_eq!(may_own(&cx, F_OWNER_PID, 1), Err(EPERM));
        assert_eq!(may_own(&cx, 7, 1), Err(EINVAL));
        assert_eq!(may_own_int(&cx, me), Ok(()));
        // tkill of a foreign tid stays in the caller's own thread group.
        assert_eq!(thread_target(&cx, 1), Ok((me, 1)));
    }

    #[test]
    fn the_group_it_made_is_per_process_state() {
        let cx = cx(false);
        let g = getpgrp();
        // This test process did not make its group (unless it leads it already).
        if g != getpid() {
            assert_eq!(may_signal(&cx, -g), Err(EPERM));
            assert_eq!(may_signal(&cx, 0), Err(EPERM));
        }
        // As if setsid/setpgid had made it: the process's own_group, no global.
        cx.proc.own_group.store(g, Ordering::Relaxed);
        assert_eq!(may_signal(&cx, -g), Ok(()));
        assert_eq!(may_signal(&cx, 0), Ok(()));
        // Another process of the same host process starts with none.
        let other = self::cx(false);
        assert_eq!(other.proc.own_group.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn with_process_signals_anyone() {
        let cx = cx(true);
        assert_eq!(may_signal(&cx, 1), Ok(()));
        assert_eq!(may_signal(&cx, -1), Ok(()));
        assert_eq!(thread_target(&cx, 1), Ok((0, 1)));
    }
}
