//! The file-system sandbox: the guest sees only the mounts its policy grants, each a host
//! directory (or file) at a guest path, read-write or read-only. Every guest path is
//! resolved here, the kernel way: the parent directory is opened with `openat2`
//! `RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS` from the mount's root, and when that refuses
//! (an absolute symlink, `..` above a mount) by a walk of one component at a time with
//! `O_PATH | O_NOFOLLOW`, symlinks read and re-resolved in the guest's namespace, `..`
//! popped from the walk's own stack. The final component is then acted on with
//! `*_NOFOLLOW` calls relative to that directory, so a symlink planted mid-run is seen and
//! followed here, never by the kernel. Guest paths are host paths unless a mount says
//! otherwise; directories above mount points are read-only stand-ins: a skeleton tree
//! made for the run, which holds just the names of the mount points below it.

use super::{errno_of, is_wasm, open_host, ExecFile, FileSystem, GuestPath, Held, UnixAddr};
use crate::errno::SysResult;
use crate::errno::*;
use crate::runtime_fds::RuntimeFd;
use std::collections::HashMap;
use std::ffi::{CStr, CString};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};

/// How deep symlink chains may go (Linux's MAXSYMLINKS).
const MAX_LINKS: u32 = 40;
const RESOLVE_NO_MAGICLINKS: u64 = 0x02;
const RESOLVE_BENEATH: u64 = 0x08;
const O_TMPFILE: i32 = 0o20000000 | libc::O_DIRECTORY;
const PROC_SUPER_MAGIC: i64 = 0x9fa0;
/// How many guest directory descriptors the resolver keeps handles for (each costs the
/// runtime one descriptor, placed high).
const DIR_CACHE: usize = 16;

/// The kernel's `struct open_how` (libc's is non-exhaustive).
#[repr(C)]
struct OpenHow {
    flags: u64,
    mode: u64,
    resolve: u64,
}

/// One grant, as the policy states it (host path not yet resolved).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MountSpec {
    pub host: PathBuf,
    pub guest: PathBuf,
    pub ro: bool,
    /// Where the grant comes from, for error messages ("--dir", "policy.toml", ...).
    pub origin: String,
}

struct Mount {
    guest: Vec<Vec<u8>>,
    /// The host directory's path, as components (compared per call, so made once).
    host: Vec<Vec<u8>>,
    fd: OwnedFd,
    ro: bool,
    dir: bool,
}

/// The guest's view of the file system.
pub struct Vfs {
    mounts: Vec<Mount>,
    /// Stands in for directories above mount points (`/`, `/home`...).
    /// The skeleton's root (guest `/` when nothing is mounted there).
    root: OwnedFd,
    root_host: Vec<Vec<u8>>,
    cwd: RwLock<Cwd>,
    /// Some mount reaches procfs: opens are checked against it.
    proc_reachable: bool,
    /// Unix socket paths as bound through the runtime's descriptors -> the guest's.
    unix_names: Mutex<HashMap<Vec<u8>, Vec<u8>>>,
    /// Host directories inside mounts the guest must never reach (the runtime's cache).
    hidden: Vec<Vec<Vec<u8>>>,
    /// Directory descriptors the guest holds, as found when first used (see `dir_handle`).
    dirs: Mutex<DirCache>,
    /// `dirs` holds an entry: closing descriptors must look.
    dirs_used: AtomicBool,
    /// Host directories where the guest may look up host programs by name (the
    /// runtime's `PATH` under `--allow-exec`, see `program_dirs`): empty otherwise.
    programs: Vec<Vec<u8>>,
}

/// The guest's working directory: its guest path as last known, and (inside a mount) a
/// handle on the directory itself. As on Linux the working directory is the directory,
/// not its name: renamed (by the guest or anyone), it keeps its place, and its path is
/// read back from the handle.
struct Cwd {
    path: Vec<u8>,
    dir: Option<Arc<RuntimeFd>>,
}

/// The resolver's handles on guest directory descriptors: a name relative to one is looked
/// up from the runtime's own duplicate, with the grant found when it was first used, so a
/// call like `fstatat(dirfd, name)` costs no path read-back from /proc and no walk from the
/// mount's root. The duplicate, not the guest's number, is what calls act on: a thread
/// swapping the number for another directory mid-call cannot lend that directory the
/// first one's grant. Entries go when the guest closes or replaces the number.
#[derive(Default)]
struct DirCache {
    entries: Vec<(RawFd, DirEntry)>,
    /// Bumped by every close: a handle made across one is not kept.
    epoch: u64,
}

#[derive(Clone)]
struct DirEntry {
    fd: Arc<RuntimeFd>,
    mount: usize,
    /// A hidden directory lies beneath: names here take the checked path.
    hidden_below: bool,
}

/// A directory handle: a mount's root (kept by the Vfs) or one opened for this call.
enum Dir<'a> {
    Borrowed(&'a OwnedFd),
    Owned(OwnedFd),
    Shared(Arc<RuntimeFd>),
}

impl Dir<'_> {
    fn raw(&self) -> RawFd {
        match self {
            Dir::Borrowed(f) => f.as_raw_fd(),
            Dir::Owned(f) => f.as_raw_fd(),
            Dir::Shared(f) => f.as_raw_fd(),
        }
    }
}

/// A resolved location: `name` in directory `dir`, not yet looked up; an empty `name`
/// means `dir` is the object itself (a mount point, a stand-in, a path ending in `..`).
struct Loc<'a> {
    dir: Dir<'a>,
    name: CString,
    /// The path ended in `.` (1) or `..` (2).
    dots: u8,
    ro: bool,
    virt: bool,
    must_dir: bool,
    mount: Option<usize>,
    links: u32,
}

/// An object the call acts on, opened `O_PATH` (symlinks followed if asked).
struct Obj<'a> {
    fd: Dir<'a>,
    pub ro: bool,
    pub virt: bool,
    mount: Option<usize>,
}

impl Obj<'_> {
    pub fn raw(&self) -> RawFd {
        self.fd.raw()
    }
    /// `/proc/self/fd/N`: the runtime's own handle on the object, for calls without an
    /// `AT_EMPTY_PATH` form. The kernel follows it to exactly this inode.
    pub fn proc_path(&self) -> CString {
        proc_fd(self.raw())
    }
}

/// EROFS, with the reason for `--strace`.
fn ro_refused() -> Errno {
    crate::policy::refuse("a read-only grant, or a directory above the grants");
    EROFS
}

fn proc_fd(fd: RawFd) -> CString {
    CString::new(format!("/proc/self/fd/{fd}")).expect("no NUL")
}

/// A host call's result as the resolver speaks it (every host call here is `sys!`).
fn ck(r: SysResult) -> Result<i64, Errno> {
    r.map_err(errno_of)
}

/// Move a descriptor the runtime keeps for the whole run out of the guest's way: the
/// guest expects the lowest free numbers to be its own (as on Linux), and may not touch
/// the runtime's at all (registered in `runtime_fds`: every guest call on it is EBADF).
pub fn keep_high(fd: OwnedFd) -> OwnedFd {
    match dup_high(fd.as_raw_fd()) {
        Some(high) => high.into_kept(),
        None => RuntimeFd::new(fd).into_kept(),
    }
}

/// The regular file an `O_PATH` handle names, opened read-only as the runtime's own
/// descriptor (through the handle's magic link: the same inode). Linux runs only regular
/// files (a directory or a FIFO is EACCES), checked before the open (a FIFO would block).
pub fn reopen_regular(handle: RawFd) -> Result<RuntimeFd, Errno> {
    if fstat_fd(handle)?.st_mode & libc::S_IFMT != libc::S_IFREG {
        return Err(EACCES);
    }
    let p = proc_fd(handle);
    let fd = own(ck(sys!(
        SYS_open,
        p.as_ptr(),
        libc::O_RDONLY | libc::O_CLOEXEC
    ))?);
    dup_high(fd.as_raw_fd()).ok_or(EMFILE)
}

/// A close-on-exec duplicate of `fd` at a high number, registered as the runtime's.
pub fn dup_high(fd: RawFd) -> Option<RuntimeFd> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    let _ = sys!(SYS_getrlimit, libc::RLIMIT_NOFILE, &mut lim as *mut _);
    let want = (lim.rlim_cur.clamp(64, 4096) as i32 / 2).max(32);
    let high = sys!(SYS_fcntl, fd, libc::F_DUPFD_CLOEXEC, want).ok()?;
    Some(RuntimeFd::new(own(high)))
}

fn own(fd: i64) -> OwnedFd {
    // SAFETY: fd was just returned by the kernel to this call and is owned by nobody else.
    unsafe { OwnedFd::from_raw_fd(fd as RawFd) }
}

fn components(p: &[u8]) -> Vec<Vec<u8>> {
    p.split(|&b| b == b'/')
        .filter(|c| !c.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

fn join(comps: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for c in comps {
        out.push(b'/');
        out.extend_from_slice(c);
    }
    if out.is_empty() {
        out.push(b'/');
    }
    out
}

/// Components with `.` dropped and `..` taken back, as text (right only where no
/// symlink can be on the way: the stand-ins).
fn lexical<'a>(comps: impl Iterator<Item = &'a Vec<u8>>) -> Vec<Vec<u8>> {
    let mut g = Vec::new();
    for c in comps {
        match c.as_slice() {
            b"." => {}
            b".." => {
                g.pop();
            }
            _ => g.push(c.clone()),
        }
    }
    g
}

fn fstat_fd(fd: RawFd) -> Result<libc::stat, Errno> {
    // SAFETY: stat is plain data; the kernel fills it.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    ck(sys!(
        SYS_newfstatat,
        fd,
        c"".as_ptr(),
        &mut st as *mut _,
        libc::AT_EMPTY_PATH
    ))?;
    Ok(st)
}

fn is_link(mode: u32) -> bool {
    mode & libc::S_IFMT == libc::S_IFLNK
}

fn is_dir(mode: u32) -> bool {
    mode & libc::S_IFMT == libc::S_IFDIR
}

