//! Signal delivery. Guest signals are host signals: a guest handler installs a host
//! handler (no `SA_RESTART`) that marks the signal pending for the OS thread that took
//! it and bumps the engine's epoch. The guest handler then runs on that thread at the
//! next safepoint: the return of the syscall it interrupted (which answers `EINTR`, or
//! is restarted under `SA_RESTART` when the table's flags say `restart`), or an epoch
//! check in running wasm code.
//!
//! Each guest thread's host signal mask mirrors its guest mask, and threads that run
//! no guest code block every signal, so the kernel picks the same thread Linux would.
//! SIG_DFL and SIG_IGN become host dispositions: default actions (terminate, core,
//! stop, ignore) are the kernel's own, and the parent sees the death by signal.

use crate::ctx::Ctx;
use crate::signal::{Action, NSIG, SIG_DFL, SIG_IGN};
use std::cell::Cell;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::OnceLock;
use wasmtime::{AsContextMut, Engine, Val};

/// Signals wasmtime needs for traps: the guest may set actions for them, which are
/// recorded and reported back but never take over the host's.
pub const RESERVED: u64 =
    bit(libc::SIGSEGV) | bit(libc::SIGBUS) | bit(libc::SIGILL) | bit(libc::SIGFPE);
/// Signals that can never be caught, blocked or ignored.
pub const UNBLOCKABLE: u64 = bit(libc::SIGKILL) | bit(libc::SIGSTOP);

/// The first real-time signal number (the guest's libc uses 32 and 33 itself).
const SIGRT_FIRST: i32 = 32;

pub const fn bit(sig: i32) -> u64 {
    1u64 << (sig - 1)
}

static ENGINE: OnceLock<Engine> = OnceLock::new();

thread_local! {
    /// Signals taken by this OS thread's host handler and not yet delivered.
    static PENDING: AtomicU64 = const { AtomicU64::new(0) };
    /// Instances of each pending real-time signal (they queue, as on Linux).
    static COUNT: [AtomicU32; NSIG] = const { [const { AtomicU32::new(0) }; NSIG] };
    /// The first 32 bytes of the kernel's siginfo for each pending signal.
    static INFO: [[AtomicU64; 4]; NSIG] = const { [const { [const { AtomicU64::new(0) }; 4] }; NSIG] };
    /// How deep handlers are nested on this thread (a handler may be interrupted by
    /// another signal it does not block, as on Linux), bounded to keep the host stack.
    static DEPTH: Cell<u32> = const { Cell::new(0) };
    /// Handlers running on this thread's alternate signal stack (`sigaltstack` then
    /// reports `SS_ONSTACK` and refuses changes, as Linux does).
    static ON_ALT: Cell<u32> = const { Cell::new(0) };
}

/// Is this thread running a handler on its alternate signal stack?
pub fn on_altstack() -> bool {
    ON_ALT.with(|n| n.get() > 0)
}

/// Make `sig` pending on this thread as if the kernel had sent it with `code`
/// (`SI_USER`, `SI_TKILL`) from this process: for the signals wasmtime keeps for its
/// traps (`RESERVED`), which the guest sends itself with `raise`/`kill`. `deliver`
/// then runs the guest's handler, ignores it, or takes the default action (death by
/// that signal) at the syscall's return, as Linux would.
pub fn post_self(sig: i32, code: i32) {
    if !(1..=NSIG as i32).contains(&sig) {
        return;
    }
    // SAFETY: no preconditions.
    let (pid, uid) = unsafe { (libc::getpid(), libc::getuid()) };
    let words = [
        sig as u32 as u64,
        code as u32 as u64,
        pid as u32 as u64 | (uid as u64) << 32,
        0,
    ];
    INFO.with(|slots| {
        for (slot, w) in slots[sig as usize - 1].iter().zip(words) {
            slot.store(w, Ordering::Relaxed);
        }
    });
    PENDING.with(|p| p.fetch_or(bit(sig), Ordering::SeqCst));
}

