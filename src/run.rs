//! Running a process: one shared memory, one instance per guest thread, each on its own
//! OS thread. Knows no individual syscall: the syscall layer registers its imports.

use crate::boxes::snapshot::{self, Start};
use crate::engine::{one_line, Loaded, THREAD_STACK};
use crate::rewrite;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use wali_syscalls::{limits, Ctx, Exit, GuestMem, Process, ProcessConfig, Spawner};
use wasmtime::{Engine, Instance, InstancePre, Linker, SharedMemory, Store, WasmBacktrace};

/// How the guest ended, as the host process should report it.
pub enum Outcome {
    Exit(i32),
    Trap(String),
}

struct Threads {
    engine: Engine,
    pre: InstancePre<Ctx>,
    name: String,
    pool: Arc<Pool>,
}

/// Parked OS threads, each with the store and instance of a guest thread that ended,
/// kept to run the next guest thread the process creates: a thread start is then a
/// hand-off to a parked thread (a futex wake), not a host clone, a 24 MiB host stack,
/// two signal stacks, a store and an instance (each mapped, faulted in and unmapped
/// again, with the TLB shootdowns of the unmaps). See `worker` for what is reset.
///
/// What keeps this Linux's:
/// - a parked thread is no guest thread: `Process::threads` (the thread limit, the last
///   thread's exit ending the process) counts only running ones; parked threads block
///   every signal (the kernel hands a process signal to a thread that runs guest code)
///   and die with the process (`exit_group`), so they never keep it alive;
/// - the new guest thread gets the creator's signal mask, nothing pending (the old
///   thread's host-side pending signals and its thread-directed kernel ones are
///   discarded, as at a thread's exit), no alternate stack, no clear-tid word, no
///   robust list, the default thread name; its tid is the parked host thread's (Linux
///   may reuse a dead thread's tid too);
/// - a guest thread that changed its own host thread's kernel state (credentials,
///   scheduling, affinity, namespaces: the table's `pins` calls) would hand that to
///   threads that must instead inherit their creator's: from then on the process gets
///   a fresh OS thread per guest thread, as before (`Process::fresh_threads`);
/// - after `fork`, the child has no parked thread (only the forking thread survives):
///   the pool belongs to the pid that filled it, and a child starts an empty one;
/// - a host that refuses a process because parked threads fill its task limit (a pids
///   cgroup): `fork` lets the parked threads go and tries again (`release_idle`).
struct Pool {
    /// (pid that owns the list, parked workers). Taken only under the fork gate, so a
    /// fork never copies it locked.
    idle: std::sync::Mutex<(i32, Vec<Arc<Worker>>)>,
}

/// Parked threads kept at most: more guest threads than this ending together leave
/// their OS threads as before.
const IDLE_MAX: usize = 16;

struct Worker {
    tid: i32,
    job: std::sync::Mutex<Option<Job>>,
    wake: std::sync::Condvar,
    handle: std::sync::Mutex<Option<std::thread::JoinHandle<()>>>,
}

#[derive(Clone, Copy)]
enum Job {
    /// Run `__wasm_thread_start_libc(tid, arg)` with this starting guest signal mask.
    Run { arg: u32, mask: u64 },
    /// Leave (the process needs the host task back).
    Quit,
}

impl Worker {
    fn give(&self, job: Job) {
        *self.job.lock().unwrap_or_else(|e| e.into_inner()) = Some(job);
        self.wake.notify_one();
    }

    fn wait(&self) -> Job {
        let mut j = self.job.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(job) = j.take() {
                return job;
            }
            j = self.wake.wait(j).unwrap_or_else(|e| e.into_inner());
        }
    }
}

fn getpid() -> i32 {
    // SAFETY: no preconditions.
    unsafe { libc::getpid() }
}

impl Pool {
    fn new() -> Pool {
        Pool {
            idle: std::sync::Mutex::new((getpid(), Vec::new())),
        }
    }

    /// The list, emptied first in a forked child (whose parked threads do not exist:
    /// their entries are forgotten, never touched).
    fn with<R>(&self, f: impl FnOnce(&mut Vec<Arc<Worker>>) -> R) -> R {
        let gate = fork_gate();
        let mut l = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        let me = getpid();
        if l.0 != me {
            std::mem::forget(std::mem::take(&mut l.1));
            l.0 = me;
        }
        let r = f(&mut l.1);
        drop(l);
        drop(gate);
        r
    }