/// `readlinkat(fd, name)` into a vector (`name` empty: the O_PATH symlink fd itself).
fn read_link(fd: RawFd, name: &CStr) -> Result<Vec<u8>, Errno> {
    let mut buf = vec![0u8; libc::PATH_MAX as usize];
    let n = ck(sys!(
        SYS_readlinkat,
        fd,
        name.as_ptr(),
        buf.as_mut_ptr(),
        buf.len()
    ))? as usize;
    buf.truncate(n);
    Ok(buf)
}

/// The host path of descriptor `fd`, as /proc tells it.
fn fd_host_path(fd: RawFd) -> Result<Vec<u8>, Errno> {
    if fd < 0 {
        return Err(EBADF);
    }
    read_link(libc::AT_FDCWD, &proc_fd(fd)).map_err(|e| if e == ENOENT { EBADF } else { e })
}

/// Open directory `comps` beneath `dir`, the kernel resolving; `None` when it will not
/// stay beneath (an absolute symlink, `..` out): the walk decides those.
fn open_beneath(dir: RawFd, comps: &[Vec<u8>]) -> Result<Option<OwnedFd>, Errno> {
    let rel = CString::new(join(comps)[1..].to_vec()).map_err(|_| EINVAL)?;
    let how = OpenHow {
        flags: (libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC) as u64,
        mode: 0,
        resolve: RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
    };
    let r = sys!(
        SYS_openat2,
        dir,
        rel.as_ptr(),
        &how as *const OpenHow,
        std::mem::size_of::<OpenHow>()
    );
    match ck(r) {
        Ok(fd) => Ok(Some(own(fd))),
        Err(e) if e == EXDEV || e == ELOOP || e == EAGAIN => Ok(None),
        Err(e) => Err(e),
    }
}

fn starts_with_comps(long: &[Vec<u8>], prefix: &[Vec<u8>]) -> bool {
    long.len() >= prefix.len() && long[..prefix.len()] == *prefix
}

impl Vfs {
    /// Open every mount; a missing directory, a mount of /proc, or two mounts that overlap
    /// (on the guest side or the host side) is an error naming the grant.
    /// `skeleton`: an empty directory of the runtime's own, where the stand-ins are made.
    pub fn new(specs: &[MountSpec], hidden: &[PathBuf], skeleton: &Path) -> Result<Vfs, String> {
        let mut mounts: Vec<Mount> = Vec::new();
        for s in specs {
            let host = std::fs::canonicalize(&s.host).map_err(|e| {
                format!(
                    "{}: cannot grant {}: {}",
                    s.origin,
                    s.host.display(),
                    e.kind()
                )
            })?;
            if host.starts_with("/proc") {
                return Err(format!(
                    "{}: cannot grant {}: /proc is never granted (use --allow-all)",
                    s.origin,
                    s.host.display()
                ));
            }
            if !s.guest.is_absolute() {
                return Err(format!(
                    "{}: the guest path {} must be absolute",
                    s.origin,
                    s.guest.display()
                ));
            }
            let guest = components(s.guest.as_os_str().as_bytes());
            if guest.iter().any(|c| c == b"." || c == b"..") {
                return Err(format!(
                    "{}: the guest path {} must not contain . or ..",
                    s.origin,
                    s.guest.display()
                ));
            }
            let hb = host.as_os_str().as_bytes().to_vec();
            let hc = components(&hb);
            let s_dir = host.is_dir();
            for m in &mounts {
                // A mount inside another's guest path is allowed where the outer one
                // holds a mount point for it, as a real mount needs one: an entry of the
                // same type at that place, reached without symlinks (the private /tmp
                // holds one for a current directory under /tmp).
                let point = if guest.len() > m.guest.len() && starts_with_comps(&guest, &m.guest) {
                    m.dir && holds_mount_point(&m.host, &guest[m.guest.len()..], s_dir)
                } else if m.guest.len() > guest.len() && starts_with_comps(&m.guest, &guest) {
                    s_dir && holds_mount_point(&hc, &m.guest[guest.len()..], m.dir)
                } else {
                    false
                };
                let guest_overlap =
                    starts_with_comps(&guest, &m.guest) || starts_with_comps(&m.guest, &guest);
                if (guest_overlap && !point)
                    || starts_with_comps(&hc, &m.host)
                    || starts_with_comps(&m.host, &hc)
                {
                    return Err(format!(
                        "{}: the grant of {} at {} overlaps the grant of {} at {} (mounts may not nest)",
                        s.origin,
                        host.display(),
                        s.guest.display(),
                        String::from_utf8_lossy(&join(&m.host)),
                        String::from_utf8_lossy(&join(&m.guest)),
                    ));
                }
            }
            let c = CString::new(hb).map_err(|_| format!("{}: NUL in path", s.origin))?;
            let fd = sys!(SYS_open, c.as_ptr(), libc::O_PATH | libc::O_CLOEXEC);
            let fd = ck(fd).map(own).map(keep_high).map_err(|e| {
                format!(
                    "{}: cannot open {}: {}",
                    s.origin,
                    host.display(),
                    message(e.0)
                )
            })?;
            let dir = is_dir(
                fstat_fd(fd.as_raw_fd())
                    .map_err(|e| message(e.0).to_string())?
                    .st_mode,
            );
            mounts.push(Mount {
                guest,
                host: hc,
                fd,
                ro: s.ro,
                dir,
            });
        }
        let (root, root_host) = make_skeleton(skeleton, &mounts)?;
        let proc_reachable = mounts.iter().any(|m| m.host.is_empty());
        // Only the hidden paths some mount reaches need checking.
        let hidden: Vec<Vec<Vec<u8>>> = hidden
            .iter()
            .map(|h| components(h.as_os_str().as_bytes()))
            .filter(|h| mounts.iter().any(|m| starts_with_comps(h, &m.host)))
            .collect();
        let vfs = Vfs {
            mounts,
            root,
            root_host: components(&root_host),
            cwd: RwLock::new(Cwd {
                path: b"/".to_vec(),
                dir: None,
            }),
            proc_reachable,
            unix_names: Mutex::new(HashMap::new()),
            hidden,
            dirs: Mutex::default(),
            dirs_used: AtomicBool::new(false),
            programs: Vec::new(),
        };
        // The guest starts where the host is, if that is granted; else at the root.
        if let Ok(cwd) = std::env::current_dir() {
            if let Some(g) = vfs.host_to_guest(cwd.as_os_str().as_bytes()) {
                let fd = sys!(
                    SYS_open,
                    c".".as_ptr(),
                    libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC
                );
                let dir = ck(fd)
                    .ok()
                    .map(own)
                    .and_then(|f| dup_high(f.as_raw_fd()))
                    .map(Arc::new);
                *vfs.cwd.write().unwrap_or_else(|e| e.into_inner()) = Cwd { path: g, dir };
            }
        }
        Ok(vfs)
    }

    /// The guest path of host path `host`, if a mount shows it.
    fn host_to_guest(&self, host: &[u8]) -> Option<Vec<u8>> {
        let hc = components(host);
        let m = &self.mounts[self.mount_of_host(&hc)?];
        let mut g = m.guest.clone();
        g.extend_from_slice(&hc[m.host.len()..]);
        Some(join(&g))
    }

    /// The mount that shows host path `hc` (grants do not nest: at most one).
    fn mount_of_host(&self, hc: &[Vec<u8>]) -> Option<usize> {
        self.mounts
            .iter()
            .position(|m| starts_with_comps(hc, &m.host))
    }

    fn mount_at(&self, g: &[Vec<u8>]) -> Option<usize> {
        self.mounts.iter().position(|m| m.guest == g)
    }

    /// `g` lies strictly above some mount point (a stand-in directory), and inside none
    /// (in a mount, the directories above a mount point in it are the mount's own).
    fn is_above_mount(&self, g: &[Vec<u8>]) -> bool {
        self.has_mount_below(g) && !self.mounts.iter().any(|m| starts_with_comps(g, &m.guest))
    }

    /// Some mount point lies strictly below guest path `g`.
    fn has_mount_below(&self, g: &[Vec<u8>]) -> bool {
        self.mounts
            .iter()
            .any(|m| m.guest.len() > g.len() && starts_with_comps(&m.guest, g))
    }

    /// The guest's working directory, read back from its handle: the name it has now.
    /// `Err(ENOENT)` when it was removed (its last known name is then used for paths,
    /// which find nothing unless a new directory took the name).
    fn cwd_now(&self) -> Result<Vec<u8>, Errno> {
        let (path, dir) = {
            let c = self.cwd.read().unwrap_or_else(|e| e.into_inner());
            (c.path.clone(), c.dir.clone())
        };
        let Some(d) = dir else {
            return Ok(path); // the root or a stand-in: never renamed
        };
        if fstat_fd(d.as_raw_fd())?.st_nlink == 0 {
            return Err(ENOENT);
        }
        let host = fd_host_path(d.as_raw_fd())?;
        // Moved out of every grant (by a host process): its last name in the guest's view.
        let g = self.host_to_guest(&host).unwrap_or(path);
        Ok(g)
    }

    /// The guest's working directory.
    fn cwd(&self) -> Vec<u8> {
        self.cwd_now().unwrap_or_else(|_| {
            self.cwd
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .path
                .clone()
        })
    }

    /// The guest path of directory descriptor `fd`.
    fn fd_guest_path(&self, fd: RawFd) -> Result<Vec<u8>, Errno> {
        let host = fd_host_path(fd)?;
        if let Some(g) = self.stand_in_guest(&host) {
            return Ok(g);
        }
        if !host.starts_with(b"/") {
            return Err(ENOTDIR); // a pipe, socket, anonymous inode
        }
        self.host_to_guest(&host).ok_or(EACCES)
    }

    /// The guest path of a stand-in, from its host path.
    fn stand_in_guest(&self, host: &[u8]) -> Option<Vec<u8>> {
        let hc = components(host);
        starts_with_comps(&hc, &self.root_host).then(|| join(&hc[self.root_host.len()..]))
    }

