//! The non-syscall imports of the ABI: start-up, argv, environment, exit, threads,
//! and the reference engine's setjmp family (linked for compatibility only).

use crate::args::WasmTy;
use crate::ctx::{Ctx, Exit};
use crate::errno::*;
use crate::Level::{Full, Partial};
use wasmtime::{Caller, Linker};

fn copy_out(cx: &Ctx, buf: i32, s: &[u8]) -> i32 {
    let mut v = s.to_vec();
    v.push(0);
    match cx.mem.write_bytes(buf as u32, &v) {
        Ok(()) => 0,
        Err(e) => -e.0,
    }
}

/// One auxiliary import of the table below: the ABI's name and signature, the level
/// and note `--list-syscalls` shows.
#[derive(Debug)]
pub struct AuxImport {
    pub name: &'static str,
    pub params: &'static [WasmTy],
    pub result: Option<WasmTy>,
    pub level: crate::Level,
    pub note: &'static str,
}

impl AuxImport {
    /// The wasm signature as the ABI tables write it: `(i32,i32) -> (i32)`.
    pub fn signature(&self) -> String {
        let t = |t: &WasmTy| match t {
            WasmTy::I32 => "i32",
            WasmTy::I64 => "i64",
        };
        let ps: Vec<&str> = self.params.iter().map(t).collect();
        format!(
            "({}) -> ({})",
            ps.join(","),
            self.result.as_ref().map_or("", t)
        )
    }
}

macro_rules! aux_ty {
    (i32) => {
        WasmTy::I32
    };
    (i64) => {
        WasmTy::I64
    };
}

macro_rules! aux_result {
    (()) => {
        None
    };
    ($t:ident) => {
        Some(aux_ty!($t))
    };
}

/// Define one import. One with a result also gets, when the module declares it without
/// the result, a variant that discards the answer (the engine's import check allows it).
macro_rules! aux_define {
    ($l:expr, $dropped:expr, $name:literal, (), $f:ident, ($($a:ident : $t:ident),*)) => {
        $l.func_wrap("wali", $name, $f)?;
    };
    ($l:expr, $dropped:expr, $name:literal, $r:ident, $f:ident, ($($a:ident : $t:ident),*)) => {
        if $dropped($name) {
            $l.func_wrap(
                "wali",
                $name,
                move |c: Caller<'_, Ctx> $(, $a: $t)*| -> wasmtime::Result<()> {
                    $f(c $(, $a)*).map(drop)
                },
            )?;
        } else {
            $l.func_wrap("wali", $name, $f)?;
        }
    };
}

/// Declares the auxiliary imports once: `AUX` (what `--list-syscalls`, the docs and the
/// engine's import check read) and `register` (what the linker gets) come from the same
/// line, so their names and signatures cannot disagree. One line per import:
/// `"name" (arg: i32, ...) -> i32 | (), Level, "note" => |caller| body;`
/// where the body is a `wasmtime::Result` of the result type.
macro_rules! aux_imports {
    ($( $name:literal ($($a:ident : $t:ident),*) -> $r:tt, $level:ident, $note:literal
        => |$c:pat_param| $body:expr; )*) => {
        /// The auxiliary imports, as the ABI lists them.
        pub const AUX: &[AuxImport] = &[$(
            AuxImport {
                name: $name,
                params: &[$(aux_ty!($t)),*],
                result: aux_result!($r),
                level: $level,
                note: $note,
            }
        ),*];

        pub(crate) fn register(
            l: &mut Linker<Ctx>,
            dropped: &dyn Fn(&str) -> bool,
        ) -> wasmtime::Result<()> {
            $(
                {
                    #[allow(unused_variables)]
                    let f = move |$c: Caller<'_, Ctx> $(, $a: $t)*| -> wasmtime::Result<$r> { $body };
                    aux_define!(l, dropped, $name, $r, f, ($($a : $t),*));
                }
            )*
            Ok(())
        }
    };
}

