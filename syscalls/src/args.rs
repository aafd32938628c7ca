//! Typed syscall arguments, rustix-style: each kind knows its wasm type and how
//! `--strace` should show it. Handlers receive these, never bare integers.

/// How an argument is decoded for `--strace` and checked by the policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Fd,
    DirFd,
    Path,
    Ptr,
    Buf,
    OutBuf,
    Len,
    Int,
    UInt,
    Off,
    U64,
    Mode,
    Pid,
    Target,
    Sig,
    OpenFlags,
    AtFlags,
    Prot,
    MapFlags,
    SockAddr,
    OutSockAddr,
    EpollEvent,
    OutEpollEvents,
}

/// The wasm value type of an argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WasmTy {
    I32,
    I64,
}

pub trait Arg {
    type Wasm: wasmtime::WasmTy;
    const KIND: Kind;
    const TY: WasmTy;
    fn from_wasm(v: Self::Wasm) -> Self;
    /// Refuse a value no handler may see. Descriptors: the runtime's own numbers are
    /// closed ones to the guest (`runtime_fds`), checked here so no handler can forget.
    #[inline(always)]
    fn check(&self) -> Result<(), crate::errno::Errno> {
        Ok(())
    }
}

macro_rules! arg32 {
    ($($(#[$m:meta])* $name:ident($t:ty) = $kind:ident;)*) => {$(
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct $name(pub $t);
        impl Arg for $name {
            type Wasm = i32;
            const KIND: Kind = Kind::$kind;
            const TY: WasmTy = WasmTy::I32;
            #[inline(always)]
            fn from_wasm(v: i32) -> Self { $name(v as $t) }
        }
    )*};
}

macro_rules! fd_arg {
    ($($(#[$m:meta])* $name:ident;)*) => {$(
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct $name(pub i32);
        impl Arg for $name {
            type Wasm = i32;
            const KIND: Kind = Kind::$name;
            const TY: WasmTy = WasmTy::I32;
            #[inline(always)]
            fn from_wasm(v: i32) -> Self { $name(v) }
            #[inline(always)]
            fn check(&self) -> Result<(), crate::errno::Errno> {
                if crate::runtime_fds::is_runtime(self.0) {
                    std::hint::cold_path();
                    return Err(crate::errno::EBADF);
                }
                Ok(())
            }
        }
    )*};
}

fd_arg! {
    /// A file descriptor.
    Fd;
    /// A directory fd for the `*at` calls; `AT_FDCWD` (-100) allowed.
    DirFd;
}

arg32! {
    /// A guest pointer to a NUL-terminated name that is not a path (`memfd_create`'s):
    /// decoded as a path by `--strace`, never resolved.
    Name(u32) = Path;
    /// A guest pointer (0 is NULL).
    Ptr(u32) = Ptr;
    /// Bytes the call reads; the next argument is their length.
    Buf(u32) = Buf;
    /// Bytes the call fills; the result is their length.
    OutBuf(u32) = OutBuf;
    /// A byte count (`size_t`, 32-bit in the guest).
    Len(u32) = Len;
    /// A plain signed int.
    Int(i32) = Int;
    /// A plain unsigned int.
    UInt(u32) = UInt;
    /// A file mode.
    Mode(u32) = Mode;
    /// A process id the kernel itself confines to the caller's children (wait4).
    Pid(i32) = Pid;
    /// A signal number.
    Sig(i32) = Sig;
    /// `O_*` flags.
    OpenFlags(i32) = OpenFlags;
    /// `AT_*` flags.
    AtFlags(i32) = AtFlags;
    /// `PROT_*` flags.
    Prot(i32) = Prot;
    /// `MAP_*` flags.
    MapFlags(i32) = MapFlags;
    /// A socket address the call reads; the next argument is its length.
    SockAddr(u32) = SockAddr;
    /// A socket address the call fills; the next argument points at its length.
    OutSockAddr(u32) = OutSockAddr;
    /// One `epoll_event` the call reads.
    EpollEvent(u32) = EpollEvent;
    /// `epoll_event`s the call fills; the result is their count.
    OutEpollEvents(u32) = OutEpollEvents;
}

/// A guest pointer to a NUL-terminated path. The pointer is private: a handler gets the
/// path only as an opaque [`GuestPath`](crate::vfs::GuestPath), which only the process's
/// file system (`Process::fs`) can resolve, so no handler reaches the host by a guest path
/// another way:
///
/// ```compile_fail
/// // The guest pointer is not the handler's to read as a string.
/// fn pointer(p: wali_syscalls::args::Path) -> u32 {
///     p.0
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Path(u32);
impl Arg for Path {
    type Wasm = i32;
    const KIND: Kind = Kind::Path;
    const TY: WasmTy = WasmTy::I32;
    #[inline(always)]
    fn from_wasm(v: i32) -> Self {
        Path(v as u32)
    }
}

impl Path {
    /// The path, read from guest memory (`EFAULT`, `ENAMETOOLONG` past PATH_MAX).
    #[inline]
    pub fn read(self, cx: &crate::ctx::Ctx) -> Result<crate::vfs::GuestPath, crate::errno::Errno> {
        crate::vfs::GuestPath::read(&cx.mem, self.0)
    }

    /// A NULL pointer (`utimensat`'s descriptor form).
    pub fn is_null(self) -> bool {
        self.0 == 0
    }
}

/// A 64-bit file offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Off(pub i64);
impl Arg for Off {
    type Wasm = i64;
    const KIND: Kind = Kind::Off;
    const TY: WasmTy = WasmTy::I64;
    #[inline(always)]
    fn from_wasm(v: i64) -> Self {
        Off(v)
    }
}

/// A 64-bit unsigned value (`unsigned long` in the ABI).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct U64(pub u64);
impl Arg for U64 {
    type Wasm = i64;
    const KIND: Kind = Kind::U64;
    const TY: WasmTy = WasmTy::I64;
    #[inline(always)]
    fn from_wasm(v: i64) -> Self {
        U64(v as u64)
    }
}

/// A process, thread or process group the call acts on (signals it, reschedules it,
/// renices it, reads or sets its limits or its group): `kill`, `tgkill`, `sched_*`,
/// `setpriority`, `prlimit64`, `setpgid`... The number is private: a handler gets it only
/// through one of the methods below, each of which applies the policy's check on whom
/// the guest may reach (`crate::reach::may_signal`: without `process.signals`, itself,
/// its threads, its children and the process groups it made). So every table line with
/// a `Target` goes through the check; `tests` check every pid-like argument is one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Target(i32);
impl Arg for Target {
    type Wasm = i32;
    const KIND: Kind = Kind::Target;
    const TY: WasmTy = WasmTy::I32;
    #[inline(always)]
    fn from_wasm(v: i32) -> Self {
        Target(v)
    }
}

impl Target {
    /// `kill`'s reading: > 0 a process, 0 the caller's group, -1 every process, < -1 a
    /// group.
    pub fn signal(self, cx: &crate::ctx::Ctx) -> Result<i32, crate::errno::Errno> {
        crate::reach::may_signal(cx, self.0).map(|()| self.0)
    }

    /// A thread group named by a positive pid (`tgkill`, `rt_*sigqueueinfo`): checked as
    /// `kill` checks a process. 0 and negative numbers name no group there (the kernel
    /// answers `EINVAL`/`ESRCH`): checked as "every process".
    pub fn process(self, cx: &crate::ctx::Ctx) -> Result<i32, crate::errno::Errno> {
        crate::reach::may_signal(cx, if self.0 > 0 { self.0 } else { -1 }).map(|()| self.0)
    }

    /// A process or one of the caller's threads; 0 is the caller (`sched_*`,
    /// `getpgid`, `setpriority(PRIO_PROCESS)`). A negative number names nothing here
    /// (the kernel answers it).
    pub fn task(self, cx: &crate::ctx::Ctx) -> Result<i32, crate::errno::Errno> {
        crate::reach::may_touch(cx, self.0).map(|()| self.0)
    }

    /// `setpgid`'s group for the process `pid` (already checked): 0 or `pid` itself
    /// (or the caller's pid, for `pid` 0) makes a new group led by that process; any
    /// other positive number joins an existing group, checked as `kill(-pgid)`.
    pub fn group_for(self, cx: &crate::ctx::Ctx, pid: i32) -> Result<i32, crate::errno::Errno> {
        // SAFETY: getpid has no preconditions.
        let leader = if pid == 0 {
            unsafe { libc::getpid() }
        } else {
            pid
        };
        match self.0 {
            g if g == 0 || g == leader || g < 0 => Ok(g),
            g => crate::reach::may_signal(cx, -g).map(|()| g),
        }
    }

    /// `getpriority`/`setpriority`'s `who`, read by `which`: a process (as `task`), a
    /// process group (0 the caller's, as `kill(0)`) or a user (every process of a uid:
    /// only with `process.signals`).
    pub fn prio(self, cx: &crate::ctx::Ctx, which: i32) -> Result<i32, crate::errno::Errno> {
        match which as u32 {
            libc::PRIO_PROCESS => self.task(cx),
            libc::PRIO_PGRP => {
                crate::reach::may_signal(cx, if self.0 > 0 { -self.0 } else { 0 }).map(|()| self.0)
            }
            libc::PRIO_USER => crate::reach::may_signal(cx, -1).map(|()| self.0),
            _ => Ok(self.0),
        }
    }

    /// The caller only (`prlimit64`: 0 or its own pid), even with `process.signals`
    /// (the limits are the policy's). Another process is `EPERM`, a missing one `ESRCH`
    /// (as Linux answers).
    pub fn own(self) -> Result<i32, crate::errno::Errno> {
        // SAFETY: getpid has no preconditions.
        let me = unsafe { libc::getpid() };
        if self.0 == 0 || self.0 == me {
            Ok(self.0)
        } else if self.0 > 0 && crate::reach::exists(self.0) {
            Err(crate::policy::denied(
                "prlimit64 reaches only the calling process",
            ))
        } else {
            Err(crate::errno::ESRCH)
        }
    }

    /// A thread the kernel looks up inside a thread group the caller already checked
    /// (`tgkill`'s and `rt_tgsigqueueinfo`'s tid, after their tgid): no check of its own.
    pub fn member_of(self, _checked_tgid: i32) -> i32 {
        self.0
    }

    /// `tkill`'s tid: a thread of the caller, or (with `process.signals`) any thread.
    /// Returns the `tgkill` pair that names it, so the kernel checks the thread group.
    pub fn thread(self, cx: &crate::ctx::Ctx) -> Result<(i32, i32), crate::errno::Errno> {
        crate::reach::thread_target(cx, self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Kind;

    /// Every argument that names a process, thread or group is a `Target` (so its
    /// handler reaches the number only through the check), but for the wait calls,
    /// where the kernel itself looks only at the caller's children.
    #[test]
    fn every_pid_argument_is_checked() {
        const PID_LIKE: &[&str] = &["pid", "tid", "tgid", "pgid", "who", "id"];
        const CHILDREN_ONLY: &[(&str, &str)] = &[("wait4", "pid"), ("waitid", "id")];
        // Named like a pid, but not one: RUSAGE_SELF/CHILDREN/THREAD.
        const NOT_A_PID: &[(&str, &str)] = &[("getrusage", "who")];
        let mut targets = 0;
        for sc in crate::syscalls::SYSCALLS {
            for p in sc.params {
                let exempt = CHILDREN_ONLY.contains(&(sc.name, p.name));
                let not_pid = NOT_A_PID.contains(&(sc.name, p.name));
                if PID_LIKE.contains(&p.name) && !exempt && !not_pid {
                    assert_eq!(
                        p.kind,
                        Kind::Target,
                        "{}({}) must be a Target",
                        sc.name,
                        p.name
                    );
                }
                if p.kind == Kind::Pid {
                    assert!(
                        exempt,
                        "{}({}) is a Pid: only the wait calls",
                        sc.name, p.name
                    );
                }
                targets += (p.kind == Kind::Target) as usize;
            }
        }
        // kill tkill tgkill(2) rt_sigqueueinfo rt_tgsigqueueinfo(2) setpgid(2) getpgid
        // getsid prlimit64 sched_*(7) getpriority setpriority
        assert!(targets >= 20, "{targets}");
    }
}
