//! wali-cc as a cross compiler for build systems: the probes configure, libtool and
//! CMake make; a small autotools project of our own (examples/autotools: libtool, a
//! library, libm, threads, config.h checks); GNU hello from Debian's source package, as
//! a typical gnulib-based project; a CMake project (examples/cmake) through
//! toolchain/wali.cmake. Each project is built natively (gcc) and for WALI from the same
//! sources, out of the source tree, and the programs' output compared: Linux is the
//! ground truth.
//!
//! Needs ./build.sh (build/sysroot, build/bin with the wasm32-unknown-linux-musl-* tools)
//! and autoconf, automake, libtool and cmake (./test.sh installs them).

mod common;
use common::*;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Instant;

const TRIPLE: &str = "wasm32-unknown-linux-musl";
/// GNU hello as Debian ships it (bookworm's source package), fetched once into
/// ~/.cache/wali-run/src by toolchain/fetch-src.sh.
const HELLO_PKG: &str = "hello=2.10-3";
const HELLO_TARBALL: &str = "hello_2.10.orig.tar.gz";
const HELLO_SHA256: &str = "31e066137a962676e89f69d1b65382de95a7ef7d914b8cb956f41ea72e0f516b";

fn wali_cc() -> PathBuf {
    repo().join("toolchain/wali-cc")
}

fn bin_dir() -> PathBuf {
    let d = repo().join("build/bin");
    assert!(
        d.join(format!("{TRIPLE}-ar")).exists(),
        "no {}/{TRIPLE}-ar: run ./build.sh first",
        d.display()
    );
    d
}

/// PATH with build/bin first, as the README tells a user to set it.
fn path_with_bin() -> OsString {
    let mut p = OsString::from(bin_dir());
    p.push(":");
    p.push(std::env::var_os("PATH").unwrap_or_default());
    p
}

/// A command with none of the caller's build settings (CC, CFLAGS, MAKEFLAGS...) leaking
/// in, and build/bin on PATH.
fn clean(prog: impl AsRef<std::ffi::OsStr>, dir: &Path) -> Command {
    let mut c = Command::new(prog);
    c.current_dir(dir).env("PATH", path_with_bin());
    for v in [
        "CC",
        "CFLAGS",
        "CPPFLAGS",
        "LDFLAGS",
        "LIBS",
        "AR",
        "RANLIB",
        "CONFIG_SITE",
        "MAKEFLAGS",
        "MFLAGS",
        "MAKELEVEL",
        "CMAKE_GENERATOR",
        "CMAKE_TOOLCHAIN_FILE",
    ] {
        c.env_remove(v);
    }
    // Programs that run during a build (CMake's try_run) use this wali-run.
    c.env("WALI_RUN", bin());
    c
}