/// Called once by the engine layer, so the host handler can interrupt running wasm.
pub fn set_engine(e: &Engine) {
    let _ = ENGINE.set(e.clone());
}

extern "C" fn on_signal(sig: libc::c_int, info: *mut libc::siginfo_t, _uc: *mut libc::c_void) {
    // Async-signal-safe: thread-local atomics and one atomic add in the engine.
    if !(1..=NSIG as i32).contains(&sig) {
        return;
    }
    let words = info as *const u64;
    let _ = INFO.try_with(|slots| {
        for (i, slot) in slots[sig as usize - 1].iter().enumerate() {
            // SAFETY: the kernel's siginfo is 128 bytes; we read the first 32.
            slot.store(unsafe { words.add(i).read() }, Ordering::Relaxed);
        }
    });
    let _ = PENDING.try_with(|p| p.fetch_or(bit(sig), Ordering::SeqCst));
    if sig >= SIGRT_FIRST {
        // Real-time signals queue: count each instance (standard ones merge in the bit).
        let _ = COUNT.try_with(|c| c[sig as usize - 1].fetch_add(1, Ordering::SeqCst));
    }
    if let Some(e) = ENGINE.get() {
        e.increment_epoch();
    }
}

// The host side works with raw syscalls and 64-bit kernel masks, not libc's wrappers:
// glibc reserves signals 32 and 33 for itself and silently drops them from masks and
// refuses handlers for them, but they are the guest's (musl's SIGTIMER and SIGCANCEL).

/// Host mask for a guest mask: reserved signals stay deliverable to wasmtime.
#[inline]
pub fn host_set(mask: u64) -> u64 {
    mask & !RESERVED
}

fn sigprocmask(how: i32, set: Option<u64>) -> u64 {
    let mut old: u64 = 0;
    let p = set.as_ref().map_or(std::ptr::null(), |s| s as *const u64);
    // SAFETY: 8-byte kernel sigsets on the stack.
    unsafe { libc::syscall(libc::SYS_rt_sigprocmask, how, p, &mut old as *mut u64, 8) };
    old
}

/// Block every signal the runtime may (not wasmtime's) on this thread; returns the old
/// host mask for `set_host_mask`. Around `fork`, so no handler runs between the host
/// fork and the child's `forget_pending`.
pub fn block_all() -> u64 {
    sigprocmask(libc::SIG_SETMASK, Some(!RESERVED))
}

/// Put back a host mask `block_all` returned.
pub fn set_host_mask(old: u64) {
    sigprocmask(libc::SIG_SETMASK, Some(old));
}

/// Make this OS thread's host mask the guest's.
pub fn mirror_mask(mask: u64) {
    sigprocmask(libc::SIG_SETMASK, Some(host_set(mask)));
}

/// The calling thread's current host mask, as a guest mask (a new thread's starting mask).
pub fn current_mask() -> u64 {
    sigprocmask(libc::SIG_SETMASK, None)
}

// The kernel's x86-64 sigaction and the restorer it needs (glibc's is private).
#[repr(C)]
struct KSigaction {
    handler: usize,
    flags: u64,
    restorer: usize,
    mask: u64,
}
const SA_RESTORER: u64 = 0x0400_0000;
std::arch::global_asm!(
    ".globl wali_run_restore_rt",
    "wali_run_restore_rt:",
    "mov rax, 15",
    "syscall",
);
extern "C" {
    fn wali_run_restore_rt();
}

fn host_sigaction(sig: i32, handler: usize) -> Result<(), crate::errno::Errno> {
    let sa = KSigaction {
        handler,
        // No SA_RESTART: restarts are decided at delivery, per the guest's flags.
        flags: (libc::SA_SIGINFO | libc::SA_ONSTACK) as u64 | SA_RESTORER,
        restorer: wali_run_restore_rt as *const () as usize,
        // Everything blocked while the (tiny) host handler runs.
        mask: !0,
    };
    // SAFETY: a valid kernel sigaction; the handler only touches atomics.
    let r = unsafe {
        libc::syscall(
            libc::SYS_rt_sigaction,
            sig,
            &sa as *const KSigaction,
            std::ptr::null_mut::<KSigaction>(),
            8,
        )
    };
    if r < 0 {
        return Err(crate::errno::Errno::last());
    }
    Ok(())
}

