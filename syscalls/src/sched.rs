//! Scheduling: yields, priorities, policies, affinities, CPUs. Every call that names
//! another task goes through a `Target` (checked as signals are); under the sandbox no
//! call raises a priority or picks a real-time class, as for an unprivileged process.

use crate::args::*;
use crate::ctx::{Ctx, SysResult};
use crate::errno::*;

pub fn sched_yield(_cx: &mut Ctx) -> SysResult {
    sys!(SYS_sched_yield)
}

pub fn sched_getaffinity(cx: &mut Ctx, pid: Target, size: Len, mask: Ptr) -> SysResult {
    let b = cx.mem.host_w(mask.0, size.0 as usize)?;
    let pid = pid.task(cx)?;
    sys!(SYS_sched_getaffinity, pid, size.0, b)
}

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
