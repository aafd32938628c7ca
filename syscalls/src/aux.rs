//! The non-syscall imports of the ABI: start-up, argv, environment, exit, threads,
//! and the reference engine's setjmp family (linked for compatibility only).

use crate::ctx::{Ctx, Exit};
use crate::errno::*;
use crate::Level::{Full, Partial};
use wasmtime::{Caller, Linker};

/// The auxiliary imports, as the ABI lists them: (name, signature, level, note).
pub const AUX: &[(&str, &str, crate::Level, &str)] = &[
    (
        "__init",
        "() -> (i32)",
        Full,
        "start-up hook; nothing to do",
    ),
    (
        "__deinit",
        "() -> (i32)",
        Full,
        "exit hook; flushes nothing host-side",
    ),
    (
        "__proc_exit",
        "(i32) -> ()",
        Full,
        "ends the process with the status",
    ),
    ("__cl_get_argc", "() -> (i32)", Full, ""),
    ("__cl_get_argv_len", "(i32) -> (i32)", Full, ""),
    ("__cl_copy_argv", "(i32,i32) -> (i32)", Full, ""),
    (
        "__get_init_envfile",
        "(i32,i32) -> (i32)",
        Full,
        "environment as a memfd of KEY=VALUE lines",
    ),
    (
        "__wasm_thread_spawn",
        "(i32,i32) -> (i32)",
        Full,
        "new instance on a new OS thread",
    ),
    (
        "__wasm_call_start",
        "(i32,i32) -> (i32)",
        Full,
        "not in the reference ABI; calls a table function with the arity it has (clone's child)",
    ),
    (
        "setjmp",
        "(i32) -> (i32)",
        Partial,
        "returns 0; wali-cc binaries use wasm exceptions instead",
    ),
    (
        "sigsetjmp",
        "(i32,i32) -> (i32)",
        Partial,
        "returns 0; wali-cc binaries use wasm exceptions instead",
    ),
    (
        "longjmp",
        "(i32,i32) -> ()",
        Partial,
        "traps with a message: needs the module's own setjmp",
    ),
];

fn copy_out(cx: &Ctx, buf: i32, s: &[u8]) -> i32 {
    let mut v = s.to_vec();
    v.push(0);
    match cx.mem.write_bytes(buf as u32, &v) {
        Ok(()) => 0,
        Err(e) => -e.0,
    }
}

/// Define an auxiliary import that answers an `i32`: as the ABI has it, or, when the
/// module declares it without the result, a variant that discards the answer.
macro_rules! with_result {
    ($l:expr, $dropped:expr, $name:literal,
     |$c:pat_param $(, $a:ident : $t:ty)*| -> i32 $body:block) => {{
        let f = move |$c: Caller<'_, Ctx> $(, $a: $t)*| -> i32 { $body };
        if $dropped($name) {
            $l.func_wrap("wali", $name, move |c: Caller<'_, Ctx> $(, $a: $t)*| {
                f(c $(, $a)*);
            })?;
        } else {
            $l.func_wrap("wali", $name, f)?;
        }
    }};
}

pub(crate) fn register(
    l: &mut Linker<Ctx>,
    dropped: &dyn Fn(&str) -> bool,
) -> wasmtime::Result<()> {
    with_result!(l, dropped, "__init", |_| -> i32 { 0 });
    with_result!(l, dropped, "__deinit", |_| -> i32 { 0 });
    l.func_wrap(
        "wali",
        "__proc_exit",
        |_: Caller<'_, Ctx>, code: i32| -> wasmtime::Result<()> {
            Err(wasmtime::Error::new(Exit::Process(code & 0xff)))
        },
    )?;
    with_result!(l, dropped, "__cl_get_argc", |c| -> i32 {
        c.data().proc.argv.len() as i32
    });
    with_result!(l, dropped, "__cl_get_argv_len", |c, i: i32| -> i32 {
        c.data()
            .proc
            .argv
            .get(i as usize)
            .map_or(-EINVAL.0, |a| a.as_bytes().len() as i32)
    });
    with_result!(l, dropped, "__cl_copy_argv", |c, buf: i32, i: i32| -> i32 {
        let cx = c.data();
        match cx.proc.argv.get(i as usize) {
            Some(a) => copy_out(cx, buf, a.as_bytes()),
            None => -EINVAL.0,
        }
    });
    with_result!(l, dropped, "__get_init_envfile", |c,
                                                    buf: i32,
                                                    size: i32|
     -> i32 {
        let cx = c.data();
        match &cx.proc.env_file {
            Some(p) if (p.as_bytes().len() as i64) < size as i64 => {
                (copy_out(cx, buf, p.as_bytes()) == 0) as i32
            }
            _ => 0,
        }
    });
    with_result!(l, dropped, "__wasm_thread_spawn", |c,
                                                     _func: i32,
                                                     arg: i32|
     -> i32 {
        let proc = c.data().proc.clone();
        let live = proc.threads.load(std::sync::atomic::Ordering::SeqCst);
        if let Err(e) = proc.policy.limits.thread_start(live, &proc.notices) {
            return -e.0;
        }
        match proc.spawner.get() {
            Some(s) => s.spawn(proc.clone(), arg as u32).unwrap_or_else(|e| -e.0),
            None => -ENOSYS.0,
        }
    });
    l.func_wrap("wali", "__wasm_call_start", call_start)?;
    with_result!(l, dropped, "setjmp", |_, _env: i32| -> i32 { 0 });
    with_result!(l, dropped, "sigsetjmp", |_, _env: i32, _save: i32| -> i32 {
        0
    });
    l.func_wrap("wali", "longjmp", |_: Caller<'_, Ctx>, _env: i32, _val: i32| -> wasmtime::Result<()> {
        Err(wasmtime::Error::msg(
            "longjmp through the wali.longjmp import cannot return to its setjmp; build with wali-cc, which does setjmp/longjmp inside the module",
        ))
    })?;
    Ok(())
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
