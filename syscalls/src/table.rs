//! The syscall table machinery: one declarative line per syscall (in `syscalls.rs`)
//! becomes the import registration, `--list-syscalls`, the docs and `--strace` decoding.

use crate::args::{Kind, WasmTy};
use crate::ctx::{Ctx, Stop, SysResult};

/// Declares the categories once: the enum, their names and the list of all of them.
macro_rules! categories {
    ($($c:ident = $n:literal,)*) => {
        /// A syscall's category: the policy file's `[syscalls]` table takes these names.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
        pub enum Category { $($c,)* }

        impl Category {
            /// Every category, in declaration order.
            pub const ALL: &'static [Category] = &[$(Category::$c,)*];

            pub fn name(self) -> &'static str {
                match self { $(Category::$c => $n,)* }
            }

            /// The category named `name` (`"fs"`), if there is one.
            pub fn by_name(name: &str) -> Option<Category> {
                Self::ALL.iter().copied().find(|c| c.name() == name)
            }
        }
    };
}

categories! {
    Fs = "fs",
    Mem = "mem",
    Time = "time",
    System = "system",
    Signal = "signal",
    Thread = "thread",
    Process = "process",
    Net = "net",
    Poll = "poll",
}

/// How much of Linux's behaviour a syscall has here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Behaves as on Linux.
    Full,
    /// Works, with the differences the note names.
    Partial,
    /// Links, answers `-ENOSYS`.
    None,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::Full => "full",
            Level::Partial => "partial",
            Level::None => "none",
        }
    }
}

#[derive(Debug)]
pub struct Param {
    pub name: &'static str,
    pub kind: Kind,
    pub ty: WasmTy,
}

/// Per-syscall facts beyond the signature: the table's flags column (`[restart, hex, pins]`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flags {
    /// Linux restarts the call after a handler installed with `SA_RESTART` (signal(7),
    /// "Interruption of system calls and library functions by signal handlers"); any
    /// other call interrupted by a handler answers `EINTR`.
    pub restart: bool,
    /// The result is an address: `--strace` prints it in hex, as strace does.
    pub hex: bool,
    /// The call changes the calling host thread's own kernel state, which Linux hands a
    /// new thread from its creator (credentials, scheduling, affinity, namespaces): the
    /// process stops reusing OS threads for new guest threads (`Process::fresh_threads`).
    pub pins: bool,
}

impl Flags {
    pub const NONE: Flags = Flags {
        restart: false,
        hex: false,
        pins: false,
    };
    pub const fn restart(self) -> Flags {
        Flags {
            restart: true,
            ..self
        }
    }
    pub const fn hex(self) -> Flags {
        Flags { hex: true, ..self }
    }
    pub const fn pins(self) -> Flags {
        Flags { pins: true, ..self }
    }

    /// The flags as the table writes them, comma-separated (`restart`, `hex`).
    pub fn names(self) -> String {
        let mut v = Vec::new();
        if self.restart {
            v.push("restart");
        }
        if self.hex {
            v.push("hex");
        }
        if self.pins {
            v.push("pins");
        }
        v.join(",")
    }
}

#[derive(Debug)]
pub struct Syscall {
    pub name: &'static str,
    /// x86-64 Linux number.
    pub nr: u32,
    pub category: Category,
    pub level: Level,
    pub flags: Flags,
    pub note: &'static str,
    pub params: &'static [Param],
}

impl Syscall {
    /// The import name, `SYS_<name>`.
    pub fn import(&self) -> String {
        format!("SYS_{}", self.name)
    }

    /// The wasm signature as the ABI tables write it: `(i32,i32) -> (i64)`.
    pub fn signature(&self) -> String {
        let ps: Vec<&str> = self
            .params
            .iter()
            .map(|p| match p.ty {
                WasmTy::I32 => "i32",
                WasmTy::I64 => "i64",
            })
            .collect();
        format!("({}) -> (i64)", ps.join(","))
    }
}

/// Widening of raw wasm values for tracing.
pub trait Raw: Copy {
    fn raw(self) -> i64;
}
impl Raw for i32 {
    #[inline(always)]
    fn raw(self) -> i64 {
        self as i64
    }
}
impl Raw for i64 {
    #[inline(always)]
    fn raw(self) -> i64 {
        self
    }
}

/// The common case: the policy table lets the call through and nothing traces it. The
/// import then runs the handler inline (see `syscall_table!`); the tracer, the table's
/// other actions and signal delivery are out of line, so the way from the kernel's answer
/// back to the guest is a few straight-line instructions (after the kernel the branch
/// predictors are cold: each taken branch or return there costs a few ns).
#[inline(always)]
pub(crate) fn plain(cx: &Ctx, idx: usize) -> bool {
    cx.proc.policy.action(idx) == crate::policy::Action::Allow && cx.trace.is_none()
}