    fn take(&self) -> Option<Arc<Worker>> {
        self.with(|v| v.pop())
    }

    fn park(&self, w: &Arc<Worker>) -> bool {
        self.with(|v| {
            if v.len() >= IDLE_MAX {
                return false;
            }
            v.push(w.clone());
            true
        })
    }

    /// Let every parked thread go and wait until each has left; how many there were.
    fn release(&self) -> usize {
        let all = self.with(std::mem::take);
        for w in &all {
            w.give(Job::Quit);
        }
        for w in &all {
            let h = w.handle.lock().unwrap_or_else(|e| e.into_inner()).take();
            if let Some(h) = h {
                let _ = h.join();
            }
        }
        all.len()
    }
}

impl Spawner for Threads {
    fn spawn(&self, process: Arc<Process>, arg: u32) -> Result<i32, wali_syscalls::errno::Errno> {
        process.threads.fetch_add(1, Ordering::SeqCst);
        if !process.fresh_threads.load(Ordering::SeqCst) {
            if let Some(w) = self.pool.take() {
                // The creator's mask, as a new thread inherits it (see `worker`).
                let mask = wali_syscalls::deliver::current_mask();
                w.give(Job::Run { arg, mask });
                return Ok(w.tid);
            }
        }
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let (engine, pre, name, pool) = (
            self.engine.clone(),
            self.pre.clone(),
            self.name.clone(),
            self.pool.clone(),
        );
        let p = process.clone();
        let r = std::thread::Builder::new()
            .name("wali-thread".into())
            .stack_size(THREAD_STACK)
            .spawn(move || worker(engine, pre, name, pool, p, arg, tx));
        match r {
            Ok(h) => match rx.recv() {
                Ok(w) => {
                    *w.handle.lock().unwrap_or_else(|e| e.into_inner()) = Some(h);
                    Ok(w.tid)
                }
                Err(_) => Err(wali_syscalls::errno::EAGAIN),
            },
            Err(_) => {
                process.threads.fetch_sub(1, Ordering::SeqCst);
                Err(wali_syscalls::errno::EAGAIN)
            }
        }
    }

    fn release_idle(&self) -> usize {
        self.pool.release()
    }
}

/// An OS thread that runs guest threads: the first one it was made for, then, parked
/// in the pool between them, the ones handed to it (`Pool`).
fn worker(
    engine: Engine,
    pre: InstancePre<Ctx>,
    name: String,
    pool: Arc<Pool>,
    p: Arc<Process>,
    mut arg: u32,
    tx: std::sync::mpsc::SyncSender<Arc<Worker>>,
) {
    // A new OS thread inherits its creator's host mask, the mirror of its guest mask.
    let cx = Ctx::new(p.clone(), wali_syscalls::deliver::current_mask());
    let tid = cx.tid;
    let me = Arc::new(Worker {
        tid,
        job: std::sync::Mutex::new(None),
        wake: std::sync::Condvar::new(),
        handle: std::sync::Mutex::new(None),
    });
    let _ = tx.send(me.clone());
    drop(tx);
    // Store, instance and the start function's type take wasmtime's global locks: not
    // while the guest forks (see `process::fork`).
    let gate = fork_gate();
    let mut store = Store::new(&engine, cx);
    let start = (|| {
        let inst = instantiate(&pre, &mut store)?;
        inst.get_typed_func::<(i32, i32), ()>(&mut store, "__wasm_thread_start_libc")
    })();
    drop(gate);
    let mut r = start
        .as_ref()
        .map(|_| ())
        .map_err(|e| wasmtime::Error::msg(one_line(e)));
    loop {
        if let (Ok(start), Ok(())) = (&start, &r) {
            thread_starting(&mut store, arg);
            r = start.call(&mut store, (tid, arg as i32));
        }
        let ended = match &r {
            Ok(()) => true,
            Err(e) => matches!(e.downcast_ref::<Exit>(), Some(Exit::Thread(_))),
        };
        if !ended {
            // The process ends here: every thread's robust list, as the kernel's.
            wali_syscalls::thread::process_exiting(&p.mem);
            overflowed(&mut store, &name);
            match classify(r) {
                Outcome::Exit(c) => std::process::exit(c),
                Outcome::Trap(m) => {
                    eprintln!("wali-run: {name}: thread {tid}: {m}");
                    std::process::exit(134);
                }
            }
        }
        thread_exit(&store);
        let reuse = !p.fresh_threads.load(Ordering::SeqCst);
        if reuse {
            // Parked, this thread takes no signal and keeps none of the old guest
            // thread's: the next one starts as a new thread would.
            wali_syscalls::deliver::retire_thread();
            let cx = store.data_mut();
            cx.clear_child_tid = 0;
            cx.altstack = (0, libc::SS_DISABLE, 0);
            cx.saved_mask = None;
        }
        // The last thread to leave ends the process (the main thread may have left with
        // SYS_exit while this one ran).
        if p.threads.fetch_sub(1, Ordering::SeqCst) == 1 {
            std::process::exit(0);
        }
        let job = if reuse && pool.park(&me) {
            me.wait()
        } else {
            Job::Quit
        };
        match job {
            Job::Run { arg: a, mask } => {
                arg = a;
                store.data_mut().sigmask = mask;
                wali_syscalls::deliver::mirror_mask(mask);
                // The name the thread had when made (the guest may have renamed it).
                // SAFETY: a NUL-terminated name for this thread.
                unsafe { libc::prctl(libc::PR_SET_NAME, c"wali-thread".as_ptr()) };
                r = Ok(());
            }
            Job::Quit => {
                let gate = fork_gate();
                drop(store);
                drop(gate);
                return;
            }
        }
    }
}