    /// The stand-in for guest directory `g` (which lies above a mount point).
    fn stand_in(&self, g: &[Vec<u8>]) -> Result<Dir<'_>, Errno> {
        if g.is_empty() {
            return Ok(Dir::Borrowed(&self.root));
        }
        let rel = CString::new(join(g)[1..].to_vec()).map_err(|_| EINVAL)?;
        ck(sys!(
            SYS_openat,
            self.root.as_raw_fd(),
            rel.as_ptr(),
            libc::O_PATH | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC
        ))
        .map(|fd| Dir::Owned(own(fd)))
    }

    /// The absolute guest path `path` names, relative to `dirfd` (or the cwd).
    fn absolute(&self, dirfd: i32, path: &[u8]) -> Result<Vec<u8>, Errno> {
        if path.first() == Some(&b'/') {
            return Ok(path.to_vec());
        }
        let mut base = if dirfd == libc::AT_FDCWD {
            self.cwd()
        } else {
            self.fd_guest_path(dirfd)?
        };
        base.push(b'/');
        base.extend_from_slice(path);
        Ok(base)
    }

    /// Resolve `path` (relative to `dirfd`) to its parent directory and final name.
    fn resolve(&self, dirfd: i32, path: &CStr) -> Result<Loc<'_>, Errno> {
        let p = path.to_bytes();
        if p.is_empty() {
            return Err(ENOENT);
        }
        if dirfd != libc::AT_FDCWD && p[0] != b'/' {
            if let Some(loc) = self.resolve_in_dir(dirfd, p)? {
                return Ok(loc);
            }
        }
        let abs = self.absolute(dirfd, p)?;
        self.resolve_abs(&abs, 0)
    }

    /// `path` relative to guest directory `dirfd`, from the resolver's handle on it, when
    /// the kernel can do it beneath that directory: `None` sends the call the long way
    /// (`.` or `..` in the path, a stand-in, a hidden directory below, a symlink on the way).
    fn resolve_in_dir(&self, dirfd: i32, p: &[u8]) -> Result<Option<Loc<'_>>, Errno> {
        if p.len() >= libc::PATH_MAX as usize {
            return Err(ENAMETOOLONG);
        }
        let mut comps = components(p);
        if comps.iter().any(|c| c == b"." || c == b"..") {
            return Ok(None);
        }
        let Some(e) = self.dir_handle(dirfd) else {
            return Ok(None);
        };
        if e.hidden_below {
            return Ok(None);
        }
        let last = comps.pop().expect("a relative path has a component");
        let dir = if comps.is_empty() {
            Dir::Shared(e.fd)
        } else {
            match open_beneath(e.fd.as_raw_fd(), &comps)? {
                Some(d) => Dir::Owned(d),
                None => return Ok(None),
            }
        };
        Ok(Some(Loc {
            dir,
            name: CString::new(last).map_err(|_| EINVAL)?,
            dots: 0,
            ro: self.mounts[e.mount].ro,
            virt: false,
            must_dir: p.ends_with(b"/"),
            mount: Some(e.mount),
            links: 0,
        }))
    }

    /// The resolver's handle on guest directory descriptor `fd` inside a mount, made on
    /// first use; `None` for anything else (the long way then says what is wrong).
    fn dir_handle(&self, fd: RawFd) -> Option<DirEntry> {
        let epoch = {
            let c = self.dirs.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((_, e)) = c.entries.iter().find(|(f, _)| *f == fd) {
                return Some(e.clone());
            }
            // Before the duplicate is made: a close that misses this flag came before it.
            self.dirs_used.store(true, Ordering::SeqCst);
            c.epoch
        };
        // Our own duplicate first, then its path: the guest may swap `fd`, never this.
        let dup = dup_high(fd)?;
        if !is_dir(fstat_fd(dup.as_raw_fd()).ok()?.st_mode) {
            return None;
        }
        let host = components(&fd_host_path(dup.as_raw_fd()).ok()?);
        if starts_with_comps(&host, &self.root_host) {
            return None; // a stand-in
        }
        let mount = self.mount_of_host(&host)?;
        if self.hidden.iter().any(|h| starts_with_comps(&host, h)) {
            return None;
        }
        // Its guest path: a mount nested below it is reached by name, never beneath it.
        let m = &self.mounts[mount];
        let mut g = m.guest.clone();
        g.extend_from_slice(&host[m.host.len()..]);
        let e = DirEntry {
            fd: Arc::new(dup),
            mount,
            hidden_below: self.hidden.iter().any(|h| starts_with_comps(h, &host))
                || self.has_mount_below(&g),
        };
        let mut c = self.dirs.lock().unwrap_or_else(|e| e.into_inner());
        if c.epoch == epoch {
            if c.entries.len() >= DIR_CACHE {
                c.entries.remove(0);
            }
            c.entries.push((fd, e.clone()));
        }
        Some(e)
    }

    /// The guest closed or replaced descriptors `first..=last`: forget handles on them.
    fn forget_fds(&self, first: u32, last: u32) {
        if !self.dirs_used.load(Ordering::SeqCst) {
            return;
        }
        let mut c = self.dirs.lock().unwrap_or_else(|e| e.into_inner());
        c.epoch += 1;
        c.entries
            .retain(|(f, _)| !(first as i64..=last as i64).contains(&(*f as i64)));
    }

    fn resolve_abs(&self, abs: &[u8], links: u32) -> Result<Loc<'_>, Errno> {
        let loc = self.resolve_inner(abs, links)?;
        if !self.hidden.is_empty() {
            let mut host = components(&fd_host_path(loc.dir.raw())?);
            if !loc.name.is_empty() {
                host.push(loc.name.to_bytes().to_vec());
            }
            if self.hidden.iter().any(|h| starts_with_comps(&host, h)) {
                crate::policy::refuse("the runtime's cache is never visible to the guest");
                return Err(EACCES);
            }
        }
        Ok(loc)
    }

    fn resolve_inner(&self, abs: &[u8], links: u32) -> Result<Loc<'_>, Errno> {
        if abs.len() >= libc::PATH_MAX as usize {
            return Err(ENAMETOOLONG);
        }
        let must_dir = abs.ends_with(b"/");
        let mut comps = components(abs);
        let last = comps.pop();
        fn obj(dir: Dir<'_>, ro: bool, virt: bool, mount: Option<usize>, links: u32) -> Loc<'_> {
            Loc {
                dir,
                name: CString::default(),
                dots: 0,
                ro,
                virt,
                must_dir: true,
                mount,
                links,
            }
        }
        let Some(last) = last else {
            let (d, m, virt) = self.walk(&[], links)?;
            return Ok(obj(d, self.ro(m, virt), virt, m, links));
        };
        if last == b"." || last == b".." {
            let dots = last.len() as u8;
            comps.push(last);
            let (d, m, virt) = self.walk(&comps, links)?;
            let mut l = obj(d, self.ro(m, virt), virt, m, links);
            l.dots = dots;
            return Ok(l);
        }
        comps.push(last.clone());
        if let Some(i) = self.mount_at(&comps) {
            let m = &self.mounts[i];
            if must_dir && !m.dir {
                return Err(ENOTDIR);
            }
            let mut l = obj(Dir::Borrowed(&m.fd), m.ro, false, Some(i), links);
            l.must_dir = must_dir;
            return Ok(l);
        }
        if self.is_above_mount(&comps) {
            return Ok(obj(self.stand_in(&comps)?, true, true, None, links));
        }
        comps.pop();
        let (dir, m, virt) = self.walk(&comps, links)?;
        if virt && comps.iter().any(|c| c == b"..") {
            // The walk ended in a stand-in: the name may be a mount point after all
            // (`/dev/../etc/passwd`). Stand-ins hold no symlinks, so `..` is lexical here.
            // Reduced, the path has no `..` left: the call below cannot come back here.
            let g = lexical(comps.iter().chain(std::iter::once(&last)));
            if self.mount_at(&g).is_some() || self.is_above_mount(&g) {
                let mut p = join(&g);
                if must_dir {
                    p.push(b'/');
                }
                return self.resolve_inner(&p, links);
            }
        }
        Ok(Loc {
            dir,
            dots: 0,
            name: CString::new(last).map_err(|_| EINVAL)?,
            ro: self.ro(m, virt),
            virt,
            must_dir,
            mount: m,
            links,
        })
    }

    fn ro(&self, m: Option<usize>, virt: bool) -> bool {
        virt || m.is_none_or(|i| self.mounts[i].ro)
    }

    /// Open the directory at guest components `comps`: (handle, mount, stand-in?).
    fn walk(&self, comps: &[Vec<u8>], links: u32) -> Result<(Dir<'_>, Option<usize>, bool), Errno> {
        if !comps.iter().any(|c| c == b"." || c == b"..") {
            // Fast path: the kernel resolves beneath the mount's root (the deepest mount
            // holding the path: mounts may sit at mount points inside another).
            if let Some((i, _)) = self
                .mounts
                .iter()
                .enumerate()
                .filter(|(_, m)| starts_with_comps(comps, &m.guest))
                .max_by_key(|(_, m)| m.guest.len())
            {
                let m = &self.mounts[i];
                if !m.dir {
                    return Err(ENOTDIR);
                }
                let rest = &comps[m.guest.len()..];
                if rest.is_empty() {
                    return Ok((Dir::Borrowed(&m.fd), Some(i), false));
                }
                if let Some(d) = open_beneath(m.fd.as_raw_fd(), rest)? {
                    return Ok((Dir::Owned(d), Some(i), false));
                }
            } else if comps.is_empty() || self.is_above_mount(comps) {
                return Ok((self.stand_in(comps)?, None, true));
            } else {
                crate::policy::refuse("outside the granted directories (--dir, [fs] dirs)");
                return Err(ENOENT);
            }
        }
        self.slow_walk(comps, links)
    }

    /// One component at a time, in the guest's namespace.
    fn slow_walk(
        &self,
        comps: &[Vec<u8>],
        mut links: u32,
    ) -> Result<(Dir<'_>, Option<usize>, bool), Errno> {
        struct Node<'a> {
            dir: Dir<'a>,
            mount: Option<usize>,
            guest: Vec<Vec<u8>>,
        }
        let root = || match self.mount_at(&[]) {
            Some(i) => Node {
                dir: Dir::Borrowed(&self.mounts[i].fd),
                mount: Some(i),
                guest: vec![],
            },
            None => Node {
                dir: Dir::Borrowed(&self.root),
                mount: None,
                guest: vec![],
            },
        };
        let mut stack = vec![root()];
        let mut todo: std::collections::VecDeque<Vec<u8>> = comps.iter().cloned().collect();
        while let Some(c) = todo.pop_front() {
            if c == b"." {
                continue;
            }
            if c == b".." {
                if stack.len() > 1 {
                    stack.pop();
                }
                continue;
            }
            let top = stack.last().expect("root stays");
            let mut g = top.guest.clone();
            g.push(c.clone());
            if let Some(i) = self.mount_at(&g) {
                if !self.mounts[i].dir {
                    return Err(ENOTDIR);
                }
                stack.push(Node {
                    dir: Dir::Borrowed(&self.mounts[i].fd),
                    mount: Some(i),
                    guest: g,
                });
                continue;
            }
            if top.mount.is_none() {
                if self.is_above_mount(&g) {
                    stack.push(Node {
                        dir: self.stand_in(&g)?,
                        mount: None,
                        guest: g,
                    });
                    continue;
                }
                crate::policy::refuse("outside the granted directories (--dir, [fs] dirs)");
                return Err(ENOENT);
            }
            let name = CString::new(c).map_err(|_| EINVAL)?;
            let fd = ck(sys!(
                SYS_openat,
                top.dir.raw(),
                name.as_ptr(),
                libc::O_PATH | libc::O_NOFOLLOW | libc::O_CLOEXEC
            ))
            .map(own)?;
            let st = fstat_fd(fd.as_raw_fd())?;
            if is_link(st.st_mode) {
                links += 1;
                if links > MAX_LINKS {
                    return Err(ELOOP);
                }
                let target = read_link(fd.as_raw_fd(), c"")?;
                if target.first() == Some(&b'/') {
                    stack.truncate(1);
                }
                for t in components(&target).into_iter().rev() {
                    todo.push_front(t);
                }
                continue;
            }
            if !is_dir(st.st_mode) {
                return Err(ENOTDIR);
            }
            let mount = top.mount;
            stack.push(Node {
                dir: Dir::Owned(fd),
                mount,
                guest: g,
            });
        }
        let top = stack.pop().expect("root stays");
        let virt = top.mount.is_none();
        Ok((top.dir, top.mount, virt))
    }

    /// `loc` names a symlink: resolve its target instead.
    fn follow<'a>(&'a self, loc: &Loc<'a>) -> Result<Loc<'a>, Errno> {
        let links = loc.links + 1;
        if links > MAX_LINKS {
            return Err(ELOOP);
        }
        // EINVAL: no longer a symlink (replaced meanwhile): as if it had gone.
        let mut target =
            read_link(loc.dir.raw(), &loc.name)
                .map_err(|e| if e == EINVAL { ENOENT } else { e })?;
        if target.is_empty() {
            return Err(ENOENT);
        }
        if loc.must_dir {
            target.push(b'/');
        }
        let abs = if target[0] == b'/' {
            target
        } else {
            let mut base = self.fd_guest_path(loc.dir.raw())?;
            base.push(b'/');
            base.extend_from_slice(&target);
            base
        };
        self.resolve_abs(&abs, links)
    }

    /// The object `path` names, opened `O_PATH`; symlinks followed when `follow`.
    fn object(&self, dirfd: i32, path: &CStr, follow: bool) -> Result<Obj<'_>, Errno> {
        let mut loc = self.resolve(dirfd, path)?;
        loop {
            if loc.name.is_empty() {
                return Ok(Obj {
                    fd: loc.dir,
                    ro: loc.ro,
                    virt: loc.virt,
                    mount: loc.mount,
                });
            }
            let fd = ck(sys!(
                SYS_openat,
                loc.dir.raw(),
                loc.name.as_ptr(),
                libc::O_PATH | libc::O_NOFOLLOW | libc::O_CLOEXEC
            ))
            .map(own)?;
            let st = fstat_fd(fd.as_raw_fd())?;
            if is_link(st.st_mode) && (follow || loc.must_dir) {
                loc = self.follow(&loc)?;
                continue;
            }
            if loc.must_dir && !is_dir(st.st_mode) {
                return Err(ENOTDIR);
            }
            return Ok(Obj {
                fd: Dir::Owned(fd),
                ro: loc.ro,
                virt: loc.virt,
                mount: loc.mount,
            });
        }
    }

    /// A descriptor the guest already holds: may the guest change the file behind it?
    /// Pipes, sockets and anonymous inodes yes; files only inside a read-write mount.
    fn fd_writable(&self, fd: RawFd) -> Result<(), Errno> {
        let host = fd_host_path(fd)?;
        if !host.starts_with(b"/") {
            return Ok(());
        }
        if self.stand_in_guest(&host).is_some() {
            return Err(ro_refused());
        }
        match self.mount_of_host(&components(&host)) {
            Some(i) if self.mounts[i].ro => Err(ro_refused()),
            Some(_) => Ok(()),
            None => Err(EPERM),
        }
    }

    // --- the calls -------------------------------------------------------------------

    fn open(&self, dirfd: i32, path: &CStr, flags: i32, mode: u32) -> Result<i64, Errno> {
        // A new file is never set-ID (see `setid_refused`): the bits go, as under a umask.
        let mode = mode & !(libc::S_ISUID | libc::S_ISGID);
        let write = flags & libc::O_ACCMODE != libc::O_RDONLY
            || flags & (libc::O_CREAT | libc::O_TRUNC) != 0
            || flags & O_TMPFILE == O_TMPFILE;
        let mut loc = self.resolve(dirfd, path)?;
        loop {
            if loc.ro && write {
                return Err(ro_refused());
            }
            let fd = if loc.name.is_empty() {
                if flags & (libc::O_CREAT | libc::O_EXCL) == libc::O_CREAT | libc::O_EXCL
                    && flags & O_TMPFILE != O_TMPFILE
                {
                    return Err(EEXIST);
                }
                let p = proc_fd(loc.dir.raw());
                ck(sys!(SYS_open, p.as_ptr(), flags & !libc::O_NOFOLLOW, mode))?
            } else {
                let f = flags | libc::O_NOFOLLOW | if loc.must_dir { libc::O_DIRECTORY } else { 0 };
                match ck(sys!(SYS_openat, loc.dir.raw(), loc.name.as_ptr(), f, mode)) {
                    Ok(fd) => {
                        if flags & libc::O_PATH != 0 && flags & libc::O_NOFOLLOW == 0 {
                            let st = fstat_fd(fd as RawFd);
                            if st.is_ok_and(|s| is_link(s.st_mode)) {
                                drop(own(fd));
                                loc = self.follow(&loc)?;
                                continue;
                            }
                        }
                        fd
                    }
                    Err(e) if (e == ELOOP || e == ENOTDIR) && flags & libc::O_NOFOLLOW == 0 => {
                        if self.lstat_mode(&loc).is_ok_and(is_link) {
                            loc = self.follow(&loc)?;
                            continue;
                        }
                        return Err(e);
                    }
                    Err(e) => return Err(e),
                }
            };
            if self.proc_reachable {
                self.check_proc(fd as RawFd, write)?;
            }
            return Ok(fd);
        }
    }

    /// /proc is never granted on its own; through a mount of `/` it is read-only, and
    /// `/proc/*/mem` is closed.
    fn check_proc(&self, fd: RawFd, write: bool) -> Result<(), Errno> {
        // SAFETY: plain data out-parameter.
        let mut sf: libc::statfs = unsafe { std::mem::zeroed() };
        if sys!(SYS_fstatfs, fd, &mut sf as *mut _).is_ok() && sf.f_type as i64 == PROC_SUPER_MAGIC
        {
            let host = fd_host_path(fd).unwrap_or_default();
            if write || host.ends_with(b"/mem") {
                let _ = sys!(SYS_close, fd);
                return Err(EACCES);
            }
        }
        Ok(())
    }

    fn lstat_mode(&self, loc: &Loc) -> Result<u32, Errno> {
        // SAFETY: plain data out-parameter.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        ck(sys!(
            SYS_newfstatat,
            loc.dir.raw(),
            loc.name.as_ptr(),
            &mut st as *mut _,
            libc::AT_SYMLINK_NOFOLLOW
        ))?;
        Ok(st.st_mode)
    }

    /// `fstatat` / `statx` alike: `call(dirfd, name, flags)` with no symlink followed by
    /// the kernel; returns the file type bits of what it found.
    fn stat_with(
        &self,
        dirfd: i32,
        path: &CStr,
        flags: i32,
        mut call: impl FnMut(RawFd, &CStr, i32) -> Result<u32, Errno>,
    ) -> Result<i64, Errno> {
        if path.to_bytes().is_empty() {
            if flags & libc::AT_EMPTY_PATH == 0 {
                return Err(ENOENT);
            }
            if dirfd != libc::AT_FDCWD {
                // The guest's own descriptor.
                call(dirfd, c"", libc::AT_EMPTY_PATH)?;
                return Ok(0);
            }
            return self.stat_with(dirfd, c".", flags & !libc::AT_EMPTY_PATH, call);
        }
        let follow = flags & libc::AT_SYMLINK_NOFOLLOW == 0;
        let keep = flags & !(libc::AT_SYMLINK_NOFOLLOW | libc::AT_EMPTY_PATH);
        let mut loc = self.resolve(dirfd, path)?;
        loop {
            if loc.name.is_empty() {
                call(loc.dir.raw(), c"", keep | libc::AT_EMPTY_PATH)?;
                return Ok(0);
            }
            let mode = call(loc.dir.raw(), &loc.name, keep | libc::AT_SYMLINK_NOFOLLOW)?;
            if is_link(mode) && (follow || loc.must_dir) {
                loc = self.follow(&loc)?;
                continue;
            }
            if loc.must_dir && !is_dir(mode) {
                return Err(ENOTDIR);
            }
            return Ok(0);
        }
    }

    fn access(&self, dirfd: i32, path: &CStr, mode: i32, flags: i32) -> Result<i64, Errno> {
        if flags & !(libc::AT_EACCESS | libc::AT_SYMLINK_NOFOLLOW | libc::AT_EMPTY_PATH) != 0
            || mode & !7 != 0
        {
            return Err(EINVAL);
        }
        let obj = self.object_at(dirfd, path, flags)?;
        if mode & libc::W_OK != 0 && obj.ro {
            return Err(ro_refused());
        }
        let keep = flags & libc::AT_EACCESS;
        ck(sys!(
            SYS_faccessat2,
            obj.raw(),
            c"".as_ptr(),
            mode,
            keep | libc::AT_EMPTY_PATH
        ))
    }

    /// The object for an `*at` call with `AT_SYMLINK_NOFOLLOW` / `AT_EMPTY_PATH` flags.
    fn object_at(&self, dirfd: i32, path: &CStr, flags: i32) -> Result<Obj<'_>, Errno> {
        if path.to_bytes().is_empty() && flags & libc::AT_EMPTY_PATH != 0 {
            let p = if dirfd == libc::AT_FDCWD {
                c"."
            } else {
                return self.guest_fd_obj(dirfd);
            };
            return self.object(libc::AT_FDCWD, p, true);
        }
        self.object(dirfd, path, flags & libc::AT_SYMLINK_NOFOLLOW == 0)
    }

    /// A descriptor the guest holds, as an object (checked for writes by `fd_writable`).
    fn guest_fd_obj(&self, fd: RawFd) -> Result<Obj<'_>, Errno> {
        let p = proc_fd(fd);
        let o = ck(sys!(SYS_open, p.as_ptr(), libc::O_PATH | libc::O_CLOEXEC))
            .map(own)
            .map_err(|e| if e == ENOENT { EBADF } else { e })?;
        let ro = self.fd_writable(fd).is_err();
        Ok(Obj {
            fd: Dir::Owned(o),
            ro,
            virt: false,
            mount: None,
        })
    }

    fn readlink(&self, dirfd: i32, path: &CStr, buf: &mut [u8]) -> Result<i64, Errno> {
        let loc = self.resolve(dirfd, path)?;
        if loc.name.is_empty() {
            return Err(EINVAL);
        }
        ck(sys!(
            SYS_readlinkat,
            loc.dir.raw(),
            loc.name.as_ptr(),
            buf.as_mut_ptr(),
            buf.len()
        ))
    }

    fn chmod(&self, dirfd: i32, path: &CStr, mode: u32, flags: i32) -> Result<i64, Errno> {
        let obj = self.object_at(dirfd, path, flags)?;
        if obj.ro {
            return Err(ro_refused());
        }
        let st = fstat_fd(obj.raw())?;
        if is_link(st.st_mode) {
            return Err(EOPNOTSUPP);
        }
        setid_refused(mode, st.st_mode)?;
        let p = obj.proc_path();
        ck(sys!(SYS_chmod, p.as_ptr(), mode))
    }

    fn chown(&self, dirfd: i32, path: &CStr, uid: u32, gid: u32, flags: i32) -> Result<i64, Errno> {
        if flags & !(libc::AT_SYMLINK_NOFOLLOW | libc::AT_EMPTY_PATH) != 0 {
            return Err(EINVAL);
        }
        let obj = self.object_at(dirfd, path, flags)?;
        if obj.ro {
            return Err(ro_refused());
        }
        ck(sys!(
            SYS_fchownat,
            obj.raw(),
            c"".as_ptr(),
            uid,
            gid,
            libc::AT_EMPTY_PATH
        ))
    }

    fn utimens(
        &self,
        dirfd: i32,
        path: &CStr,
        times: Option<[libc::timespec; 2]>,
        flags: i32,
    ) -> Result<i64, Errno> {
        let times = times.as_ref().map_or(std::ptr::null(), |t| t.as_ptr());
        if flags & !(libc::AT_SYMLINK_NOFOLLOW | libc::AT_EMPTY_PATH) != 0 {
            return Err(EINVAL);
        }
        let obj = self.object_at(dirfd, path, flags)?;
        if obj.ro {
            return Err(ro_refused());
        }
        if fstat_fd(obj.raw()).is_ok_and(|s| is_link(s.st_mode)) {
            // A symlink's own times: through its parent, never followed.
            let loc = self.resolve(dirfd, path)?;
            return ck(sys!(
                SYS_utimensat,
                loc.dir.raw(),
                loc.name.as_ptr(),
                times,
                libc::AT_SYMLINK_NOFOLLOW
            ));
        }
        let p = obj.proc_path();
        ck(sys!(SYS_utimensat, libc::AT_FDCWD, p.as_ptr(), times, 0))
    }

    fn truncate(&self, path: &CStr, len: i64) -> Result<i64, Errno> {
        let obj = self.object(libc::AT_FDCWD, path, true)?;
        if obj.ro {
            return Err(ro_refused());
        }
        let p = obj.proc_path();
        ck(sys!(SYS_truncate, p.as_ptr(), len))
    }

    /// `statfs` and the like: `call(host_path)` on the followed object.
    fn via_proc(
        &self,
        path: &CStr,
        follow: bool,
        call: impl FnOnce(&CStr) -> Result<i64, Errno>,
    ) -> Result<i64, Errno> {
        let obj = self.object(libc::AT_FDCWD, path, follow)?;
        call(&obj.proc_path())
    }

    /// Creating calls (mkdir, mknod, symlink, bind): `call(dirfd, name)`.
    fn create(
        &self,
        dirfd: i32,
        path: &CStr,
        call: impl FnOnce(RawFd, &CStr) -> Result<i64, Errno>,
    ) -> Result<i64, Errno> {
        let loc = self.resolve(dirfd, path)?;
        if loc.name.is_empty() {
            return Err(EEXIST);
        }
        if loc.ro {
            return Err(ro_refused());
        }
        call(loc.dir.raw(), &loc.name)
    }

    fn unlink(&self, dirfd: i32, path: &CStr, flags: i32) -> Result<i64, Errno> {
        if flags & !libc::AT_REMOVEDIR != 0 {
            return Err(EINVAL);
        }
        let loc = self.resolve(dirfd, path)?;
        if loc.name.is_empty() {
            // As Linux: rmdir of `.` is EINVAL, of `..` ENOTEMPTY; unlink of a directory
            // EISDIR; a mount point is busy.
            return Err(match (flags & libc::AT_REMOVEDIR != 0, loc.dots) {
                (true, 1) => EINVAL,
                (true, 2) => ENOTEMPTY,
                (false, 1 | 2) => EISDIR,
                _ => EBUSY,
            });
        }
        if loc.ro {
            return Err(ro_refused());
        }
        if loc.must_dir && flags & libc::AT_REMOVEDIR == 0 {
            return Err(if self.lstat_mode(&loc).is_ok_and(is_dir) {
                EISDIR
            } else {
                ENOTDIR
            });
        }
        ck(sys!(SYS_unlinkat, loc.dir.raw(), loc.name.as_ptr(), flags))
    }

    fn rename(&self, od: i32, op: &CStr, nd: i32, np: &CStr, flags: u32) -> Result<i64, Errno> {
        let (a, b) = (self.resolve(od, op)?, self.resolve(nd, np)?);
        if a.name.is_empty() || b.name.is_empty() {
            return Err(EBUSY);
        }
        if a.ro || b.ro {
            return Err(ro_refused());
        }
        if a.mount != b.mount {
            return Err(EXDEV);
        }
        ck(sys!(
            SYS_renameat2,
            a.dir.raw(),
            a.name.as_ptr(),
            b.dir.raw(),
            b.name.as_ptr(),
            flags
        ))
    }

    fn link(&self, od: i32, op: &CStr, nd: i32, np: &CStr, flags: i32) -> Result<i64, Errno> {
        if flags & !(libc::AT_SYMLINK_FOLLOW | libc::AT_EMPTY_PATH) != 0 {
            return Err(EINVAL);
        }
        let src = self.object_at(
            od,
            op,
            if flags & libc::AT_SYMLINK_FOLLOW != 0 {
                flags & libc::AT_EMPTY_PATH
            } else {
                flags | libc::AT_SYMLINK_NOFOLLOW
            },
        )?;
        let dst = self.resolve(nd, np)?;
        if dst.name.is_empty() {
            return Err(EEXIST);
        }
        if dst.ro {
            return Err(ro_refused());
        }
        // A link may not carry a file out of its mount (nor out of a read-only one).
        if src.ro || src.mount.is_some_and(|m| Some(m) != dst.mount) {
            return Err(EXDEV);
        }
        if src.mount.is_none() {
            // A descriptor the guest held (AT_EMPTY_PATH): only within the same mount.
            let host = components(&fd_host_path(src.raw())?);
            if self.mount_of_host(&host) != dst.mount {
                return Err(EXDEV);
            }
        }
        let p = src.proc_path();
        ck(sys!(
            SYS_linkat,
            libc::AT_FDCWD,
            p.as_ptr(),
            dst.dir.raw(),
            dst.name.as_ptr(),
            libc::AT_SYMLINK_FOLLOW
        ))
    }

    fn chdir(&self, path: &CStr) -> Result<i64, Errno> {
        let abs = self.absolute(libc::AT_FDCWD, path.to_bytes())?;
        let obj = self.object(libc::AT_FDCWD, path, true)?;
        if !is_dir(fstat_fd(obj.raw())?.st_mode) {
            return Err(ENOTDIR);
        }
        let guest = if obj.virt {
            // A stand-in: its guest path is the path as resolved lexically.
            join(&lexical(components(&abs).iter()))
        } else {
            let host = fd_host_path(obj.raw())?;
            self.host_to_guest(&host).ok_or(EACCES)?
        };
        self.set_cwd(&obj, guest)
    }

    fn set_cwd(&self, obj: &Obj, guest: Vec<u8>) -> Result<i64, Errno> {
        let dir = if obj.virt {
            None
        } else {
            Some(Arc::new(dup_high(obj.raw()).ok_or(EMFILE)?))
        };
        // The host's cwd follows, for programs the guest may run.
        let p = obj.proc_path();
        let _ = sys!(SYS_chdir, p.as_ptr());
        *self.cwd.write().unwrap_or_else(|e| e.into_inner()) = Cwd { path: guest, dir };
        Ok(0)
    }

    fn fchdir(&self, fd: RawFd) -> Result<i64, Errno> {
        let guest = self.fd_guest_path(fd)?;
        let st = fstat_fd(fd)?;
        if !is_dir(st.st_mode) {
            return Err(ENOTDIR);
        }
        let obj = self.guest_fd_obj(fd)?;
        self.set_cwd(&obj, guest)
    }

    /// The guest's working directory for `getcwd`, NUL included; ENOENT once removed
    /// (Linux's answer for an unlinked working directory).
    fn getcwd(&self) -> Result<Vec<u8>, Errno> {
        let mut c = self.cwd_now()?;
        c.push(0);
        Ok(c)
    }

    /// The file an `execve` runs (symlinks followed in the guest's namespace), opened
    /// once, read-only, as the runtime's own descriptor, with its host path. Everything
    /// after (the checks, the new runtime's load) goes through this descriptor, never the
    /// path again: the guest may swap the path, never what was opened.
    fn exec_open(&self, path: &CStr) -> Result<(RuntimeFd, CString), Errno> {
        let obj = self.object(libc::AT_FDCWD, path, true)?;
        if obj.virt {
            return Err(EACCES);
        }
        let host = fd_host_path(obj.raw())?;
        let host = CString::new(host).map_err(|_| EINVAL)?;
        Ok((reopen_regular(obj.raw())?, host))
    }

    /// A `sockaddr_un` path for `bind` (creating it) or `connect`: the host path the
    /// kernel should use, through the runtime's own descriptor. The returned object must
    /// live until the call is made.
    fn unix_path(&self, path: &CStr, create: bool) -> Result<(Obj<'_>, CString), Errno> {
        if create {
            let loc = self.resolve(libc::AT_FDCWD, path)?;
            if loc.name.is_empty() {
                return Err(EADDRINUSE);
            }
            if loc.ro {
                return Err(ro_refused());
            }
            let mut p = proc_fd(loc.dir.raw()).into_bytes();
            p.push(b'/');
            p.extend_from_slice(loc.name.to_bytes());
            // getsockname and friends report the path bound: give the guest its own.
            let mut g = self.fd_guest_path(loc.dir.raw()).unwrap_or_default();
            if !g.ends_with(b"/") {
                g.push(b'/');
            }
            g.extend_from_slice(loc.name.to_bytes());
            let as_given = path.to_bytes();
            let shown = if as_given.first() == Some(&b'/') {
                g
            } else {
                as_given.to_vec()
            };
            self.unix_names
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(p.clone(), shown);
            let obj = Obj {
                fd: loc.dir,
                ro: false,
                virt: loc.virt,
                mount: loc.mount,
            };
            return Ok((obj, CString::new(p).map_err(|_| EINVAL)?));
        }
        let obj = self.object(libc::AT_FDCWD, path, true)?;
        let p = obj.proc_path();
        Ok((obj, p))
    }

    /// The resolver's locks, held by `process::fork` across the host fork so that the
    /// child never finds one taken by a thread it does not have. Each is held only
    /// briefly elsewhere, and never while another of the runtime's locks is taken.
    fn hold(&self) -> impl Sized + '_ {
        (
            self.cwd.read().unwrap_or_else(|e| e.into_inner()),
            self.unix_names.lock().unwrap_or_else(|e| e.into_inner()),
            self.dirs.lock().unwrap_or_else(|e| e.into_inner()),
        )
    }

    /// The guest's name for a unix socket path the kernel reports, if it is one the
    /// runtime bound for it.
    fn unix_name(&self, host: &[u8]) -> Option<Vec<u8>> {
        if !host.starts_with(b"/proc/self/fd/") {
            return None;
        }
        self.unix_names
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(host)
            .cloned()
    }
}