/// At start-up, before any other thread exists: block every signal on this thread (so
/// helper threads created later inherit "all blocked"), give SIGPIPE back its default
/// (Rust ignores it), and return the mask and ignored set the guest starts with.
pub fn init_host() -> (u64, u64) {
    let _ = host_sigaction(libc::SIGPIPE, libc::SIG_DFL);
    let old = sigprocmask(libc::SIG_SETMASK, Some(!RESERVED));
    let mut ignored = 0;
    for sig in 1..=NSIG as i32 {
        let mut sa = KSigaction {
            handler: 0,
            flags: 0,
            restorer: 0,
            mask: 0,
        };
        // SAFETY: reading the current disposition into a local.
        let r = unsafe {
            libc::syscall(
                libc::SYS_rt_sigaction,
                sig,
                std::ptr::null::<KSigaction>(),
                &mut sa as *mut KSigaction,
                8,
            )
        };
        if r == 0 && RESERVED & bit(sig) == 0 && sa.handler == libc::SIG_IGN {
            ignored |= bit(sig);
        }
    }
    (old, ignored)
}

/// Make the host disposition of `sig` follow the guest action `a`.
pub fn install(sig: i32, a: &Action) -> Result<(), crate::errno::Errno> {
    if RESERVED & bit(sig) != 0 || UNBLOCKABLE & bit(sig) != 0 {
        return Ok(());
    }
    let handler = match a.handler {
        SIG_DFL => libc::SIG_DFL,
        SIG_IGN => libc::SIG_IGN,
        _ => on_signal as *const () as usize,
    };
    host_sigaction(sig, handler)
}

/// Signals pending on this thread (taken by the host handler, not yet run).
#[inline(always)]
pub fn pending() -> u64 {
    PENDING.with(|p| p.load(Ordering::Relaxed))
}

/// In a forked child: nothing is pending (fork(2): "the child's set of pending signals is
/// initially empty"). The kernel empties its own sets; this empties the ones the host
/// handler kept for the thread that forked (the child's only thread). Without it, every
/// child re-ran the parent's queued handlers, and a handler that forks made a fork bomb.
pub fn forget_pending() {
    PENDING.with(|p| p.store(0, Ordering::SeqCst));
    COUNT.with(|c| c.iter().for_each(|n| n.store(0, Ordering::SeqCst)));
    INFO.with(|slots| {
        slots
            .iter()
            .flatten()
            .for_each(|w| w.store(0, Ordering::Relaxed))
    });
}

/// A guest thread ended and its OS thread is kept for another (the engine layer's
/// pool): block every signal (a parked thread runs no guest code, so the kernel hands
/// process signals to the others), and discard what was pending for the old thread, as
/// its exit would: the host handler's records, the handler nesting, and the signals
/// the kernel holds for this thread alone (a process-wide one stays for the others).
pub fn retire_thread() {
    block_all();
    forget_pending();
    DEPTH.with(|d| d.set(0));
    ON_ALT.with(|d| d.set(0));
    let mut set: u64 = 0;
    // SAFETY: an 8-byte kernel sigset out-parameter.
    unsafe { libc::syscall(libc::SYS_rt_sigpending, &mut set as *mut u64, 8) };
    if set & !RESERVED == 0 {
        return;
    }
    // Pending here: this thread's or the process's. Only the thread's (SigPnd) go, one
    // at a time (the kernel dequeues a thread's own before the process's).
    for _ in 0..4096 {
        let own = thread_pending() & !RESERVED & !UNBLOCKABLE;
        if own == 0 {
            break;
        }
        let zero = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        let mut info = std::mem::MaybeUninit::<libc::siginfo_t>::uninit();
        // SAFETY: a kernel sigset, a siginfo out-buffer and a zero timeout.
        let r = unsafe {
            libc::syscall(
                libc::SYS_rt_sigtimedwait,
                &own as *const u64,
                info.as_mut_ptr(),
                &zero as *const libc::timespec,
                8,
            )
        };
        if r <= 0 {
            break;
        }
    }
    forget_pending();
}

