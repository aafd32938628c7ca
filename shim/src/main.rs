//! containerd-shim-wali-v1: the containerd runtime `io.containerd.wali.v1`.
//!
//! runwasi's containerd-shim-wasm does the containerd side (the shim protocol, the OCI
//! bundle, the image's wasm layers) and builds the container with libcontainer: its
//! namespaces, mounts, cgroup and rlimits are set up as for any OCI container. In the
//! container's first process, after the pivot into its rootfs, `run_wasi` turns what
//! the container has into wali-run's flags and runs the `wali-run` command line itself
//! (the library's `cli_main`): one runtime, the same sandbox.

mod policy;

use anyhow::{bail, Context, Result};
use containerd_shim_wasm::sandbox::context::{RuntimeContext, Source};
use containerd_shim_wasm::sandbox::Sandbox;
use containerd_shim_wasm::shim::{Cli, Config, Shim, Version};
use std::ffi::OsString;
use std::os::fd::{AsRawFd, FromRawFd, IntoRawFd, OwnedFd};
use std::sync::OnceLock;

struct WaliShim;

#[derive(Default)]
struct WaliSandbox;

impl Shim for WaliShim {
    type Sandbox = WaliSandbox;

    fn name() -> &'static str {
        "wali"
    }

    fn version() -> Version {
        containerd_shim_wasm::shim::version!()
    }
}

/// The host's compiled-module cache, opened by the shim before any container exists.
/// A container's first process is cloned from the shim (it inherits this descriptor;
/// libcontainer only marks it close-on-exec, and the wasm run never execs), so after
/// the pivot the run still reaches the host cache through `/proc/self/fd/N`: a module
/// compiled for one pod is loaded, not compiled, by every later pod on the node.
static CACHE: OnceLock<Option<OwnedFd>> = OnceLock::new();

/// The host's cgroup file system, opened the same way: a container may have none
/// mounted (ctr's default spec), and its limits are read from here then. Pid 1 (the
/// small init below) keeps it; the runtime's child closes it with the shim's others.
static CGROUP: OnceLock<Option<OwnedFd>> = OnceLock::new();

fn open_cache() -> Option<OwnedFd> {
    let dir = std::env::var_os("WALI_CACHE_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| "/var/cache/wali-run".into());
    std::fs::create_dir_all(&dir).ok()?;
    open_dir(&dir)
}

fn open_dir(dir: &std::path::Path) -> Option<OwnedFd> {
    let c = std::ffi::CString::new(std::os::unix::ffi::OsStrExt::as_bytes(dir.as_os_str())).ok()?;
    // SAFETY: a NUL-terminated path; the descriptor is owned from here on.
    let fd = unsafe {
        libc::open(
            c.as_ptr(),
            libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC,
        )
    };
    // SAFETY: a fresh descriptor of ours.
    (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd) })
}

/// A file the runtime takes: wasm, a `.cwasm` (an ELF file made by `wali-run compile`)
/// or a box.
fn runnable(path: &std::path::Path, head: &[u8]) -> bool {
    head.starts_with(b"\0asm") || head.starts_with(b"\x7fELF") || wali_run::is_box(path)
}

impl Sandbox for WaliSandbox {
    async fn can_handle(&self, ctx: &impl RuntimeContext) -> Result<()> {
        match ctx.entrypoint().source {
            Source::Oci(_) => Ok(()),
            Source::File(path) => {
                use std::io::Read;
                let mut head = [0u8; 16];
                let n = std::fs::File::open(&path)
                    .with_context(|| format!("{}: cannot open the module", path.display()))?
                    .read(&mut head)?;
                if !runnable(&path, &head[..n]) {
                    bail!(
                        "{}: not a WALI module, compiled module or box",
                        path.display()
                    );
                }
                Ok(())
            }
        }
    }

