//! containerd-shim-wali-v1: the containerd runtime `io.containerd.wali.v1`.
//!
//! runwasi's containerd-shim-wasm does the containerd side (the shim protocol, the OCI
//! bundle, the image's wasm layers) and builds the container with libcontainer: its
//! namespaces, mounts, cgroup and rlimits are set up as for any OCI container. In the
//! container's first process, after the pivot into its rootfs, `run_wasi` turns what
//! the container has into wali-run's flags and execs this binary again as the pod's
//! init (`pod_init`), which runs the `wali-run` command line itself (the library's
//! `cli_main`) in its child: one runtime, the same sandbox.

mod policy;

use anyhow::{bail, Context, Result};
use containerd_shim_wasm::sandbox::context::{RuntimeContext, Source};
use containerd_shim_wasm::sandbox::Sandbox;
use containerd_shim_wasm::shim::{Cli, Config, Shim, Version};
use std::ffi::OsString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
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

/// argv[0] with which `run_wasi` execs this binary as the pod's init; argv[1..] is the
/// `wali-run` command line.
const POD_INIT: &str = "wali-pod-init";

/// The host's compiled-module cache, opened by the shim before any container exists.
/// A container's first process is cloned from the shim and inherits this descriptor;
/// it is handed on through the exec to the runtime, so after the pivot the run still
/// reaches the host cache through `/proc/self/fd/N`: a module compiled for one pod is
/// loaded, not compiled, by every later pod on the node.
static CACHE: OnceLock<Option<OwnedFd>> = OnceLock::new();

/// The host's cgroup file system, opened the same way: a container may have none
/// mounted (ctr's default spec), and its limits are read from here then (before the
/// exec, which closes it).
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

/// A file the runtime takes, by its first bytes: wasm, a `.cwasm` (an ELF file made by
/// `wali-run compile`) or a box.
fn runnable(head: &[u8]) -> bool {
    head.starts_with(b"\0asm")
        || head.starts_with(b"\x7fELF")
        || wali_syscalls::vfs::boxfile::is_box(head)
}