/// A scratch directory, removed on drop. Not common::TempDir: its name carries the
/// thread id's parentheses, which configure scripts and Makefiles do not quote.
fn scratch(tag: &str) -> TempDir {
    let p = std::env::temp_dir().join(format!("wali-toolchain-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).unwrap();
    TempDir(p)
}

/// Run a build step; on failure show its output and, for configure, config.log's tail.
fn step(c: &mut Command, what: &str) -> Output {
    let o = c
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run: {e} (./test.sh installs the build tools)"));
    if !o.status.success() {
        let log = c
            .get_current_dir()
            .map(|d| d.join("config.log"))
            .and_then(|p| std::fs::read_to_string(p).ok())
            .map(|l| {
                let lines: Vec<&str> = l.lines().collect();
                lines[lines.len().saturating_sub(40)..].join("\n")
            })
            .unwrap_or_default();
        panic!(
            "{what} failed ({}):\n{}\n{}\n{log}",
            o.status,
            tail(&text(&o.stdout), 30),
            tail(&text(&o.stderr), 30)
        );
    }
    o
}

fn tail(s: &str, n: usize) -> String {
    let l: Vec<&str> = s.lines().collect();
    l[l.len().saturating_sub(n)..].join("\n")
}

fn is_wasm(p: &Path) -> bool {
    std::fs::read(p).is_ok_and(|b| b.starts_with(b"\0asm"))
}

/// wali-cc with `args` in `dir`: must succeed; returns stdout.
fn cc(dir: &Path, args: &[&str]) -> String {
    text(
        &step(
            clean(wali_cc(), dir).args(args),
            &format!("wali-cc {args:?}"),
        )
        .stdout,
    )
}

/// A module under wali-run in `dir`, with a private compile cache.
fn wasm_run(dir: &Path, module: &str, args: &[&str]) -> Output {
    Command::new(bin())
        .current_dir(dir)
        .env("WALI_CACHE_DIR", dir.join(".wali-cache"))
        .arg(module)
        .args(args)
        .output()
        .unwrap()
}

/// The flags and conventions configure, libtool, automake and CMake rely on.
#[test]
fn wali_cc_answers_like_a_cross_gcc() {
    let t = scratch("cc-probes");
    let d = t.path();
    let w = |name: &str, body: &str| std::fs::write(d.join(name), body).unwrap();

    // Queries answered without compiling.
    assert_eq!(cc(d, &["-dumpmachine"]), format!("{TRIPLE}\n"));
    let v = cc(d, &["--version"]);
    assert!(
        v.contains("clang version 19") && v.contains(&format!("Target: {TRIPLE}")),
        "{v}"
    );
    let o = step(clean(wali_cc(), d).arg("-v"), "wali-cc -v");
    assert!(
        text(&o.stderr).contains(&format!("Target: {TRIPLE}")),
        "{}",
        stderr(&o)
    );
    let ld = cc(d, &["-print-prog-name=ld"]);
    assert!(ld.trim().ends_with("toolchain/wali-ld"), "{ld}");
    // libtool takes a GNU-interface linker without ELF targets for a static-only one.
    let ldv = text(&step(Command::new(ld.trim()).arg("-v"), "wali-ld -v").stdout);
    assert!(ldv.contains("LLD") && ldv.contains("GNU"), "{ldv}");
    assert!(cc(d, &["-print-prog-name=ar"]).contains("llvm-ar"));
    let libc = cc(d, &["-print-file-name=libc.a"]);
    assert!(Path::new(libc.trim()).is_file(), "{libc}");
    assert_eq!(cc(d, &["-print-file-name=libnosuch.a"]), "libnosuch.a\n");
    assert!(Path::new(cc(d, &["-print-libgcc-file-name"]).trim()).is_file());
    assert_eq!(cc(d, &["-print-multi-os-directory"]), ".\n");
    assert!(Path::new(cc(d, &["-print-sysroot"]).trim())
        .join("include/stdio.h")
        .is_file());
    assert!(cc(d, &["-print-search-dirs"]).contains("libraries: ="));

    // Preprocessing: the predefined macros of a Linux target.
    w(
        "p.c",
        "linux=__linux__ unix=__unix__ wasm=__wasm32__ gnuc=__GNUC__\n",
    );
    let e = cc(d, &["-E", "p.c"]);
    assert!(e.contains("linux=1 unix=1 wasm=1 gnuc=4"), "{e}");

    // -c without -o names the object after the source, in the current directory;
    // dependency files as automake's depcomp (gcc3 mode) asks for them.
    w("q.h", "int q(int);\n");
    w("q.c", "#include \"q.h\"\nint q(int x) { return x * 3; }\n");
    w(
        "m.c",
        "#include <math.h>\n#include <stdio.h>\n#include <pthread.h>\n#include \"q.h\"\n\
         int main(int c, char **v) { printf(\"%d %g\\n\", q(c), sqrt(16.0 * c)); return 0; }\n",
    );
    cc(
        d,
        &["-c", "q.c", "-MT", "q.o", "-MD", "-MP", "-MF", "q.Tpo"],
    );
    assert!(is_wasm(&d.join("q.o")));
    // Linker flags while only compiling are ignored quietly, as gcc does.
    let o = step(
        clean(wali_cc(), d).args(["-c", "q.c", "-o", "q2.o", "-lm", "-Wl,-O1"]),
        "wali-cc -c with linker flags",
    );
    assert!(o.stderr.is_empty(), "{}", stderr(&o));
    let dep = std::fs::read_to_string(d.join("q.Tpo")).unwrap();
    assert!(
        dep.starts_with("q.o: q.c q.h") && dep.contains("\nq.h:"),
        "{dep}"
    );

    // Linking with no -o gives a.out; several sources at once.
    cc(d, &["m.c", "q.c", "-lm"]);
    assert!(is_wasm(&d.join("a.out")));
    let o = wasm_run(d, "a.out", &["x"]);
    assert_eq!(text(&o.stdout), "6 5.65685\n", "{}", stderr(&o));

    // An archive made by the prefixed tools, linked by -l and by path, with what
    // distributions and configure scripts add to a link: libs musl keeps in libc, ELF
    // linker options, PIC, -static, -g.
    let tool = |t: &str| bin_dir().join(format!("{TRIPLE}-{t}"));
    step(clean(tool("ar"), d).args(["cru", "libq.a", "q.o"]), "ar");
    step(clean(tool("ranlib"), d).arg("libq.a"), "ranlib");
    let nm = text(&step(clean(tool("nm"), d).arg("libq.a"), "nm").stdout);
    assert!(nm.lines().any(|l| l.ends_with(" T q")), "{nm}");
    cc(d, &["-c", "-fPIC", "-g", "-O2", "m.c"]);
    cc(d, &["-o", "m1", "m.o", "libq.a"]);
    let flags = [
        "-static",
        "-pthread",
        "-rdynamic",
        "-lm",
        "-lrt",
        "-lpthread",
        "-ldl",
        "-lutil",
        "-lcrypt",
        "-Wl,-O1,--as-needed",
        "-Wl,-z,relro,-z,now",
        "-Wl,--no-undefined",
        "-Wl,-rpath,/nowhere",
        "-Xlinker",
        "-rpath",
        "-Xlinker",
        "/nowhere",
        "-Wl,--hash-style=gnu",
        "-Wl,--build-id",
        "-pie",
    ];
    let mut args = vec!["-o", "m2", "m.o", "-L.", "-lq"];
    args.extend(flags);
    let o = step(clean(wali_cc(), d).args(&args), "link with ELF flags");
    assert!(
        o.stderr.is_empty(),
        "a probe's link must be quiet: {}",
        stderr(&o)
    );
    for m in ["m1", "m2"] {
        let o = wasm_run(d, m, &["a", "b"]);
        assert_eq!(text(&o.stdout), "9 6.9282\n", "{m}: {}", stderr(&o));
    }
    std::fs::copy(d.join("m2"), d.join("m3")).unwrap();
    step(clean(tool("strip"), d).arg("m3"), "strip");
    assert!(
        std::fs::metadata(d.join("m3")).unwrap().len()
            < std::fs::metadata(d.join("m2")).unwrap().len()
    );
    assert_eq!(text(&wasm_run(d, "m3", &[]).stdout), "3 4\n");

    // What must fail: a missing function (configure's AC_CHECK_FUNCS links to find
    // out), a missing library, and shared libraries.
    w(
        "u.c",
        "int wali_no_such_function(void);\nint main(void) { return wali_no_such_function(); }\n",
    );
    let fails = |args: &[&str], needle: &str| {
        let o = clean(wali_cc(), d).args(args).output().unwrap();
        assert!(!o.status.success(), "{args:?} linked");
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
    };
    fails(
        &["u.c", "-o", "u"],
        "undefined symbol: wali_no_such_function",
    );
    fails(&["m.c", "q.c", "-lwali_no_such_lib"], "wali_no_such_lib");
    fails(
        &["-shared", "q.c", "-o", "libq.so"],
        "shared libraries are not supported",
    );
}

/// examples/autotools: autoreconf, then configure with only --host (the tools are found
/// by their prefixed names on PATH), libtool's static-only answer, make; the program
/// under wali-run prints what the native build prints.
#[test]
fn autotools_project_cross_builds_like_native() {
    let t = scratch("autotools");
    let src = t.path().join("src");
    step(
        Command::new("cp")
            .arg("-r")
            .arg(repo().join("examples/autotools"))
            .arg(&src),
        "copy examples/autotools",
    );
    let t0 = Instant::now();
    step(clean("autoreconf", &src).arg("-fi"), "autoreconf -fi");
    let (native, wasm) = (t.path().join("native"), t.path().join("wasm"));
    let build = |dir: &Path, host: &[&str]| -> String {
        std::fs::create_dir_all(dir).unwrap();
        let conf = step(clean(src.join("configure"), dir).args(host), "configure");
        step(clean("make", dir).arg("-j2"), "make");
        text(&conf.stdout)
    };
    let host = format!("--host={TRIPLE}");
    let (_, conf) = std::thread::scope(|s| {
        let n = s.spawn(|| build(&native, &[]));
        let w = s.spawn(|| build(&wasm, &[&host]));
        (n.join().unwrap(), w.join().unwrap())
    });
    eprintln!(
        "autotools project: autoreconf + both builds {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    for line in [
        format!("checking for {TRIPLE}-gcc... {TRIPLE}-gcc"),
        format!("checking for {TRIPLE}-ar... {TRIPLE}-ar"),
        format!("checking for {TRIPLE}-ranlib... {TRIPLE}-ranlib"),
        "checking for suffix of executables... \n".into(),
        "checking whether we are cross compiling... yes".into(),
        "checking whether to build shared libraries... no".into(),
        "checking whether to build static libraries... yes".into(),
        "checking for wali_no_such_function... no".into(),
        "checking for cos in -lm... yes".into(),
    ] {
        assert!(
            conf.contains(&line),
            "configure did not say {line:?}:\n{conf}"
        );
    }
    assert!(is_wasm(&wasm.join("walidemo")));
    assert!(wasm.join("lib/.libs/libwalidemo.a").is_file());

    let n = Command::new(native.join("walidemo"))
        .args(["configure", "3"])
        .output()
        .unwrap();
    let w = wasm_run(&wasm, "walidemo", &["configure", "3"]);
    let out = text(&n.stdout);
    assert!(
        out.contains("threads: 4") && out.contains("shout: ERUGIFNOC"),
        "{out}"
    );
    assert!(!out.contains("wrong"), "{out}");
    assert_eq!(
        out,
        text(&w.stdout),
        "stdout (left native, right wasm); wasm stderr: {}",
        stderr(&w)
    );
    assert_eq!(n.status.code(), Some(3));
    assert_eq!(w.status.code(), Some(3), "{}", stderr(&w));
}

/// GNU hello 2.10 (gnulib, gettext, texinfo), unmodified from Debian's source package:
/// `CC=wali-cc ./configure --host=wasm32-unknown-linux-musl && make`, no cache
/// variables; `hello` under wali-run against the native build of the same tarball.
#[test]
fn gnu_hello_cross_builds_like_native() {
    let fetched = step(
        Command::new(repo().join("toolchain/fetch-src.sh")).args([
            HELLO_PKG,
            HELLO_TARBALL,
            HELLO_SHA256,
        ]),
        "toolchain/fetch-src.sh hello",
    );
    let tarball = PathBuf::from(text(&fetched.stdout).trim());
    let t = scratch("hello");
    step(
        Command::new("tar")
            .arg("-xzf")
            .arg(&tarball)
            .arg("-C")
            .arg(t.path()),
        "untar hello",
    );
    let src = t.path().join("hello-2.10");
    let (native, wasm) = (t.path().join("native"), t.path().join("wasm"));
    let build = |dir: &Path, cross: bool| -> f64 {
        let t0 = Instant::now();
        std::fs::create_dir_all(dir).unwrap();
        let mut c = clean(src.join("configure"), dir);
        if cross {
            c.env("CC", "wali-cc").arg(format!("--host={TRIPLE}"));
        }
        step(&mut c, "configure hello");
        step(clean("make", dir).arg("-j2"), "make hello");
        t0.elapsed().as_secs_f64()
    };
    let (tn, tw) = std::thread::scope(|s| {
        let n = s.spawn(|| build(&native, false));
        let w = s.spawn(|| build(&wasm, true));
        (n.join().unwrap(), w.join().unwrap())
    });
    eprintln!("GNU hello configure + make: native {tn:.1} s, wasm {tw:.1} s (side by side)");
    assert!(is_wasm(&wasm.join("hello")));

    // The same argv[0] on both sides (--help prints it), a UTF-8 locale (the greeting
    // goes through mbsrtowcs and wprintf).
    let argv0 = native.join("hello");
    let cases: &[&[&str]] = &[
        &[],
        &["--greeting=Grüße aus WALI"],
        &["-g", "hi there"],
        &["-t"],
        &["--version"],
        &["--help"],
        &["--traditional", "--greeting=last one wins"],
    ];
    // The wasm build, run as the native one is (same argv[0], locale).
    let wasm_hello = || {
        let mut c = Command::new(bin());
        c.current_dir(&wasm)
            .env("WALI_CACHE_DIR", wasm.join(".wali-cache"))
            .env("LC_ALL", "C.UTF-8")
            .arg("--argv0")
            .arg(&argv0)
            .arg("hello");
        c
    };
    for args in cases {
        let n = Command::new(&argv0)
            .args(*args)
            .env("LC_ALL", "C.UTF-8")
            .output()
            .unwrap();
        let w = wasm_hello().args(*args).output().unwrap();
        assert!(
            n.status.success() && !n.stdout.is_empty(),
            "native {args:?}: {}",
            stderr(&n)
        );
        assert_eq!(
            text(&n.stdout),
            text(&w.stdout),
            "hello {args:?} (left native, right wasm): {}",
            stderr(&w)
        );
        assert_eq!(text(&n.stderr), text(&w.stderr), "hello {args:?}: stderr");
        assert_eq!(n.status.code(), w.status.code(), "hello {args:?}: status");
    }
    let version = text(
        &Command::new(&argv0)
            .arg("--version")
            .output()
            .unwrap()
            .stdout,
    );
    assert!(version.starts_with("hello (GNU Hello) 2.10\n"), "{version}");

    // gnulib's closeout: a failed write to stdout is an error (1) with a message. The
    // message's errno part is the libc's: glibc buffers the line and fails in fclose
    // (ENOSPC); musl, natively as here, writes stdout at the newline until it knows it
    // is not a terminal, so the error is already flagged and fclose succeeds (errno 0).
    let full = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap()
    };
    let n = Command::new(&argv0)
        .env("LC_ALL", "C.UTF-8")
        .stdout(full())
        .output()
        .unwrap();
    let w = wasm_hello().stdout(full()).output().unwrap();
    let prefix = format!("{}: write error", argv0.display());
    for (side, o) in [("native", &n), ("wasm", &w)] {
        assert_eq!(o.status.code(), Some(1), "{side} >/dev/full: {}", stderr(o));
        assert!(
            stderr(o).starts_with(&prefix),
            "{side} >/dev/full: {}",
            stderr(o)
        );
    }
}

/// examples/cmake through toolchain/wali.cmake: compiler detection, header and symbol
/// checks, a size check, a check that runs a program (under wali-run, the toolchain's
/// emulator), Threads, libm, a library that is shared natively and static for WALI.
#[test]
fn cmake_project_cross_builds_like_native() {
    let t = scratch("cmake");
    let (native, wasm) = (t.path().join("native"), t.path().join("wasm"));
    let src = repo().join("examples/cmake");
    let build = |dir: &Path, extra: &[OsString]| {
        let mut c = clean("cmake", t.path());
        c.arg("-S")
            .arg(&src)
            .arg("-B")
            .arg(dir)
            .arg("-DBUILD_SHARED_LIBS=ON")
            .args(extra);
        c.env("WALI_CACHE_DIR", t.path().join("wali-cache"));
        step(&mut c, "cmake configure");
        step(
            clean("cmake", t.path()).arg("--build").arg(dir).arg("-j2"),
            "cmake --build",
        );
    };
    let mut tc = OsString::from("-DCMAKE_TOOLCHAIN_FILE=");
    tc.push(repo().join("toolchain/wali.cmake"));
    std::thread::scope(|s| {
        s.spawn(|| build(&native, &[]));
        s.spawn(|| build(&wasm, &[tc.clone()]));
    });
    assert!(is_wasm(&wasm.join("cmakedemo")));
    assert!(
        native.join("libshapes.so").exists(),
        "natively the library is shared"
    );
    assert!(
        wasm.join("libshapes.a").is_file() && !wasm.join("libshapes.so").exists(),
        "static for WALI"
    );

    let n = Command::new(native.join("cmakedemo")).output().unwrap();
    let w = wasm_run(&wasm, "cmakedemo", &[]);
    let out = text(&n.stdout);
    assert!(
        out.contains("PROGRAMS_RUN: yes") && out.contains("HAVE_GETRANDOM: yes"),
        "{out}"
    );
    assert!(!out.contains("wrong") && !out.contains(": no"), "{out}");
    assert_eq!(
        out,
        text(&w.stdout),
        "left native, right wasm; wasm stderr: {}",
        stderr(&w)
    );
    assert_eq!(n.status.code(), w.status.code());
}

/// C function pointers called through another type (tests/c/fnptr_cast.c): a void
/// function as `long (*)(long)`, a result nobody reads, an extra argument, a pointer passed
/// on through a second API. Natively these run; in wasm each call_indirect would trap
/// without wali-fnptr's thunks, which wali-cc adds at link time. The output is native's.
#[test]
fn function_pointer_casts_run_as_natively() {
    let t = scratch("fnptr");
    let src = repo().join("tests/c/fnptr_cast.c");
    let src = src.to_str().unwrap();
    let native = t.0.join("native");
    step(
        Command::new("gcc")
            .args(["-O2", "-w", src, "-o"])
            .arg(&native),
        "gcc fnptr_cast.c",
    );
    let want = text(&step(&mut Command::new(&native), "native fnptr_cast").stdout);
    assert_eq!(want, "total=463 r=4\n");
    cc(&t.0, &["-O2", src, "-o", "fixed.wasm"]);
    let o = wasm_run(&t.0, "fixed.wasm", &[]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), want);

    // The same link without the fix: the first cast call traps, and the scan names all
    // four pointers with the API that calls each.
    let o = clean(wali_cc(), &t.0)
        .env("WALI_FNPTR", "/bin/true")
        .args(["-O2", src, "-o", "raw.wasm"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = wasm_run(&t.0, "raw.wasm", &[]);
    assert!(!o.status.success());
    assert!(
        text(&o.stderr).contains("indirect call type mismatch"),
        "{}",
        text(&o.stderr)
    );
    let o = Command::new(repo().join("build/bin/wali-fnptr"))
        .args(["--check", "--report", "-"])
        .arg(t.0.join("raw.wasm"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    // Slots depend on the link order: left out of the comparison.
    let report: String = text(&o.stderr)
        .lines()
        .map(|l| match (l.find(" (slot "), l.find(") passed")) {
            (Some(a), Some(b)) => format!("{}{}\n", &l[..a], &l[b + 1..]),
            _ => format!("{l}\n"),
        })
        .collect();
    for line in [
        "add (i32) -> void passed to protect which calls it as (i32) -> i32",
        "add (i32) -> void passed to ensure which calls it as (i32) -> i32",
        "add_ret (i32) -> i32 passed to each which calls it as (i32) -> void",
        "one_arg (i32) -> i32 passed to call2 which calls it as (i32, i32) -> i32",
    ] {
        assert!(report.contains(line), "no '{line}' in:\n{report}");
    }
    assert_eq!(report.lines().count(), 4, "{report}");
    // A fixed module has nothing left to find.
    let o = Command::new(repo().join("build/bin/wali-fnptr"))
        .arg("--check")
        .arg(t.0.join("fixed.wasm"))
        .output()
        .unwrap();
    assert!(o.status.success());
}
