//! Resource limits, all of them: the numbers a policy sets (`Limits`, parsed by the CLI
//! from `--limit` and a policy file), what the runtime says once when the guest reaches
//! one (`Notices`, kept in the `Process`), the checks the handlers make (threads, fds,
//! memory, processes), the memory limit as the guest memory's maximum and its watcher,
//! the kernel's share (open files and CPU time as rlimits, the CPU watchdog), and the
//! sandbox-wide process counter (`Tree`, a shared page in a memfd that every process of
//! the sandbox maps).
//!
//! The guest sees only an errno when it reaches a limit (EAGAIN, EMFILE, ENOMEM); the
//! operator sees one line on stderr, once per process (once per sandbox for processes).

use crate::errno::{Errno, EAGAIN};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};

/// The limits a policy sets; `None` is no limit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    pub threads: Option<u32>,
    pub fds: Option<u64>,
    /// Bytes.
    pub memory: Option<u64>,
    pub processes: Option<u32>,
    /// Seconds of CPU time.
    pub cpu: Option<u64>,
}

impl Limits {
    /// Threads per process unless a policy says otherwise (`unlimited` lifts it): above
    /// what Ruby uses legitimately (a fiber is a thread here, and Ruby's own tests make
    /// 1,000 fibers at once; a thread-per-connection server holds one per client), low
    /// enough that a thread bomb stops at `EAGAIN` long before the host runs out of tasks.
    pub const DEFAULT_THREADS: u32 = 2048;
    /// Live processes of one sandbox (the first included), unless a policy says
    /// otherwise: a fork bomb stops at `EAGAIN` with a notice. Above what Ruby's test
    /// suite keeps alive at once (64 was not: test_array.rb reached it).
    pub const DEFAULT_PROCESSES: u32 = 512;

    /// A new guest thread while `live` run: EAGAIN at the limit (said once).
    pub fn thread_start(&self, live: usize, notices: &Notices) -> Result<(), Errno> {
        match self.threads {
            Some(n) if live >= n as usize => {
                notices.say(Limit::Threads, u64::from(n));
                Err(EAGAIN)
            }
            _ => Ok(()),
        }
    }

    /// A call answered EMFILE: under `limits.fds`, say so once.
    pub fn fds_reached(&self, notices: &Notices) {
        if let Some(n) = self.fds {
            notices.say(Limit::Fds, n);
        }
    }

    /// The address space is full: under `limits.memory`, say so once.
    pub fn memory_reached(&self, notices: &Notices) {
        if let Some(n) = self.memory {
            notices.say(Limit::Memory, n);
        }
    }

    /// A `fork` in a sandbox whose processes `tree` counts: one more, or EAGAIN at
    /// `limits.processes` (said once for the whole sandbox, not once per process of a
    /// fork bomb). No limit or no counter: nothing counted.
    pub fn fork_start(&self, tree: Option<&Tree>, notices: &Notices) -> Result<(), Errno> {
        let (Some(tree), Some(n)) = (tree, self.processes) else {
            return Ok(());
        };
        if tree.live.fetch_add(1, Ordering::SeqCst) >= n {
            tree.live.fetch_sub(1, Ordering::SeqCst);
            if tree.said.swap(1, Ordering::SeqCst) == 0 {
                notices.say(Limit::Processes, u64::from(n));
            }
            return Err(EAGAIN);
        }
        Ok(())
    }

    /// The guest memory's type under `limits.memory`: the limit is its maximum, so wasm
    /// itself enforces it. A module that needs more at start is an error.
    pub fn memory_type(&self, ty: &wasmtime::MemoryType) -> Result<wasmtime::MemoryType, String> {
        let Some(bytes) = self.memory else {
            return Ok(ty.clone());
        };
        let pages = bytes / 65536;
        if pages < ty.minimum() {
            return Err(format!(
                "the module needs {} MiB of memory at start, over its limit of {} MiB (limits.memory)",
                (ty.minimum() * 65536) >> 20,
                bytes >> 20
            ));
        }
        let max = ty.maximum().map_or(pages, |m| m.min(pages));
        Ok(wasmtime::MemoryType::shared(
            ty.minimum() as u32,
            max as u32,
        ))
    }
}

