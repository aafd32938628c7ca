//! Processes: exit, fork, execve, wait. A WALI process is one host process, so these
//! are the kernel's own: `fork` forks the runtime (the child keeps only the calling
//! thread, as on Linux), `execve` of a wasm module re-executes the runtime on it (same
//! pid, descriptors without `O_CLOEXEC` kept), and pids and statuses are the host's.

use crate::args::*;
use crate::ctx::{Ctx, Exit, Stop, SysResult};
use crate::errno::*;
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::sync::atomic::Ordering;

/// Limits on execve's argument and environment vectors (Linux: MAX_ARG_STRINGS).
const MAX_ARGS: usize = 0x7fff_ffff / 4;
const ARG_MAX: usize = 2 << 20;
const RUSAGE: usize = 144;

pub fn exit_group(_cx: &mut Ctx, status: Int) -> SysResult {
    Err(Stop::Exit(Exit::Process(status.0 & 0xff)))
}

pub fn fork(cx: &mut Ctx) -> SysResult {
    let pol = &cx.proc.policy;
    if !pol.fork {
        return Err(crate::policy::denied("fork needs process.fork").into());
    }
    // The process limit counts every live process of this sandbox (shared memory).
    if let (Some(tree), Some(n)) = (TREE.get(), pol.limits.processes) {
        if tree.fetch_add(1, Ordering::SeqCst) >= n {
            tree.fetch_sub(1, Ordering::SeqCst);
            crate::policy::limit_reached(&crate::policy::PROCESS_LIMIT_SAID, || {
                format!("the guest reached its limit of {n} processes (limits.processes); fork answers EAGAIN")
            });
            return Err(EAGAIN.into());
        }
    }
    // SAFETY: fork has no memory preconditions; the child goes on in this thread only,
    // which is the only thread that runs guest code for it.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        if let Some(t) = TREE.get() {
            t.fetch_sub(1, Ordering::SeqCst);
        }
        return Err(Errno::last().into());
    }
    if pid == 0 {
        if TREE.get().is_some() {
            // SAFETY: a plain function pointer; it runs at exit.
            unsafe { libc::atexit(leave_tree) };
        }
        cx.proc.threads.store(1, Ordering::SeqCst);
        // SAFETY: no preconditions.
        cx.tid = unsafe { libc::gettid() };
    }
    Ok(pid as i64)
}

/// The sandbox's live-process count (shared with forked children), set once by the
/// engine layer when the policy limits processes.
pub static TREE: std::sync::OnceLock<&'static std::sync::atomic::AtomicU32> =
    std::sync::OnceLock::new();

extern "C" fn leave_tree() {
    if let Some(t) = TREE.get() {
        t.fetch_sub(1, Ordering::SeqCst);
    }
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

fn is_wasm(path: &CString) -> Result<bool, Errno> {
    use std::io::Read;
    let p = std::path::Path::new(std::ffi::OsStr::from_bytes(path.as_bytes()));
    let mut f = std::fs::File::open(p).map_err(|e| Errno(e.raw_os_error().unwrap_or(libc::EIO)))?;
    let mut magic = [0u8; 4];
    Ok(f.read_exact(&mut magic).is_ok() && magic == *b"\0asm")
}

fn ptrs(v: &[CString]) -> Vec<*const libc::c_char> {
    v.iter()
        .map(|s| s.as_ptr())
        .chain(std::iter::once(std::ptr::null()))
        .collect()
}

pub fn execve(cx: &mut Ctx, path: Path, argv: Ptr, envp: Ptr) -> SysResult {
    let mut file = cx.mem.path(path.0)?;
    if let Some(v) = crate::fs::vfs(cx) {
        file = match v.exec_file(&file) {
            Ok(f) => f,
            // Host programs (granted) are found on the host: /bin/sh for system().
            Err(e) if cx.proc.policy.exec && file.as_bytes().first() == Some(&b'/') => {
                if is_wasm(&file).unwrap_or(true) {
                    return Err(e.into());
                }
                file
            }
            Err(e) => return Err(e.into()),
        };
    }
    let mut total = 0;
    let args = strings(cx, argv.0, &mut total)?;
    let env = strings(cx, envp.0, &mut total)?;
    // Linux checks the file before it replaces the process: report those errors here.
    let c = file.as_ptr();
    // SAFETY: c is a NUL-terminated path.
    if unsafe { libc::access(c, libc::X_OK) } < 0 {
        return Err(Errno::last().into());
    }
    // Linux: only regular files run (a directory is EACCES), before any policy applies.
    if !std::fs::metadata(std::ffi::OsStr::from_bytes(file.as_bytes())).is_ok_and(|m| m.is_file()) {
        return Err(EACCES.into());
    }
    let (prog, full_args, env) = if is_wasm(&file)? {
        // The runtime again, on the module: `<runtime...> --argv0 ARGV0 -- FILE ARGS...`.
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
                let mut f = b"--env=".to_vec();
                f.extend_from_slice(b);
                a.push(CString::new(f).map_err(|_| EINVAL)?);
            }
        }
        if let Some(a0) = args.first() {
            let mut f = b"--argv0=".to_vec();
            f.extend_from_slice(a0.as_bytes());
            a.push(CString::new(f).map_err(|_| EINVAL)?);
        }
        a.push(c"--".into());
        a.push(file.clone());
        a.extend(args.iter().skip(1).cloned());
        (exe.clone(), a, host_env())
    } else {
        if !cx.proc.policy.exec {
            return Err(
                crate::policy::denied("host programs need process.exec / --allow-exec").into(),
            );
        }
        (file.clone(), args, env)
    };
    let (av, ev) = (ptrs(&full_args), ptrs(&env));
    if let Some(t) = &cx.trace {
        t.note(&format!("execve: {}", prog.to_string_lossy()));
    }
    // SAFETY: NULL-terminated arrays of NUL-terminated strings that outlive the call.
    unsafe { libc::execve(prog.as_ptr(), av.as_ptr(), ev.as_ptr()) };
    Err(Errno::last().into())
}

pub fn wait4(cx: &mut Ctx, pid: Pid, status: Ptr, options: Int, rusage: Ptr) -> SysResult {
    let s = cx.mem.host_opt(status.0, 4)?;
    let r = cx.mem.host_opt(rusage.0, RUSAGE)?;
    let Some(tree) = TREE.get() else {
        return sys!(SYS_wait4, pid.0, s, options.0, r);
    };
    // A child killed by a signal never ran its exit hook: count it out here.
    let mut st = 0i32;
    let n = sys!(SYS_wait4, pid.0, &mut st as *mut i32, options.0, r)?;
    if n > 0 && libc::WIFSIGNALED(st) {
        tree.fetch_sub(1, Ordering::SeqCst);
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
    let mut k = [0u64; 16];
    let kp = if info.0 != 0 {
        k.as_mut_ptr()
    } else {
        std::ptr::null_mut()
    };
    let n = sys!(SYS_waitid, idtype.0, id.0, kp, options.0, r)?;
    if info.0 != 0 {
        let sig = (k[0] & 0xffff_ffff) as i32;
        let g = crate::deliver::guest_siginfo(sig, [k[0], k[1], k[2], k[3]]);
        cx.mem.write_bytes(info.0, &g)?;
    }
    Ok(n)
}
