//! A box's read-only tree (docs/box-format.md) as a layer over the run's own file system
//! (the sandbox, or the pass-through): paths at or below the box's mount points (its
//! top-level entries, `/app`, `/opt/ruby`...) are answered from the box's index, every
//! other path goes to the layer below unchanged. So the operator's grants (`--dir`) and
//! the private /tmp work as they do without a box, and the box needs no host directory.
//!
//! Why a layer, not a mount kind inside `sandbox.rs`: the sandbox's resolver works on host
//! directory descriptors from end to end (openat2 beneath a mount's root, `O_PATH` walks);
//! a tree with no host directory would need a second kind of handle through every one of
//! its calls. The box is resolved here instead, on its index, with its own symlinks; it
//! composes with `--allow-all` as well.
//!
//! Descriptors: an in-box file opened by the guest is a memfd holding its contents (read
//! from the box once per open, checked against the file's SHA-256, then reopened
//! read-only), so read, pread, lseek, mmap (`MAP_PRIVATE`), poll and the rest are the
//! kernel's own. An in-box directory is an empty memfd; `getdents64` on it is served here,
//! its position kept as the descriptor's file offset. Either is known by its memfd name
//! (`wali-box-TOKEN-INDEX`, TOKEN random per run), so `fstat`, `fstatat(fd, "")`,
//! `openat(fd, name)`, `fchdir(fd)` on them answer as for the box's entry.

use super::boxfile::{self, BoxImage, DIR, FILE, SYMLINK};
use super::{ExecFile, FileSystem, GuestPath, Held, UnixAddr};
use crate::errno::SysResult;
use crate::errno::*;
use std::ffi::{CStr, CString};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;

const MAX_LINKS: u32 = 40;
/// The device number in-box entries report (major 0, minor 251: no real device).
const BOX_DEV: u64 = 251;

/// The guest's working directory, as this layer knows it.
#[derive(Clone)]
enum Cwd {
    /// In the box: its normalized path.
    Box(Vec<u8>),
    /// Below (the layer below keeps it); its guest path as of the last chdir, for
    /// relative paths that climb into the box.
    Below(Vec<u8>),
}

pub struct BoxFs {
    below: Box<dyn FileSystem>,
    image: BoxImage,
    token: String,
    /// The host path of the sandbox's skeleton (stand-in directories), if any: a guest
    /// directory descriptor there has a known guest path.
    skeleton: Option<Vec<u8>>,
    cwd: RwLock<Cwd>,
    /// The st_dev of memfds (learned from the first one made); 0 = none made yet.
    memfd_dev: AtomicU64,
    uid: u32,
    gid: u32,
}

/// Where a guest path leads.
enum Hit {
    /// Not the box's: the path (or this absolute one) goes to the layer below.
    Below(Option<Vec<u8>>),
    /// Entry `i` of the box.
    In(u32),
    /// The path is the box's and names nothing usable (ENOENT, ENOTDIR, ELOOP).
    Err(Errno),
}