/// The signals the kernel holds for the calling thread alone (`SigPnd` of
/// /proc/thread-self/status).
fn thread_pending() -> u64 {
    std::fs::read_to_string("/proc/thread-self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("SigPnd:"))
                .and_then(|h| u64::from_str_radix(h.trim(), 16).ok())
        })
        .unwrap_or(0)
}

/// Take `sig` off this thread's pending set, if it is there; returns its siginfo words.
pub fn take(sig: i32) -> Option<[u64; 4]> {
    let was = PENDING.with(|p| p.fetch_and(!bit(sig), Ordering::SeqCst));
    if was & bit(sig) == 0 {
        return None;
    }
    if sig >= SIGRT_FIRST {
        // Clear first, then count down: an instance arriving in between sets both again.
        let left = COUNT.with(|c| {
            let c = &c[sig as usize - 1];
            let _ = c.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
            c.load(Ordering::SeqCst)
        });
        if left > 0 {
            PENDING.with(|p| p.fetch_or(bit(sig), Ordering::SeqCst));
        }
    }
    Some(INFO.with(|slots| {
        let s = &slots[sig as usize - 1];
        [0, 1, 2, 3].map(|i| s[i].load(Ordering::Relaxed))
    }))
}

/// Guest `siginfo_t` (128 bytes, union at +12 on wasm32) from the kernel's first 32
/// bytes (union at +16, 8-byte longs and pointers).
pub fn guest_siginfo(sig: i32, k: [u64; 4]) -> [u8; 128] {
    let mut kb = [0u8; 32];
    for (i, w) in k.iter().enumerate() {
        kb[i * 8..i * 8 + 8].copy_from_slice(&w.to_le_bytes());
    }
    let mut g = [0u8; 128];
    g[0..12].copy_from_slice(&kb[0..12]);
    g[0..4].copy_from_slice(&sig.to_le_bytes());
    let code = i32::from_le_bytes(kb[8..12].try_into().unwrap());
    let mut put = |goff: usize, koff: usize, n: usize| {
        let n = n.min(32 - koff);
        g[goff..goff + n].copy_from_slice(&kb[koff..koff + n]);
    };
    match sig {
        // si_pid, si_uid, si_status; utime/stime need bytes past 32: left zero.
        libc::SIGCHLD if code > 0 => {
            put(12, 16, 8);
            put(20, 24, 4);
        }
        // si_band (low word), si_fd.
        libc::SIGIO if code > 0 => {
            put(12, 16, 4);
            put(16, 24, 4);
        }
        // si_addr (low word).
        libc::SIGSEGV | libc::SIGBUS | libc::SIGILL | libc::SIGFPE | libc::SIGTRAP if code > 0 => {
            put(12, 16, 4)
        }
        // SIGSYS from seccomp: si_call_addr (low word), si_syscall, si_arch.
        libc::SIGSYS if code > 0 => {
            put(12, 16, 4);
            put(16, 24, 8);
        }
        // Any other signal with a kernel code > 0 is F_SETSIG's (I/O readiness, leases,
        // F_NOTIFY): POLL_* code, si_band (low word), si_fd.
        _ if code > 0 => {
            put(12, 16, 4);
            put(16, 24, 4);
        }
        // kill/sigqueue/timers: si_pid+si_uid (or timerid+overrun), then si_value.
        _ => {
            put(12, 16, 8);
            put(20, 24, 4);
        }
    }
    g
}

/// Handlers nested deeper than this wait until an outer one returns.
const MAX_NESTING: u32 = 32;