/// A call that is traced, or that the policy table names.
#[cold]
#[inline(never)]
pub(crate) fn watched(
    cx: &mut Ctx,
    idx: usize,
    raw: &[i64],
    f: impl FnOnce(&mut Ctx) -> SysResult,
) -> wasmtime::Result<i64> {
    use crate::policy::Action;
    let r = match (cx.proc.policy.action(idx), cx.trace.clone()) {
        (Action::Allow, None) => f(cx),
        (Action::Allow, Some(t)) => t.traced(cx, &crate::syscalls::SYSCALLS[idx], raw, f),
        (a, t) => return ruled(cx, idx, raw, a, t, f),
    };
    finish(cx, r)
}

/// A handler's result as the import answers it: the value, or `-errno`.
#[inline(always)]
pub(crate) fn finish(cx: &Ctx, r: SysResult) -> wasmtime::Result<i64> {
    match r {
        Ok(v) => Ok(v),
        Err(Stop::Errno(e)) => {
            if e == crate::errno::EMFILE {
                fd_limit_note(cx);
            }
            Ok(-(e.0 as i64))
        }
        Err(Stop::Exit(x)) => {
            std::hint::cold_path();
            Err(wasmtime::Error::new(x))
        }
    }
}

/// EMFILE under `limits.fds`: say so once (out of line, off every call's path).
#[cold]
#[inline(never)]
fn fd_limit_note(cx: &Ctx) {
    cx.proc.policy.limits.fds_reached(&cx.proc.notices);
}

/// No signal waits for this thread and no mask waits to be restored: the syscall's
/// answer goes straight back to the guest.
#[inline(always)]
pub(crate) fn quiet(cx: &Ctx) -> bool {
    crate::deliver::pending() == 0 && cx.saved_mask.is_none()
}

/// Every syscall return is a signal safepoint. With a signal pending (or a mask waiting
/// to be restored): run the handlers, then restart the call (`again`) if it was
/// interrupted and every handler asked for `SA_RESTART`.
#[cold]
#[inline(never)]
pub(crate) fn signalled(
    caller: &mut wasmtime::Caller<'_, Ctx>,
    mut r: i64,
    idx: usize,
    mut again: impl FnMut(&mut Ctx) -> wasmtime::Result<i64>,
) -> wasmtime::Result<i64> {
    loop {
        let restart = crate::deliver::deliver(&mut *caller)?;
        if !(r == -(crate::errno::EINTR.0 as i64)
            && restart
            && crate::syscalls::SYSCALLS[idx].flags.restart)
        {
            return Ok(r);
        }
        r = again(caller.data_mut())?;
        if quiet(caller.data()) {
            return Ok(r);
        }
    }
}

/// A syscall the policy table names: denied, logged or trapped.
#[cold]
fn ruled(
    cx: &mut Ctx,
    idx: usize,
    raw: &[i64],
    a: crate::policy::Action,
    t: Option<std::sync::Arc<crate::tracer::Tracer>>,
    f: impl FnOnce(&mut Ctx) -> SysResult,
) -> wasmtime::Result<i64> {
    use crate::policy::Action;
    let sc = &crate::syscalls::SYSCALLS[idx];
    let r = match a {
        Action::Trap => {
            return Err(wasmtime::Error::msg(format!(
                "syscall {} refused by the policy (syscalls.{} = \"trap\")",
                sc.name, sc.name
            )))
        }
        Action::Deny(e) => {
            let g = |_: &mut Ctx| -> SysResult {
                crate::policy::refuse("denied by the policy's syscall table");
                Err(Stop::Errno(e))
            };
            match t {
                Some(t) => t.traced(cx, sc, raw, g),
                None => g(cx),
            }
        }
        Action::Log | Action::Allow => {
            let r = match t {
                Some(t) => t.traced(cx, sc, raw, f),
                None => f(cx),
            };
            let shown = match &r {
                Ok(v) => v.to_string(),
                Err(Stop::Errno(e)) => format!("-1 {}", crate::errno::name(e.0).unwrap_or("E?")),
                Err(Stop::Exit(_)) => "?".into(),
            };
            eprintln!("wali-run: policy log: {}{:?} = {shown}", sc.name, raw);
            r
        }
    };
    crate::policy::take_refusal();
    finish(cx, r)
}