fn comps(p: &[u8]) -> Vec<Vec<u8>> {
    p.split(|&c| c == b'/')
        .filter(|c| !c.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

fn join(c: &[Vec<u8>]) -> Vec<u8> {
    if c.is_empty() {
        return b"/".to_vec();
    }
    let mut p = Vec::new();
    for x in c {
        p.push(b'/');
        p.extend_from_slice(x);
    }
    p
}

/// The host path a descriptor names (`/proc/self/fd/N`).
fn fd_link(fd: i32) -> Option<Vec<u8>> {
    let p = CString::new(format!("/proc/self/fd/{fd}")).ok()?;
    let mut buf = [0u8; 4096];
    let n = sys!(
        SYS_readlinkat,
        libc::AT_FDCWD,
        p.as_ptr(),
        buf.as_mut_ptr(),
        buf.len()
    )
    .ok()? as usize;
    Some(buf[..n].to_vec())
}

impl BoxFs {
    /// The box's tree over `below`; the guest starts in `cwd` (a guest path).
    pub fn new(
        below: Box<dyn FileSystem>,
        image: BoxImage,
        skeleton: Option<&std::path::Path>,
        cwd: &[u8],
    ) -> Result<BoxFs, String> {
        let mut r = [0u8; 8];
        let _ = sys!(SYS_getrandom, r.as_mut_ptr(), r.len(), 0);
        let token: String = r.iter().map(|b| format!("{b:02x}")).collect();
        use std::os::unix::ffi::OsStrExt;
        let skeleton = skeleton.map(|s| {
            std::fs::canonicalize(s)
                .unwrap_or_else(|_| s.to_path_buf())
                .as_os_str()
                .as_bytes()
                .to_vec()
        });
        // SAFETY: no arguments, no failure.
        let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
        let fs = BoxFs {
            below,
            image,
            token,
            skeleton,
            cwd: RwLock::new(Cwd::Below(b"/".to_vec())),
            memfd_dev: AtomicU64::new(0),
            uid,
            gid,
        };
        let mut buf = [0u8; 4096];
        if let Ok(n) = fs.below.getcwd(&mut buf) {
            let n = (n as usize).saturating_sub(1);
            *fs.cwd.write().unwrap_or_else(|e| e.into_inner()) = Cwd::Below(buf[..n].to_vec());
        }
        let p = GuestPath::from_bytes(cwd).map_err(|_| "bad working directory".to_string())?;
        fs.chdir(&p).map_err(|e| {
            let e = match e {
                Stop::Errno(e) => e.0,
                _ => libc::EINVAL,
            };
            format!(
                "the box's working directory {}: {}",
                String::from_utf8_lossy(cwd),
                message(e)
            )
        })?;
        Ok(fs)
    }

    fn is_top(&self, name: &[u8]) -> bool {
        self.image
            .tops
            .iter()
            .any(|&t| boxfile::base(&self.image.entries[t as usize].path) == name)
    }

    /// The box entry a guest descriptor is, by its memfd's name.
    fn box_fd(&self, fd: i32) -> Option<u32> {
        if self.memfd_dev.load(Ordering::Relaxed) == 0 {
            return None;
        }
        let l = fd_link(fd)?;
        self.box_of_link(&l)
    }

    fn box_of_link(&self, l: &[u8]) -> Option<u32> {
        let prefix = format!("/memfd:wali-box-{}-", self.token);
        let rest = l.strip_prefix(prefix.as_bytes())?;
        let end = rest.iter().position(|&c| c == b' ').unwrap_or(rest.len());
        let i: u32 = std::str::from_utf8(&rest[..end]).ok()?.parse().ok()?;
        ((i as usize) < self.image.entries.len()).then_some(i)
    }

    /// Where `path` (relative to `dirfd`) leads; symlinks in the box followed, the last
    /// one only when `follow`.
    fn hit(&self, dirfd: i32, path: &[u8], follow: bool) -> Hit {
        if path.is_empty() {
            return Hit::Below(None);
        }
        let abs = path[0] == b'/';
        let mut base_box = false;
        let base: Vec<Vec<u8>> = if abs {
            // Fast path: an absolute path whose first name is none of the box's.
            let first = path.split(|&c| c == b'/').find(|c| !c.is_empty());
            match first {
                Some(f) if f != b"." && f != b".." && !self.is_top(f) => return Hit::Below(None),
                None => return Hit::Below(None),
                _ => {}
            }
            Vec::new()
        } else if dirfd == libc::AT_FDCWD {
            match &*self.cwd.read().unwrap_or_else(|e| e.into_inner()) {
                Cwd::Box(p) => {
                    base_box = true;
                    comps(p)
                }
                Cwd::Below(p) => {
                    let c = comps(p);
                    if !c.first().is_none_or(|f| self.is_top(f))
                        && !path.split(|&x| x == b'/').any(|x| x == b"..")
                    {
                        return Hit::Below(None);
                    }
                    c
                }
            }
        } else {
            let Some(l) = fd_link(dirfd) else {
                return Hit::Below(None);
            };
            if let Some(i) = self.box_of_link(&l) {
                if self.image.entries[i as usize].kind != DIR {
                    return Hit::Err(ENOTDIR);
                }
                base_box = true;
                comps(&self.image.entries[i as usize].path)
            } else {
                match self
                    .skeleton
                    .as_ref()
                    .and_then(|s| l.strip_prefix(s.as_slice()))
                {
                    Some(rest) if rest.is_empty() || rest[0] == b'/' => comps(rest),
                    _ => {
                        if !path.split(|&x| x == b'/').any(|x| x == b"..") {
                            return Hit::Below(None);
                        }
                        // `..` from a granted directory: its guest path is the layer
                        // below's business; only climbs into the box matter here, which
                        // need the guest path. Unknown: leave it below.
                        return Hit::Below(None);
                    }
                }
            }
        };
        let must_dir = path.ends_with(b"/");
        self.walk(base, comps(path), follow, must_dir, base_box)
    }

    fn walk(
        &self,
        mut cur: Vec<Vec<u8>>,
        rest: Vec<Vec<u8>>,
        follow: bool,
        must_dir: bool,
        base_box: bool,
    ) -> Hit {
        let mut todo: std::collections::VecDeque<Vec<u8>> = rest.into();
        let mut links = 0u32;
        // The path as given can go below unchanged while nothing was rewritten.
        let mut rewritten = base_box;
        let mut entry: Option<u32> = if cur.is_empty() {
            None
        } else {
            self.image.lookup(&join(&cur))
        };
        while let Some(c) = todo.pop_front() {
            if c == b"." {
                continue;
            }
            if c == b".." {
                rewritten = true;
                cur.pop();
                entry = if cur.is_empty() {
                    None
                } else {
                    self.image.lookup(&join(&cur))
                };
                continue;
            }
            cur.push(c);
            let last = todo.is_empty();
            let p = join(&cur);
            match self.image.lookup(&p) {
                Some(i) => {
                    let e = &self.image.entries[i as usize];
                    match e.kind {
                        SYMLINK if !last || follow || must_dir => {
                            links += 1;
                            if links > MAX_LINKS {
                                return Hit::Err(ELOOP);
                            }
                            let target = match self.image.read(i) {
                                Ok(t) => t,
                                Err(e) => damaged(&e),
                            };
                            if target.is_empty() {
                                return Hit::Err(ENOENT);
                            }
                            cur.pop();
                            if target[0] == b'/' {
                                cur.clear();
                            }
                            for t in comps(&target).into_iter().rev() {
                                todo.push_front(t);
                            }
                            rewritten = true;
                            entry = None;
                        }
                        FILE | SYMLINK if !last => return Hit::Err(ENOTDIR),
                        _ => entry = Some(i),
                    }
                }
                None if self.is_top(&cur[0]) => {
                    return Hit::Err(ENOENT);
                }
                None => {
                    // Outside the box: the layer below resolves the rest.
                    if !rewritten && !todo.iter().any(|x| x == b"..") {
                        return Hit::Below(None);
                    }
                    let mut all = cur.clone();
                    all.extend(todo.drain(..));
                    // `..` after a name outside the box: taken lexically (the names
                    // before it are stand-ins or granted directories).
                    let mut norm: Vec<Vec<u8>> = Vec::new();
                    for x in all {
                        if x == b".." {
                            norm.pop();
                        } else if x != b"." {
                            norm.push(x);
                        }
                    }
                    if norm.first().is_some_and(|f| self.is_top(f)) {
                        return self.walk(Vec::new(), norm, follow, must_dir, true);
                    }
                    let mut p = join(&norm);
                    if must_dir {
                        p.push(b'/');
                    }
                    return Hit::Below(Some(p));
                }
            }
        }
        match entry {
            Some(i) => {
                if must_dir && self.image.entries[i as usize].kind != DIR {
                    return Hit::Err(ENOTDIR);
                }
                Hit::In(i)
            }
            None => {
                // Ended outside the box (`/app/..`): below, by absolute path.
                if !rewritten {
                    return Hit::Below(None);
                }
                Hit::Below(Some(join(&cur)))
            }
        }
    }

    fn stat_of(&self, i: u32) -> libc::stat {
        let e = &self.image.entries[i as usize];
        // SAFETY: plain data; all-zero is valid.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        st.st_dev = BOX_DEV;
        st.st_ino = u64::from(i) + 2;
        st.st_mode = e.mode
            | match e.kind {
                DIR => libc::S_IFDIR,
                SYMLINK => libc::S_IFLNK,
                _ => libc::S_IFREG,
            };
        st.st_nlink = if e.kind == DIR {
            2 + self.image.children[i as usize]
                .iter()
                .filter(|&&c| self.image.entries[c as usize].kind == DIR)
                .count() as u64
        } else {
            1
        };
        st.st_uid = self.uid;
        st.st_gid = self.gid;
        st.st_size = if e.kind == DIR { 4096 } else { e.len as i64 };
        st.st_blksize = 4096;
        st.st_blocks = (st.st_size + 511) / 512;
        st.st_mtime = e.mtime;
        st.st_atime = e.mtime;
        st.st_ctime = e.mtime;
        st
    }

    fn statx_of(&self, i: u32, buf: &mut [u8; 256]) {
        let st = self.stat_of(i);
        buf.fill(0);
        let put32 =
            |b: &mut [u8; 256], at: usize, v: u32| b[at..at + 4].copy_from_slice(&v.to_le_bytes());
        let put64 =
            |b: &mut [u8; 256], at: usize, v: u64| b[at..at + 8].copy_from_slice(&v.to_le_bytes());
        put32(buf, 0, 0x7ff); // STATX_BASIC_STATS
        put32(buf, 4, st.st_blksize as u32);
        put32(buf, 16, st.st_nlink as u32);
        put32(buf, 20, st.st_uid);
        put32(buf, 24, st.st_gid);
        buf[28..30].copy_from_slice(&(st.st_mode as u16).to_le_bytes());
        put64(buf, 32, st.st_ino);
        put64(buf, 40, st.st_size as u64);
        put64(buf, 48, st.st_blocks as u64);
        for at in [64, 96, 112] {
            put64(buf, at, st.st_mtime as u64);
        }
        put32(buf, 140, BOX_DEV as u32);
    }

    /// A descriptor for entry `i`: a memfd with its contents, read-only, at the lowest
    /// free number as an open would give.
    fn open_entry(&self, i: u32, flags: i32) -> SysResult {
        let e = &self.image.entries[i as usize];
        let name = CString::new(format!("wali-box-{}-{i}", self.token)).unwrap_or_default();
        let fd = sys!(SYS_memfd_create, name.as_ptr(), libc::MFD_CLOEXEC)? as i32;
        let close = |f: i32| {
            let _ = sys!(SYS_close, f);
        };
        if e.kind == FILE {
            // Read (and decompressed) straight into the memory file, piece by piece: no
            // copy of the whole file on the heap. The guest gets the descriptor only
            // once the length and the hash matched.
            let mut failed: Option<crate::errno::Stop> = None;
            let r = self.image.read_with(i, &mut |data| {
                let mut at = 0usize;
                while at < data.len() {
                    match sys!(SYS_write, fd, data[at..].as_ptr(), data.len() - at) {
                        Ok(n) if n > 0 => at += n as usize,
                        Ok(_) => {
                            failed = Some(EIO.into());
                            return Err(String::new());
                        }
                        Err(e) => {
                            failed = Some(e);
                            return Err(String::new());
                        }
                    }
                }
                Ok(())
            });
            if let Err(msg) = r {
                close(fd);
                match failed {
                    // The memory file could not take it (ENOSPC, EFBIG...): the open's error.
                    Some(e) => return Err(e),
                    None => damaged(&msg),
                }
            }
        }
        if self.memfd_dev.load(Ordering::Relaxed) == 0 {
            // SAFETY: plain data out-parameter.
            let mut st: libc::stat = unsafe { std::mem::zeroed() };
            if sys!(SYS_fstat, fd, &mut st as *mut libc::stat).is_ok() {
                self.memfd_dev.store(st.st_dev.max(1), Ordering::Relaxed);
            }
        }
        let p = CString::new(format!("/proc/self/fd/{fd}")).unwrap_or_default();
        let keep = flags & (libc::O_NONBLOCK | libc::O_PATH | libc::O_NOATIME);
        let ro = match sys!(
            SYS_open,
            p.as_ptr(),
            libc::O_RDONLY | libc::O_CLOEXEC | keep
        ) {
            Ok(r) => r as i32,
            Err(e) => {
                close(fd);
                return Err(e);
            }
        };
        let cloexec = if flags & libc::O_CLOEXEC != 0 {
            libc::O_CLOEXEC
        } else {
            0
        };
        let r = sys!(SYS_dup3, ro, fd, cloexec);
        close(ro);
        if let Err(e) = r {
            close(fd);
            return Err(e);
        }
        Ok(fd as i64)
    }

    fn open(&self, i: u32, flags: i32) -> SysResult {
        let e = &self.image.entries[i as usize];
        if flags & libc::O_CREAT != 0 && flags & libc::O_EXCL != 0 {
            return Err(EEXIST.into());
        }
        if e.kind == SYMLINK {
            // O_NOFOLLOW on a symlink (O_PATH would give the link itself: not kept).
            return Err(ELOOP.into());
        }
        let write = flags & libc::O_ACCMODE != libc::O_RDONLY || flags & libc::O_TRUNC != 0;
        if e.kind == DIR && write {
            return Err(EISDIR.into());
        }
        if write {
            return Err(EROFS.into());
        }
        if e.kind != DIR && flags & libc::O_DIRECTORY != 0 {
            return Err(ENOTDIR.into());
        }
        self.open_entry(i, flags)
    }

    /// `getdents64` on box directory `i` from position `pos` into `buf`: (bytes, new pos).
    fn dents(&self, i: u32, pos: u64, buf: &mut [u8]) -> Result<(usize, u64), Errno> {
        let kids = &self.image.children[i as usize];
        let path = &self.image.entries[i as usize].path;
        let parent_ino = self
            .image
            .lookup(boxfile::parent(path))
            .map_or(1, |p| u64::from(p) + 2);
        let mut at = 0usize;
        let mut p = pos;
        loop {
            let (ino, ty, name): (u64, u8, &[u8]) = match p {
                0 => (u64::from(i) + 2, libc::DT_DIR, b"."),
                1 => (parent_ino, libc::DT_DIR, b".."),
                n => match kids.get((n - 2) as usize) {
                    Some(&k) => {
                        let e = &self.image.entries[k as usize];
                        let ty = match e.kind {
                            DIR => libc::DT_DIR,
                            SYMLINK => libc::DT_LNK,
                            _ => libc::DT_REG,
                        };
                        (u64::from(k) + 2, ty, boxfile::base(&e.path))
                    }
                    None => break,
                },
            };
            let reclen = (19 + name.len() + 1).div_ceil(8) * 8;
            if at + reclen > buf.len() {
                if at == 0 {
                    return Err(EINVAL);
                }
                break;
            }
            let r = &mut buf[at..at + reclen];
            r.fill(0);
            r[0..8].copy_from_slice(&ino.to_le_bytes());
            r[8..16].copy_from_slice(&((p + 1) as i64).to_le_bytes());
            r[16..18].copy_from_slice(&(reclen as u16).to_le_bytes());
            r[18] = ty;
            r[19..19 + name.len()].copy_from_slice(name);
            at += reclen;
            p += 1;
        }
        Ok((at, p))
    }

    /// `path`'s last name is missing from the box: EROFS when its directory is there
    /// (what a write on a read-only mount answers), else ENOENT as the lookup's.
    fn missing(&self, dir: i32, path: &GuestPath) -> Stop {
        let b = path.c().to_bytes();
        let t = b.strip_suffix(b"/").unwrap_or(b);
        let parent: &[u8] = match t.iter().rposition(|&c| c == b'/') {
            Some(0) => b"/",
            Some(i) => &t[..i],
            None => b".",
        };
        match self.hit(dir, parent, true) {
            Hit::In(i) if self.image.entries[i as usize].kind == DIR => EROFS.into(),
            _ => ENOENT.into(),
        }
    }

    fn set_cwd(&self, c: Cwd) {
        *self.cwd.write().unwrap_or_else(|e| e.into_inner()) = c;
    }

    /// After a chdir below: the guest path the layer below now has.
    fn note_below_cwd(&self) {
        let mut buf = [0u8; 4096];
        let p = match self.below.getcwd(&mut buf) {
            Ok(n) => buf[..(n as usize).saturating_sub(1)].to_vec(),
            Err(_) => b"/".to_vec(),
        };
        self.set_cwd(Cwd::Below(p));
    }
}

/// A file of the box does not match its length or hash (or does not decompress): the
/// box was changed after it was opened (its index was checked then), or only its data
/// was damaged. The run stops, as at open: one line (`msg`, from `BoxImage::read_with`),
/// status 126.
fn damaged(msg: &str) -> ! {
    eprintln!("wali-run: {msg}");
    std::process::exit(126)
}

/// A path for the layer below: the guest's own, or the rewritten absolute one.
fn below_path(orig: &GuestPath, p: Option<Vec<u8>>) -> Result<GuestPath, Errno> {
    match p {
        None => Ok(orig.clone()),
        Some(b) => GuestPath::from_bytes(&b),
    }
}

macro_rules! hit_or_below {
    ($self:ident, $dir:expr, $path:expr, $follow:expr, |$i:ident| $inbox:expr, |$d:ident, $p:ident| $below:expr) => {
        match $self.hit($dir, $path.c().to_bytes(), $follow) {
            Hit::In($i) => $inbox,
            Hit::Err(e) => Err(e.into()),
            Hit::Below(np) => {
                let $d = if np.is_some() { libc::AT_FDCWD } else { $dir };
                let $p = below_path($path, np)?;
                $below
            }
        }
    };
}

impl FileSystem for BoxFs {
    fn open(&self, dir: i32, path: &GuestPath, flags: i32, mode: u32) -> SysResult {
        let follow = flags & libc::O_NOFOLLOW == 0;
        match self.hit(dir, path.c().to_bytes(), follow) {
            Hit::In(i) => BoxFs::open(self, i, flags),
            Hit::Err(e) if e == ENOENT && flags & libc::O_CREAT != 0 => {
                // A new name in the box's tree: read-only.
                Err(self.missing(dir, path))
            }
            Hit::Err(e) => Err(e.into()),
            Hit::Below(np) => {
                let d = if np.is_some() { libc::AT_FDCWD } else { dir };
                self.below.open(d, &below_path(path, np)?, flags, mode)
            }
        }
    }

    fn stat(&self, dir: i32, path: &GuestPath, flags: i32, st: &mut libc::stat) -> SysResult {
        // `fstatat(AT_FDCWD, "", AT_EMPTY_PATH)`: the working directory, which may be the box's.
        let dot;
        let path =
            if path.c().is_empty() && flags & libc::AT_EMPTY_PATH != 0 && dir == libc::AT_FDCWD {
                dot = GuestPath::from_bytes(b".")?;
                &dot
            } else {
                path
            };
        if path.c().is_empty() && flags & libc::AT_EMPTY_PATH != 0 && dir != libc::AT_FDCWD {
            if let Some(i) = self.box_fd(dir) {
                *st = self.stat_of(i);
                return Ok(0);
            }
            return self.below.stat(dir, path, flags, st);
        }
        let follow = flags & libc::AT_SYMLINK_NOFOLLOW == 0;
        hit_or_below!(
            self,
            dir,
            path,
            follow,
            |i| {
                *st = self.stat_of(i);
                Ok(0)
            },
            |d, p| self.below.stat(d, &p, flags, st)
        )
    }

    fn statx(
        &self,
        dir: i32,
        path: &GuestPath,
        flags: i32,
        mask: u32,
        buf: &mut [u8; 256],
    ) -> SysResult {
        // `fstatat(AT_FDCWD, "", AT_EMPTY_PATH)`: the working directory, which may be the box's.
        let dot;
        let path =
            if path.c().is_empty() && flags & libc::AT_EMPTY_PATH != 0 && dir == libc::AT_FDCWD {
                dot = GuestPath::from_bytes(b".")?;
                &dot
            } else {
                path
            };
        if path.c().is_empty() && flags & libc::AT_EMPTY_PATH != 0 && dir != libc::AT_FDCWD {
            if let Some(i) = self.box_fd(dir) {
                self.statx_of(i, buf);
                return Ok(0);
            }
            return self.below.statx(dir, path, flags, mask, buf);
        }
        let follow = flags & libc::AT_SYMLINK_NOFOLLOW == 0;
        hit_or_below!(
            self,
            dir,
            path,
            follow,
            |i| {
                self.statx_of(i, buf);
                Ok(0)
            },
            |d, p| self.below.statx(d, &p, flags, mask, buf)
        )
    }

    fn statfs(&self, path: &GuestPath, buf: &mut [u8; 120]) -> SysResult {
        hit_or_below!(
            self,
            libc::AT_FDCWD,
            path,
            true,
            |_i| {
                // struct statfs: f_type, f_bsize, ..., f_namelen (+64), f_flags (+80).
                buf.fill(0);
                buf[0..8].copy_from_slice(&0x7371_7368i64.to_le_bytes()); // squashfs's magic
                buf[8..16].copy_from_slice(&4096i64.to_le_bytes());
                buf[64..72].copy_from_slice(&255i64.to_le_bytes());
                buf[72..80].copy_from_slice(&4096i64.to_le_bytes());
                buf[80..88].copy_from_slice(&(libc::ST_RDONLY as i64).to_le_bytes());
                Ok(0)
            },
            |_d, p| self.below.statfs(&p, buf)
        )
    }

    fn access(&self, dir: i32, path: &GuestPath, mode: i32, flags: i32) -> SysResult {
        if flags & !(libc::AT_EACCESS | libc::AT_SYMLINK_NOFOLLOW | libc::AT_EMPTY_PATH) != 0
            || mode & !7 != 0
        {
            return Err(EINVAL.into());
        }
        let follow = flags & libc::AT_SYMLINK_NOFOLLOW == 0;
        hit_or_below!(
            self,
            dir,
            path,
            follow,
            |i| {
                let e = &self.image.entries[i as usize];
                if mode & libc::W_OK != 0 {
                    return Err(EROFS.into());
                }
                // The files are the runtime user's: the owner's bits answer; root reads
                // everything and runs what has an x bit anywhere (or searches a directory).
                // SAFETY: no arguments.
                let root = unsafe { libc::geteuid() } == 0;
                let ok = if root {
                    mode & libc::X_OK == 0 || e.kind == DIR || e.mode & 0o111 != 0
                } else {
                    (mode as u32) & !((e.mode >> 6) & 7) == 0
                };
                if !ok {
                    return Err(EACCES.into());
                }
                Ok(0)
            },
            |d, p| self.below.access(d, &p, mode, flags)
        )
    }

    fn readlink(&self, dir: i32, path: &GuestPath, buf: &mut [u8]) -> SysResult {
        hit_or_below!(
            self,
            dir,
            path,
            false,
            |i| {
                if self.image.entries[i as usize].kind != SYMLINK {
                    return Err(EINVAL.into());
                }
                let t = match self.image.read(i) {
                    Ok(t) => t,
                    Err(e) => damaged(&e),
                };
                let n = t.len().min(buf.len());
                buf[..n].copy_from_slice(&t[..n]);
                Ok(n as i64)
            },
            |d, p| self.below.readlink(d, &p, buf)
        )
    }

    fn truncate(&self, path: &GuestPath, len: i64) -> SysResult {
        hit_or_below!(
            self,
            libc::AT_FDCWD,
            path,
            true,
            |i| {
                if self.image.entries[i as usize].kind == DIR {
                    Err(EISDIR.into())
                } else {
                    Err(EROFS.into())
                }
            },
            |_d, p| self.below.truncate(&p, len)
        )
    }

    fn chdir(&self, path: &GuestPath) -> SysResult {
        hit_or_below!(
            self,
            libc::AT_FDCWD,
            path,
            true,
            |i| {
                let e = &self.image.entries[i as usize];
                if e.kind != DIR {
                    return Err(ENOTDIR.into());
                }
                self.set_cwd(Cwd::Box(e.path.clone()));
                Ok(0)
            },
            |d, p| {
                let _ = d;
                let r = self.below.chdir(&p);
                if r.is_ok() {
                    self.note_below_cwd();
                }
                r
            }
        )
    }

    fn fchdir(&self, fd: i32) -> SysResult {
        if let Some(i) = self.box_fd(fd) {
            let e = &self.image.entries[i as usize];
            if e.kind != DIR {
                return Err(ENOTDIR.into());
            }
            self.set_cwd(Cwd::Box(e.path.clone()));
            return Ok(0);
        }
        let r = self.below.fchdir(fd);
        if r.is_ok() {
            self.note_below_cwd();
        }
        r
    }

    fn getcwd(&self, buf: &mut [u8]) -> SysResult {
        let c = self.cwd.read().unwrap_or_else(|e| e.into_inner()).clone();
        match c {
            Cwd::Box(p) => {
                if p.len() + 1 > buf.len() {
                    return Err(ERANGE.into());
                }
                buf[..p.len()].copy_from_slice(&p);
                buf[p.len()] = 0;
                Ok(p.len() as i64 + 1)
            }
            Cwd::Below(_) => self.below.getcwd(buf),
        }
    }

    fn mkdir(&self, dir: i32, path: &GuestPath, mode: u32) -> SysResult {
        match self.hit(dir, path.c().to_bytes(), false) {
            Hit::In(_) => Err(EEXIST.into()),
            Hit::Err(e) if e == ENOENT => Err(self.missing(dir, path)),
            Hit::Err(e) => Err(e.into()),
            Hit::Below(np) => {
                let d = if np.is_some() { libc::AT_FDCWD } else { dir };
                self.below.mkdir(d, &below_path(path, np)?, mode)
            }
        }
    }

    fn mknod(&self, dir: i32, path: &GuestPath, mode: u32, dev: u32) -> SysResult {
        match self.hit(dir, path.c().to_bytes(), false) {
            Hit::In(_) => Err(EEXIST.into()),
            Hit::Err(e) if e == ENOENT => Err(self.missing(dir, path)),
            Hit::Err(e) => Err(e.into()),
            Hit::Below(np) => {
                let d = if np.is_some() { libc::AT_FDCWD } else { dir };
                self.below.mknod(d, &below_path(path, np)?, mode, dev)
            }
        }
    }

    fn symlink(&self, target: &GuestPath, dir: i32, link: &GuestPath) -> SysResult {
        match self.hit(dir, link.c().to_bytes(), false) {
            Hit::In(_) => Err(EEXIST.into()),
            Hit::Err(e) if e == ENOENT => Err(self.missing(dir, link)),
            Hit::Err(e) => Err(e.into()),
            Hit::Below(np) => {
                let d = if np.is_some() { libc::AT_FDCWD } else { dir };
                self.below.symlink(target, d, &below_path(link, np)?)
            }
        }
    }

    fn unlink(&self, dir: i32, path: &GuestPath, flags: i32) -> SysResult {
        if let Hit::Err(e) = self.hit(dir, path.c().to_bytes(), false) {
            // Linux asks the mount for write access before looking the name up.
            return Err(if e == ENOENT {
                self.missing(dir, path)
            } else {
                e.into()
            });
        }
        hit_or_below!(
            self,
            dir,
            path,
            false,
            |i| {
                let dir_entry = self.image.entries[i as usize].kind == DIR;
                if flags & libc::AT_REMOVEDIR == 0 && dir_entry {
                    return Err(EISDIR.into());
                }
                if flags & libc::AT_REMOVEDIR != 0 && !dir_entry {
                    return Err(ENOTDIR.into());
                }
                Err(EROFS.into())
            },
            |d, p| self.below.unlink(d, &p, flags)
        )
    }

    fn rename(&self, od: i32, op: &GuestPath, nd: i32, np: &GuestPath, flags: u32) -> SysResult {
        let a = self.hit(od, op.c().to_bytes(), false);
        let b = self.hit(nd, np.c().to_bytes(), false);
        match (a, b) {
            (Hit::Err(e), _) => Err(e.into()),
            (Hit::In(_), Hit::In(_)) | (Hit::In(_), Hit::Err(_)) => Err(EROFS.into()),
            (Hit::In(_), Hit::Below(_)) | (Hit::Below(_), Hit::In(_)) => Err(EXDEV.into()),
            (Hit::Below(_), Hit::Err(e)) if e == ENOENT => Err(EXDEV.into()),
            (Hit::Below(_), Hit::Err(e)) => Err(e.into()),
            (Hit::Below(x), Hit::Below(y)) => {
                let (od, nd) = (
                    if x.is_some() { libc::AT_FDCWD } else { od },
                    if y.is_some() { libc::AT_FDCWD } else { nd },
                );
                self.below
                    .rename(od, &below_path(op, x)?, nd, &below_path(np, y)?, flags)
            }
        }
    }

    fn link(&self, od: i32, op: &GuestPath, nd: i32, np: &GuestPath, flags: i32) -> SysResult {
        let a = self.hit(od, op.c().to_bytes(), flags & libc::AT_SYMLINK_FOLLOW != 0);
        let b = self.hit(nd, np.c().to_bytes(), false);
        match (a, b) {
            (Hit::Err(e), _) => Err(e.into()),
            (_, Hit::In(_)) => Err(EEXIST.into()),
            (Hit::In(_), Hit::Err(_)) => Err(EROFS.into()),
            (Hit::In(_), Hit::Below(_)) | (Hit::Below(_), Hit::Err(_)) => Err(EXDEV.into()),
            (Hit::Below(x), Hit::Below(y)) => {
                let (od, nd) = (
                    if x.is_some() { libc::AT_FDCWD } else { od },
                    if y.is_some() { libc::AT_FDCWD } else { nd },
                );
                self.below
                    .link(od, &below_path(op, x)?, nd, &below_path(np, y)?, flags)
            }
        }
    }

    fn chmod(&self, dir: i32, path: &GuestPath, mode: u32) -> SysResult {
        hit_or_below!(self, dir, path, true, |_i| Err(EROFS.into()), |d, p| self
            .below
            .chmod(d, &p, mode))
    }

    fn fchmod(&self, fd: i32, mode: u32) -> SysResult {
        if self.box_fd(fd).is_some() {
            return Err(EROFS.into());
        }
        self.below.fchmod(fd, mode)
    }

    fn chown(&self, dir: i32, path: &GuestPath, uid: u32, gid: u32, flags: i32) -> SysResult {
        let follow = flags & libc::AT_SYMLINK_NOFOLLOW == 0;
        hit_or_below!(self, dir, path, follow, |_i| Err(EROFS.into()), |d, p| self
            .below
            .chown(d, &p, uid, gid, flags))
    }

    fn fchown(&self, fd: i32, uid: u32, gid: u32) -> SysResult {
        if self.box_fd(fd).is_some() {
            return Err(EROFS.into());
        }
        self.below.fchown(fd, uid, gid)
    }

    fn utimens(
        &self,
        dir: i32,
        path: Option<&GuestPath>,
        times: Option<[libc::timespec; 2]>,
        flags: i32,
    ) -> SysResult {
        let Some(path) = path else {
            if self.box_fd(dir).is_some() {
                return Err(EROFS.into());
            }
            return self.below.utimens(dir, None, times, flags);
        };
        let follow = flags & libc::AT_SYMLINK_NOFOLLOW == 0;
        hit_or_below!(self, dir, path, follow, |_i| Err(EROFS.into()), |d, p| self
            .below
            .utimens(d, Some(&p), times, flags))
    }

    fn inotify_add_watch(&self, fd: i32, path: &GuestPath, mask: u32) -> SysResult {
        let follow = mask & libc::IN_DONT_FOLLOW == 0;
        hit_or_below!(
            self,
            libc::AT_FDCWD,
            path,
            follow,
            |_i| {
                // Nothing in a box ever changes: a watch would never fire. Not kept.
                Err(EACCES.into())
            },
            |_d, p| self.below.inotify_add_watch(fd, &p, mask)
        )
    }

    fn exec_open(&self, path: &GuestPath, host_programs: bool) -> Result<ExecFile, Errno> {
        match self.hit(libc::AT_FDCWD, path.c().to_bytes(), true) {
            // Modules inside a box are not run by execve (yet).
            Hit::In(_) => Err(EACCES),
            Hit::Err(e) => Err(e),
            Hit::Below(np) => self.below.exec_open(&below_path(path, np)?, host_programs),
        }
    }

    fn unix_addr(&self, path: &GuestPath, bind: bool) -> Result<Option<UnixAddr<'_>>, Errno> {
        match self.hit(libc::AT_FDCWD, path.c().to_bytes(), true) {
            Hit::In(_) if bind => Err(EADDRINUSE),
            Hit::In(_) => Err(ECONNREFUSED),
            Hit::Err(e) if e == ENOENT && bind => Err(EROFS),
            Hit::Err(e) => Err(e),
            Hit::Below(np) => {
                let p = below_path(path, np)?;
                // The address must outlive this call: ask below with a path it keeps.
                let r = self.below.unix_addr(&p, bind)?;
                Ok(r)
            }
        }
    }

    fn unix_name(&self, host: &[u8]) -> Option<Vec<u8>> {
        self.below.unix_name(host)
    }

    fn renames_unix(&self) -> bool {
        self.below.renames_unix()
    }

    fn host_namespace(
        &self,
        path: &GuestPath,
        why: &'static str,
        call: &mut dyn FnMut(&CStr) -> SysResult,
    ) -> SysResult {
        self.below.host_namespace(path, why, call)
    }

    fn closed(&self, first: u32, last: u32) {
        self.below.closed(first, last)
    }

    fn fd_writable(&self, fd: i32) -> Result<(), Errno> {
        if self.box_fd(fd).is_some() {
            return Err(EROFS);
        }
        self.below.fd_writable(fd)
    }

    fn fstat(&self, fd: i32, st: &mut libc::stat) -> SysResult {
        let r = self.below.fstat(fd, st)?;
        let dev = self.memfd_dev.load(Ordering::Relaxed);
        if dev != 0 && st.st_dev == dev {
            if let Some(i) = self.box_fd(fd) {
                *st = self.stat_of(i);
            }
        }
        Ok(r)
    }

    fn box_path(&self, fd: i32) -> Option<Vec<u8>> {
        self.box_fd(fd)
            .map(|i| self.image.entries[i as usize].path.clone())
    }

    fn getdents(&self, fd: i32, max: usize) -> Option<Result<Vec<u8>, Stop>> {
        let i = self.box_fd(fd)?;
        if self.image.entries[i as usize].kind != DIR {
            return Some(Err(ENOTDIR.into()));
        }
        let pos = match sys!(SYS_lseek, fd, 0, libc::SEEK_CUR) {
            Ok(p) => p as u64,
            Err(e) => return Some(Err(e)),
        };
        let mut buf = vec![0u8; max.min(64 << 10)];
        Some(match self.dents(i, pos, &mut buf) {
            Ok((n, p)) => sys!(SYS_lseek, fd, p as i64, libc::SEEK_SET).map(|_| {
                buf.truncate(n);
                buf
            }),
            Err(e) => Err(e.into()),
        })
    }

    fn hold(&self) -> Box<dyn Held + '_> {
        let below = self.below.hold();
        let cwd = self.cwd.write().unwrap_or_else(|e| e.into_inner());
        Box::new((below, cwd))
    }
}
