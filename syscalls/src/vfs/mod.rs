//! The file-system interface: the one way from a guest path to the host. A syscall's path
//! argument (`args::Path`) yields a [`GuestPath`], whose bytes only this module and its
//! implementations can read; a handler hands it to the process's [`FileSystem`]
//! (`Process::fs`), so a handler that tries to reach the host by a guest path some other
//! way does not compile. Implementations:
//! - [`PassThrough`] (`pass.rs`, `--allow-all`): guest paths are host paths, each call is
//!   the kernel's own;
//! - [`sandbox::Vfs`] (`sandbox.rs`): the policy's grants, every path resolved by the
//!   runtime, component by component where the kernel cannot be trusted to stay inside;
//! - [`boxfs::BoxFs`] (`boxfs.rs`): a box's read-only tree, served from the box file,
//!   as a layer over one of the two above (`boxfile.rs` reads and checks the file).
//!
//! The interface is path-based and narrow (one method per kind of call the handlers
//! make), so that a file system served some other way (a read-only tree from a file) is
//! one more implementation.

pub mod boxfile;
pub mod boxfs;
mod pass;
pub mod sandbox;

pub use pass::PassThrough;

use crate::errno::SysResult;
use crate::errno::{Errno, EINVAL};
use crate::mem::GuestMem;
use crate::runtime_fds::RuntimeFd;
use std::ffi::{CStr, CString};
use std::os::fd::{AsRawFd, RawFd};

/// A path the guest named: a syscall's path argument, or a unix socket address's path.
/// Opaque: its bytes are private to this module tree, so the only thing a handler can do
/// with one is give it to the [`FileSystem`]:
///
/// ```compile_fail
/// // A handler that reads the bytes to call the kernel itself does not compile.
/// fn host_path(p: &wali_syscalls::vfs::GuestPath) -> &std::ffi::CStr {
///     p.c()
/// }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct GuestPath(CString);

impl GuestPath {
    /// The NUL-terminated path at guest address `ptr` (at most PATH_MAX bytes).
    pub(crate) fn read(mem: &GuestMem, ptr: u32) -> Result<GuestPath, Errno> {
        mem.path(ptr).map(GuestPath)
    }

    /// A path given as bytes (a `sockaddr_un`'s path, up to its first NUL).
    pub fn from_bytes(b: &[u8]) -> Result<GuestPath, Errno> {
        CString::new(b).map(GuestPath).map_err(|_| EINVAL)
    }

    /// This path with `suffix` appended (`module.wasm` -> `module.wasm.toml`).
    pub fn with_suffix(&self, suffix: &[u8]) -> GuestPath {
        let mut b = self.0.as_bytes().to_vec();
        b.extend_from_slice(suffix);
        GuestPath(CString::new(b).unwrap_or_default())
    }

    /// Is this exactly the runtime's own file `host` (the environment file it made)?
    pub fn is(&self, host: &CStr) -> bool {
        self.0.as_c_str() == host
    }

    /// The bytes, for the implementations only.
    fn c(&self) -> &CStr {
        &self.0
    }
}

impl std::fmt::Debug for GuestPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GuestPath({:?})", self.0)
    }
}

/// Something an implementation keeps alive for the caller (a lock, a handle).
pub trait Held {}
impl<T> Held for T {}

/// A unix socket path as the kernel should see it, valid while this lives (the sandbox's
/// is a path through one of its own descriptors).
pub struct UnixAddr<'a> {
    pub host: CString,
    _keep: Box<dyn Held + 'a>,
}

/// The file `execve` runs, opened once, read-only, as the runtime's own descriptor.
pub struct ExecFile {
    pub fd: RuntimeFd,
    /// Its host path (a host program runs by path).
    pub host: CString,
    /// The path as the guest gave it (the new runtime's name for the module).
    pub name: CString,
}

