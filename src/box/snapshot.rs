//! Pre-initialised snapshots (`wali-run pack --preinit`; docs/box.md, "Snapshots";
//! the bytes: docs/box-format.md).
//!
//! A wasm call stack cannot be saved, so the snapshot point is where the guest's stack
//! is empty: the module exports `wali_preinit`, which the runtime calls instead of
//! `_start`; when it returns, the runtime refuses (one line naming what is wrong) unless
//! only the main thread runs, no child process exists and no descriptor beyond stdio
//! and in-box files is open, then captures linear memory (nonzero pages only), every
//! mutable global (the rewrite exports them) and its own guest-visible state: the
//! address space's bookkeeping and page protections, signal dispositions and mask, the
//! main thread's clear-tid word, the umask, the in-box descriptors. A run of the box
//! maps the memory copy-on-write from the box file, puts the rest back, and calls
//! `wali_resume`, which reads this run's argv and environment as `_start` would
//! (toolchain/preinit/wali_preinit.c).

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use wali_syscalls::{Ctx, Process};
use wasmtime::{Instance, Store, Val};

pub const MAGIC: &[u8; 8] = b"WALISNP1";
pub const PREINIT_EXPORT: &str = "wali_preinit";
pub const RESUME_EXPORT: &str = "wali_resume";
const PAGE: usize = 4096;
/// Zero pages between nonzero ones that are stored anyway, so that a run maps a few
/// large ranges rather than thousands of small ones.
const GAP: usize = 8;

/// How a run starts.
pub enum Start {
    /// `_start`, as a module always does.
    Main,
    /// `wali_preinit`, then write the snapshot to this file (pack's child process).
    Capture(PathBuf),
    /// From a box's snapshot: `wali_resume`.
    Resume(Box<Restore>),
}

/// A snapshot ready to put back: its state, and where its pages are in the box file.
pub struct Restore {
    pub file: std::fs::File,
    /// File offset of the snapshot's page data.
    pub data_at: u64,
    pub state: State,
}

/// The snapshot's state, TOML in the snapshot's head (integers that may use bit 63,
/// masks, are stored as i64 bit patterns).
#[derive(Serialize, Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
pub struct State {
    /// Linear memory's size in bytes.
    pub memory: u64,
    /// Nonzero pages: [guest address, length, offset in the page data].
    pub runs: Vec<[u64; 3]>,
    /// Every exported mutable global: (export name, value bits), i32/i64 (floats as bits).
    pub globals: Vec<(String, i64)>,
    pub brk_start: u64,
    pub brk: u64,
    pub mmap_min: u64,
    pub top: u64,
    pub free: Vec<[u64; 2]>,
    /// Pages not plain read-write: [address, length, page state].
    pub pages: Vec<[u64; 3]>,
    /// Signal dispositions that are not the default: [signal, handler, flags, restorer, mask].
    pub signals: Vec<[i64; 5]>,
    pub sigmask: i64,
    pub clear_child_tid: u32,
    pub umask: u32,
    pub cwd: String,
    /// Descriptors open on in-box files and directories (last: a TOML array of tables).
    #[serde(default)]
    pub files: Vec<Kept>,
}

/// An in-box descriptor the snapshot keeps: opened again at each run, at the same
/// number and offset (a file's read position, a directory's listing position).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Kept {
    pub fd: i32,
    pub path: String,
    pub offset: u64,
    /// The status flags the guest can see and set (`O_NONBLOCK`...), as `F_GETFL`.
    pub flags: i32,
    pub cloexec: bool,
}