/// A limit the runtime reports when the guest reaches it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    Threads,
    Fds,
    Memory,
    Processes,
}

impl Limit {
    /// The notice for this limit set at `n` (bytes for memory).
    pub fn message(self, n: u64) -> String {
        match self {
            Limit::Threads => format!("the guest reached its limit of {n} threads (limits.threads); thread creation answers EAGAIN"),
            Limit::Fds => format!("the guest reached its limit of {n} open files (limits.fds); calls answer EMFILE"),
            Limit::Memory => format!(
                "the guest reached its memory limit of {} MiB (limits.memory); allocations fail",
                n >> 20
            ),
            Limit::Processes => format!("the guest reached its limit of {n} processes (limits.processes); fork answers EAGAIN"),
        }
    }
}

/// Which limits this process has reported (a `Process` field): each is said once.
#[derive(Default)]
pub struct Notices([AtomicBool; 4]);

impl Notices {
    /// Say on stderr that `which`, set at `n`, was reached, the first time only; true
    /// if this call said it.
    pub fn say(&self, which: Limit, n: u64) -> bool {
        let first = !self.0[which as usize].swap(true, Ordering::Relaxed);
        if first {
            eprintln!("wali-run: {}", which.message(n));
        }
        first
    }

    /// Whether `which` was said.
    pub fn said(&self, which: Limit) -> bool {
        self.0[which as usize].load(Ordering::Relaxed)
    }
}

/// Apply `l` to this runtime process, at start: the process counter (joined; the
/// descriptor to hand to an execve'd runtime is returned), open files and CPU time as
/// rlimits (inherited by children), CPU time also by a watchdog that says what
/// happened. `tree_fd`: the counter an exec'ing runtime handed down. An error is the
/// exit status and one line.
pub fn apply(l: &Limits, tree_fd: Option<i32>) -> Result<Option<i32>, (i32, String)> {
    let set = |res, n: u64, hard: u64| {
        let r = libc::rlimit {
            rlim_cur: n as libc::rlim_t,
            rlim_max: hard as libc::rlim_t,
        };
        // SAFETY: valid in-pointer.
        if unsafe { libc::setrlimit(res, &r) } != 0 {
            return Err((
                2,
                format!("cannot set the limit: {}", std::io::Error::last_os_error()),
            ));
        }
        Ok(())
    };
    let handed = match l.processes {
        Some(_) => {
            let (fd, tree) = map_tree(tree_fd)?;
            // Never the guest's to read or write (it counts the guest's processes).
            crate::runtime_fds::hide(fd);
            join_tree(tree);
            Some(fd)
        }
        None => None,
    };
    // Last: the runtime's own descriptors are open (and placed high) by now.
    if let Some(n) = l.fds {
        set(libc::RLIMIT_NOFILE, n, n)?;
    }
    if let Some(n) = l.cpu {
        // The watchdog speaks first; the kernel's SIGKILL is the backstop.
        set(libc::RLIMIT_CPU, n + 2, n + 2)?;
        std::thread::Builder::new()
            .name("wali-cpu-limit".into())
            .spawn(move || loop {
                std::thread::sleep(std::time::Duration::from_millis(100));
                // SAFETY: plain data out-parameter.
                let mut ts: libc::timespec = unsafe { std::mem::zeroed() };
                // SAFETY: valid out-pointer.
                unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
                if ts.tv_sec as u64 >= n {
                    eprintln!("wali-run: the guest reached its CPU time limit of {n} s (limits.cpu); stopped");
                    std::process::exit(152);
                }
            })
            .map_err(|e| (70, format!("cannot start the CPU watchdog: {e}")))?;
    }
    Ok(handed)
}

