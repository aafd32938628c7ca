//! Processes: exit, fork, execve, wait. A WALI process is one host process, so these
//! are the kernel's own: `fork` forks the runtime (the child keeps only the calling
//! thread, as on Linux), `execve` of a wasm module re-executes the runtime on it (same
//! pid, descriptors without `O_CLOEXEC` kept), and pids and statuses are the host's.

use crate::args::*;
use crate::ctx::{Ctx, Exit, Stop, SysResult};
use crate::errno::*;
use crate::limits;
use crate::runtime_fds::RuntimeFd;
use crate::vfs::{is_wasm, ExecFile};
use std::ffi::CString;
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;
use std::sync::atomic::Ordering;

/// Limits on execve's argument and environment vectors (Linux: MAX_ARG_STRINGS).
const MAX_ARGS: usize = 0x7fff_ffff / 4;
const ARG_MAX: usize = 2 << 20;
const RUSAGE: usize = 144;

pub fn exit_group(_cx: &mut Ctx, status: Int) -> SysResult {
    Err(Stop::Exit(Exit::Process(status.0 & 0xff)))
}

/// Held for reading by the engine layer while it does what takes wasmtime's own global
/// locks outside a syscall (a new thread's store and instance, a finished thread's store
/// being dropped); `fork` holds it for writing, so no other thread is in there when the
/// host forks.
pub static FORK_GATE: std::sync::RwLock<()> = std::sync::RwLock::new(());

/// `fork`, against fork(2)'s list of what the child does not inherit, and every lock the
/// child may touch (it has only this thread: a lock another thread held at the fork would
/// stay taken in the child forever).
///
/// Not inherited, as on Linux:
/// - pending signals: the kernel's sets start empty; the ones the host handler keeps per
///   thread (`deliver.rs`: pending bits, real-time counts, siginfo) are emptied in the
///   child, with every signal blocked from before the fork until then (a signal sent to
///   the new child right away stays pending in the kernel and is delivered after);
/// - `setitimer` itimers, `alarm`, `timer_create` timers, record locks: the kernel's own
///   (the syscalls pass through), so the kernel drops them in the child;
/// - threads: `Process::threads` is 1 again; the tid is the child's;
/// - the process limit's counter (a shared page, `Tree`) counts the child; the child
///   leaves it at exit (the inherited `leave_tree` hook), before it becomes a host
///   program, or its parent's wait4/waitid does for a child killed by a signal;
/// - the `--strace -c` counts start empty (each process prints its own table).
///
/// Inherited on purpose: dispositions, the mask and the alternate stack (per-thread
/// `Ctx`), the handler nesting depth (the child goes on inside the same handler), the
/// sandbox's cwd, its directory-handle cache (the runtime's duplicates of directory
/// descriptors are inherited with the guest's own, so the entries stay right) and unix
/// socket names, and the descriptors the runtime keeps high.
///
/// Locks the child can touch, each taken here in this order around the host fork and
/// released on both sides after it (every other holder holds one at a time, briefly, and
/// may print while holding it: so stderr comes last):
/// `FORK_GATE` (wasmtime's global code and type registries, taken by thread start and
/// end), the signal actions, the address space (`mmap`, `brk`; it is held across the
/// runtime's own `memory.grow`, so wasmtime's memory lock is free too), the directory
/// cookies, the sandbox's cwd, unix names and directory cache, the tracer's output and
/// counts, and Rust's stderr lock (limit notices, trap messages). The host allocator is
/// glibc's malloc, whose `fork` takes and resets its arena locks itself.
/// Not covered: a `memory.grow` instruction the guest runs itself in another thread at
/// the moment of fork (the WALI libc allocates with `brk`/`mmap`, never by that
/// instruction), and the `--limit cpu` watchdog thread, which the child does not have
/// (the kernel's RLIMIT_CPU, inherited, still stops it).
pub fn fork(cx: &mut Ctx) -> SysResult {
    match fork_once(cx) {
        // A host task limit (a pids cgroup, RLIMIT_NPROC) that the OS threads kept for
        // reuse fill: they go, and the fork is tried again, as it would have found them
        // gone without the pool.
        Err(Stop::Errno(EAGAIN)) if cx.proc.spawner.get().is_some_and(|s| s.release_idle() > 0) => {
            fork_once(cx)
        }
        r => r,
    }
}