/// Parse a snapshot's head: (state, offset of the page data within the snapshot).
pub fn parse(head: &[u8], len: u64) -> Result<(State, u64), String> {
    let bad = |w: &str| format!("damaged box (snapshot: {w})");
    if head.len() < 12 || &head[..8] != MAGIC {
        return Err(bad("bad magic"));
    }
    let n = u32::from_le_bytes(head[8..12].try_into().unwrap_or_default()) as usize;
    let text = head.get(12..12 + n).ok_or_else(|| bad("truncated state"))?;
    let text = std::str::from_utf8(text).map_err(|_| bad("state not UTF-8"))?;
    let st: State = toml::from_str(text).map_err(|e| {
        bad(&format!(
            "state: {}",
            e.message().lines().next().unwrap_or("invalid")
        ))
    })?;
    let data_at = (12 + n).next_multiple_of(PAGE) as u64;
    for r in &st.runs {
        let end = r[2].checked_add(r[1]).and_then(|e| e.checked_add(data_at));
        if r[0] % PAGE as u64 != 0
            || r[1] % PAGE as u64 != 0
            || r[2] % PAGE as u64 != 0
            || end.is_none_or(|e| e > len)
            || r[0].saturating_add(r[1]) > st.memory
        {
            return Err(bad("a page range outside it"));
        }
    }
    if st.memory > 1 << 32 || st.top > st.memory || st.brk_start > st.top {
        return Err(bad("bad memory size"));
    }
    // The rest goes into the runtime's bookkeeping as it is: ranges inside the memory,
    // page-aligned, and page states a snapshot can hold (never SHARED: the rules).
    let inside = |a: u64, l: u64, end: u64| {
        a.is_multiple_of(PAGE as u64)
            && l.is_multiple_of(PAGE as u64)
            && a.checked_add(l).is_some_and(|e| e <= end)
    };
    if st.brk < st.brk_start || st.brk > st.memory {
        return Err(bad("bad break"));
    }
    // Free ranges are [start, end) (mmap.rs keeps them so), the pages' [address, length].
    if !st
        .free
        .iter()
        .all(|r| r[0] <= r[1] && inside(r[0], r[1] - r[0], st.top))
        || !st
            .pages
            .iter()
            .all(|r| inside(r[0], r[1], st.memory) && r[2] <= wali_syscalls::mem::ACCESS as u64)
    {
        return Err(bad("a range outside it"));
    }
    // Kept descriptors: numbers a guest can have, absolute paths (the box resolves them
    // at each run, so a path outside the box opens nothing: restore_files refuses it).
    if !st
        .files
        .iter()
        .all(|k| (3..1 << 20).contains(&k.fd) && k.path.starts_with('/') && !k.path.contains('\0'))
        || (1..st.files.len()).any(|i| st.files[..i].iter().any(|k| k.fd == st.files[i].fd))
    {
        return Err(bad("a bad kept descriptor"));
    }
    Ok((st, data_at))
}

/// Open descriptors the guest holds: every open one but stdio, the runtime's own
/// (registered high ones) and those open before the guest started (`before`).
pub fn open_fds() -> Vec<i32> {
    // Probed, not listed from /proc/self/fd: a listing holds a descriptor of its own.
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: an out-pointer.
    unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) };
    let max = lim.rlim_cur.clamp(1024, 1 << 16) as i32;
    // SAFETY: F_GETFD only asks whether the number is open.
    (0..max)
        .filter(|&fd| unsafe { libc::fcntl(fd, libc::F_GETFD) } >= 0)
        .collect()
}

/// The guest's working directory, as it would read it.
pub fn guest_cwd(p: &Process) -> String {
    let mut buf = vec![0u8; 4096];
    match p.fs().getcwd(&mut buf) {
        Ok(n) => {
            let n = (n as usize).min(buf.len());
            let b = &buf[..n];
            let b = b.strip_suffix(b"\0").unwrap_or(b);
            String::from_utf8_lossy(b).into_owned()
        }
        Err(_) => String::new(),
    }
}

