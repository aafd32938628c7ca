//! Host state: `Process` is shared by every guest thread; `Ctx` is one thread's store data.

use crate::errno::Errno;
use crate::limits::Notices;
use crate::mem::GuestMem;
use crate::mmap::AddressSpace;
use crate::tracer::Tracer;
use std::ffi::CString;
use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize};
use std::sync::{Arc, Mutex, OnceLock};

// The result types every layer shares live at the bottom, in errno.rs.
pub use crate::errno::{Exit, Stop, SysResult};

/// Starts a guest thread: implemented by the engine layer, which owns modules and stores.
pub trait Spawner: Send + Sync {
    /// Run `__wasm_thread_start_libc(tid, arg)` in a new instance on a new OS thread.
    fn spawn(&self, process: Arc<Process>, arg: u32) -> Result<i32, Errno>;
    /// Let the OS threads kept for reuse go (the host refused a task): how many.
    fn release_idle(&self) -> usize {
        0
    }
}

/// What the engine layer hands the process at start.
pub struct ProcessConfig {
    pub argv: Vec<CString>,
    pub env: Vec<CString>,
    pub tracer: Option<Arc<Tracer>>,
    /// Signals ignored when the process started (they stay ignored, as across execve).
    pub ignored_signals: u64,
    /// The signal mask the main thread starts with (the host's at start-up).
    pub initial_mask: u64,
    /// The command that runs the runtime on a module (`execve` of a `.wasm`), e.g.
    /// `[/proc/self/exe, --strace]`; module path and arguments are appended.
    pub exec_runtime: Vec<CString>,
    /// What the module may do.
    pub policy: crate::policy::Policy,
}

/// Signal numbers 1..=NSIG; dispositions as the guest's libc sets them.
pub const NSIG: usize = 64;
pub const SIG_DFL: u32 = 0;
pub const SIG_IGN: u32 = -2i32 as u32;
/// One signal's disposition, as `rt_sigaction` takes it (`handler`: a table index,
/// `SIG_DFL` or `SIG_IGN`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Action {
    pub handler: u32,
    pub flags: u64,
    pub restorer: u32,
    pub mask: u64,
}

/// The process's signal dispositions, shared by its threads (`rt_sigaction`).
pub struct SignalState {
    pub actions: Mutex<[Action; NSIG]>,
}

impl SignalState {
    /// Dispositions at start: signals the host process ignores stay ignored (as across
    /// execve), the rest default.
    pub fn new(ignored: u64) -> Self {
        let mut a = [Action::default(); NSIG];
        for (i, act) in a.iter_mut().enumerate() {
            if ignored & (1 << i) != 0 {
                act.handler = SIG_IGN;
            }
        }
        SignalState {
            actions: Mutex::new(a),
        }
    }
}

/// One WALI process: state shared by all its threads.
pub struct Process {
    pub argv: Vec<CString>,
    /// The `KEY=VALUE` lines file handed out by `__get_init_envfile`.
    pub env_file: Option<CString>,
    pub mem: GuestMem,
    pub space: Mutex<AddressSpace>,
    pub signals: SignalState,
    pub tracer: Option<Arc<Tracer>>,
    /// Live guest threads; the last `exit` ends the process.
    pub threads: AtomicUsize,
    /// Set once a guest thread changed its own host thread's kernel state (the table's
    /// `pins` calls: credentials, scheduling, affinity, namespaces), which a new thread
    /// inherits from its creator: from then on no OS thread is reused for another guest
    /// thread (the engine layer's pool), each gets a fresh one.
    pub fresh_threads: AtomicBool,
    pub initial_mask: u64,
    pub exec_runtime: Vec<CString>,
    /// Set once by the engine layer, after the module is linked.
    pub spawner: OnceLock<Arc<dyn Spawner>>,
    /// Directory offsets as the guest sees them (see `fs::getdents64`).
    pub dir_cookies: Mutex<DirCookies>,
    pub policy: crate::policy::Policy,
    /// The process group the guest made itself (`setsid`, or `setpgid` making it the
    /// leader of a new group): it holds only the guest and the children the guest put
    /// there, so signals to it stay inside (`reach.rs`). 0: none. Inherited by forked
    /// children (their group is the same), lost across exec (a new runtime).
    pub own_group: AtomicI32,
    /// The limits this process has reported reached (each once).
    pub notices: Arc<Notices>,
    /// The main thread's stack size, when the module's layout gives it (the engine's
    /// stack check): `RLIMIT_STACK` reads no more than it, the most the main thread
    /// can use (its stack is fixed at link time; Linux grows one up to the limit).
    pub main_stack: OnceLock<u64>,
}