/// Calls a handler, or answers `ENOSYS` for a syscall marked as not implemented.
macro_rules! call {
    (ENOSYS, $cx:expr, $($a:expr),*) => {{
        let _ = ($cx, $($a,)*);
        Err($crate::ctx::Stop::Errno($crate::errno::ENOSYS))
    }};
    ($h:path, $cx:expr, $($a:expr),*) => { $h($cx, $($a),*) };
}

/// Declares the syscall table. One line per syscall:
/// `name = nr, Category, Level, [flag, ...], (arg: Kind, ...) => handler, "note";`
/// where the flags are the methods of [`Flags`] (`restart`, `hex`).
macro_rules! syscall_table {
    ($( $name:ident = $nr:literal, $cat:ident, $level:ident, [$($flag:ident),*],
        ( $($an:ident : $at:ident),* ) => $($handler:ident)::+, $note:literal; )*) => {
        /// Every syscall import, in table order.
        pub static SYSCALLS: &[$crate::table::Syscall] = &[$(
            $crate::table::Syscall {
                name: stringify!($name),
                nr: $nr,
                category: $crate::table::Category::$cat,
                level: $crate::table::Level::$level,
                flags: $crate::table::Flags::NONE $(.$flag())*,
                note: $note,
                params: &[$($crate::table::Param {
                    name: stringify!($an),
                    kind: <$at as $crate::args::Arg>::KIND,
                    ty: <$at as $crate::args::Arg>::TY,
                }),*],
            }
        ),*];

        /// Define every `wali.SYS_*` import in `linker`. An import named in `dropped`
        /// gets a variant without the result (`(i32) -> ()` for `SYS_exit`): the module
        /// declares it so and the handler's answer is discarded. Every other import is
        /// the ABI's signature, with the handler inline.
        pub(crate) fn register(
            linker: &mut wasmtime::Linker<$crate::ctx::Ctx>,
            dropped: &dyn Fn(&str) -> bool,
        ) -> wasmtime::Result<()> {
            let mut idx = 0usize;
            $(
                {
                    let entry = move |mut caller: wasmtime::Caller<'_, $crate::ctx::Ctx>,
                          $($an: <$at as $crate::args::Arg>::Wasm),*| -> wasmtime::Result<i64> {
                        let h = move |cx: &mut $crate::ctx::Ctx| {
                            $(
                                let $an = <$at as $crate::args::Arg>::from_wasm($an);
                                $crate::args::Arg::check(&$an)?;
                            )*
                            call!($($handler)::+, cx, $($an),*)
                        };
                        let raw = [$($crate::table::Raw::raw($an)),*];
                        let again = move |cx: &mut $crate::ctx::Ctx| $crate::table::watched(cx, idx, &raw, h);
                        let cx = caller.data_mut();
                        if ($crate::table::Flags::NONE $(.$flag())*).pins {
                            std::hint::cold_path();
                            cx.proc.fresh_threads.store(true, std::sync::atomic::Ordering::SeqCst);
                        }
                        let v = if $crate::table::plain(cx, idx) {
                            let r = h(cx);
                            $crate::table::finish(cx, r)?
                        } else {
                            std::hint::cold_path();
                            $crate::table::watched(cx, idx, &raw, h)?
                        };
                        if $crate::table::quiet(caller.data()) {
                            return Ok(v);
                        }
                        std::hint::cold_path();
                        $crate::table::signalled(&mut caller, v, idx, again)
                    };
                    let name = concat!("SYS_", stringify!($name));
                    if dropped(name) {
                        linker.func_wrap(
                            "wali",
                            name,
                            move |caller: wasmtime::Caller<'_, $crate::ctx::Ctx>,
                                  $($an: <$at as $crate::args::Arg>::Wasm),*| -> wasmtime::Result<()> {
                                entry(caller, $($an),*).map(drop)
                            },
                        )?;
                    } else {
                        linker.func_wrap("wali", name, entry)?;
                    }
                }
                idx += 1;
            )*
            let _ = idx;
            Ok(())
        }
    };
}

#[cfg(test)]
mod tests {
    use super::Category;

    /// Every category names some syscall of the table, so a policy's category line
    /// always means something; every syscall's category is one of them.
    #[test]
    fn categories_are_the_tables() {
        for c in Category::ALL {
            assert!(
                crate::SYSCALLS.iter().any(|s| s.category == *c),
                "category {} has no syscall",
                c.name()
            );
            assert_eq!(Category::by_name(c.name()), Some(*c));
        }
        assert!(crate::SYSCALLS
            .iter()
            .all(|s| Category::ALL.contains(&s.category)));
    }
}