fn fork_once(cx: &mut Ctx) -> SysResult {
    let pol = &cx.proc.policy;
    if !pol.fork {
        return Err(crate::policy::denied("fork needs process.fork").into());
    }
    // The process limit counts every live process of this sandbox (shared memory).
    pol.limits.fork_start(limits::tree(), &cx.proc.notices)?;
    let proc = cx.proc.clone();
    let mask = crate::deliver::block_all();
    let gate = FORK_GATE.write().unwrap_or_else(|e| e.into_inner());
    let actions = proc
        .signals
        .actions
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let space = proc.space.lock().unwrap_or_else(|e| e.into_inner());
    let cookies = proc.dir_cookies.lock().unwrap_or_else(|e| e.into_inner());
    let vfs = proc.fs().hold();
    let mut trace = proc.tracer.as_ref().map(|t| t.hold());
    let stderr = std::io::stderr().lock();
    // SAFETY: fork has no memory preconditions; the child goes on in this thread only,
    // which is the only thread that runs guest code for it, and no lock it may need is
    // held by another thread (above).
    let pid = unsafe { libc::fork() };
    let err = Errno::last();
    if pid == 0 {
        crate::deliver::forget_pending();
        if let Some(t) = &mut trace {
            t.forked();
        }
    }
    drop((stderr, trace, vfs, cookies, space, actions, gate));
    crate::deliver::set_host_mask(mask);
    if pid < 0 {
        if let Some(t) = limits::tree() {
            t.live.fetch_sub(1, Ordering::SeqCst);
        }
        return Err(err.into());
    }
    if pid == 0 {
        // The exit hook `limits::join_tree` registered is inherited: the child leaves at exit.
        cx.proc.threads.store(1, Ordering::SeqCst);
        // SAFETY: no preconditions.
        cx.tid = unsafe { libc::gettid() };
    }
    Ok(pid as i64)
}

/// The runtime's own environment (the host's, as it started).
fn host_env() -> Vec<CString> {
    std::env::vars_os()
        .filter_map(|(k, v)| {
            let mut kv = k.as_bytes().to_vec();
            kv.push(b'=');
            kv.extend_from_slice(v.as_bytes());
            CString::new(kv).ok()
        })
        .collect()
}

/// A NULL-terminated guest array of string pointers.
fn strings(cx: &Ctx, mut ptr: u32, total: &mut usize) -> Result<Vec<CString>, Errno> {
    let mut out = Vec::new();
    if ptr == 0 {
        return Ok(out);
    }
    loop {
        let p: u32 = cx.mem.read(ptr)?;
        if p == 0 {
            return Ok(out);
        }
        let s = cx.mem.read_cstr(p, ARG_MAX)?;
        *total += s.as_bytes().len() + 1;
        if out.len() >= MAX_ARGS || *total > ARG_MAX {
            return Err(E2BIG);
        }
        out.push(s);
        ptr = ptr.checked_add(4).ok_or(EFAULT)?;
    }
}

/// X_OK on the opened file itself, as execve checks it.
fn executable(fd: &RuntimeFd) -> SysResult {
    // "" with AT_EMPTY_PATH names the descriptor.
    sys!(
        SYS_faccessat2,
        fd.as_raw_fd(),
        c"".as_ptr(),
        libc::X_OK,
        libc::AT_EMPTY_PATH
    )
}

/// Let an exec'd runtime inherit `fd` (cleared close-on-exec; still the runtime's, and
/// closed by its owner if the execve fails).
fn inherit(fd: &RuntimeFd) -> SysResult {
    sys!(SYS_fcntl, fd.as_raw_fd(), libc::F_SETFD, 0)
}

fn ptrs(v: &[CString]) -> Vec<*const libc::c_char> {
    v.iter()
        .map(|s| s.as_ptr())
        .chain(std::iter::once(std::ptr::null()))
        .collect()
}

fn flag(name: &str, value: &[u8]) -> Result<CString, Errno> {
    let mut f = name.as_bytes().to_vec();
    f.extend_from_slice(value);
    CString::new(f).map_err(|_| EINVAL)
}