/// The snapshot rules, checked when `wali_preinit` has returned: one line naming the
/// first thing that breaks one; else the in-box descriptors to keep.
pub fn check_rules(p: &Process, before: &[i32], cwd: &str) -> Result<Vec<(i32, Vec<u8>)>, String> {
    // A thread that has just left (joined by the main thread) is counted out a moment
    // after its tid word is cleared: give it that moment.
    let t0 = std::time::Instant::now();
    while p.threads.load(std::sync::atomic::Ordering::SeqCst) > 1
        && t0.elapsed() < std::time::Duration::from_secs(2)
    {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let n = p.threads.load(std::sync::atomic::Ordering::SeqCst);
    if n > 1 {
        return Err(format!(
            "{} threads run at the snapshot point: only the main thread may (end or join the others before wali_preinit returns)",
            n
        ));
    }
    // Children of any of this process's threads; ended here (the pack is refused and
    // they belong to the run being abandoned), so none outlives it holding pack's pipe.
    let kids: Vec<i32> = std::fs::read_dir("/proc/self/task")
        .map(|d| {
            d.filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("children")).ok())
                .flat_map(|s| {
                    s.split_whitespace()
                        .filter_map(|w| w.parse().ok())
                        .collect::<Vec<i32>>()
                })
                .collect()
        })
        .unwrap_or_default();
    if let Some(&first) = kids.first() {
        for &k in &kids {
            // SAFETY: signalling and reaping our own child processes.
            unsafe {
                libc::kill(k, libc::SIGKILL);
                libc::waitpid(k, std::ptr::null_mut(), libc::__WALL);
            }
        }
        return Err(format!(
            "a child process (pid {first}) runs at the snapshot point: a snapshot cannot hold one (wait for it before wali_preinit returns)"
        ));
    }
    let mut status = 0;
    // SAFETY: a status out-pointer; WNOHANG never blocks. A child that has exited but
    // was not waited for is a child all the same.
    let r = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG | libc::__WALL) };
    if r > 0 {
        return Err(format!(
            "a child process (pid {r}) was not waited for before the snapshot point: a snapshot cannot hold one"
        ));
    }
    let mut keep = Vec::new();
    for fd in open_fds() {
        if fd <= 2 || before.contains(&fd) || wali_syscalls::runtime_fds::is_runtime(fd) {
            continue;
        }
        // An in-box file or directory: read-only and the same at every run of the box,
        // so it is opened again at each run (restore_files).
        if let Some(path) = p.fs().box_path(fd) {
            keep.push((fd, path));
            continue;
        }
        // SAFETY: fstat of a descriptor number into a zeroed out-struct.
        let mode = unsafe {
            let mut st: libc::stat = std::mem::zeroed();
            if libc::fstat(fd, &mut st) != 0 {
                continue;
            }
            st.st_mode & libc::S_IFMT
        };
        if mode == libc::S_IFSOCK {
            return Err(format!(
                "an open socket (fd {fd}) at the snapshot point: a snapshot cannot hold one (open it after the start)"
            ));
        }
        let what = match mode {
            libc::S_IFREG => "a file",
            libc::S_IFDIR => "a directory",
            libc::S_IFIFO => "a pipe",
            libc::S_IFCHR => "a device",
            _ => "a descriptor",
        };
        return Err(format!(
            "{what} is open at the snapshot point (fd {fd}): only stdin, stdout, stderr and the box's own files may be (close it before wali_preinit returns)"
        ));
    }
    if has_shared(p) {
        return Err(
            "a shared mapping (MAP_SHARED or System V memory) exists at the snapshot point: a snapshot cannot hold one"
                .into(),
        );
    }
    let now = guest_cwd(p);
    if now != cwd {
        return Err(format!(
            "the working directory changed to {now} before the snapshot point: it must stay the box's ({cwd})"
        ));
    }
    Ok(keep)
}

fn has_shared(p: &Process) -> bool {
    let len = p.mem.len();
    let pages = p.mem.pages();
    (0..len / PAGE).any(|i| pages.state(i * PAGE) & wali_syscalls::mem::SHARED != 0)
}