/// Host directory offsets (ext4's are 64-bit hashes) stand-ins small enough for wasm32's
/// `long telldir()`: the i-th distinct offset seen is cookie `COOKIE_BASE + i`.
#[derive(Default)]
pub struct DirCookies {
    pub host: Vec<i64>,
    pub index: std::collections::HashMap<i64, u32>,
}

/// Cookies live in [COOKIE_BASE, i32::MAX]: far above any small offset a filesystem
/// hands out as is, and positive as a 32-bit long.
pub const COOKIE_BASE: i64 = 0x4000_0000;

impl DirCookies {
    /// The cookie for host offset `off` (small offsets pass through unchanged).
    pub fn cookie(&mut self, off: i64) -> i64 {
        if (0..COOKIE_BASE).contains(&off) {
            return off;
        }
        if let Some(&i) = self.index.get(&off) {
            return COOKIE_BASE + i as i64;
        }
        let i = self.host.len() as u32;
        if COOKIE_BASE + i as i64 > i32::MAX as i64 {
            return off; // table full: hand out the raw offset
        }
        self.host.push(off);
        self.index.insert(off, i);
        COOKIE_BASE + i as i64
    }

    /// The host offset behind `off`, if `off` is a cookie handed out.
    pub fn host(&self, off: i64) -> Option<i64> {
        let i = usize::try_from(off.checked_sub(COOKIE_BASE)?).ok()?;
        self.host.get(i).copied()
    }
}

impl Process {
    /// The guest's file system: the only way from a guest path to the host
    /// (`crate::vfs`): the sandbox's, or the pass-through under `--allow-all`.
    #[inline(always)]
    pub fn fs(&self) -> &dyn crate::vfs::FileSystem {
        match &self.policy.vfs {
            Some(v) => v.as_ref(),
            None => &crate::vfs::PassThrough,
        }
    }

    pub fn new(cfg: ProcessConfig, mem: GuestMem) -> std::io::Result<Arc<Process>> {
        let env_file = make_env_file(&cfg.env)?;
        let space = AddressSpace::new(
            mem.len() as u64,
            mem.shared()
                .and_then(|m| m.ty().maximum())
                .map_or(0, |p| p * 65536),
        )
        .with_pages(mem.pages().clone());
        Ok(Arc::new(Process {
            argv: cfg.argv,
            env_file,
            mem,
            space: Mutex::new(space),
            signals: SignalState::new(cfg.ignored_signals),
            tracer: cfg.tracer,
            threads: AtomicUsize::new(1),
            fresh_threads: AtomicBool::new(false),
            initial_mask: cfg.initial_mask,
            exec_runtime: cfg.exec_runtime,
            spawner: OnceLock::new(),
            dir_cookies: Mutex::new(DirCookies::default()),
            policy: cfg.policy,
            own_group: AtomicI32::new(0),
            notices: Arc::default(),
            main_stack: OnceLock::new(),
        }))
    }
}

/// Write the environment as `KEY=VALUE` lines into an anonymous file and return the
/// path the guest opens it by. The runtime's own descriptor sits high, away from the
/// numbers a program expects to get from `open`.
fn make_env_file(env: &[CString]) -> std::io::Result<Option<CString>> {
    if env.is_empty() {
        return Ok(None);
    }
    // SAFETY: a valid NUL-terminated name; flags are constants.
    let fd = unsafe {
        libc::memfd_create(
            c"wali-env".as_ptr(),
            libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING,
        )
    };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: fd was just created and is owned here.
    let mut f = unsafe { std::fs::File::from_raw_fd(fd) };
    for kv in env {
        let b = kv.as_bytes();
        // The line format cannot carry a newline inside a value.
        if !b.contains(&b'\n') {
            f.write_all(b)?;
            f.write_all(b"\n")?;
        }
    }
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: valid out-pointer.
    unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) };
    let want = lim.rlim_cur.clamp(64, 4096) as i32 - 1;
    // SAFETY: duplicating an fd we own.
    let high = unsafe { libc::fcntl(f.as_raw_fd(), libc::F_DUPFD_CLOEXEC, want) };
    let keep = if high >= 0 { high } else { f.as_raw_fd() };
    // Read-only from here on, and none of the guest's to touch (runtime_fds): the guest
    // opens its own read-only descriptor on it by path.
    // SAFETY: fcntl on a descriptor we own.
    unsafe {
        libc::fcntl(
            keep,
            libc::F_ADD_SEALS,
            libc::F_SEAL_WRITE | libc::F_SEAL_GROW | libc::F_SEAL_SHRINK | libc::F_SEAL_SEAL,
        )
    };
    crate::runtime_fds::hide(keep);
    if high >= 0 {
        drop(f);
    } else {
        std::mem::forget(f);
    }
    Ok(Some(
        CString::new(format!("/proc/self/fd/{keep}")).expect("no NUL"),
    ))
}