const FRAME: u32 = 128 + 928; // siginfo_t + ucontext_t (920, rounded)
const UC_SIGMASK: u32 = 280;
/// uc_mcontext.gregs[REG_RIP] in the wasm32 libc's ucontext_t.
const UC_PC: u32 = 152;

/// Run the guest handlers of every deliverable pending signal. Returns whether every
/// handler run asked for `SA_RESTART` (the interrupted syscall may then be restarted).
pub fn deliver(mut store: impl AsContextMut<Data = Ctx>) -> wasmtime::Result<bool> {
    let mut store = store.as_context_mut();
    let mut restart = true;
    let depth = DEPTH.with(|d| d.get());
    if depth >= MAX_NESTING {
        return Ok(false);
    }
    DEPTH.with(|d| d.set(depth + 1));
    let r = (|| {
        loop {
            let cx = store.data_mut();
            let ready = pending() & !cx.sigmask;
            // Not before the instance is set up (its start function may run first).
            if ready == 0 || cx.table.is_none() {
                break;
            }
            let sig = ready.trailing_zeros() as i32 + 1;
            let Some(info) = take(sig) else { continue };
            let action = {
                let mut t = cx
                    .proc
                    .signals
                    .actions
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                let a = t[sig as usize - 1];
                if a.flags & libc::SA_RESETHAND as u64 != 0
                    && a.handler != SIG_DFL
                    && a.handler != SIG_IGN
                {
                    // As the kernel: only the handler goes back to SIG_DFL; flags and
                    // mask stay (a later query still shows SA_SIGINFO).
                    t[sig as usize - 1].handler = SIG_DFL;
                    let _ = install(sig, &t[sig as usize - 1]);
                }
                a
            };
            match action.handler {
                SIG_IGN => continue,
                SIG_DFL => {
                    default_action(sig);
                    continue;
                }
                _ => {}
            }
            restart &= action.flags & libc::SA_RESTART as u64 != 0;
            if run_handler(&mut store, sig, &action, info)? {
                restart = false;
            }
        }
        // sigsuspend/ppoll/pselect: the mask they set lasts until handlers have run
        // (the outermost delivery; a nested one runs inside such a handler).
        let cx = store.data_mut();
        if depth == 0 {
            if let Some(m) = cx.saved_mask.take() {
                cx.sigmask = m;
                mirror_mask(m);
            }
        }
        Ok(restart)
    })();
    DEPTH.with(|d| d.set(depth));
    r
}

/// A signal whose guest action became SIG_DFL after the host took it: do what the
/// kernel would have done.
fn default_action(sig: i32) {
    use libc::*;
    if [SIGCHLD, SIGURG, SIGWINCH, SIGCONT].contains(&sig) {
        return;
    }
    let _ = host_sigaction(sig, SIG_DFL);
    self::sigprocmask(SIG_UNBLOCK, Some(bit(sig)));
    // SAFETY: signalling this thread.
    unsafe { syscall(SYS_tgkill, getpid(), gettid(), sig) };
}