/// Capture the snapshot of a process whose `wali_preinit` returned (rules checked).
pub fn capture(
    store: &mut Store<Ctx>,
    inst: &Instance,
    p: &Process,
    cwd: &str,
    keep: &[(i32, Vec<u8>)],
) -> Vec<u8> {
    let mut st = State {
        cwd: cwd.to_string(),
        ..State::default()
    };
    for &(fd, ref path) in keep {
        // SAFETY: descriptor queries on a number checked open above; no pointers.
        let (offset, flags, fdflags) = unsafe {
            (
                libc::lseek(fd, 0, libc::SEEK_CUR),
                libc::fcntl(fd, libc::F_GETFL),
                libc::fcntl(fd, libc::F_GETFD),
            )
        };
        st.files.push(Kept {
            fd,
            path: String::from_utf8_lossy(path).into_owned(),
            offset: offset.max(0) as u64,
            flags: flags.max(0) & (libc::O_NONBLOCK | libc::O_NOATIME),
            cloexec: fdflags > 0 && fdflags & libc::FD_CLOEXEC != 0,
        });
    }
    // Globals, by export name, in export order.
    let names: Vec<String> = inst
        .exports(&mut *store)
        .map(|e| e.name().to_string())
        .collect();
    for n in names {
        let Some(g) = inst.get_global(&mut *store, &n) else {
            continue;
        };
        if g.ty(&*store).mutability() != wasmtime::Mutability::Var {
            continue;
        }
        let bits = match g.get(&mut *store) {
            Val::I32(v) => v as i64,
            Val::I64(v) => v,
            Val::F32(v) => v as i64,
            Val::F64(v) => v as i64,
            _ => continue,
        };
        st.globals.push((n, bits));
    }
    // Memory: nonzero pages, runs with small zero gaps filled.
    let len = p.mem.len();
    st.memory = len as u64;
    let mut data = Vec::new();
    if len > 0 {
        let base = p.mem.host_raw(0, len).map(|b| b as *const u8);
        if let Ok(base) = base {
            // SAFETY: the whole memory, no other thread runs (the rules), read only.
            let m = unsafe { std::slice::from_raw_parts(base, len) };
            let nz = |i: usize| m[i * PAGE..(i + 1) * PAGE].iter().any(|&b| b != 0);
            let n = len / PAGE;
            let mut i = 0;
            while i < n {
                if !nz(i) {
                    i += 1;
                    continue;
                }
                let start = i;
                let mut end = i + 1;
                let mut j = end;
                while j < n && j - end <= GAP {
                    if nz(j) {
                        end = j + 1;
                    }
                    j += 1;
                }
                st.runs.push([
                    (start * PAGE) as u64,
                    ((end - start) * PAGE) as u64,
                    data.len() as u64,
                ]);
                data.extend_from_slice(&m[start * PAGE..end * PAGE]);
                i = end;
            }
        }
    }
    let sp = p.space.lock().unwrap_or_else(|e| e.into_inner()).save();
    st.brk_start = sp.brk_start;
    st.brk = sp.brk;
    st.mmap_min = sp.mmap_min;
    st.top = sp.top;
    st.free = sp.free.iter().map(|&(a, b)| [a, b]).collect();
    let pages = p.mem.pages();
    let mut i = 0;
    let n = len / PAGE;
    while i < n {
        let s = pages.state(i * PAGE);
        let mut j = i + 1;
        while j < n && pages.state(j * PAGE) == s {
            j += 1;
        }
        if s != wali_syscalls::mem::RW {
            st.pages
                .push([(i * PAGE) as u64, ((j - i) * PAGE) as u64, s as u64]);
        }
        i = j;
    }
    let acts = p.signals.actions.lock().unwrap_or_else(|e| e.into_inner());
    let dfl = wali_syscalls::ctx::Action::default();
    // The table is indexed by signal number - 1 (signal.rs).
    for (i, a) in acts.iter().enumerate() {
        if a.handler != dfl.handler || a.flags != dfl.flags || a.mask != dfl.mask {
            st.signals.push([
                i as i64 + 1,
                a.handler as i64,
                a.flags as i64,
                a.restorer as i64,
                a.mask as i64,
            ]);
        }
    }
    drop(acts);
    let cx = store.data();
    st.sigmask = cx.sigmask as i64;
    st.clear_child_tid = cx.clear_child_tid;
    // SAFETY: umask has no failure; set back at once.
    st.umask = unsafe {
        let m = libc::umask(0o022);
        libc::umask(m);
        m
    };
    let text = toml::to_string(&st).unwrap_or_default();
    let mut out = Vec::with_capacity(PAGE + data.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(text.len() as u32).to_le_bytes());
    out.extend_from_slice(text.as_bytes());
    out.resize(out.len().next_multiple_of(PAGE), 0);
    out.extend_from_slice(&data);
    out
}

