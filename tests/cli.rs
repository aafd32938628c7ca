//! The command line as a user meets it: bad input, the ABI, the cache, the docs.

mod common;
use common::*;
use wasm_encoder::Instruction as I;

fn abi_rows(file: &str) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(repo().join("syscalls/abi").join(file)).unwrap();
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            let sig = if file == "syscalls.tsv" { c[2] } else { c[1] };
            (c[0].to_string(), sig.to_string())
        })
        .collect()
}

/// The exit-with-status module: `_start` calls `__proc_exit(code)`.
fn exit_module(b: &mut ModBuilder, code: i32) -> Vec<u8> {
    let e = b.import("__proc_exit", "(i32) -> ()");
    b.build(&[I::I32Const(code), I::Call(e)])
}

fn assert_one_line_error(o: &std::process::Output, status: i32, needle: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(status), "stderr: {err}");
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "one line expected, got: {err}"
    );
    assert!(err.contains(needle), "expected {needle:?} in {err:?}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn every_abi_import_links_with_its_exact_signature() {
    let t = TempDir::new("abi");
    let mut b = ModBuilder::new();
    let mut n = 0;
    for (name, sig) in abi_rows("syscalls.tsv")
        .into_iter()
        .chain(abi_rows("aux.tsv"))
    {
        if name != "__proc_exit" {
            b.import(&name, &sig);
            n += 1;
        }
    }
    assert!(n >= 150, "ABI tables read: {n}");
    let m = exit_module(&mut b, 7);
    let p = write_module(t.path(), "all.wasm", &m);
    let o = run(&[p.to_str().unwrap()], t.path());
    assert_eq!(o.status.code(), Some(7), "stderr: {}", stderr(&o));
}

#[test]
fn modules_that_import_their_memory_run_too() {
    let t = TempDir::new("impmem");
    let mut b = ModBuilder::new();
    b.define_memory = false;
    let m = exit_module(&mut b, 5);
    let p = write_module(t.path(), "imp.wasm", &m);
    let o = run(&[p.to_str().unwrap()], t.path());
    assert_eq!(o.status.code(), Some(5), "stderr: {}", stderr(&o));
}

#[test]
fn missing_module_is_127() {
    let t = TempDir::new("missing");
    let o = run(&["/nonexistent/prog.wasm"], t.path());
    assert_one_line_error(&o, 127, "No such file or directory");
}

#[test]
fn non_wasm_file_is_126() {
    let t = TempDir::new("notwasm");
    let p = write_module(t.path(), "script.wasm", b"#!/bin/sh\necho hi\n");
    let o = run(&[p.to_str().unwrap()], t.path());
    assert_one_line_error(&o, 126, "not a WebAssembly module");
}

#[test]
fn truncated_module_is_126() {
    let t = TempDir::new("trunc");
    let mut b = ModBuilder::new();
    let m = exit_module(&mut b, 0);
    let p = write_module(t.path(), "cut.wasm", &m[..m.len() / 2]);
    let o = run(&[p.to_str().unwrap()], t.path());
    assert_one_line_error(&o, 126, "invalid WebAssembly module");
}

#[test]
fn wrong_import_signature_is_named() {
    let t = TempDir::new("badsig");
    let mut b = ModBuilder::new();
    b.import("SYS_write", "(i32,i32) -> (i64)");
    let m = exit_module(&mut b, 0);
    let p = write_module(t.path(), "badsig.wasm", &m);
    let o = run(&[p.to_str().unwrap()], t.path());
    assert_one_line_error(&o, 126, "wali.SYS_write has signature (i32,i32) -> (i64), but the WALI ABI defines (i32,i32,i32) -> (i64)");
}

