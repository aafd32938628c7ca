//! containerd-shim-wali-v1: the containerd runtime `io.containerd.wali.v1`.
//!
//! runwasi's containerd-shim-wasm does the containerd side (the shim protocol, the OCI
//! bundle, the image's wasm layers) and builds the container with libcontainer: its
//! namespaces, mounts, cgroup and rlimits are set up as for any OCI container. In the
//! container's first process, after the pivot into its rootfs, `run_wasi` turns what
//! the container has into wali-run's flags and hands them to the runtime's process
//! (`init.rs`), which runs the `wali-run` command line itself (the library's
//! `cli_main`): one runtime, the same sandbox.

mod init;
mod policy;

use anyhow::{bail, Context, Result};
use containerd_shim_wasm::sandbox::context::{RuntimeContext, Source};
use containerd_shim_wasm::sandbox::Sandbox;
use containerd_shim_wasm::shim::{Cli, Config, Shim, Version};
use std::ffi::OsString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::{Mutex, OnceLock};

struct WaliShim;

struct WaliSandbox;

/// The runtime's process of this container (`init.rs`), forked when runwasi makes the
/// sandbox, in the container's first process, and started by `run_wasi`.
static RUNTIME: Mutex<Option<Result<init::Waiting, String>>> = Mutex::new(None);

impl Default for WaliSandbox {
    /// runwasi makes the sandbox in the container's first process once libcontainer has
    /// set it up, before its own tokio runtime starts threads there: the moment to fork.
    fn default() -> Self {
        let mut r = RUNTIME.lock().unwrap_or_else(|e| e.into_inner());
        if r.is_none() {
            *r = Some(init::fork_runtime().map_err(|e| format!("{e:#}")));
        }
        WaliSandbox
    }
}

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
/// A container's first process is cloned from the shim and inherits this descriptor;
/// it is handed on to the runtime's process, so after the pivot the run still
/// reaches the host cache through `/proc/self/fd/N`: a module compiled for one pod is
/// loaded, not compiled, by every later pod on the node.
static CACHE: OnceLock<Option<OwnedFd>> = OnceLock::new();

/// The host's cgroup file system, opened the same way: a container may have none
/// mounted (ctr's default spec), and its limits are read from here then (the runtime's
/// process does not get it).
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
        let runtime = RUNTIME
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .context("no runtime process for this container")?
            .map_err(anyhow::Error::msg)?;
        // Descriptors handed to the runtime: high numbers, registered there as the
        // runtime's, out of the guest's reach.
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
        let mut env = Vec::new();
        if let Some(Some(fd)) = CACHE.get() {
            let fd = keep_high(fd.try_clone()?);
            env.push((
                "WALI_CACHE_DIR",
                format!("/proc/self/fd/{}", fd.as_raw_fd()),
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
        env.push(("TMPDIR", tmp.to_string()));
        let cgroup = CGROUP
            .get()
            .and_then(|f| f.as_ref())
            .map(|f| format!("/proc/self/fd/{}", f.as_raw_fd()));
        let found = policy::Found::here(cgroup);
        let argv = policy::wali_argv(module, ctx.args(), ctx.envs(), &found)?;
        log::info!("wali-run {argv:?}");
        let kept: Vec<RawFd> = keep.iter().map(|f| f.as_raw_fd()).collect();
        match runtime.start(&argv, &env, &kept)? {}
    }
}

fn keep_high(fd: OwnedFd) -> OwnedFd {
    wali_syscalls::sandbox::keep_high(fd)
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