/// A set-user-ID bit, or a set-group-ID bit on anything but a directory (where it only
/// picks the group of new files): EPERM under the sandbox. The guest's files belong to
/// the runtime's user (root, often), and a set-ID program planted in a grant runs as
/// that user, outside every sandbox, for whoever starts it later.
fn setid_refused(mode: u32, st_mode: u32) -> Result<(), Errno> {
    if mode & libc::S_ISUID != 0 || (mode & libc::S_ISGID != 0 && !is_dir(st_mode)) {
        return Err(crate::policy::denied(
            "set-ID programs are never made in the sandbox (their owner is the runtime's user)",
        ));
    }
    Ok(())
}

/// Host directory `outer` holds an entry at `rel` (a directory when `dir`, else a regular
/// file), every component a real directory, no symlink on the way: a mount point.
fn holds_mount_point(outer: &[Vec<u8>], rel: &[Vec<u8>], dir: bool) -> bool {
    let mut p = join(outer);
    for (i, c) in rel.iter().enumerate() {
        if p.last() != Some(&b'/') {
            p.push(b'/');
        }
        p.extend_from_slice(c);
        let Ok(st) = std::fs::symlink_metadata(std::ffi::OsStr::from_bytes(&p)) else {
            return false;
        };
        let last = i + 1 == rel.len();
        let ok = if last && !dir {
            st.file_type().is_file()
        } else {
            st.file_type().is_dir()
        };
        if !ok {
            return false;
        }
    }
    true
}