/// The reference suite declares `void wali_syscall_exit(int)`: an import whose only
/// difference from the ABI is a dropped result links, and the call does what it does
/// with the result (here: the write writes, the exit exits with its status).
#[test]
fn import_without_its_result_runs() {
    let t = TempDir::new("dropres");
    let mut b = ModBuilder::new();
    let w = b.import("SYS_write", "(i32,i32,i32) -> ()");
    let argc = b.import("__cl_get_argc", "() -> ()");
    let x = b.import("SYS_exit", "(i32) -> ()");
    b.data.push((0x10000, b"dropped\n".to_vec()));
    let m = b.build(&[
        I::Call(argc),
        I::I32Const(1),
        I::I32Const(0x10000),
        I::I32Const(8),
        I::Call(w),
        I::I32Const(9),
        I::Call(x),
    ]);
    let p = write_module(t.path(), "dropres.wasm", &m);
    let o = run(&[p.to_str().unwrap()], t.path());
    assert_eq!(o.status.code(), Some(9), "stderr: {}", stderr(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "dropped\n");
    // Traced, the same import goes through the same handler.
    let o = run(&["--strace", p.to_str().unwrap()], t.path());
    assert_eq!(o.status.code(), Some(9), "stderr: {}", stderr(&o));
    assert!(stderr(&o).contains("write(1, "), "{}", stderr(&o));
}

/// Any other difference stays an error: a changed parameter or result type.
#[test]
fn import_with_other_signature_differences_is_refused() {
    for (name, sig, abi) in [
        ("SYS_exit", "(i64) -> (i64)", "(i32) -> (i64)"),
        ("SYS_exit", "(i64) -> ()", "(i32) -> (i64)"),
        ("SYS_exit", "(i32) -> (i32)", "(i32) -> (i64)"),
        ("SYS_getpid", "(i32) -> ()", "() -> (i64)"),
        ("__cl_get_argc", "() -> (i64)", "() -> (i32)"),
        ("__proc_exit", "(i32) -> (i32)", "(i32) -> ()"),
    ] {
        let t = TempDir::new("othersig");
        let mut b = ModBuilder::new();
        b.import(name, sig);
        let m = exit_module(&mut b, 0);
        let p = write_module(t.path(), "othersig.wasm", &m);
        let o = run(&[p.to_str().unwrap()], t.path());
        assert_one_line_error(
            &o,
            126,
            &format!("wali.{name} has signature {sig}, but the WALI ABI defines {abi}"),
        );
    }
}
#[test]
fn unknown_import_is_named() {
    let t = TempDir::new("unknown");
    let mut b = ModBuilder::new();
    b.import("SYS_frobnicate", "(i32) -> (i64)");
    let m = exit_module(&mut b, 0);
    let p = write_module(t.path(), "unk.wasm", &m);
    let o = run(&[p.to_str().unwrap()], t.path());
    assert_one_line_error(&o, 126, "unknown import wali.SYS_frobnicate");
}

#[test]
fn bad_flag_is_an_error() {
    let o = std::process::Command::new(bin())
        .arg("--no-such-flag")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--no-such-flag"));
}

/// write(1, ptr, len) with ptr past the end of memory answers -EFAULT; the module exits
/// with the negated result so the status shows it.
#[test]
fn bad_guest_pointer_gets_efault() {
    let t = TempDir::new("efault");
    let mut b = ModBuilder::new();
    let w = b.import("SYS_write", "(i32,i32,i32) -> (i64)");
    let e = b.import("__proc_exit", "(i32) -> ()");
    // Memory is 2 pages (131072 bytes): [131070, 131070+16) straddles the end.
    let m = b.build(&[
        I::I32Const(1),
        I::I32Const(131070),
        I::I32Const(16),
        I::Call(w),
        I::I32WrapI64,
        I::LocalSet(4),
        I::I32Const(0),
        I::LocalGet(4),
        I::I32Sub,
        I::Call(e),
    ]);
    let p = write_module(t.path(), "efault.wasm", &m);
    let o = run(&[p.to_str().unwrap()], t.path());
    assert_eq!(
        o.status.code(),
        Some(14),
        "EFAULT is 14; stderr: {}",
        stderr(&o)
    );
}

/// mmap 1 MiB, munmap, mmap again: the pages come back (same address), and 1000 rounds
/// of 64 MiB map/unmap fit in a 2 GiB memory only if pages are reused.
#[test]
fn munmapped_pages_are_reused() {
    let t = TempDir::new("mmap");
    let mut b = ModBuilder::new();
    let mm = b.import("SYS_mmap", "(i32,i32,i32,i32,i32,i64) -> (i64)");
    let mu = b.import("SYS_munmap", "(i32,i32) -> (i64)");
    let e = b.import("__proc_exit", "(i32) -> ()");
    let map = |len: i32| -> Vec<I<'static>> {
        vec![
            I::I32Const(0),
            I::I32Const(len),
            I::I32Const(3),
            I::I32Const(0x22),
            I::I32Const(-1),
            I::I64Const(0),
            I::Call(mm),
        ]
    };
    let mut body = vec![];
    body.extend(map(1 << 20));
    body.push(I::LocalSet(0)); // first address
    body.extend([
        I::LocalGet(0),
        I::I32WrapI64,
        I::I32Const(1 << 20),
        I::Call(mu),
        I::Drop,
    ]);
    body.extend(map(1 << 20));
    body.push(I::LocalSet(1));
    // loop 1000 x (map 64 MiB; fail -> exit 2; unmap)
    body.extend([
        I::I32Const(1000),
        I::LocalSet(4),
        I::Loop(wasm_encoder::BlockType::Empty),
    ]);
    body.extend(map(64 << 20));
    body.extend([
        I::LocalSet(2),
        I::LocalGet(2),
        I::I64Const(0),
        I::I64LtS,
        I::If(wasm_encoder::BlockType::Empty),
        I::I32Const(2),
        I::Call(e),
        I::End,
        I::LocalGet(2),
        I::I32WrapI64,
        I::I32Const(64 << 20),
        I::Call(mu),
        I::Drop,
        I::LocalGet(4),
        I::I32Const(1),
        I::I32Sub,
        I::LocalTee(4),
        I::BrIf(0),
        I::End,
    ]);
    // exit 0 if the second 1 MiB map reused the first address, else 3
    body.extend([
        I::LocalGet(0),
        I::LocalGet(1),
        I::I64Eq,
        I::If(wasm_encoder::BlockType::Empty),
        I::I32Const(0),
        I::Call(e),
        I::End,
        I::I32Const(3),
        I::Call(e),
    ]);
    let m = b.build(&body);
    let p = write_module(t.path(), "mmap.wasm", &m);
    let o = run(&[p.to_str().unwrap()], t.path());
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
}