/// Every start of a guest thread on its store, the first and each reuse: signal checks
/// at the next epoch (a handler that ended the last thread may have left the deadline
/// far away). Per-thread settings of the instance belong here (its globals: the stack
/// pointer and TLS base are the start routine's own, `thread_start.s`), and the stack
/// check's bounds, as each guest thread has a stack of its own.
fn thread_starting(store: &mut Store<Ctx>, arg: u32) {
    store.set_epoch_deadline(1);
    thread_stack(store, arg);
}

/// See `wali_syscalls::process::FORK_GATE`.
fn fork_gate() -> std::sync::RwLockReadGuard<'static, ()> {
    wali_syscalls::process::FORK_GATE
        .read()
        .unwrap_or_else(|e| e.into_inner())
}

/// After a thread's start routine ends: its robust list walked, its tid word cleared
/// and woken (CLONE_CHILD_CLEARTID), as the kernel does at a thread's exit.
fn thread_exit(store: &Store<Ctx>) {
    wali_syscalls::thread::thread_exited(store.data());
}

/// Stack check (see `rewrite::stack_check`): a new thread's instance starts with the
/// main thread's bounds; its own stack is the run of writable pages holding its start
/// record `arg` (musl's pthread_create puts it at the top of the stack it mapped, above
/// a PROT_NONE guard page). A stack the runtime cannot place is left unchecked.
fn thread_stack(store: &mut Store<Ctx>, arg: u32) {
    let Some(g) = store.data().stack else { return };
    let bounds = match store.data().mem.pages().writable_run(arg as usize) {
        Some((lo, hi)) => (lo as u32, (hi - lo).min(u32::MAX as usize) as u32),
        None => (0, u32::MAX),
    };
    g.set(&mut *store, bounds);
}

/// After a trap: when it was the stack check's, say so and end the process as Linux
/// ends one whose stack ran into its guard page (SIGSEGV).
fn overflowed(store: &mut Store<Ctx>, name: &str) {
    let Some(g) = store.data().stack else { return };
    let Some(sp) = g.overflowed(&mut *store) else {
        return;
    };
    let (lo, span) = g.get(&mut *store);
    let tid = store.data().tid;
    eprintln!(
        "wali-run: {name}: thread {tid} overflowed its stack ({span} bytes at {lo:#x}; a frame \
         wanted the stack pointer at {sp:#x})"
    );
    wali_syscalls::deliver::die_of(libc::SIGSEGV);
}

/// A guest thread's instance, with what signal delivery needs: epoch checks that run
/// pending handlers, the function table and the stack pointer.
fn instantiate(pre: &InstancePre<Ctx>, store: &mut Store<Ctx>) -> wasmtime::Result<Instance> {
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(wali_syscalls::deliver::on_epoch);
    let inst = pre.instantiate(&mut *store)?;
    let table = inst.get_table(&mut *store, rewrite::TABLE_EXPORT);
    let sp = inst.get_global(&mut *store, rewrite::SP_EXPORT);
    let mut g = |name| inst.get_global(&mut *store, name);
    let stack = match (
        g(rewrite::STACK_LO_EXPORT),
        g(rewrite::STACK_SPAN_EXPORT),
        g(rewrite::STACK_OVERFLOW_EXPORT),
    ) {
        (Some(lo), Some(span), Some(overflow)) => {
            Some(wali_syscalls::ctx::StackGlobals { lo, span, overflow })
        }
        _ => None,
    };
    let cx = store.data_mut();
    cx.table = table;
    cx.sp = sp;
    cx.stack = stack;
    Ok(inst)
}