/// The memory part of a restore, before the process exists: grown to the snapshot's
/// size, the pages mapped copy-on-write from the box file.
pub fn restore_memory(mem: &wali_syscalls::GuestMem, r: &Restore) -> Result<(), String> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::FileExt;
    let Some(m) = mem.shared() else {
        return Err("the module has no memory for the snapshot".into());
    };
    let have = m.data().len() as u64;
    if r.state.memory > have {
        m.grow((r.state.memory - have).div_ceil(65536))
            .map_err(|e| format!("cannot grow memory to the snapshot's size: {e}"))?;
    }
    for run in &r.state.runs {
        let (at, len, off) = (run[0] as u32, run[1] as usize, r.data_at + run[2]);
        if mem
            .map_private(at, len, r.file.as_raw_fd(), off as i64)
            .is_err()
        {
            let mut b = vec![0u8; len];
            r.file
                .read_exact_at(&mut b, off)
                .map_err(|_| "truncated box (snapshot)".to_string())?;
            mem.write_bytes(at, &b)
                .map_err(|_| "the snapshot does not fit the memory".to_string())?;
        }
    }
    Ok(())
}

/// The rest of a restore, once the process and the main instance exist: the runtime's
/// state and the instance's globals.
pub fn restore_state(
    store: &mut Store<Ctx>,
    inst: &Instance,
    p: &Process,
    st: &State,
) -> Result<(), String> {
    for (name, bits) in &st.globals {
        let g = inst
            .get_global(&mut *store, name)
            .ok_or_else(|| format!("the snapshot does not match the module (no global {name})"))?;
        let v = match g.ty(&*store).content() {
            wasmtime::ValType::I32 => Val::I32(*bits as i32),
            wasmtime::ValType::I64 => Val::I64(*bits),
            wasmtime::ValType::F32 => Val::F32(*bits as u32),
            wasmtime::ValType::F64 => Val::F64(*bits as u64),
            _ => continue,
        };
        g.set(&mut *store, v)
            .map_err(|e| format!("cannot restore global {name}: {e}"))?;
    }
    p.space
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .load(&wali_syscalls::mmap::SpaceState {
            brk_start: st.brk_start,
            brk: st.brk,
            mmap_min: st.mmap_min,
            top: st.top,
            free: st.free.iter().map(|r| (r[0], r[1])).collect(),
        });
    let pages = p.mem.pages();
    for r in &st.pages {
        pages.set(r[0] as usize, r[1] as usize, r[2] as u8);
    }
    {
        let mut acts = p.signals.actions.lock().unwrap_or_else(|e| e.into_inner());
        for s in &st.signals {
            let sig = s[0] as usize;
            let Some(a) = acts.get_mut(sig.wrapping_sub(1)) else {
                continue;
            };
            a.handler = s[1] as u32;
            a.flags = s[2] as u64;
            a.restorer = s[3] as u32;
            a.mask = s[4] as u64;
            wali_syscalls::deliver::install(sig as i32, a).map_err(|e| {
                format!(
                    "cannot restore signal {sig}'s handler: {}",
                    wali_syscalls::errno::message(e.0)
                )
            })?;
        }
    }
    let cx = store.data_mut();
    cx.sigmask = st.sigmask as u64;
    cx.clear_child_tid = st.clear_child_tid;
    wali_syscalls::deliver::mirror_mask(st.sigmask as u64);
    // SAFETY: no failure mode.
    unsafe { libc::umask(st.umask) };
    restore_files(p, &st.files)
}

