//! Evidence for the `partial` notes of the syscall table that the differential suite
//! cannot show (the conformance suite runs under the sandbox, and a native run cannot
//! be the reference for these): each test fails when the limitation its note names goes
//! away, so the note gets corrected with the code. The notes name these tests
//! (`shown by test partial.rs::NAME`; tests/conformance.rs checks that every partial
//! note names a case, an escape program or a test that exists).

mod common;
use common::*;
use wasm_encoder::Instruction as I;

/// `mlock` and `mlockall` are accepted but lock nothing: the runtime's own VmLck (the
/// guest's /proc/self/status under --allow-all is the runtime's) stays 0 kB after both
/// succeed.
#[test]
fn mlock_locks_nothing() {
    let t = TempDir::new("mlock");
    let wasm = build_c(
        t.path(),
        "mlock",
        r#"
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
static char page[4096] __attribute__((aligned(4096)));
int main(void) {
    page[0] = 1;
    printf("mlock %d\n", mlock(page, sizeof page));
    printf("mlockall %d\n", mlockall(MCL_CURRENT));
    FILE *f = fopen("/proc/self/status", "r");
    char l[256];
    while (f && fgets(l, sizeof l, f))
        if (!strncmp(l, "VmLck:", 6)) fputs(l, stdout);
    return 0;
}
"#,
    );
    let o = run(&["--allow-all", wasm.to_str().unwrap()], t.path());
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}{}", stderr(&o));
    assert!(
        out.contains("mlock 0\n") && out.contains("mlockall 0\n"),
        "{out}"
    );
    let locked = out
        .lines()
        .find_map(|l| l.strip_prefix("VmLck:"))
        .unwrap_or_else(|| panic!("no VmLck line: {out}"));
    assert_eq!(
        locked.trim(),
        "0 kB",
        "memory is locked now: update the notes of mlock and mlockall in syscalls/src/syscalls.rs"
    );
}

/// `clock_settime` under the sandbox: the kernel's argument checks first (missing.c
/// compares those with Linux), then EPERM for a valid request, which never reaches the
/// host clock. (A native reference would set the machine's clock as root.)
#[test]
fn clock_settime_is_refused_under_the_sandbox() {
    let t = TempDir::new("settime");
    let wasm = build_c(
        t.path(),
        "settime",
        r#"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
int main(void) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int r = clock_settime(CLOCK_REALTIME, &now);
    printf("%d %s\n", r, r ? strerror(errno) : "set");
    return 0;
}
"#,
    );
    let o = run(&[wasm.to_str().unwrap()], t.path());
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}{}", stderr(&o));
    assert_eq!(
        out.trim(),
        "-1 Operation not permitted",
        "clock_settime is no longer refused under the sandbox: update its note"
    );
}

/// The reference engine's `setjmp` family, linked for compatibility: `setjmp` and
/// `sigsetjmp` return 0 and no `longjmp` can come back to them; `wali.longjmp` traps
/// with a message. (wali-cc's binaries do setjmp/longjmp inside the module.)
#[test]
fn aux_setjmp_returns_zero_and_longjmp_traps() {
    let t = TempDir::new("setjmp");
    for (name, sig, args) in [
        ("setjmp", "(i32) -> (i32)", 1),
        ("sigsetjmp", "(i32,i32) -> (i32)", 2),
    ] {
        let mut b = ModBuilder::new();
        let f = b.import(name, sig);
        let exit = b.import("__proc_exit", "(i32) -> ()");
        let mut body = vec![I::I32Const(64); args];
        body.extend([I::Call(f), I::I32Const(40), I::I32Add, I::Call(exit)]);
        let p = write_module(t.path(), &format!("{name}.wasm"), &b.build(&body));
        let o = run(&[p.to_str().unwrap()], t.path());
        assert_eq!(o.status.code(), Some(40), "{name}: {}", stderr(&o));
    }
    let mut b = ModBuilder::new();
    let lj = b.import("longjmp", "(i32,i32) -> ()");
    let p = write_module(
        t.path(),
        "longjmp.wasm",
        &b.build(&[I::I32Const(64), I::I32Const(1), I::Call(lj)]),
    );
    let o = run(&[p.to_str().unwrap()], t.path());
    assert_eq!(o.status.code(), Some(134), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("cannot return to its setjmp"),
        "{}",
        stderr(&o)
    );
}