fn classify(r: wasmtime::Result<()>) -> Outcome {
    match r {
        Ok(()) => Outcome::Exit(0),
        Err(e) => match e.downcast_ref::<Exit>() {
            Some(Exit::Process(c)) | Some(Exit::Thread(c)) => Outcome::Exit(*c),
            None => {
                // The trap itself on the first line; the backtrace follows.
                let mut m = match e.downcast_ref::<wasmtime::Trap>() {
                    Some(t) => t.to_string(),
                    None => e
                        .chain()
                        .map(|c| c.to_string())
                        // The backtrace is a link of the chain too: it follows below.
                        .filter(|p| {
                            !p.contains("wasm backtrace") && !p.trim_start().starts_with("0: ")
                        })
                        .map(|p| p.trim().replace('\n', " "))
                        .collect::<Vec<_>>()
                        .join(": "),
                };
                if m == "thrown Wasm exception" {
                    m = "uncaught wasm exception: a longjmp with no matching setjmp on this \
                         thread's stack (C code that jumps into a frame that has returned, \
                         such as Ruby's callcc, cannot work with exception-based setjmp)"
                        .into();
                }
                if let Some(bt) = e.downcast_ref::<WasmBacktrace>() {
                    m.push_str(&format!("\n{}", bt.to_string().trim_end()));
                }
                Outcome::Trap(m)
            }
        },
    }
}