/// Per-thread state, the data of that thread's wasmtime `Store`.
pub struct Ctx {
    pub mem: GuestMem,
    pub proc: Arc<Process>,
    pub tid: i32,
    /// Guest address cleared and futex-woken when this thread exits (`set_tid_address`).
    pub clear_child_tid: u32,
    /// This thread's blocked-signal mask.
    pub sigmask: u64,
    /// `sigaltstack` as the guest set it: (sp, flags, size).
    pub altstack: (u32, i32, u32),
    pub trace: Option<Arc<Tracer>>,
    /// The mask to restore once handlers have run (sigsuspend, ppoll, pselect6).
    pub saved_mask: Option<u64>,
    /// This instance's function table and stack pointer (signal handlers and frames).
    pub table: Option<wasmtime::Table>,
    pub sp: Option<wasmtime::Global>,
    /// The stack check's globals (the engine's rewrite adds them): where this thread's
    /// stack is, and where a frame that overflowed it wanted to go.
    pub stack: Option<StackGlobals>,
}

#[derive(Clone, Copy)]
pub struct StackGlobals {
    /// The running stack's low end, and its size: a frame whose stack pointer is below
    /// `lo` (or above `lo + span`) traps.
    pub lo: wasmtime::Global,
    pub span: wasmtime::Global,
    /// Set to the stack pointer a frame wanted, just before its trap (`u32::MAX`: none).
    pub overflow: wasmtime::Global,
}

impl StackGlobals {
    /// (low end, size) of the stack the checks guard.
    pub fn get(&self, mut store: impl wasmtime::AsContextMut) -> (u32, u32) {
        let v = |g: &wasmtime::Global, s: &mut wasmtime::StoreContextMut<'_, _>| {
            g.get(&mut *s).i32().unwrap_or(0) as u32
        };
        let mut s = store.as_context_mut();
        (v(&self.lo, &mut s), v(&self.span, &mut s))
    }

    pub fn set(&self, mut store: impl wasmtime::AsContextMut, (lo, span): (u32, u32)) {
        let mut s = store.as_context_mut();
        let _ = self.lo.set(&mut s, wasmtime::Val::I32(lo as i32));
        let _ = self.span.set(&mut s, wasmtime::Val::I32(span as i32));
    }

    /// The stack pointer of the frame that overflowed, if one did.
    pub fn overflowed(&self, mut store: impl wasmtime::AsContextMut) -> Option<u32> {
        match self.overflow.get(store.as_context_mut()).i32() {
            Some(-1) | None => None,
            Some(v) => Some(v as u32),
        }
    }
}

impl Ctx {
    /// A thread's state; `sigmask` is its starting mask. A new OS thread inherits its
    /// creator's host mask, the mirror of the creator's guest mask: the engine layer
    /// passes that (`deliver::current_mask`) as the new guest thread's mask.
    pub fn new(proc: Arc<Process>, sigmask: u64) -> Ctx {
        Ctx {
            mem: proc.mem.clone(),
            trace: proc.tracer.clone(),
            // SAFETY: gettid has no preconditions.
            tid: unsafe { libc::gettid() },
            clear_child_tid: 0,
            sigmask,
            altstack: (0, libc::SS_DISABLE, 0),
            saved_mask: None,
            table: None,
            sp: None,
            stack: None,
            proc,
        }
    }
}
