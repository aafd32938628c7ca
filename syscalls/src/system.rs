//! Identity, limits and machine information: the kernel's answers, passed through.

use crate::args::*;
use crate::ctx::{Ctx, SysResult};
use crate::errno::*;

const UTSNAME_SIZE: usize = 390;
/// The kernel writes 144 bytes of `struct rusage`; the ABI's is 272 (reserved tail).
const RUSAGE_KERNEL: usize = 144;
/// The kernel writes 112 bytes of `struct sysinfo`; the ABI's is 368.
const SYSINFO_KERNEL: usize = 112;
const RLIMIT_SIZE: usize = 16;

pub fn sched_yield(_cx: &mut Ctx) -> SysResult {
    sys!(SYS_sched_yield)
}
pub fn getpid(_cx: &mut Ctx) -> SysResult {
    sys!(SYS_getpid)
}
pub fn getppid(_cx: &mut Ctx) -> SysResult {
    sys!(SYS_getppid)
}
pub fn gettid(cx: &mut Ctx) -> SysResult {
    Ok(cx.tid as i64)
}
pub fn getuid(_cx: &mut Ctx) -> SysResult {
    sys!(SYS_getuid)
}
pub fn geteuid(_cx: &mut Ctx) -> SysResult {
    sys!(SYS_geteuid)
}
pub fn getgid(_cx: &mut Ctx) -> SysResult {
    sys!(SYS_getgid)
}
pub fn getegid(_cx: &mut Ctx) -> SysResult {
    sys!(SYS_getegid)
}
pub fn setuid(_cx: &mut Ctx, id: UInt) -> SysResult {
    sys!(SYS_setuid, id.0)
}
pub fn setgid(_cx: &mut Ctx, id: UInt) -> SysResult {
    sys!(SYS_setgid, id.0)
}
pub fn setreuid(_cx: &mut Ctx, r: UInt, e: UInt) -> SysResult {
    sys!(SYS_setreuid, r.0, e.0)
}
pub fn setregid(_cx: &mut Ctx, r: UInt, e: UInt) -> SysResult {
    sys!(SYS_setregid, r.0, e.0)
}
pub fn setresuid(_cx: &mut Ctx, r: UInt, e: UInt, s: UInt) -> SysResult {
    sys!(SYS_setresuid, r.0, e.0, s.0)
}
pub fn setresgid(_cx: &mut Ctx, r: UInt, e: UInt, s: UInt) -> SysResult {
    sys!(SYS_setresgid, r.0, e.0, s.0)
}
pub fn setpgid(cx: &mut Ctx, pid: Target, pgid: Target) -> SysResult {
    let pid = pid.task(cx)?;
    let pgid = pgid.group_for(cx, pid)?;
    let before = crate::reach::current_group();
    let r = sys!(SYS_setpgid, pid, pgid)?;
    crate::reach::made_group(cx, before);
    Ok(r)
}
pub fn getpgid(cx: &mut Ctx, pid: Target) -> SysResult {
    let pid = pid.task(cx)?;
    sys!(SYS_getpgid, pid)
}
pub fn getsid(cx: &mut Ctx, pid: Target) -> SysResult {
    let pid = pid.task(cx)?;
    sys!(SYS_getsid, pid)
}
pub fn setsid(cx: &mut Ctx) -> SysResult {
    let before = crate::reach::current_group();
    let r = sys!(SYS_setsid)?;
    crate::reach::made_group(cx, before);
    Ok(r)
}

pub fn getgroups(cx: &mut Ctx, size: Int, list: Ptr) -> SysResult {
    if size.0 < 0 {
        return Err(EINVAL.into());
    }
    let p = if size.0 == 0 {
        std::ptr::null_mut()
    } else {
        cx.mem.host(list.0, size.0 as usize * 4)?
    };
    sys!(SYS_getgroups, size.0, p)
}

pub fn setgroups(cx: &mut Ctx, size: Int, list: Ptr) -> SysResult {
    if !(0..=65536).contains(&size.0) {
        return Err(EINVAL.into());
    }
    let p = cx.mem.host(list.0, size.0 as usize * 4)?;
    sys!(SYS_setgroups, size.0, p)
}

pub fn uname(cx: &mut Ctx, buf: Ptr) -> SysResult {
    let b = cx.mem.host_w(buf.0, UTSNAME_SIZE)?;
    sys!(SYS_uname, b)
}

pub fn getrusage(cx: &mut Ctx, who: Int, usage: Ptr) -> SysResult {
    let b = cx.mem.host_w(usage.0, RUSAGE_KERNEL)?;
    sys!(SYS_getrusage, who.0, b)
}