/// `execve`. The file is resolved and opened once (inside the sandbox when there is
/// one); every check after is made on that descriptor. A WebAssembly module is handed to
/// a new runtime as that descriptor (`--module-fd`, and its manifest's as
/// `--manifest-fd`), which reads it once and accepts only WebAssembly it compiles itself
/// or finds in its own cache by the hash of those bytes: a file the guest swaps after
/// the check is never what runs, and native code (`.cwasm`) never comes from a guest.
/// Other files are host programs, run by path only under `process.exec`.
pub fn execve(cx: &mut Ctx, path: Path, argv: Ptr, envp: Ptr) -> SysResult {
    let file = path.read(cx)?;
    let ExecFile { fd, host, name } = cx.proc.fs().exec_open(&file, cx.proc.policy.exec)?;
    let mut total = 0;
    let args = strings(cx, argv.0, &mut total)?;
    let env = strings(cx, envp.0, &mut total)?;
    // Linux checks the file before it replaces the process: report those errors here.
    executable(&fd)?;
    let mut keep: Vec<RuntimeFd> = Vec::new();
    let wasm = is_wasm(fd.as_raw_fd());
    let (prog, full_args, env) = if wasm {
        // The runtime again, on the module: `<runtime...> --argv0 ARGV0 --module-fd N
        // [--manifest-fd M] -- NAME ARGS...`.
        let rt = &cx.proc.exec_runtime;
        let Some(exe) = rt.first() else {
            return Err(ENOEXEC.into());
        };
        let mut a: Vec<CString> = rt.clone();
        // The guest's environment goes to the new guest as flags; the runtime itself
        // runs with the host's (LD_PRELOAD or WALI_CACHE_DIR from a guest must never
        // reach the host loader or the runtime).
        a.push(c"--env-clear".into());
        for e in &env {
            let b = e.as_bytes();
            if b.iter().position(|&c| c == b'=').is_some_and(|i| i > 0) {
                a.push(flag("--env=", b)?);
            }
        }
        if let Some(a0) = args.first() {
            a.push(flag("--argv0=", a0.as_bytes())?);
        }
        inherit(&fd)?;
        a.push(flag("--module-fd=", fd.as_raw_fd().to_string().as_bytes())?);
        // The manifest beside the module, found as the guest names it, opened the same way.
        let manifest = cx
            .proc
            .fs()
            .exec_open(&file.with_suffix(b".toml"), false)
            .ok()
            .map(|m| m.fd);
        if let Some(m) = manifest {
            inherit(&m)?;
            a.push(flag(
                "--manifest-fd=",
                m.as_raw_fd().to_string().as_bytes(),
            )?);
            keep.push(m);
        }
        a.push(c"--".into());
        a.push(name);
        a.extend(args.iter().skip(1).cloned());
        keep.push(fd);
        (exe.clone(), a, host_env())
    } else {
        if !cx.proc.policy.exec {
            return Err(
                crate::policy::denied("host programs need process.exec / --allow-exec").into(),
            );
        }
        // A host program is the host's (it runs unconfined under process.exec): by its
        // host path, so that scripts find their interpreter.
        drop(fd);
        (host, args, env)
    };
    let (av, ev) = (ptrs(&full_args), ptrs(&env));
    if let Some(t) = &cx.trace {
        t.note(&format!("execve: {}", prog.to_string_lossy()));
    }
    // A host program leaves the sandbox's process count (it never runs the exit hook).
    let left = !wasm && limits::tree().is_some();
    if left {
        limits::leave_tree();
    }
    // SAFETY: NULL-terminated arrays of NUL-terminated strings that outlive the call.
    unsafe { libc::execve(prog.as_ptr(), av.as_ptr(), ev.as_ptr()) };
    let e = Errno::last();
    drop(keep);
    if let (true, Some(t)) = (left, limits::tree()) {
        t.live.fetch_add(1, Ordering::SeqCst);
    }
    Err(e.into())
}

pub fn wait4(cx: &mut Ctx, pid: Pid, status: Ptr, options: Int, rusage: Ptr) -> SysResult {
    let s = cx.mem.host_opt(status.0, 4)?;
    let r = cx.mem.host_opt(rusage.0, RUSAGE)?;
    let Some(tree) = limits::tree() else {
        return sys!(SYS_wait4, pid.0, s, options.0, r);
    };
    // A child killed by a signal never ran its exit hook: count it out here.
    let mut st = 0i32;
    let n = sys!(SYS_wait4, pid.0, &mut st as *mut i32, options.0, r)?;
    if n > 0 && libc::WIFSIGNALED(st) {
        tree.count_out();
    }
    if !s.is_null() {
        cx.mem.write(status.0, st)?;
    }
    Ok(n)
}

/// `siginfo_t` comes back in the guest's layout (union at +12, see deliver.rs).
pub fn waitid(
    cx: &mut Ctx,
    idtype: Int,
    id: Int,
    info: Ptr,
    options: Int,
    rusage: Ptr,
) -> SysResult {
    if info.0 != 0 {
        cx.mem.host(info.0, 128)?;
    }
    let r = cx.mem.host_opt(rusage.0, RUSAGE)?;
    // Always the kernel's siginfo: it says whether a child killed by a signal was reaped.
    let mut k = [0u64; 16];
    let n = sys!(SYS_waitid, idtype.0, id.0, k.as_mut_ptr(), options.0, r)?;
    let code = (k[1] & 0xffff_ffff) as i32;
    if let Some(tree) = limits::tree() {
        if k[0] & 0xffff_ffff == libc::SIGCHLD as u64
            && options.0 & libc::WNOWAIT == 0
            && (code == libc::CLD_KILLED || code == libc::CLD_DUMPED)
        {
            tree.count_out();
        }
    }
    if info.0 != 0 {
        let sig = (k[0] & 0xffff_ffff) as i32;
        let g = crate::deliver::guest_siginfo(sig, [k[0], k[1], k[2], k[3]]);
        cx.mem.write_bytes(info.0, &g)?;
    }
    Ok(n)
}