/// Run one guest handler; returns true when it asked that the interrupted syscall
/// not be restarted.
fn run_handler(
    store: &mut impl AsContextMut<Data = Ctx>,
    sig: i32,
    a: &Action,
    info: [u64; 4],
) -> wasmtime::Result<bool> {
    let mut store = store.as_context_mut();
    let (table, sp) = {
        let cx = store.data();
        (cx.table, cx.sp)
    };
    let Some(table) = table else {
        return Err(wasmtime::Error::msg(format!(
            "signal {sig}: the module has no function table for its handler"
        )));
    };
    let func = table
        .get(&mut store, u64::from(a.handler))
        .and_then(|r| r.as_func().flatten().copied())
        .ok_or_else(|| {
            wasmtime::Error::msg(format!(
                "signal {sig}: handler {} is not a function",
                a.handler
            ))
        })?;
    let old_mask = store.data().sigmask;
    let mut during = old_mask | a.mask;
    if a.flags & libc::SA_NODEFER as u64 == 0 {
        during |= bit(sig);
    }
    during &= !UNBLOCKABLE;
    store.data_mut().sigmask = during;
    mirror_mask(during);

    // C lets a handler take fewer arguments than it is given: one installed with
    // SA_SIGINFO may take only the signal (Ruby's do), one declared without a prototype
    // (`void h()`) none at all. A wasm call must match the function's arity, so the
    // handler gets the first 0 to 3 of (signal, siginfo, ucontext) its type names (and
    // any result it returns is dropped).
    let ty = {
        // The type comes from the engine's registry (a wasmtime lock): not during a fork.
        let _gate = crate::process::FORK_GATE
            .read()
            .unwrap_or_else(|e| e.into_inner());
        func.ty(&store)
    };
    let nparams = ty.params().len();
    if nparams > 3 || ty.params().any(|p| !matches!(p, wasmtime::ValType::I32)) {
        return Err(wasmtime::Error::msg(format!(
            "signal {sig}: handler {} has type {ty}, not a C signal handler's",
            a.handler
        )));
    }
    let mut results: Vec<Val> = ty
        .results()
        .map(|t| Val::default_for_ty(&t).unwrap_or(Val::I32(0)))
        .collect();
    let siginfo = a.flags & libc::SA_SIGINFO as u64 != 0 && nparams > 1;
    let r = if siginfo {
        // Build siginfo and a zeroed ucontext (with the interrupted mask) on the guest's
        // stack, or on its alternate stack under SA_ONSTACK.
        let Some(sp) = sp else {
            return Err(wasmtime::Error::msg(
                "SA_SIGINFO handler: the module exports no stack pointer",
            ));
        };
        let saved = sp.get(&mut store).i32().unwrap_or(0) as u32;
        let top = handler_stack(store.data(), a, saved);
        let frame = (top.wrapping_sub(FRAME)) & !15;
        let mem = store.data().mem.clone();
        let wrote = mem
            .write_bytes(frame, &guest_siginfo(sig, info))
            .and_then(|_| mem.fill(frame + 128, 0, (FRAME - 128) as usize))
            .and_then(|_| mem.write(frame + 128 + UC_SIGMASK, old_mask));
        if wrote.is_err() {
            // No room for a frame: Linux kills the process with SIGSEGV.
            return Err(wasmtime::Error::msg(format!(
                "signal {sig}: no stack for the signal frame at {frame:#x}"
            )));
        }
        sp.set(&mut store, Val::I32(frame as i32))?;
        let args = [
            Val::I32(sig),
            Val::I32(frame as i32),
            Val::I32(frame as i32 + 128),
        ];
        let alt = enter_alt(store.data(), frame);
        let guard = guard_alt(&mut store, alt);
        let r = func.call(&mut store, &args[..nparams], &mut results);
        unguard_alt(&mut store, guard);
        leave_alt(alt);
        let _ = sp.set(&mut store, Val::I32(saved as i32));
        r?;
        // As rt_sigreturn: the mask comes back from the ucontext, which the handler may
        // have edited; a handler that moved the pc (musl's cancellation) means the
        // interrupted syscall must not be restarted.
        let uc = frame + 128;
        let restored = mem.read::<u64>(uc + UC_SIGMASK).unwrap_or(old_mask) & !UNBLOCKABLE;
        let moved = mem.read::<u32>(uc + UC_PC).unwrap_or(0) != 0;
        (restored, moved)
    } else {
        // No frame to build; only the stack may change, under SA_ONSTACK.
        let saved = sp.map(|sp| (sp, sp.get(&mut store).i32().unwrap_or(0) as u32));
        let mut alt = false;
        if let Some((sp, cur)) = saved {
            let top = handler_stack(store.data(), a, cur);
            if top != cur {
                sp.set(&mut store, Val::I32((top & !15) as i32))?;
            }
            alt = enter_alt(store.data(), top.wrapping_sub(1));
        }
        // Without SA_SIGINFO the other two arguments are not meaningful (Linux passes
        // whatever its registers hold): zeros.
        let args = [Val::I32(sig), Val::I32(0), Val::I32(0)];
        let guard = guard_alt(&mut store, alt);
        let r = func.call(&mut store, &args[..nparams], &mut results);
        unguard_alt(&mut store, guard);
        leave_alt(alt);
        if let Some((sp, cur)) = saved {
            let _ = sp.set(&mut store, Val::I32(cur as i32));
        }
        r?;
        (old_mask, false)
    };
    let cx = store.data_mut();
    cx.sigmask = r.0;
    mirror_mask(r.0);
    Ok(r.1)
}