aux_imports! {
    "__init" () -> i32, Full, "start-up hook; nothing to do" => |_| Ok(0);
    "__deinit" () -> i32, Full, "exit hook; flushes nothing host-side" => |_| Ok(0);
    "__proc_exit" (code: i32) -> (), Full, "ends the process with the status" => |_| {
        Err(wasmtime::Error::new(Exit::Process(code & 0xff)))
    };
    "__cl_get_argc" () -> i32, Full, "" => |c| Ok(c.data().proc.argv.len() as i32);
    "__cl_get_argv_len" (i: i32) -> i32, Full, "" => |c| {
        Ok(c.data()
            .proc
            .argv
            .get(i as usize)
            .map_or(-EINVAL.0, |a| a.as_bytes().len() as i32))
    };
    "__cl_copy_argv" (buf: i32, i: i32) -> i32, Full, "" => |c| {
        let cx = c.data();
        Ok(match cx.proc.argv.get(i as usize) {
            Some(a) => copy_out(cx, buf, a.as_bytes()),
            None => -EINVAL.0,
        })
    };
    "__get_init_envfile" (buf: i32, size: i32) -> i32, Full,
        "environment as a memfd of KEY=VALUE lines" => |c| {
        let cx = c.data();
        Ok(match &cx.proc.env_file {
            Some(p) if (p.as_bytes().len() as i64) < size as i64 => {
                (copy_out(cx, buf, p.as_bytes()) == 0) as i32
            }
            _ => 0,
        })
    };
    "__wasm_thread_spawn" (func: i32, arg: i32) -> i32, Full,
        "new instance on a new OS thread" => |c| Ok(thread_spawn(c, arg));
    "__wasm_call_start" (func: i32, arg: i32) -> i32, Full,
        "not in the reference ABI; calls a table function with the arity it has (clone's child)"
        => |c| call_start(c, func, arg);
    "setjmp" (env: i32) -> i32, Partial,
        "returns 0; wali-cc binaries use wasm exceptions instead (shown by test partial.rs::aux_setjmp_returns_zero_and_longjmp_traps)" => |_| Ok(0);
    "sigsetjmp" (env: i32, save: i32) -> i32, Partial,
        "returns 0; wali-cc binaries use wasm exceptions instead (shown by test partial.rs::aux_setjmp_returns_zero_and_longjmp_traps)" => |_| Ok(0);
    "longjmp" (env: i32, val: i32) -> (), Partial,
        "traps with a message: needs the module's own setjmp (shown by test partial.rs::aux_setjmp_returns_zero_and_longjmp_traps)" => |_| {
        Err(wasmtime::Error::msg(
            "longjmp through the wali.longjmp import cannot return to its setjmp; build with wali-cc, which does setjmp/longjmp inside the module",
        ))
    };
}

/// `__wasm_thread_spawn(func, arg)`: a new thread under the process's thread limit.
fn thread_spawn(c: Caller<'_, Ctx>, arg: i32) -> i32 {
    let proc = c.data().proc.clone();
    let live = proc.threads.load(std::sync::atomic::Ordering::SeqCst);
    if let Err(e) = proc.policy.limits.thread_start(live, &proc.notices) {
        return -e.0;
    }
    match proc.spawner.get() {
        Some(s) => s.spawn(proc.clone(), arg as u32).unwrap_or_else(|e| -e.0),
        None => -ENOSYS.0,
    }
}

/// `__wasm_call_start(fn, arg)`: call the module's table function `fn` as C on Linux
/// would call a `clone` child, whatever its C type: with `arg` as its first argument
/// (zeros for any others, none if it takes none), its `int` result as the answer (0 if
/// it returns nothing). A wasm `call_indirect` through `int (*)(void *)` would trap on
/// `int f(void)` or `void f(void *)`, which Linux runs.
fn call_start(mut c: Caller<'_, Ctx>, f: i32, arg: i32) -> wasmtime::Result<i32> {
    use wasmtime::{Val, ValType};
    let Some(table) = c.data().table else {
        return Err(wasmtime::Error::msg(
            "clone: the module has no function table for the child function",
        ));
    };
    let func = table
        .get(&mut c, f as u32 as u64)
        .and_then(|r| r.as_func().flatten().copied())
        .ok_or_else(|| {
            wasmtime::Error::msg(format!("clone: child function {f} is not a function"))
        })?;
    let ty = func.ty(&c);
    let mut args = Vec::new();
    for (i, p) in ty.params().enumerate() {
        args.push(match p {
            ValType::I32 => Val::I32(if i == 0 { arg } else { 0 }),
            ValType::I64 => Val::I64(if i == 0 { arg as u32 as i64 } else { 0 }),
            ValType::F32 => Val::F32(0),
            ValType::F64 => Val::F64(0),
            _ => {
                return Err(wasmtime::Error::msg(format!(
                    "clone: child function {f} takes a {p} argument"
                )))
            }
        });
    }
    let mut res: Vec<Val> = ty
        .results()
        .map(|r| Val::default_for_ty(&r).unwrap_or(Val::I32(0)))
        .collect();
    func.call(&mut c, &args, &mut res)?;
    Ok(match res.first() {
        Some(Val::I32(v)) => *v,
        Some(Val::I64(v)) => *v as i32,
        _ => 0,
    })
}