/// The in-box descriptors the snapshot kept, opened again through the box (each file's
/// contents checked as any open's) at their numbers and offsets.
fn restore_files(p: &Process, files: &[Kept]) -> Result<(), String> {
    for k in files {
        let gone = |why: &str| format!("the snapshot's descriptor {} ({}): {why}", k.fd, k.path);
        // SAFETY: F_GETFD only asks whether the number is open.
        if unsafe { libc::fcntl(k.fd, libc::F_GETFD) } >= 0 {
            return Err(gone(
                "the number is taken (by a descriptor this run inherited: start it without one there)",
            ));
        }
        let path = wali_syscalls::vfs::GuestPath::from_bytes(k.path.as_bytes())
            .map_err(|_| gone("a bad path"))?;
        let fd = p
            .fs()
            .open(
                libc::AT_FDCWD,
                &path,
                libc::O_RDONLY | libc::O_CLOEXEC | k.flags,
                0,
            )
            .map_err(|e| match e {
                wali_syscalls::errno::Stop::Errno(e) => gone(wali_syscalls::errno::message(e.0)),
                _ => gone("the open ended the run"),
            })? as i32;
        if p.fs().box_path(fd).is_none() {
            // SAFETY: closing the descriptor just opened here.
            unsafe { libc::close(fd) };
            return Err(gone("not in the box"));
        }
        let cloexec = if k.cloexec { libc::O_CLOEXEC } else { 0 };
        // SAFETY: plain descriptor calls on numbers owned here.
        let moved = unsafe {
            let r = if fd == k.fd {
                // Opened at its number already (dup3 refuses the same number).
                libc::fcntl(
                    fd,
                    libc::F_SETFD,
                    if k.cloexec { libc::FD_CLOEXEC } else { 0 },
                )
            } else {
                let r = libc::dup3(fd, k.fd, cloexec);
                libc::close(fd);
                r
            };
            r >= 0 && libc::lseek(k.fd, k.offset as i64, libc::SEEK_SET) >= 0
        };
        if !moved {
            return Err(gone(&std::io::Error::last_os_error().to_string()));
        }
    }
    Ok(())
}

/// `pack --preinit`: run the just-written box `boxed` in a child process of this runtime
/// (its guest's effects, cwd, umask, signals, stay there) that calls `wali_preinit` and
/// writes the snapshot; its bytes, or the child's one-line error.
pub fn preinit(boxed: &Path) -> Result<Vec<u8>, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find wali-run: {e}"))?;
    // Absolute: the child's sandbox may move its working directory.
    let abs = std::path::absolute(boxed).map_err(|e| format!("{}: {e}", boxed.display()))?;
    let tmp = abs.with_extension(format!("snap-tmp{}", std::process::id()));
    use std::os::unix::process::CommandExt;
    let mut cmd = std::process::Command::new(exe);
    // SAFETY: only async-signal-safe calls between fork and exec. The snapshot starts
    // with no signal blocked, however pack was started (this process blocks every
    // signal for its helper threads, and a child inherits its mask).
    unsafe {
        cmd.pre_exec(|| {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigprocmask(libc::SIG_SETMASK, &set, std::ptr::null_mut());
            Ok(())
        });
    }
    let out = cmd
        .arg("--preinit-out")
        .arg(&tmp)
        .arg(&abs)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::inherit())
        .stderr(std::process::Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run the box for its snapshot: {e}"))?;
    let err = String::from_utf8_lossy(&out.stderr);
    let snap = std::fs::read(&tmp);
    let _ = std::fs::remove_file(&tmp);
    if !out.status.success() {
        // The child's own line (wali-run: NAME: ...), without its prefix.
        let line = err
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("the pre-initialisation failed")
            .to_string();
        let line = line
            .strip_prefix("wali-run: ")
            .map(|l| l.split_once(": ").map_or(l, |(_, r)| r))
            .unwrap_or(&line)
            .to_string();
        let other: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
        if other.len() > 1 {
            eprint!("{err}");
        }
        return Err(format!("--preinit: {line}"));
    }
    if !err.is_empty() {
        eprint!("{err}");
    }
    snap.map_err(|e| format!("--preinit: no snapshot written: {e}"))
}