/// The skeleton: a directory for each stand-in (each directory above a mount point),
/// holding an entry named after each mount point below it, so listings show them.
fn make_skeleton(dir: &Path, mounts: &[Mount]) -> Result<(OwnedFd, Vec<u8>), String> {
    let err = |p: &Path, e: std::io::Error| format!("cannot make {}: {e}", p.display());
    std::fs::create_dir_all(dir).map_err(|e| err(dir, e))?;
    for m in mounts {
        let Some((last, parents)) = m.guest.split_last() else {
            continue;
        };
        let mut p = dir.to_path_buf();
        for c in parents {
            p.push(std::ffi::OsStr::from_bytes(c));
        }
        std::fs::create_dir_all(&p).map_err(|e| err(&p, e))?;
        p.push(std::ffi::OsStr::from_bytes(last));
        let r = if m.dir {
            std::fs::create_dir(&p)
        } else {
            std::fs::File::create(&p).map(drop)
        };
        if let Err(e) = r {
            if e.kind() != std::io::ErrorKind::AlreadyExists {
                return Err(err(&p, e));
            }
        }
    }
    let canon = std::fs::canonicalize(dir).map_err(|e| err(dir, e))?;
    let c = CString::new(canon.as_os_str().as_bytes()).map_err(|_| "NUL in path".to_string())?;
    let fd = sys!(
        SYS_open,
        c.as_ptr(),
        libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC
    );
    let fd = ck(fd)
        .map(own)
        .map(keep_high)
        .map_err(|e| format!("cannot open {}: {}", dir.display(), message(e.0)))?;
    Ok((fd, canon.as_os_str().as_bytes().to_vec()))
}