    async fn run_wasi(&self, ctx: &impl RuntimeContext) -> Result<i32> {
        // Descriptors the runtime keeps go high and into its registry, out of the
        // guest's reach (every guest call on one is EBADF).
        let module: OsString = match ctx.entrypoint().source {
            Source::File(path) => path.into_os_string(),
            Source::Oci(_) => {
                // A wasm layer (or the .cwasm runwasi's precompile stored): the bytes go
                // to a memfd, which the runtime opens by path like a file.
                let bytes = ctx.entrypoint().source.as_bytes()?;
                let fd = keep_high(memfd(&bytes)?).into_raw_fd();
                format!("/proc/self/fd/{fd}").into()
            }
        };
        let mut keep = Vec::new();
        if let Some(p) = module
            .to_str()
            .and_then(|p| p.strip_prefix("/proc/self/fd/"))
        {
            keep.extend(p.parse::<i32>().ok());
        }
        if let Some(Some(fd)) = CACHE.get() {
            let fd = keep_high(fd.try_clone()?).into_raw_fd();
            keep.push(fd);
            // The runtime's own environment (the guest's is --env-clear and --env).
            std::env::set_var("WALI_CACHE_DIR", format!("/proc/self/fd/{fd}"));
        }
        // The run's private /tmp is made under the runtime's TMPDIR, and this process
        // has the shim's environment (host paths): the container's /tmp, made if the
        // image has none, else (a read-only rootfs) the container's /dev/shm.
        let tmp = if std::fs::create_dir_all("/tmp").is_ok() && writable("/tmp") {
            "/tmp"
        } else {
            "/dev/shm"
        };
        std::env::set_var("TMPDIR", tmp);
        let cgroup = CGROUP
            .get()
            .and_then(|f| f.as_ref())
            .map(|f| format!("/proc/self/fd/{}", f.as_raw_fd()));
        let found = policy::Found::here(cgroup);
        let argv = policy::wali_argv(module, ctx.args(), ctx.envs(), &found)?;
        log::info!("wali-run {argv:?}");
        init(argv, &keep)
    }
}

fn keep_high(fd: OwnedFd) -> OwnedFd {
    wali_syscalls::sandbox::keep_high(fd)
}

/// Close every descriptor above stderr but `keep`.
fn close_all_but(keep: &[i32]) {
    let open: Vec<i32> = std::fs::read_dir("/proc/self/fd")
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    for fd in open {
        if fd > 2 && !keep.contains(&fd) {
            // SAFETY: closing a descriptor nothing in this process uses again (the
            // directory listing's own is already closed and fails harmlessly).
            unsafe { libc::close(fd) };
        }
    }
}

/// This process is the container's pid 1, which the kernel never kills with a signal
/// it does not handle: a guest that leaves SIGTERM at its default would live on, and
/// one that ends by a signal could not say so. So pid 1 stays a small init (as tini)
/// and the runtime runs in its child; containerd's kill reaches that child directly
/// (runwasi signals every process of the container), and pid 1 exits with the child's
/// status, 128 + the signal when one killed it: what containerd reports for any
/// container.
fn init(argv: Vec<OsString>, keep: &[i32]) -> ! {
    // SAFETY: this process's signal mask, fork, then in the parent only waitpid and
    // _exit; the child (single-threaded) closes the shim's descriptors, restores the
    // mask and becomes the runtime.
    unsafe {
        let mut all: libc::sigset_t = std::mem::zeroed();
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        libc::pthread_sigmask(libc::SIG_SETMASK, &all, &mut old);
        let child = libc::fork();
        if child < 0 {
            eprintln!(
                "containerd-shim-wali: fork: {}",
                std::io::Error::last_os_error()
            );
            libc::_exit(126);
        }
        if child == 0 {
            // This process was cloned from the shim, whose descriptors it still holds
            // (containerd's connection, the shim's socket, its log, the tokio runtime's
            // epoll): a guest must not inherit them. Closed here, in the child, where
            // none of the shim's threads is left to use them.
            close_all_but(keep);
            libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
            wali_run::cli_main(argv)
        }
        // Signals stay blocked here: pid 1 only reaps (orphans come to it too).
        loop {
            let mut status = 0;
            let pid = libc::waitpid(-1, &mut status, 0);
            if pid == child {
                if libc::WIFSIGNALED(status) {
                    libc::_exit(128 + libc::WTERMSIG(status));
                }
                libc::_exit(libc::WEXITSTATUS(status));
            }
            if pid < 0 && std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
                libc::_exit(137);
            }
        }
    }
}

fn memfd(bytes: &[u8]) -> Result<OwnedFd> {
    use std::io::Write;
    // SAFETY: a static NUL-terminated name; the descriptor is owned from here on.
    let fd = unsafe { libc::memfd_create(c"wali-module".as_ptr(), 0) };
    if fd < 0 {
        bail!("memfd_create: {}", std::io::Error::last_os_error());
    }
    // SAFETY: a fresh descriptor of ours.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    std::fs::File::from(fd.try_clone()?).write_all(bytes)?;
    Ok(fd)
}

fn main() {
    let _ = CACHE.set(open_cache());
    let _ = CGROUP.set(open_dir("/sys/fs/cgroup".as_ref()));
    WaliShim::run(Config::default());
}

fn writable(dir: &str) -> bool {
    let c = std::ffi::CString::new(dir).expect("no NUL");
    // SAFETY: a NUL-terminated path.
    unsafe { libc::access(c.as_ptr(), libc::W_OK | libc::X_OK) == 0 }
}