#[test]
fn second_run_uses_the_compiled_module_cache() {
    let t = TempDir::new("cache");
    let mut b = ModBuilder::new();
    let m = exit_module(&mut b, 0);
    let p = write_module(t.path(), "c.wasm", &m);
    let cache = t.path().join("cache");
    let go = || {
        std::process::Command::new(bin())
            .arg(&p)
            .env("WALI_CACHE_DIR", &cache)
            .env("WALI_LOG", "debug")
            .output()
            .unwrap()
    };
    let first = go();
    assert!(
        stderr(&first).contains("compiled=true"),
        "{}",
        stderr(&first)
    );
    let n = std::fs::read_dir(cache.join("modules"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().unwrap() == "cwasm")
        .count();
    assert_eq!(n, 1, "one compiled module cached");
    let second = go();
    assert!(
        stderr(&second).contains("compiled=false"),
        "{}",
        stderr(&second)
    );
}

#[test]
fn list_syscalls_covers_the_whole_abi() {
    let o = std::process::Command::new(bin())
        .args(["--list-syscalls", "--format", "tsv"])
        .output()
        .unwrap();
    assert!(o.status.success());
    let out = String::from_utf8(o.stdout).unwrap();
    for (name, sig) in abi_rows("syscalls.tsv")
        .into_iter()
        .chain(abi_rows("aux.tsv"))
    {
        let line = out
            .lines()
            .find(|l| l.split('\t').next() == Some(name.as_str()));
        let line = line.unwrap_or_else(|| panic!("{name} missing from --list-syscalls"));
        assert_eq!(line.split('\t').nth(2), Some(sig.as_str()), "{name}");
        let level = line.split('\t').nth(4).unwrap();
        assert!(["full", "partial", "none"].contains(&level), "{line}");
    }
}

#[test]
fn docs_syscall_table_is_generated_from_the_table() {
    let o = std::process::Command::new(bin())
        .args(["--list-syscalls", "--format", "markdown"])
        .output()
        .unwrap();
    let committed = std::fs::read_to_string(repo().join("docs/syscalls.md")).unwrap_or_default();
    assert!(
        committed == String::from_utf8(o.stdout).unwrap(),
        "docs/syscalls.md is stale: regenerate with `wali-run --list-syscalls --format markdown > docs/syscalls.md`"
    );
}

/// A module that prints its environment as the runtime hands it over: the
/// `__get_init_envfile` path, opened and copied to stdout.
fn print_env_module() -> Vec<u8> {
    let mut b = ModBuilder::new();
    let envfile = b.import("__get_init_envfile", "(i32,i32) -> (i32)");
    let open = b.import("SYS_open", "(i32,i32,i32) -> (i64)");
    let read = b.import("SYS_read", "(i32,i32,i32) -> (i64)");
    let write = b.import("SYS_write", "(i32,i32,i32) -> (i64)");
    let exit = b.import("__proc_exit", "(i32) -> ()");
    b.build(&[
        I::I32Const(0x10000),
        I::I32Const(256),
        I::Call(envfile),
        I::Drop,
        I::I32Const(0x10000),
        I::I32Const(0),
        I::I32Const(0),
        I::Call(open),
        I::I32WrapI64,
        I::LocalSet(4),
        I::LocalGet(4),
        I::I32Const(0x10100),
        I::I32Const(0xE000),
        I::Call(read),
        I::I32WrapI64,
        I::LocalSet(5),
        I::I32Const(1),
        I::I32Const(0x10100),
        I::LocalGet(5),
        I::Call(write),
        I::Drop,
        I::I32Const(0),
        I::Call(exit),
    ])
}

/// `--env-file=FILE` (iwasm's flag, which the reference suite's engines.toml passes):
/// KEY=VALUE lines join the environment, later lines and files win for the same KEY,
/// and --env wins over them; empty lines and # comments are skipped.
#[test]
fn env_file_adds_its_lines_to_the_environment() {
    let t = TempDir::new("envfile");
    let p = write_module(t.path(), "env.wasm", &print_env_module());
    let f1 = t.path().join("one.env");
    std::fs::write(&f1, "A=1\n\n# a comment\nB=x=y\nC=\nA=2\n").unwrap();
    let f2 = t.path().join("two.env");
    std::fs::write(&f2, "D=from two\nC=3").unwrap();
    let o = run(
        &[
            "--env-clear",
            &format!("--env-file={}", f1.display()),
            "--env-file",
            f2.to_str().unwrap(),
            "--env",
            "B=flag",
            p.to_str().unwrap(),
        ],
        t.path(),
    );
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    let mut lines: Vec<&str> = out.lines().filter(|l| !l.starts_with("TMPDIR=")).collect();
    lines.sort();
    assert_eq!(lines, ["A=2", "B=flag", "C=3", "D=from two"], "{out}");
    // Without --env-clear the host's environment is still there.
    let o = std::process::Command::new(bin())
        .arg(format!("--env-file={}", f2.display()))
        .arg(&p)
        .env("WALI_CACHE_DIR", t.path())
        .env("HOST_ONLY", "h")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.lines().any(|l| l == "HOST_ONLY=h"), "{out}");
    assert!(out.lines().any(|l| l == "D=from two"), "{out}");
}

#[test]
fn env_file_errors_name_the_file_and_line() {
    let t = TempDir::new("envfilebad");
    let p = write_module(t.path(), "env.wasm", &print_env_module());
    let missing = t.path().join("missing.env");
    let o = run(
        &[
            &format!("--env-file={}", missing.display()),
            p.to_str().unwrap(),
        ],
        t.path(),
    );
    assert_one_line_error(&o, 2, "missing.env: No such file or directory");
    for (text, line) in [("A=1\nNOEQUALS\n", 2), ("A=1\n\n=v\n", 3)] {
        let f = t.path().join("bad.env");
        std::fs::write(&f, text).unwrap();
        let o = run(
            &[&format!("--env-file={}", f.display()), p.to_str().unwrap()],
            t.path(),
        );
        assert_one_line_error(&o, 2, &format!("bad.env:{line}: expected KEY=VALUE"));
    }
}