// --- the file-system interface ---------------------------------------------------------

impl Vfs {
    /// Under `--allow-exec`: let the guest find host programs in these host
    /// directories (absolute, as on the runtime's `PATH`) by `stat`, `lstat`, `statx`
    /// and `access`, as a `PATH` search does before it `execve`s one.
    pub fn program_dirs(&mut self, dirs: Vec<Vec<u8>>) {
        self.programs = dirs;
    }

    /// The host path of a host program the guest may look up (see `program_dirs`):
    /// `DIR/NAME` exactly, with DIR one of the directories and NAME one component, naming
    /// a regular file with an execute bit that is not a WebAssembly module.
    fn program<'a>(&self, path: &'a CStr) -> Option<&'a CStr> {
        let b = path.to_bytes();
        let cut = b.iter().rposition(|&c| c == b'/')?;
        let (dir, name) = (&b[..cut], &b[cut + 1..]);
        if name.is_empty()
            || name == b"."
            || name == b".."
            || !self.programs.iter().any(|d| d == dir)
        {
            return None;
        }
        let fd = super::open_host(path).ok()?;
        let st = fstat_fd(fd.as_raw_fd()).ok()?;
        (st.st_mode & 0o111 != 0 && !is_wasm(fd.as_raw_fd())).then_some(path)
    }
}

impl FileSystem for Vfs {
    fn open(&self, dir: i32, path: &GuestPath, flags: i32, mode: u32) -> SysResult {
        Ok(Vfs::open(self, dir, path.c(), flags, mode)?)
    }

    fn stat(&self, dir: i32, path: &GuestPath, flags: i32, st: &mut libc::stat) -> SysResult {
        let out: *mut libc::stat = st;
        let r = self.stat_with(dir, path.c(), flags, |d, n, f| {
            ck(sys!(SYS_newfstatat, d, n.as_ptr(), out, f))?;
            // SAFETY: `out` is the caller's `stat`, just filled.
            Ok(unsafe { (*out).st_mode })
        });
        match r {
            Err(e) if e == ENOENT => match self.program(path.c()) {
                Some(h) => sys!(
                    SYS_newfstatat,
                    libc::AT_FDCWD,
                    h.as_ptr(),
                    out,
                    flags & libc::AT_SYMLINK_NOFOLLOW
                ),
                None => Err(e.into()),
            },
            r => Ok(r?),
        }
    }

