//! Identity (ids, capabilities, personality, namespaces), limits and machine
//! information: the kernel's answers, passed through, but what the sandbox refuses.

use crate::args::*;
use crate::ctx::{Ctx, SysResult};
use crate::errno::*;

const UTSNAME_SIZE: usize = 390;
/// The kernel writes 144 bytes of `struct rusage`; the ABI's is 272 (reserved tail).
const RUSAGE_KERNEL: usize = 144;
/// The kernel writes 112 bytes of `struct sysinfo`; the ABI's is 368.
const SYSINFO_KERNEL: usize = 112;
const RLIMIT_SIZE: usize = 16;

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
    let r = sys!(SYS_getrlimit, res.0, b)?;
    stack_rlimit(cx, res.0, rlim.0);
    Ok(r)
}

/// `RLIMIT_STACK` as read: its soft limit no more than the main thread's stack, which
/// is fixed when the module is linked (Linux grows the stack up to the limit, so a
/// program may size its recursion by it; the host's 8 MiB or `unlimited` would promise
/// what the guest does not have). The hard limit stays the host's.
fn stack_rlimit(cx: &Ctx, res: i32, at: u32) {
    let Some(&size) = cx.proc.main_stack.get() else {
        return;
    };
    if res as u32 != libc::RLIMIT_STACK || at == 0 {
        return;
    }
    if let Ok(cur) = cx.mem.read::<u64>(at) {
        if cur > size {
            let _ = cx.mem.write(at, size);
        }
    }
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
    let r = sys!(SYS_prlimit64, 0, res.0, n, o)?;
    stack_rlimit(cx, res.0, old.0);
    Ok(r)
}

pub fn getrandom(cx: &mut Ctx, buf: OutBuf, len: Len, flags: UInt) -> SysResult {
    let b = cx.mem.host_w(buf.0, len.0 as usize)?;
    sys!(SYS_getrandom, b, len.0, flags.0)
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
        // Settings of the calling thread that a new thread inherits from its creator:
        // no OS thread is reused from now on (see `Process::fresh_threads`).
        libc::PR_SET_NO_NEW_PRIVS | libc::PR_SET_TIMERSLACK | libc::PR_SET_PDEATHSIG => {
            cx.proc
                .fresh_threads
                .store(true, std::sync::atomic::Ordering::SeqCst);
            sys!(SYS_prctl, option.0, a2.0, 0, 0, 0)
        }
        libc::PR_GET_DUMPABLE
        | libc::PR_SET_DUMPABLE
        | libc::PR_GET_NO_NEW_PRIVS
        | libc::PR_GET_TIMERSLACK
        | libc::PR_GET_KEEPCAPS => sys!(SYS_prctl, option.0, a2.0, 0, 0, 0),
        libc::PR_GET_PDEATHSIG => {
            let p = cx.mem.host(a2.0 as u32, 4)?;
            sys!(SYS_prctl, option.0, p, 0, 0, 0)
        }
        _ => Err(EINVAL.into()),
    }
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