pub fn sysinfo(cx: &mut Ctx, info: Ptr) -> SysResult {
    let b = cx.mem.host_w(info.0, SYSINFO_KERNEL)?;
    sys!(SYS_sysinfo, b)
}

pub fn getrlimit(cx: &mut Ctx, res: Int, rlim: Ptr) -> SysResult {
    let b = cx.mem.host_w(rlim.0, RLIMIT_SIZE)?;
    sys!(SYS_getrlimit, res.0, b)
}

pub fn setrlimit(cx: &mut Ctx, res: Int, rlim: Ptr) -> SysResult {
    cx.mem.host(rlim.0, RLIMIT_SIZE)?;
    let new: [u64; 2] = cx.mem.read(rlim.0)?;
    within_limits(cx, res.0, Some(new))?;
    sys!(SYS_setrlimit, res.0, new.as_ptr())
}

/// The policy's fd and CPU limits are rlimits the guest may lower, never raise. The
/// value checked is a copy, and the copy is what the kernel gets: another thread cannot
/// change the guest's struct between the check and the call (where the runtime holds
/// CAP_SYS_RESOURCE, as root on most hosts, the kernel would not stop the raise).
fn within_limits(cx: &Ctx, res: i32, new: Option<[u64; 2]>) -> Result<(), Errno> {
    let l = &cx.proc.policy.limits;
    let cap = match res as u32 {
        libc::RLIMIT_NOFILE => l.fds,
        libc::RLIMIT_CPU => l.cpu,
        _ => None,
    };
    if let (Some(cap), Some([cur, max])) = (cap, new) {
        if cur > cap || max > cap {
            return Err(crate::policy::denied("the policy's limits cap this rlimit"));
        }
    }
    Ok(())
}

pub fn prlimit64(cx: &mut Ctx, pid: Target, res: Int, new: Ptr, old: Ptr) -> SysResult {
    // Only this process: other pids are outside the sandbox (even with process.signals:
    // the limits are the policy's).
    pid.own()?;
    cx.mem.host_opt(new.0, RLIMIT_SIZE)?;
    let o = cx.mem.host_opt_w(old.0, RLIMIT_SIZE)?;
    let copy: Option<[u64; 2]> = if new.0 == 0 {
        None
    } else {
        Some(cx.mem.read(new.0)?)
    };
    within_limits(cx, res.0, copy)?;
    let n = copy.as_ref().map_or(std::ptr::null(), |c| c.as_ptr());
    sys!(SYS_prlimit64, 0, res.0, n, o)
}

pub fn getrandom(cx: &mut Ctx, buf: OutBuf, len: Len, flags: UInt) -> SysResult {
    let b = cx.mem.host_w(buf.0, len.0 as usize)?;
    sys!(SYS_getrandom, b, len.0, flags.0)
}

pub fn sched_getaffinity(cx: &mut Ctx, pid: Target, size: Len, mask: Ptr) -> SysResult {
    let b = cx.mem.host_w(mask.0, size.0 as usize)?;
    let pid = pid.task(cx)?;
    sys!(SYS_sched_getaffinity, pid, size.0, b)
}

pub fn set_tid_address(cx: &mut Ctx, tidptr: Ptr) -> SysResult {
    cx.clear_child_tid = tidptr.0;
    Ok(cx.tid as i64)
}

pub fn prctl(cx: &mut Ctx, option: Int, a2: U64, _a3: U64, _a4: U64, _a5: U64) -> SysResult {
    match option.0 {
        libc::PR_SET_NAME | libc::PR_GET_NAME => {
            // The name is at most 16 bytes; read or write exactly that.
            let p = cx.mem.host(a2.0 as u32, 16)?;
            sys!(SYS_prctl, option.0, p, 0, 0, 0)
        }
        // Flags of this process alone, with no pointer arguments.
        libc::PR_GET_DUMPABLE
        | libc::PR_SET_DUMPABLE
        | libc::PR_GET_NO_NEW_PRIVS
        | libc::PR_SET_NO_NEW_PRIVS
        | libc::PR_GET_TIMERSLACK
        | libc::PR_SET_TIMERSLACK
        | libc::PR_GET_KEEPCAPS
        | libc::PR_SET_PDEATHSIG => sys!(SYS_prctl, option.0, a2.0, 0, 0, 0),
        libc::PR_GET_PDEATHSIG => {
            let p = cx.mem.host(a2.0 as u32, 4)?;
            sys!(SYS_prctl, option.0, p, 0, 0, 0)
        }
        _ => Err(EINVAL.into()),
    }
}