    fn statx(
        &self,
        dir: i32,
        path: &GuestPath,
        flags: i32,
        mask: u32,
        buf: &mut [u8; 256],
    ) -> SysResult {
        let r = self.stat_with(dir, path.c(), flags, |d, n, f| {
            sys!(
                SYS_statx,
                d,
                n.as_ptr(),
                f,
                mask | libc::STATX_TYPE,
                buf.as_mut_ptr()
            )
            .map_err(errno_of)?;
            // stx_mode: u16 at offset 28.
            Ok(u16::from_le_bytes([buf[28], buf[29]]) as u32)
        });
        match r {
            Err(e) if e == ENOENT => match self.program(path.c()) {
                Some(h) => sys!(
                    SYS_statx,
                    libc::AT_FDCWD,
                    h.as_ptr(),
                    flags & libc::AT_SYMLINK_NOFOLLOW,
                    mask,
                    buf.as_mut_ptr()
                ),
                None => Err(e.into()),
            },
            r => Ok(r?),
        }
    }

    fn statfs(&self, path: &GuestPath, buf: &mut [u8; 120]) -> SysResult {
        Ok(self.via_proc(path.c(), true, |h| {
            ck(sys!(SYS_statfs, h.as_ptr(), buf.as_mut_ptr()))
        })?)
    }

    fn access(&self, dir: i32, path: &GuestPath, mode: i32, flags: i32) -> SysResult {
        match Vfs::access(self, dir, path.c(), mode, flags) {
            Err(e) if e == ENOENT => match self.program(path.c()) {
                // Looked up, never changed: the grant is read-only.
                Some(_) if mode & libc::W_OK != 0 => Err(ro_refused().into()),
                Some(h) => sys!(
                    SYS_faccessat2,
                    libc::AT_FDCWD,
                    h.as_ptr(),
                    mode,
                    flags & (libc::AT_EACCESS | libc::AT_SYMLINK_NOFOLLOW)
                ),
                None => Err(e.into()),
            },
            r => Ok(r?),
        }
    }

    fn readlink(&self, dir: i32, path: &GuestPath, buf: &mut [u8]) -> SysResult {
        Ok(Vfs::readlink(self, dir, path.c(), buf)?)
    }

    fn truncate(&self, path: &GuestPath, len: i64) -> SysResult {
        Ok(Vfs::truncate(self, path.c(), len)?)
    }

    fn chdir(&self, path: &GuestPath) -> SysResult {
        Ok(Vfs::chdir(self, path.c())?)
    }

    fn fchdir(&self, fd: i32) -> SysResult {
        Ok(Vfs::fchdir(self, fd)?)
    }

    fn getcwd(&self, buf: &mut [u8]) -> SysResult {
        let c = Vfs::getcwd(self)?;
        if c.len() > buf.len() {
            return Err(ERANGE.into());
        }
        buf[..c.len()].copy_from_slice(&c);
        Ok(c.len() as i64)
    }

    fn mkdir(&self, dir: i32, path: &GuestPath, mode: u32) -> SysResult {
        Ok(self.create(dir, path.c(), |d, n| {
            ck(sys!(SYS_mkdirat, d, n.as_ptr(), mode))
        })?)
    }

    fn mknod(&self, dir: i32, path: &GuestPath, mode: u32, dev: u32) -> SysResult {
        // Files, fifos and sockets only: a device node would open the host's devices.
        let kind = mode & libc::S_IFMT;
        if kind == libc::S_IFCHR || kind == libc::S_IFBLK {
            return Err(
                crate::policy::denied("device nodes are never created in the sandbox").into(),
            );
        }
        // A new file is never set-ID (`setid_refused`): the bits go, as under a umask.
        let mode = mode & !(libc::S_ISUID | libc::S_ISGID);
        Ok(self.create(dir, path.c(), |d, n| {
            ck(sys!(SYS_mknodat, d, n.as_ptr(), mode, dev))
        })?)
    }

    fn symlink(&self, target: &GuestPath, dir: i32, link: &GuestPath) -> SysResult {
        // The target is only text: it is resolved (in the sandbox) when followed.
        let t = target.c();
        Ok(self.create(dir, link.c(), |d, n| {
            ck(sys!(SYS_symlinkat, t.as_ptr(), d, n.as_ptr()))
        })?)
    }

    fn unlink(&self, dir: i32, path: &GuestPath, flags: i32) -> SysResult {
        Ok(Vfs::unlink(self, dir, path.c(), flags)?)
    }

    fn rename(&self, od: i32, op: &GuestPath, nd: i32, np: &GuestPath, flags: u32) -> SysResult {
        Ok(Vfs::rename(self, od, op.c(), nd, np.c(), flags)?)
    }

    fn link(&self, od: i32, op: &GuestPath, nd: i32, np: &GuestPath, flags: i32) -> SysResult {
        Ok(Vfs::link(self, od, op.c(), nd, np.c(), flags)?)
    }

    fn chmod(&self, dir: i32, path: &GuestPath, mode: u32) -> SysResult {
        Ok(Vfs::chmod(self, dir, path.c(), mode, 0)?)
    }

    fn fchmod(&self, fd: i32, mode: u32) -> SysResult {
        Vfs::fd_writable(self, fd)?;
        setid_refused(mode, fstat_fd(fd)?.st_mode)?;
        sys!(SYS_fchmod, fd, mode)
    }

    fn chown(&self, dir: i32, path: &GuestPath, uid: u32, gid: u32, flags: i32) -> SysResult {
        Ok(Vfs::chown(self, dir, path.c(), uid, gid, flags)?)
    }

    fn fchown(&self, fd: i32, uid: u32, gid: u32) -> SysResult {
        Vfs::fd_writable(self, fd)?;
        sys!(SYS_fchown, fd, uid, gid)
    }

    fn utimens(
        &self,
        dir: i32,
        path: Option<&GuestPath>,
        times: Option<[libc::timespec; 2]>,
        flags: i32,
    ) -> SysResult {
        match path {
            None => {
                Vfs::fd_writable(self, dir)?;
                let t = times.as_ref().map_or(std::ptr::null(), |t| t.as_ptr());
                sys!(SYS_utimensat, dir, std::ptr::null::<u8>(), t, flags)
            }
            Some(p) => Ok(Vfs::utimens(self, dir, p.c(), times, flags)?),
        }
    }

    fn inotify_add_watch(&self, fd: i32, path: &GuestPath, mask: u32) -> SysResult {
        let follow = mask & libc::IN_DONT_FOLLOW == 0;
        Ok(self.via_proc(path.c(), follow, |h| {
            sys!(
                SYS_inotify_add_watch,
                fd,
                h.as_ptr(),
                mask & !libc::IN_DONT_FOLLOW
            )
            .map_err(errno_of)
        })?)
    }

