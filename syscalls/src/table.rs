//! The syscall table machinery: one declarative line per syscall (in `syscalls.rs`)
//! becomes the import registration, `--list-syscalls`, the docs and `--strace` decoding.

use crate::args::{Kind, WasmTy};
use crate::ctx::{Ctx, Stop, SysResult};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Category {
    Fs,
    Mem,
    Time,
    System,
    Signal,
    Thread,
    Process,
    Net,
    Poll,
}

impl Category {
    pub fn name(self) -> &'static str {
        match self {
            Category::Fs => "fs",
            Category::Mem => "mem",
            Category::Time => "time",
            Category::System => "system",
            Category::Signal => "signal",
            Category::Thread => "thread",
            Category::Process => "process",
            Category::Net => "net",
            Category::Poll => "poll",
        }
    }
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

#[derive(Debug)]
pub struct Syscall {
    pub name: &'static str,
    /// x86-64 Linux number.
    pub nr: u32,
    pub category: Category,
    pub level: Level,
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

/// The common path of every syscall import: trace if asked, run, map the result.
#[inline(always)]
pub(crate) fn run(
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

#[inline(always)]
fn finish(cx: &Ctx, r: SysResult) -> wasmtime::Result<i64> {
    match r {
        Ok(v) => Ok(v),
        Err(Stop::Errno(e)) => {
            if e == crate::errno::EMFILE {
                if let Some(n) = cx.proc.policy.limits.fds {
                    crate::policy::limit_reached(&crate::policy::FD_LIMIT_SAID, || {
                        format!("the guest reached its limit of {n} open files (limits.fds); calls answer EMFILE")
                    });
                }
            }
            Ok(-(e.0 as i64))
        }
        Err(Stop::Exit(x)) => Err(wasmtime::Error::new(x)),
    }
}

/// A syscall the policy table names: denied, logged or trapped.
#[cold]
fn ruled(
    cx: &mut Ctx,
    idx: usize,
    raw: &[i64],
    a: crate::policy::Action,
    t: Option<std::sync::Arc<crate::trace::Tracer>>,
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
/// `name = nr, Category, Level, (arg: Kind, ...) => handler, "note";`
macro_rules! syscall_table {
    ($( $name:ident = $nr:literal, $cat:ident, $level:ident,
        ( $($an:ident : $at:ident),* ) => $($handler:ident)::+, $note:literal; )*) => {
        /// Every syscall import, in table order.
        pub static SYSCALLS: &[$crate::table::Syscall] = &[$(
            $crate::table::Syscall {
                name: stringify!($name),
                nr: $nr,
                category: $crate::table::Category::$cat,
                level: $crate::table::Level::$level,
                note: $note,
                params: &[$($crate::table::Param {
                    name: stringify!($an),
                    kind: <$at as $crate::args::Arg>::KIND,
                    ty: <$at as $crate::args::Arg>::TY,
                }),*],
            }
        ),*];

        /// Define every `wali.SYS_*` import in `linker`.
        pub(crate) fn register(linker: &mut wasmtime::Linker<$crate::ctx::Ctx>) -> wasmtime::Result<()> {
            let mut idx = 0usize;
            $(
                linker.func_wrap(
                    "wali",
                    concat!("SYS_", stringify!($name)),
                    move |mut caller: wasmtime::Caller<'_, $crate::ctx::Ctx>,
                          $($an: <$at as $crate::args::Arg>::Wasm),*| -> wasmtime::Result<i64> {
                        loop {
                            let cx = caller.data_mut();
                            let r = $crate::table::run(cx, idx, &[$($crate::table::Raw::raw($an)),*], |cx| {
                                call!($($handler)::+, cx, $(<$at as $crate::args::Arg>::from_wasm($an)),*)
                            })?;
                            // Every syscall return is a signal safepoint.
                            if $crate::deliver::pending() == 0 && caller.data().saved_mask.is_none() {
                                return Ok(r);
                            }
                            let restart = $crate::deliver::deliver(&mut caller)?;
                            if r == -($crate::errno::EINTR.0 as i64)
                                && restart
                                && $crate::deliver::restartable(stringify!($name))
                            {
                                continue;
                            }
                            return Ok(r);
                        }
                    },
                )?;
                idx += 1;
            )*
            let _ = idx;
            Ok(())
        }
    };
}
