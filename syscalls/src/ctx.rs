//! Host state: `Process` is shared by every guest thread; `Ctx` is one thread's store data.

use crate::errno::Errno;
use crate::mem::GuestMem;
use crate::mmap::AddressSpace;
use crate::signal::SignalState;
use crate::trace::Tracer;
use std::ffi::CString;
use std::fmt;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex, OnceLock};

/// Why guest code stopped running: carried through wasmtime as the error of a host call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// `exit_group`, `__proc_exit`, or `exit` from the last thread: the process ends.
    Process(i32),
    /// `exit` from one thread of several: only that thread ends.
    Thread(i32),
}

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Exit::Process(c) => write!(f, "process exit with status {c}"),
            Exit::Thread(c) => write!(f, "thread exit with status {c}"),
        }
    }
}
impl std::error::Error for Exit {}

/// What a handler can answer besides a value: an errno, or the end of the guest.
#[derive(Debug)]
pub enum Stop {
    Errno(Errno),
    Exit(Exit),
}

impl From<Errno> for Stop {
    #[inline]
    fn from(e: Errno) -> Self {
        Stop::Errno(e)
    }
}

pub type SysResult = Result<i64, Stop>;

/// Starts a guest thread: implemented by the engine layer, which owns modules and stores.
pub trait Spawner: Send + Sync {
    /// Run `__wasm_thread_start_libc(tid, arg)` in a new instance on a new OS thread.
    fn spawn(&self, process: Arc<Process>, arg: u32) -> Result<i32, Errno>;
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
    pub initial_mask: u64,
    pub exec_runtime: Vec<CString>,
    /// Set once by the engine layer, after the module is linked.
    pub spawner: OnceLock<Arc<dyn Spawner>>,
    /// Directory offsets as the guest sees them (see `fs::getdents64`).
    pub dir_cookies: Mutex<DirCookies>,
    pub policy: crate::policy::Policy,
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
        let env_file = crate::aux::make_env_file(&cfg.env)?;
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
            initial_mask: cfg.initial_mask,
            exec_runtime: cfg.exec_runtime,
            spawner: OnceLock::new(),
            dir_cookies: Mutex::new(DirCookies::default()),
            policy: cfg.policy,
        }))
    }
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
}

impl Ctx {
    pub fn new(proc: Arc<Process>) -> Ctx {
        Ctx {
            mem: proc.mem.clone(),
            trace: proc.tracer.clone(),
            // SAFETY: gettid has no preconditions.
            tid: unsafe { libc::gettid() },
            clear_child_tid: 0,
            // A new OS thread inherits its creator's host mask, the mirror of the
            // creator's guest mask: that is the new guest thread's mask.
            sigmask: crate::deliver::current_mask(),
            altstack: (0, libc::SS_DISABLE, 0),
            saved_mask: None,
            table: None,
            sp: None,
            proc,
        }
    }
}