/// The sandbox's shared page (a memfd every process of the sandbox maps, inherited by
/// fork and passed on to an execve'd runtime): how many of its processes live, and
/// whether the process limit was reported.
#[repr(C)]
pub struct Tree {
    pub live: AtomicU32,
    pub said: AtomicU32,
}

impl Tree {
    /// One process fewer, never below zero. A child that became a host program counted
    /// itself out at its `execve`; if it is later killed by a signal its parent's wait
    /// counts it out again: without the floor, that second decrement wrapped the count
    /// to 4,294,967,295 and every later fork answered EAGAIN (Ruby's test_array.rb, which
    /// spawns and kills interpreters, got there). The floor makes the limit at worst a
    /// little loose after such a child, never stuck.
    pub fn count_out(&self) {
        let _ = self
            .live
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |v| v.checked_sub(1));
    }
}

/// Set once, by `join_tree`.
static TREE: OnceLock<&'static Tree> = OnceLock::new();

/// The counter this process joined, if the process limit is on.
pub fn tree() -> Option<&'static Tree> {
    TREE.get().copied()
}

/// The counter's page: the one an exec'ing runtime handed down (`inherited`), or a new
/// memfd counting this process. Returns its descriptor (kept across execve on purpose,
/// placed high) and the mapped counter.
pub fn map_tree(inherited: Option<i32>) -> Result<(i32, &'static Tree), (i32, String)> {
    let fd = match inherited {
        Some(fd) => fd,
        None => {
            // SAFETY: a valid name; no flags: the fd survives execve on purpose.
            let fd = unsafe { libc::memfd_create(c"wali-run-tree".as_ptr(), 0) };
            // SAFETY: fd is ours.
            if fd < 0 || unsafe { libc::ftruncate(fd, 4096) } != 0 {
                return Err((
                    70,
                    format!(
                        "cannot set up the process limit: {}",
                        std::io::Error::last_os_error()
                    ),
                ));
            }
            // Out of the guest's way (it expects low numbers to be its own); kept
            // across execve on purpose.
            // SAFETY: duplicating and closing a descriptor we own.
            unsafe {
                let high = libc::fcntl(fd, libc::F_DUPFD, 1024);
                if high >= 0 {
                    libc::close(fd);
                    high
                } else {
                    fd
                }
            }
        }
    };
    // SAFETY: a fresh shared mapping of one page of the memfd.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            4096,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED,
            fd,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        return Err((
            2,
            format!("--tree-fd {fd}: {}", std::io::Error::last_os_error()),
        ));
    }
    // SAFETY: the page stays mapped for the life of the process; Tree is two AtomicU32
    // (repr(C), the layout of two u32) and the page is zero-filled or was written only
    // atomically.
    let tree: &'static Tree = unsafe { &*(p as *const Tree) };
    if inherited.is_none() {
        tree.live.store(1, Ordering::SeqCst);
    }
    Ok((fd, tree))
}

/// Count this runtime process in the sandbox's tree until it exits: every runtime start
/// (the first, an execve'd one) joins; a forked child inherits the exit hook. A process
/// that ends otherwise is counted out by whoever notices: its parent's wait (killed by a
/// signal), or itself before it becomes a host program (`execve`).
pub fn join_tree(t: &'static Tree) {
    if TREE.set(t).is_ok() {
        // SAFETY: a plain function pointer; it runs at exit.
        unsafe { libc::atexit(leave_tree) };
    }
}

/// This process leaves the count (the exit hook; `execve` of a host program calls it).
pub extern "C" fn leave_tree() {
    if let Some(t) = TREE.get() {
        t.count_out();
    }
}