impl Sandbox for WaliSandbox {
    async fn can_handle(&self, ctx: &impl RuntimeContext) -> Result<()> {
        match ctx.entrypoint().source {
            Source::Oci(_) => Ok(()),
            Source::File(path) => {
                use std::io::Read;
                let mut head = Vec::with_capacity(16);
                std::fs::File::open(&path)
                    .with_context(|| format!("{}: cannot open the module", path.display()))?
                    .take(16)
                    .read_to_end(&mut head)?;
                if !runnable(&head) {
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
        // Descriptors handed to the runtime: high numbers, which the pod's init
        // registers as the runtime's, out of the guest's reach (`pod_init`).
        let mut keep: Vec<OwnedFd> = Vec::new();
        let module: OsString = match ctx.entrypoint().source {
            Source::File(path) => path.into_os_string(),
            Source::Oci(_) => {
                // A wasm layer (or the .cwasm runwasi's precompile stored): the bytes go
                // to a memfd, which the runtime opens by path like a file.
                let bytes = ctx.entrypoint().source.as_bytes()?;
                let fd = keep_high(memfd(&bytes)?);
                let path = format!("/proc/self/fd/{}", fd.as_raw_fd());
                keep.push(fd);
                path.into()
            }
        };
        // The runtime's own environment (the guest's is --env-clear and --env): the
        // shim's, but for the cache and TMPDIR.
        let mut env: Vec<(OsString, OsString)> = Vec::new();
        if let Some(Some(fd)) = CACHE.get() {
            let fd = keep_high(fd.try_clone()?);
            env.push((
                "WALI_CACHE_DIR".into(),
                format!("/proc/self/fd/{}", fd.as_raw_fd()).into(),
            ));
            keep.push(fd);
        }
        // The run's private /tmp is made under the runtime's TMPDIR, and the shim's
        // environment has host paths: the container's /tmp, made if the image has
        // none, else (a read-only rootfs) the container's /dev/shm.
        let tmp = if std::fs::create_dir_all("/tmp").is_ok() && writable(c"/tmp") {
            "/tmp"
        } else {
            "/dev/shm"
        };
        env.push(("TMPDIR".into(), tmp.into()));
        let cgroup = CGROUP
            .get()
            .and_then(|f| f.as_ref())
            .map(|f| format!("/proc/self/fd/{}", f.as_raw_fd()));
        let found = policy::Found::here(cgroup);
        let argv = policy::wali_argv(module, ctx.args(), ctx.envs(), &found)?;
        log::info!("wali-run {argv:?}");
        let kept: Vec<RawFd> = keep.iter().map(|f| f.as_raw_fd()).collect();
        hand_over_only(&kept)?;
        // This process has threads (runwasi's tokio runtime, its logger): the runtime
        // must not start in a fork of it, where a lock another thread held stays held.
        // A fresh exec of this binary (the file /proc/self/exe names even after the
        // pivot) is single-threaded: it forks the runtime safely.
        use std::os::unix::process::CommandExt;
        let err = std::process::Command::new("/proc/self/exe")
            .arg0(POD_INIT)
            .args(&argv)
            .envs(env)
            .exec();
        Err(err).context("exec /proc/self/exe (the pod's init)")
    }
}

fn keep_high(fd: OwnedFd) -> OwnedFd {
    wali_syscalls::sandbox::keep_high(fd)
}

/// Let only `keep` (and stdin, stdout, stderr) through the exec: this process was
/// cloned from the shim, whose descriptors (containerd's connection, the shim's socket,
/// its log, the tokio runtime's epoll) a guest must not inherit.
fn hand_over_only(keep: &[RawFd]) -> Result<()> {
    let open: Vec<RawFd> = std::fs::read_dir("/proc/self/fd")
        .context("/proc/self/fd")?
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect();
    for fd in open.into_iter().filter(|fd| *fd > 2) {
        // SAFETY: only the close-on-exec flag changes; a number no longer open (the
        // listing's own) fails harmlessly.
        unsafe {
            let flags = libc::fcntl(fd, libc::F_GETFD);
            if flags < 0 {
                continue;
            }
            let flags = if keep.contains(&fd) {
                flags & !libc::FD_CLOEXEC
            } else {
                flags | libc::FD_CLOEXEC
            };
            libc::fcntl(fd, libc::F_SETFD, flags);
        }
    }
    Ok(())
}

/// The descriptors above stderr this process holds: in the pod's init, exactly those
/// `run_wasi` handed over.
fn inherited() -> Vec<RawFd> {
    let listed: Vec<RawFd> = std::fs::read_dir("/proc/self/fd")
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    // The listing's own descriptor is closed by now.
    // SAFETY: F_GETFD only asks whether the number is open.
    listed
        .into_iter()
        .filter(|fd| *fd > 2 && unsafe { libc::fcntl(*fd, libc::F_GETFD) } >= 0)
        .collect()
}

/// The pod's init: pid 1 of the container, which the kernel never kills with a signal
/// it does not handle: a guest that leaves SIGTERM at its default would live on, and
/// one that ends by a signal could not say so. So pid 1 stays a small init (as tini)
/// and the runtime runs in its child; containerd's kill reaches that child directly
/// (runwasi signals every process of the container), and pid 1 exits with the child's
/// status, 128 + the signal when one killed it: what containerd reports for any
/// container. Called first thing in `main`: no other thread exists, so the child may
/// do anything.
fn pod_init(argv: Vec<OsString>) -> ! {
    // The module's memfd and the host cache: the runtime's, which the guest must not
    // reach (a forked child inherits the registry).
    for fd in inherited() {
        wali_syscalls::runtime_fds::hide(fd);
    }
    // SAFETY: this process's signal mask, fork, then in the parent only waitpid and
    // _exit; the child (of a single-threaded process) restores the mask and becomes
    // the runtime.
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
    let mut args = std::env::args_os();
    if args.next().is_some_and(|a0| a0 == POD_INIT) {
        pod_init(args.collect())
    }
    let _ = CACHE.set(open_cache());
    let _ = CGROUP.set(open_dir("/sys/fs/cgroup".as_ref()));
    WaliShim::run(Config::default());
}

fn writable(dir: &std::ffi::CStr) -> bool {
    // SAFETY: a NUL-terminated path.
    unsafe { libc::access(dir.as_ptr(), libc::W_OK | libc::X_OK) == 0 }
}

#[cfg(test)]
mod tests {
    use super::runnable;

    #[test]
    fn runnable_by_the_first_bytes() {
        assert!(runnable(b"\0asm\x01\0\0\0"));
        assert!(runnable(b"\x7fELF\x02\x01\x01"));
        assert!(runnable(wali_syscalls::vfs::boxfile::MAGIC));
        assert!(!runnable(b"#!/bin/sh\n"));
        assert!(!runnable(b""));
        assert!(!runnable(b"\0as"));
    }
}