/// The guest's file system: every call that names a guest path goes through one of
/// these methods. Results are the syscall's (`-errno` as `Err`); `dir` is an `*at` call's
/// directory descriptor (`AT_FDCWD` allowed). Pointers into guest memory never cross
/// this interface: buffers are the handler's, copied to the guest after.
pub trait FileSystem: Send + Sync {
    /// `openat`.
    fn open(&self, dir: i32, path: &GuestPath, flags: i32, mode: u32) -> SysResult;
    /// `newfstatat` into `st`.
    fn stat(&self, dir: i32, path: &GuestPath, flags: i32, st: &mut libc::stat) -> SysResult;
    /// `statx` into `buf` (the kernel's `struct statx`).
    fn statx(
        &self,
        dir: i32,
        path: &GuestPath,
        flags: i32,
        mask: u32,
        buf: &mut [u8; 256],
    ) -> SysResult;
    /// `statfs` into `buf` (the kernel's `struct statfs`).
    fn statfs(&self, path: &GuestPath, buf: &mut [u8; 120]) -> SysResult;
    /// `faccessat2` (`faccessat` is `flags` 0).
    fn access(&self, dir: i32, path: &GuestPath, mode: i32, flags: i32) -> SysResult;
    /// `readlinkat` into `buf`: the length read.
    fn readlink(&self, dir: i32, path: &GuestPath, buf: &mut [u8]) -> SysResult;
    fn truncate(&self, path: &GuestPath, len: i64) -> SysResult;
    fn chdir(&self, path: &GuestPath) -> SysResult;
    fn fchdir(&self, fd: i32) -> SysResult;
    /// `getcwd` into `buf`: the length written, NUL included.
    fn getcwd(&self, buf: &mut [u8]) -> SysResult;
    fn mkdir(&self, dir: i32, path: &GuestPath, mode: u32) -> SysResult;
    fn mknod(&self, dir: i32, path: &GuestPath, mode: u32, dev: u32) -> SysResult;
    /// `symlinkat`: `target` is only text, resolved when the link is followed.
    fn symlink(&self, target: &GuestPath, dir: i32, link: &GuestPath) -> SysResult;
    fn unlink(&self, dir: i32, path: &GuestPath, flags: i32) -> SysResult;
    fn rename(&self, od: i32, op: &GuestPath, nd: i32, np: &GuestPath, flags: u32) -> SysResult;
    fn link(&self, od: i32, op: &GuestPath, nd: i32, np: &GuestPath, flags: i32) -> SysResult;
    /// `fchmodat` (which has no flags).
    fn chmod(&self, dir: i32, path: &GuestPath, mode: u32) -> SysResult;
    fn fchmod(&self, fd: i32, mode: u32) -> SysResult;
    fn chown(&self, dir: i32, path: &GuestPath, uid: u32, gid: u32, flags: i32) -> SysResult;
    fn fchown(&self, fd: i32, uid: u32, gid: u32) -> SysResult;
    /// `utimensat`; no path is the descriptor form (`futimens`).
    fn utimens(
        &self,
        dir: i32,
        path: Option<&GuestPath>,
        times: Option<[libc::timespec; 2]>,
        flags: i32,
    ) -> SysResult;
    fn inotify_add_watch(&self, fd: i32, path: &GuestPath, mask: u32) -> SysResult;
    /// The file `execve` runs. With `host_programs`, an absolute path the file system
    /// does not show may name a host program (never a module) outside it.
    fn exec_open(&self, path: &GuestPath, host_programs: bool) -> Result<ExecFile, Errno>;
    /// A unix socket path for `bind` (creating it) or `connect`; `None`: the guest's
    /// bytes go to the kernel as they are.
    fn unix_addr(&self, path: &GuestPath, bind: bool) -> Result<Option<UnixAddr<'_>>, Errno>;
    /// The guest's name for a unix socket path the kernel reports, if `unix_addr` made it.
    fn unix_name(&self, host: &[u8]) -> Option<Vec<u8>>;
    /// Does the file system rewrite unix socket paths (so reported ones need `unix_name`)?
    fn renames_unix(&self) -> bool;
    /// Calls on the host's namespace itself (`chroot`, `mount`, `umount2`): `call` on the
    /// path as given where guest paths are host paths, else refused with `why`.
    fn host_namespace(
        &self,
        path: &GuestPath,
        why: &'static str,
        call: &mut dyn FnMut(&CStr) -> SysResult,
    ) -> SysResult;
    /// The guest closed or replaced descriptors `first..=last`.
    fn closed(&self, first: u32, last: u32);
    /// May the guest change the file behind descriptor `fd` (`futimens`)?
    fn fd_writable(&self, fd: i32) -> Result<(), Errno>;
    /// Every lock the file system takes, held across the host `fork` (see `process::fork`).
    fn hold(&self) -> Box<dyn Held + '_>;
    /// `fstat` of a guest descriptor into `st` (the kernel's, unless the file system
    /// serves the descriptor's file itself: a box's).
    fn fstat(&self, fd: i32, st: &mut libc::stat) -> SysResult {
        sys!(SYS_fstat, fd, st as *mut libc::stat)
    }
    /// `getdents64` on a directory the file system serves itself (a box's): the records,
    /// at most `max` bytes; `None`: the kernel's.
    fn getdents(&self, _fd: i32, _max: usize) -> Option<Result<Vec<u8>, crate::errno::Stop>> {
        None
    }
    /// The guest path of the box entry descriptor `fd` is open on, if it is one (a
    /// snapshot keeps such descriptors: docs/box.md, "Snapshots").
    fn box_path(&self, _fd: i32) -> Option<Vec<u8>> {
        None
    }
}

/// Does the opened file start with the wasm magic? (pread: no offset is moved.)
pub fn is_wasm(fd: RawFd) -> bool {
    let mut magic = [0u8; 4];
    sys!(SYS_pread64, fd, magic.as_mut_ptr(), 4, 0).is_ok_and(|n| n == 4) && magic == *b"\0asm"
}

/// Open a host file for `execve` by its host path: a regular file, read-only, the
/// runtime's own descriptor (as the sandbox's exec_open).
fn open_host(path: &CStr) -> Result<RuntimeFd, Errno> {
    let h = sys!(SYS_open, path.as_ptr(), libc::O_PATH | libc::O_CLOEXEC).map_err(errno_of)?;
    // SAFETY: h was just opened and is owned here.
    let h = unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(h as RawFd) };
    sandbox::reopen_regular(h.as_raw_fd())
}

/// The errno of a host call's result (the interface's helpers speak `Errno`).
pub(crate) fn errno_of(s: crate::errno::Stop) -> Errno {
    match s {
        crate::errno::Stop::Errno(e) => e,
        crate::errno::Stop::Exit(_) => crate::errno::EINTR,
    }
}