/// The memory limit's watcher: the guest grows its memory itself (`memory.grow`), so no
/// call fails where the runtime sees it; a watcher thread (and the exit) says when it
/// got near its maximum.
struct MemoryWatch {
    mem: wasmtime::SharedMemory,
    top: usize,
    limit: u64,
    notices: Arc<Notices>,
}

static MEMORY_WATCH: OnceLock<MemoryWatch> = OnceLock::new();

impl MemoryWatch {
    /// Near the top the next large grow fails: say so once.
    fn near(&self) -> bool {
        if self.mem.data().len() + (self.top / 8).max(1 << 20) >= self.top {
            self.notices.say(Limit::Memory, self.limit);
            return true;
        }
        false
    }
}

/// Under `limits.memory`, watch `mem` (its maximum is the limit, see `memory_type`)
/// and say once when the guest gets near it.
pub fn watch_memory(l: &Limits, mem: &wasmtime::SharedMemory, notices: Arc<Notices>) {
    let (Some(limit), Some(max)) = (l.memory, mem.ty().maximum()) else {
        return;
    };
    let w = MemoryWatch {
        mem: mem.clone(),
        top: max as usize * 65536,
        limit,
        notices,
    };
    if MEMORY_WATCH.set(w).is_err() {
        return;
    }
    let _ = std::thread::Builder::new()
        .name("wali-memory-limit".into())
        .spawn(|| loop {
            std::thread::sleep(std::time::Duration::from_millis(50));
            if MEMORY_WATCH.get().is_none_or(MemoryWatch::near) {
                return;
            }
        });
}