pub fn run(
    engine: &Engine,
    mut loaded: Loaded,
    name: &str,
    cfg: ProcessConfig,
    start: Start,
) -> Result<Outcome, String> {
    let mut linker: Linker<Ctx> = Linker::new(engine);
    wali_syscalls::add_to_linker_dropping(&mut linker, &loaded.dropped)
        .map_err(|e| one_line(&e))?;
    let mem = match &loaded.memory {
        Some((_, _, ty)) => {
            let ty = cfg.policy.limits.memory_type(ty)?;
            let m = SharedMemory::new(engine, ty)
                .map_err(|e| format!("cannot create memory: {}", one_line(&e)))?;
            let mem = GuestMem::new(m);
            // Taken, so the image file closes once mapped: the guest's first descriptor
            // must be 3, as on Linux.
            let img = loaded.image.take();
            match &start {
                // The snapshot holds the data segments as the program left them.
                Start::Resume(r) => snapshot::restore_memory(&mem, r)?,
                _ => {
                    if let Some(img) = img {
                        apply_image(&mem, &img)?;
                    }
                }
            }
            mem
        }
        None => GuestMem::none(),
    };
    let process = Process::new(cfg, mem.clone())
        .map_err(|e| format!("cannot set up the environment: {e}"))?;
    if let Some(m) = mem.shared() {
        limits::watch_memory(&process.policy.limits, m, process.notices.clone());
    }
    let mut store = Store::new(
        engine,
        Ctx::new(process.clone(), wali_syscalls::deliver::current_mask()),
    );
    if let (Some((module, field, _)), Some(m)) = (&loaded.memory, mem.shared()) {
        linker
            .define(&store, module, field, m.clone())
            .map_err(|e| one_line(&e))?;
    }
    let pre = linker
        .instantiate_pre(&loaded.module)
        .map_err(|e| one_line(&e))?;
    let threads: Arc<dyn Spawner> = Arc::new(Threads {
        engine: engine.clone(),
        pre: pre.clone(),
        name: name.to_string(),
        pool: Arc::new(Pool::new()),
    });
    let _ = process.spawner.set(threads);
    let mut refused: Option<String> = None;
    let outcome = (|| {
        let inst = instantiate(&pre, &mut store)?;
        if let Some(g) = store.data().stack {
            let (_, span) = g.get(&mut store);
            if span != u32::MAX {
                let _ = process.main_stack.set(span as u64);
            }
        }
        // The module's data is in place: page 0 faults for syscalls unless it holds some.
        process.mem.settle_null_page();
        if let Start::Resume(r) = &start {
            if let Err(e) = snapshot::restore_state(&mut store, &inst, &process, &r.state) {
                refused = Some(e);
                return Ok(());
            }
            let resume = inst
                .get_typed_func::<(), ()>(&mut store, snapshot::RESUME_EXPORT)
                .map_err(|_| {
                    wasmtime::Error::msg("the snapshot's module exports no wali_resume")
                })?;
            return resume.call(&mut store, ());
        }
        // The guest starts with the mask the host process had (blocked until now).
        store.data_mut().sigmask = process.initial_mask;
        wali_syscalls::deliver::mirror_mask(process.initial_mask);
        let Start::Capture(out) = &start else {
            let start = inst.get_typed_func::<(), ()>(&mut store, "_start")?;
            return start.call(&mut store, ());
        };
        let Ok(preinit) = inst.get_typed_func::<(), ()>(&mut store, snapshot::PREINIT_EXPORT)
        else {
            refused = Some(
                "the module exports no wali_preinit: it cannot be pre-initialised (docs/box.md, \"Snapshots\")"
                    .into(),
            );
            return Ok(());
        };
        let before = snapshot::open_fds();
        let cwd = snapshot::guest_cwd(&process);
        if let Err(e) = preinit.call(&mut store, ()) {
            refused = Some(match e.downcast_ref::<Exit>() {
                Some(Exit::Process(c)) | Some(Exit::Thread(c)) => {
                    format!("the program exited (status {c}) before the snapshot point")
                }
                None => format!(
                    "the program trapped before the snapshot point: {}",
                    one_line(&e)
                ),
            });
            return Ok(());
        }
        let keep = match snapshot::check_rules(&process, &before, &cwd) {
            Ok(k) => k,
            Err(e) => {
                refused = Some(e);
                return Ok(());
            }
        };
        let blob = snapshot::capture(&mut store, &inst, &process, &cwd, &keep);
        if let Err(e) = std::fs::write(out, &blob) {
            refused = Some(format!("{}: {e}", out.display()));
        }
        Ok(())
    })();
    if let Some(e) = refused {
        return Err(e);
    }
    if let Some(Exit::Thread(_)) = outcome
        .as_ref()
        .err()
        .and_then(|e| e.downcast_ref::<Exit>())
    {
        // The main thread left with SYS_exit while others run: Linux keeps the process
        // alive until the last thread ends, which then exits the host process.
        thread_exit(&store);
        if process.threads.fetch_sub(1, Ordering::SeqCst) > 1 {
            loop {
                std::thread::park();
            }
        }
    }
    limits::memory_at_exit();
    let trapped = outcome.is_err();
    let outcome = classify(outcome);
    wali_syscalls::thread::process_exiting(&process.mem);
    if trapped {
        overflowed(&mut store, name);
    }
    // The process ends right after this (the caller exits with the outcome): tearing
    // down the store, the instances and the module would only unmap and free what the
    // exit frees anyway. It was a sixth of a forked child's life.
    std::mem::forget(store);
    std::mem::forget(pre);
    std::mem::forget(linker);
    std::mem::forget(loaded);
    Ok(outcome)
}

/// The module's initial data into the fresh memory: the cache's image file mapped
/// copy-on-write (pages never written stay shared with the page cache and with other
/// runs), else copied.
fn apply_image(mem: &GuestMem, img: &crate::engine::MemImage) -> Result<(), String> {
    use crate::engine::{MemImage, IMAGE_HEADER};
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::FileExt;
    let read;
    let (at, data): (u32, &[u8]) = match img {
        MemImage::File { file, at, len } => {
            if mem
                .map_private(*at, *len, file.as_raw_fd(), IMAGE_HEADER as i64)
                .is_ok()
            {
                tracing::debug!(bytes = len, at, "initial data mapped copy-on-write");
                return Ok(());
            }
            let mut b = vec![0u8; *len];
            file.read_exact_at(&mut b, IMAGE_HEADER as u64)
                .map_err(|e| format!("cannot read the module's initial data: {e}"))?;
            read = b;
            (*at, &read)
        }
        MemImage::Bytes(i) => (i.at, &i.bytes),
    };
    mem.write_bytes(at, data).map_err(|e| {
        format!(
            "the module's initial data ({} bytes at {at:#x}) does not fit its memory: {}",
            data.len(),
            wali_syscalls::errno::message(e.0)
        )
    })
}