    fn exec_open(&self, path: &GuestPath, host_programs: bool) -> Result<ExecFile, Errno> {
        let name = path.c().to_owned();
        match Vfs::exec_open(self, path.c()) {
            Ok((fd, host)) => Ok(ExecFile { fd, host, name }),
            // Host programs (granted) are found on the host: /bin/sh for system().
            Err(e) if host_programs && name.as_bytes().first() == Some(&b'/') => {
                match open_host(&name) {
                    // A module outside the grants stays outside.
                    Ok(fd) if is_wasm(fd.as_raw_fd()) => Err(e),
                    Ok(fd) => Ok(ExecFile {
                        fd,
                        host: name.clone(),
                        name,
                    }),
                    Err(_) => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    fn unix_addr(&self, path: &GuestPath, bind: bool) -> Result<Option<UnixAddr<'_>>, Errno> {
        let (obj, host) = self.unix_path(path.c(), bind)?;
        Ok(Some(UnixAddr {
            host,
            _keep: Box::new(obj),
        }))
    }

    fn unix_name(&self, host: &[u8]) -> Option<Vec<u8>> {
        Vfs::unix_name(self, host)
    }

    fn renames_unix(&self) -> bool {
        true
    }

    fn host_namespace(
        &self,
        _path: &GuestPath,
        why: &'static str,
        _call: &mut dyn FnMut(&CStr) -> SysResult,
    ) -> SysResult {
        Err(crate::policy::denied(why).into())
    }

    fn closed(&self, first: u32, last: u32) {
        self.forget_fds(first, last);
    }

    fn fd_writable(&self, fd: i32) -> Result<(), Errno> {
        Vfs::fd_writable(self, fd)
    }

    fn hold(&self) -> Box<dyn Held + '_> {
        Box::new(Vfs::hold(self))
    }
}

/// The resolver in process, on directories of its own: each test grants a fresh host
/// directory at guest `/g` (and whatever else it names) and checks what guest paths reach.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::errno::Stop;
    use std::sync::atomic::AtomicU32;

    /// A fresh host directory under the system's temporary directory, removed on drop.
    struct Tmp(PathBuf);
    impl Tmp {
        fn new(what: &str) -> Tmp {
            static N: AtomicU32 = AtomicU32::new(0);
            let p = std::env::temp_dir().join(format!(
                "wali-vfs-test-{}-{}-{what}",
                std::process::id(),
                N.fetch_add(1, Ordering::SeqCst)
            ));
            std::fs::create_dir_all(&p).unwrap();
            Tmp(std::fs::canonicalize(&p).unwrap())
        }
        fn path(&self, rel: &str) -> PathBuf {
            self.0.join(rel)
        }
    }
    impl Drop for Tmp {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// `host` (the grant) inside a parent directory holding a `secret` beside it, granted
    /// read-write at `/g`; plus any `extra` grants.
    struct World {
        top: Tmp,
        _skel: Tmp,
        vfs: Vfs,
    }
    impl World {
        fn new(extra: &[(&str, &str, bool)]) -> World {
            let top = Tmp::new("top");
            std::fs::create_dir(top.path("grant")).unwrap();
            std::fs::write(top.path("secret"), b"host secret").unwrap();
            let mut specs = vec![MountSpec {
                host: top.path("grant"),
                guest: PathBuf::from("/g"),
                ro: false,
                origin: "test".into(),
            }];
            for (host, guest, ro) in extra {
                std::fs::create_dir_all(top.path(host)).unwrap();
                specs.push(MountSpec {
                    host: top.path(host),
                    guest: PathBuf::from(guest),
                    ro: *ro,
                    origin: "test".into(),
                });
            }
            let skel = Tmp::new("skel");
            let vfs = Vfs::new(&specs, &[], &skel.path("root")).unwrap();
            World {
                top,
                _skel: skel,
                vfs,
            }
        }
        /// The grant's host path of `rel`.
        fn g(&self, rel: &str) -> PathBuf {
            self.top.path("grant").join(rel)
        }
        fn fs(&self) -> &dyn FileSystem {
            &self.vfs
        }
        /// Open guest `path` read-only and read it whole.
        fn read(&self, path: &str) -> Result<Vec<u8>, Errno> {
            self.read_at(libc::AT_FDCWD, path)
        }
        fn read_at(&self, dir: i32, path: &str) -> Result<Vec<u8>, Errno> {
            let fd = self.open(dir, path, libc::O_RDONLY)?;
            // SAFETY: fd was opened for this test and is owned here.
            let f = unsafe { std::fs::File::from_raw_fd(fd) };
            Ok(std::io::Read::bytes(f).map(Result::unwrap).collect())
        }
        fn open(&self, dir: i32, path: &str, flags: i32) -> Result<RawFd, Errno> {
            let p = GuestPath::from_bytes(path.as_bytes()).unwrap();
            match self.fs().open(dir, &p, flags | libc::O_CLOEXEC, 0o644) {
                Ok(fd) => Ok(fd as RawFd),
                Err(s) => Err(errno(s)),
            }
        }
    }

    fn errno(s: Stop) -> Errno {
        match s {
            Stop::Errno(e) => e,
            Stop::Exit(x) => panic!("{x}"),
        }
    }

    fn symlink(target: &str, at: PathBuf) {
        std::os::unix::fs::symlink(target, at).unwrap();
    }

    #[test]
    fn a_granted_file_reads_and_the_rest_of_the_host_does_not_exist() {
        let w = World::new(&[]);
        std::fs::write(w.g("f"), b"mine").unwrap();
        assert_eq!(w.read("/g/f").unwrap(), b"mine");
        let secret = w.top.path("secret");
        assert_eq!(w.read(secret.to_str().unwrap()), Err(ENOENT));
        assert_eq!(w.read("/etc/passwd"), Err(ENOENT));
    }

    #[test]
    fn symlink_loops_end_in_eloop() {
        let w = World::new(&[]);
        symlink("b", w.g("a"));
        symlink("a", w.g("b"));
        symlink("self", w.g("self"));
        symlink("/g/abs", w.g("abs"));
        assert_eq!(w.read("/g/a"), Err(ELOOP));
        assert_eq!(w.read("/g/self"), Err(ELOOP));
        assert_eq!(w.read("/g/abs"), Err(ELOOP));
        // A loop in the middle of a path, walked component by component.
        assert_eq!(w.read("/g/a/x"), Err(ELOOP));
        // A chain of 40 links resolves (Linux's MAXSYMLINKS); 41 do not.
        std::fs::write(w.g("end"), b"end").unwrap();
        symlink("end", w.g("l0"));
        for i in 1..=40 {
            symlink(&format!("l{}", i - 1), w.g(&format!("l{i}")));
        }
        assert_eq!(w.read("/g/l39").unwrap(), b"end");
        assert_eq!(w.read("/g/l40"), Err(ELOOP));
    }

    #[test]
    fn dotdot_at_a_grants_root_stays_in_the_guests_namespace() {
        let w = World::new(&[]);
        // Beside the grant on the host lies `secret`: `..` never reaches it.
        assert_eq!(w.read("/g/../secret"), Err(ENOENT));
        assert_eq!(w.read("/g/../../../secret"), Err(ENOENT));
        // Nor by a relative symlink that climbs out, at any depth.
        symlink("../secret", w.g("up"));
        symlink("../../../../../../secret", w.g("far"));
        std::fs::create_dir(w.g("d")).unwrap();
        symlink("../../secret", w.g("d/up2"));
        assert_eq!(w.read("/g/up"), Err(ENOENT));
        assert_eq!(w.read("/g/far"), Err(ENOENT));
        assert_eq!(w.read("/g/d/up2"), Err(ENOENT));
        // `..` above the root is the root (a stand-in), from which /g is found again.
        std::fs::write(w.g("f"), b"again").unwrap();
        assert_eq!(w.read("/g/../../g/f").unwrap(), b"again");
        symlink("../../g/f", w.g("d/loop_back"));
        assert_eq!(w.read("/g/d/loop_back").unwrap(), b"again");
        // Relative to a directory descriptor inside the grant, the same.
        let d = w
            .open(libc::AT_FDCWD, "/g/d", libc::O_RDONLY | libc::O_DIRECTORY)
            .unwrap();
        assert_eq!(w.read_at(d, "../../secret"), Err(ENOENT));
        assert_eq!(w.read_at(d, "../f").unwrap(), b"again");
        // SAFETY: opened above.
        unsafe { libc::close(d) };
    }

    #[test]
    fn absolute_symlinks_are_guest_paths() {
        let w = World::new(&[]);
        std::fs::write(w.g("target"), b"inside").unwrap();
        // A guest-absolute link inside the grant resolves inside it.
        symlink("/g/target", w.g("abs"));
        assert_eq!(w.read("/g/abs").unwrap(), b"inside");
        // A host-absolute one names the host path in the guest's namespace: not granted.
        let host_target = w.g("target");
        symlink(host_target.to_str().unwrap(), w.g("host_abs"));
        assert_eq!(w.read("/g/host_abs"), Err(ENOENT));
        // Nor does one reach the host's files.
        let secret = w.top.path("secret");
        symlink(secret.to_str().unwrap(), w.g("to_secret"));
        assert_eq!(w.read("/g/to_secret"), Err(ENOENT));
        symlink("/", w.g("root"));
        let via_root = format!("/g/root{}", secret.display());
        assert_eq!(w.read(&via_root), Err(ENOENT));
        assert_eq!(w.read("/g/root/g/target").unwrap(), b"inside");
    }

    #[test]
    fn a_path_through_a_file_is_enotdir() {
        let w = World::new(&[]);
        std::fs::write(w.g("file"), b"x").unwrap();
        assert_eq!(w.read("/g/file/x"), Err(ENOTDIR));
        assert_eq!(w.read("/g/file/"), Err(ENOTDIR));
        assert_eq!(w.read("/g/file/../file"), Err(ENOTDIR));
        symlink("file", w.g("link"));
        assert_eq!(w.read("/g/link/"), Err(ENOTDIR));
        assert_eq!(w.read("/g/link").unwrap(), b"x");
    }

    #[test]
    fn a_swapped_directory_does_not_lend_its_grant() {
        let w = World::new(&[]);
        std::fs::create_dir(w.g("d")).unwrap();
        std::fs::write(w.g("d/f"), b"in d").unwrap();
        let d = w
            .open(libc::AT_FDCWD, "/g/d", libc::O_RDONLY | libc::O_DIRECTORY)
            .unwrap();
        assert_eq!(w.read_at(d, "f").unwrap(), b"in d");
        // The directory moves away and a symlink to the host's parent takes its name: the
        // descriptor still names the directory (as on Linux), and the name the symlink,
        // resolved in the guest's namespace.
        std::fs::rename(w.g("d"), w.g("moved")).unwrap();
        let top = w.top.0.to_str().unwrap().to_string();
        symlink(&top, w.g("d"));
        assert_eq!(w.read_at(d, "f").unwrap(), b"in d");
        assert_eq!(w.read("/g/d/secret"), Err(ENOENT));
        assert_eq!(w.read("/g/moved/f").unwrap(), b"in d");
        // The descriptor's number now names another directory (outside every grant): the
        // resolver's handle on the old one is forgotten and the new one is not granted.
        let outside = CString::new(top).unwrap();
        // SAFETY: a valid path; the new descriptor replaces `d`'s number.
        let o = unsafe { libc::open(outside.as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY) };
        assert!(o >= 0);
        // SAFETY: both are this test's descriptors.
        unsafe { libc::dup2(o, d) };
        w.fs().closed(d as u32, d as u32);
        assert_eq!(w.read_at(d, "secret"), Err(EACCES));
        // SAFETY: both are this test's descriptors.
        unsafe {
            libc::close(o);
            libc::close(d);
        }
    }

    #[test]
    fn read_only_grants_and_stand_ins_refuse_writes() {
        let w = World::new(&[("ro", "/r/o", true)]);
        std::fs::write(w.top.path("ro/f"), b"ro").unwrap();
        assert_eq!(w.read("/r/o/f").unwrap(), b"ro");
        assert_eq!(w.open(libc::AT_FDCWD, "/r/o/f", libc::O_WRONLY), Err(EROFS));
        assert_eq!(
            w.open(libc::AT_FDCWD, "/r/o/new", libc::O_WRONLY | libc::O_CREAT),
            Err(EROFS)
        );
        // `/r` is a stand-in: it lists the mount point and holds nothing else.
        let mk = GuestPath::from_bytes(b"/r/x").unwrap();
        assert!(matches!(
            w.fs().mkdir(libc::AT_FDCWD, &mk, 0o755),
            Err(Stop::Errno(e)) if e == EROFS
        ));
        // Renames and links do not carry a file across grants.
        std::fs::write(w.g("mine"), b"rw").unwrap();
        let (a, b) = (
            GuestPath::from_bytes(b"/g/mine").unwrap(),
            GuestPath::from_bytes(b"/r/o/mine").unwrap(),
        );
        assert!(matches!(
            w.fs().rename(libc::AT_FDCWD, &a, libc::AT_FDCWD, &b, 0),
            Err(Stop::Errno(e)) if e == EROFS
        ));
    }
}