/// At exit: a guest that ended near its memory limit (its last allocation failed,
/// likely) hears of it even if the watcher had no time to look.
pub fn memory_at_exit() {
    if let Some(w) = MEMORY_WATCH.get() {
        w.near();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_notice_is_said_once() {
        let n = Notices::default();
        assert!(!n.said(Limit::Fds));
        assert!(n.say(Limit::Fds, 10));
        assert!(!n.say(Limit::Fds, 10));
        assert!(n.said(Limit::Fds));
        // The others are still to be said.
        assert!(!n.said(Limit::Threads));
        assert!(n.say(Limit::Threads, 4));
        assert!(n.say(Limit::Memory, 1 << 20));
        assert!(n.say(Limit::Processes, 3));
        // Per process: another process's notices start fresh.
        assert!(Notices::default().say(Limit::Fds, 10));
    }

    #[test]
    fn messages_name_the_limit_and_its_value() {
        assert_eq!(
            Limit::Threads.message(64),
            "the guest reached its limit of 64 threads (limits.threads); thread creation answers EAGAIN"
        );
        assert_eq!(
            Limit::Memory.message(512 << 20),
            "the guest reached its memory limit of 512 MiB (limits.memory); allocations fail"
        );
        assert!(Limit::Fds
            .message(20)
            .contains("20 open files (limits.fds)"));
        assert!(Limit::Processes
            .message(8)
            .contains("8 processes (limits.processes)"));
    }

    #[test]
    fn threads_stop_at_the_limit() {
        let n = Notices::default();
        let l = Limits {
            threads: Some(3),
            ..Limits::default()
        };
        assert_eq!(l.thread_start(2, &n), Ok(()));
        assert!(!n.said(Limit::Threads));
        assert_eq!(l.thread_start(3, &n), Err(EAGAIN));
        assert!(n.said(Limit::Threads));
        assert_eq!(l.thread_start(4, &n), Err(EAGAIN));
        // No limit: any number.
        assert_eq!(Limits::default().thread_start(1 << 20, &n), Ok(()));
    }

    #[test]
    fn fds_and_memory_are_said_only_under_a_limit() {
        let n = Notices::default();
        Limits::default().fds_reached(&n);
        Limits::default().memory_reached(&n);
        assert!(!n.said(Limit::Fds) && !n.said(Limit::Memory));
        let l = Limits {
            fds: Some(16),
            memory: Some(64 << 20),
            ..Limits::default()
        };
        l.fds_reached(&n);
        l.memory_reached(&n);
        assert!(n.said(Limit::Fds) && n.said(Limit::Memory));
    }

    #[test]
    fn forks_are_counted_up_to_the_limit_and_said_once_per_sandbox() {
        let tree = Tree {
            live: AtomicU32::new(1),
            said: AtomicU32::new(0),
        };
        let l = Limits {
            processes: Some(3),
            ..Limits::default()
        };
        let (a, b) = (Notices::default(), Notices::default());
        assert_eq!(l.fork_start(Some(&tree), &a), Ok(()));
        assert_eq!(l.fork_start(Some(&tree), &a), Ok(()));
        assert_eq!(tree.live.load(Ordering::SeqCst), 3);
        assert_eq!(l.fork_start(Some(&tree), &a), Err(EAGAIN));
        assert_eq!(
            tree.live.load(Ordering::SeqCst),
            3,
            "a refused fork is not counted"
        );
        assert!(a.said(Limit::Processes));
        // Another process of the same sandbox: refused too, and not said again.
        assert_eq!(l.fork_start(Some(&tree), &b), Err(EAGAIN));
        assert!(!b.said(Limit::Processes));
        tree.count_out();
        assert_eq!(l.fork_start(Some(&tree), &b), Ok(()));
        // No counter (no process limit): not counted.
        assert_eq!(l.fork_start(None, &a), Ok(()));
        assert_eq!(Limits::default().fork_start(Some(&tree), &a), Ok(()));
        assert_eq!(tree.live.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn the_count_never_goes_below_zero() {
        let tree = Tree {
            live: AtomicU32::new(1),
            said: AtomicU32::new(0),
        };
        tree.count_out();
        tree.count_out();
        assert_eq!(tree.live.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn the_counter_page_is_shared_through_its_descriptor() {
        let (fd, first) = map_tree(None).expect("a new counter");
        assert!(fd >= 1024, "placed high, out of the guest's way: {fd}");
        assert_eq!(first.live.load(Ordering::SeqCst), 1, "counts its creator");
        // An execve'd runtime maps the same page from the descriptor handed down.
        let (same, second) = map_tree(Some(fd)).expect("the handed-down counter");
        assert_eq!(same, fd);
        assert_eq!(second.live.load(Ordering::SeqCst), 1, "not reset");
        first.live.fetch_add(1, Ordering::SeqCst);
        assert_eq!(second.live.load(Ordering::SeqCst), 2);
        // A descriptor that is no memfd: one line, no panic.
        let (status, msg) = map_tree(Some(-1)).err().expect("a bad descriptor");
        assert_eq!(status, 2);
        assert!(msg.starts_with("--tree-fd -1: "), "{msg}");
        // SAFETY: our own descriptor, closed once.
        unsafe { libc::close(fd) };
    }

    #[test]
    fn the_memory_limit_is_the_memorys_maximum() {
        let l = Limits {
            memory: Some(4 << 20), // 64 pages
            ..Limits::default()
        };
        let t = l
            .memory_type(&wasmtime::MemoryType::shared(2, 16384))
            .unwrap();
        assert_eq!((t.minimum(), t.maximum()), (2, Some(64)));
        let t = l.memory_type(&wasmtime::MemoryType::shared(2, 10)).unwrap();
        assert_eq!(t.maximum(), Some(10), "a smaller maximum stays");
        let e = l
            .memory_type(&wasmtime::MemoryType::shared(100, 200))
            .unwrap_err();
        assert_eq!(
            e,
            "the module needs 6 MiB of memory at start, over its limit of 4 MiB (limits.memory)"
        );
        let ty = wasmtime::MemoryType::new(1, None);
        let t = Limits::default().memory_type(&ty).unwrap();
        assert_eq!((t.minimum(), t.maximum(), t.is_shared()), (1, None, false));
    }
}