/// A handler whose stack starts at `sp` is on the alternate stack: count it until
/// it returns (or jumps out: a `siglongjmp` leaves the alternate stack too).
fn enter_alt(cx: &Ctx, sp: u32) -> bool {
    let (alt_sp, alt_flags, alt_size) = cx.altstack;
    let on =
        alt_flags & libc::SS_DISABLE == 0 && (alt_sp..alt_sp.wrapping_add(alt_size)).contains(&sp);
    if on {
        ON_ALT.with(|n| n.set(n.get() + 1));
    }
    on
}

/// While a handler runs on the alternate signal stack, the stack check guards that
/// stack (the engine's rewrite checks every frame against the running stack's bounds):
/// returns the thread's own bounds, to put back after.
fn guard_alt(
    store: &mut wasmtime::StoreContextMut<'_, Ctx>,
    alt: bool,
) -> Option<(crate::ctx::StackGlobals, (u32, u32))> {
    let g = store.data().stack.filter(|_| alt)?;
    let (sp, _, size) = store.data().altstack;
    let old = g.get(&mut *store);
    g.set(&mut *store, (sp, size));
    Some((g, old))
}

fn unguard_alt(
    store: &mut wasmtime::StoreContextMut<'_, Ctx>,
    guard: Option<(crate::ctx::StackGlobals, (u32, u32))>,
) {
    if let Some((g, old)) = guard {
        g.set(&mut *store, old);
    }
}

/// End the process as the kernel does for a fatal signal (`sig` at its default action:
/// the exit status a shell shows is 128 + sig), after the runtime said why.
pub fn die_of(sig: i32) -> ! {
    default_action(sig);
    std::process::exit(128 + sig)
}

fn leave_alt(entered: bool) {
    if entered {
        ON_ALT.with(|n| n.set(n.get().saturating_sub(1)));
    }
}

/// Where a handler's stack starts: the top of the alternate stack under SA_ONSTACK (unless
/// the thread already runs on it), else the interrupted stack pointer `sp`.
fn handler_stack(cx: &Ctx, a: &Action, sp: u32) -> u32 {
    let (alt_sp, alt_flags, alt_size) = cx.altstack;
    let top = alt_sp.wrapping_add(alt_size);
    if a.flags & libc::SA_ONSTACK as u64 != 0
        && alt_flags & libc::SS_DISABLE == 0
        && !(alt_sp..top).contains(&sp)
    {
        top
    } else {
        sp
    }
}

/// The epoch deadline callback of every guest store: run pending handlers of a thread
/// that is busy in wasm code.
///
/// A handler that `siglongjmp`s out is a wasm exception thrown through this callback;
/// wasm's setjmp catches it only at call sites (the compiler wraps calls, not loops),
/// so a jump back into the very function whose call-free loop was interrupted finds no
/// catcher and ends the program ("uncaught wasm exception"). A signal taken in a
/// syscall or in any function called from the setjmp's function is caught as usual.
pub fn on_epoch(
    mut store: wasmtime::StoreContextMut<'_, Ctx>,
) -> wasmtime::Result<wasmtime::UpdateDeadline> {
    if pending() & !store.data().sigmask != 0 {
        // A nested call must not hit the same deadline.
        store.set_epoch_deadline(u64::MAX / 2);
        deliver(&mut store)?;
    }
    Ok(wasmtime::UpdateDeadline::Continue(1))
}
