//! Rust programs built with toolchain/wali-cargo for wasm32-wali-linux-musl, each run
//! under wali-run and compared with the same program built natively (examples/rust).
//! The first run builds the standard library for the target (cached under
//! ~/.cache/wali-run/rust-KEY, see toolchain/wali-cargo) and the examples' crates (mio
//! patched for WALI by toolchain/rust/patched-mio into build/rust/).
//! Programs that start threads or processes run inside tests/in-pids-cgroup.

mod common;
use common::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

fn examples() -> PathBuf {
    repo().join("examples/rust")
}

fn cache() -> PathBuf {
    std::env::var_os("WALI_CACHE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/wali-run"))
}

/// cargo without the test run's own settings (its target dir is wali-run's).
fn cargo(program: &Path) -> Command {
    let mut c = Command::new(program);
    for v in [
        "CARGO_TARGET_DIR",
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_TARGET",
    ] {
        c.env_remove(v);
    }
    c.current_dir(examples());
    c
}

/// The examples built for wali-run: the directory of the .wasm files.
fn wasm_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let wc = repo().join("toolchain/wali-cargo");
        check(
            cargo(&wc)
                .args(["build", "--release", "--locked"])
                .output()
                .unwrap(),
            "wali-cargo build",
        );
        let o = check(
            cargo(&wc).arg("--print-target-dir").output().unwrap(),
            "wali-cargo --print-target-dir",
        );
        PathBuf::from(String::from_utf8(o.stdout).unwrap().trim()).join("release")
    })
}

/// The same examples built for the host.
fn native_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let target = cache().join("rust-examples-native");
        // The workspace's [patch] mio path (build/rust/mio-VERSION) must exist before
        // cargo reads the workspace: wali-cargo makes it, plain cargo does not.
        check(
            Command::new(repo().join("toolchain/rust/patched-mio"))
                .output()
                .unwrap(),
            "toolchain/rust/patched-mio",
        );
        check(
            cargo(Path::new("cargo"))
                .args(["build", "--release", "--locked"])
                .env("CARGO_TARGET_DIR", &target)
                .output()
                .unwrap(),
            "native cargo build",
        );
        target.join("release")
    })
}

struct Prog {
    wasm: PathBuf,
    native: PathBuf,
}

fn prog(name: &str) -> Prog {
    Prog {
        wasm: wasm_dir().join(format!("{name}.wasm")),
        native: native_dir().join(name),
    }
}

/// A command in a pids cgroup of `max` tasks, bounded in time: wali-run with `flags`
/// (wasm) or the native binary.
fn capped(max: u32, wasm: bool, p: &Prog, flags: &[&str], args: &[&str], dir: &Path) -> Command {
    let mut c = Command::new(repo().join("tests/in-pids-cgroup"));
    c.arg(max.to_string()).args(["timeout", "-k", "5", "60"]);
    if wasm {
        c.arg(bin()).args(flags).arg(&p.wasm);
    } else {
        c.arg(&p.native);
    }
    c.args(args)
        .current_dir(dir)
        .env("RUST_BACKTRACE", "0")
        .env("WALI_CACHE_DIR", dir.join(".wali-cache"));
    c
}

fn run_with_stdin(mut c: Command, input: &[u8]) -> Output {
    let mut child = c
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn files_cli_matches_native() {
    let p = prog("files");
    let input = b"the quick brown fox\njumps over\n\nthe lazy dog, extraordinarily\n";
    let mut outs = Vec::new();
    for wasm in [false, true] {
        let t = TempDir::new(if wasm {
            "rust-files-wasm"
        } else {
            "rust-files-native"
        });
        // Not in the pids cgroup: its script starts the command in the background, and a
        // background command's stdin is /dev/null (no threads or processes here).
        let mut c = if wasm {
            Command::new(bin())
        } else {
            Command::new(&p.native)
        };
        if wasm {
            c.arg(&p.wasm);
        }
        c.arg(".")
            .current_dir(t.path())
            .env("WALI_CACHE_DIR", t.path().join(".wali-cache"));
        let o = run_with_stdin(c, input);
        assert!(
            o.status.success(),
            "files (wasm {wasm}): {}\n{}",
            o.status,
            text(&o.stderr)
        );
        outs.push(text(&o.stdout));
    }
    assert!(outs[0].contains("stdin: 4 lines, 10 words"), "{}", outs[0]);
    assert_eq!(outs[1], outs[0], "wali-run's output differs from native");
}

#[test]
fn threads_mutex_channels_panics_and_command_match_native() {
    let p = prog("threads");
    let mut outs = Vec::new();
    for wasm in [false, true] {
        let t = TempDir::new(if wasm {
            "rust-threads-wasm"
        } else {
            "rust-threads-native"
        });
        let o = capped(128, wasm, &p, &["--allow-exec"], &[], t.path())
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "threads (wasm {wasm}): {}\n{}",
            o.status,
            text(&o.stderr)
        );
        outs.push(text(&o.stdout));
    }
    for want in [
        "counter 80000",
        "panicked thread: join is_err true payload Some(\"deliberate panic in a thread\")",
        "catch_unwind is_err true",
        "mutex poisoned true",
        "sh: status Some(3) stdout \"from sh\\n\" stderr \"to stderr\\n\"",
        "self: status Some(7)",
    ] {
        assert!(
            outs[0].contains(want),
            "native: no {want:?} in\n{}",
            outs[0]
        );
    }
    assert_eq!(outs[1], outs[0], "wali-run's output differs from native");
}

/// Start a server; wait for its "listening on" line.
fn start_server(mut c: Command) -> (Child, BufReader<std::process::ChildStdout>) {
    let mut child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    if !line.starts_with("listening on") {
        let _ = child.kill();
        let mut err = String::new();
        let _ = child.stderr.take().unwrap().read_to_string(&mut err);
        panic!("server did not start: {line:?}\n{err}");
    }
    (child, out)
}

fn connect(port: u16) -> TcpStream {
    for _ in 0..100 {
        if let Ok(s) = TcpStream::connect(("127.0.0.1", port)) {
            s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
            return s;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("cannot connect to 127.0.0.1:{port}");
}

fn finish(mut child: Child, mut out: BufReader<std::process::ChildStdout>) -> String {
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    let status = child.wait().unwrap();
    let mut err = String::new();
    let _ = child.stderr.take().unwrap().read_to_string(&mut err);
    assert!(status.success(), "server: {status}\n{err}");
    rest
}

/// Three clients at once, each its own transcript; then the server's summary.
fn echo_session(wasm: bool) -> (Vec<String>, String) {
    let p = prog("echo");
    let t = TempDir::new(if wasm {
        "rust-echo-wasm"
    } else {
        "rust-echo-native"
    });
    let port = free_port();
    let allow = format!("--allow-net=127.0.0.1:{port}");
    let ps = port.to_string();
    let (child, out) = start_server(capped(128, wasm, &p, &[&allow], &[&ps, "3"], t.path()));
    let clients: Vec<_> = (0..3)
        .map(|k| {
            std::thread::spawn(move || {
                let s = connect(port);
                let mut r = BufReader::new(s.try_clone().unwrap());
                let mut w = s;
                let mut greeting = String::new();
                r.read_line(&mut greeting).unwrap();
                let mut transcript = vec![greeting.starts_with("hello client ").to_string()];
                for i in 0..20 {
                    let line = if i == 10 {
                        "upper".to_string()
                    } else {
                        format!("client {k} line {i} ünïcode")
                    };
                    writeln!(w, "{line}").unwrap();
                    if i != 10 {
                        let mut back = String::new();
                        r.read_line(&mut back).unwrap();
                        transcript.push(back);
                    }
                }
                writeln!(w, "bye").unwrap();
                let mut bye = String::new();
                r.read_line(&mut bye).unwrap();
                transcript.push(bye.starts_with("bye client ").to_string());
                transcript.join("")
            })
        })
        .collect();
    let transcripts: Vec<_> = clients.into_iter().map(|c| c.join()).collect();
    if transcripts.iter().any(|t| t.is_err()) {
        let mut child = child;
        let _ = child.kill();
        let mut err = String::new();
        let _ = child.stderr.take().unwrap().read_to_string(&mut err);
        panic!("echo (wasm {wasm}): a client failed; server's stderr:\n{err}");
    }
    let transcripts = transcripts.into_iter().map(Result::unwrap).collect();
    (transcripts, finish(child, out))
}

#[test]
fn std_net_echo_server_thread_per_client_matches_native() {
    let native = echo_session(false);
    assert_eq!(native.1, "served 3 clients, 63 lines\n");
    assert!(
        native.0[2].contains("CLIENT 2 LINE 19 ÜNÏCODE"),
        "{}",
        native.0[2]
    );
    let wasm = echo_session(true);
    assert_eq!(wasm, native, "wali-run's transcripts differ from native");
}

/// Requests over one kept-alive connection (two of them pipelined in one write), a
/// second connection for the count, then /quit.
fn http_session(wasm: bool) -> (String, String) {
    let p = prog("http");
    let t = TempDir::new(if wasm {
        "rust-http-wasm"
    } else {
        "rust-http-native"
    });
    let port = free_port();
    let allow = format!("--allow-net=127.0.0.1:{port}");
    let ps = port.to_string();
    let (child, out) = start_server(capped(128, wasm, &p, &[&allow], &[&ps, "3"], t.path()));
    let read_reply = |r: &mut BufReader<TcpStream>| -> String {
        let mut head = String::new();
        let mut len = 0;
        loop {
            let mut l = String::new();
            r.read_line(&mut l).unwrap();
            if let Some(v) = l.strip_prefix("Content-Length: ") {
                len = v.trim().parse().unwrap();
            }
            head += &l;
            if l == "\r\n" {
                break;
            }
        }
        let mut body = vec![0; len];
        r.read_exact(&mut body).unwrap();
        head + &text(&body)
    };
    let mut transcript = String::new();
    let s = connect(port);
    let mut r = BufReader::new(s.try_clone().unwrap());
    let mut w = s;
    for path in ["/", "/sum/100000", "/nope", "/sum/x"] {
        write!(w, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        transcript += &read_reply(&mut r);
    }
    w.write_all(b"GET / HTTP/1.1\r\n\r\nGET /sum/10 HTTP/1.1\r\n\r\n")
        .unwrap();
    transcript += &read_reply(&mut r);
    transcript += &read_reply(&mut r);
    w.write_all(b"POST / HTTP/1.1\r\n\r\n").unwrap();
    transcript += &read_reply(&mut r);
    let s2 = connect(port);
    let mut r2 = BufReader::new(s2.try_clone().unwrap());
    (&s2).write_all(b"GET /count HTTP/1.1\r\n\r\n").unwrap();
    transcript += &read_reply(&mut r2);
    (&s2)
        .write_all(b"GET /quit HTTP/1.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    transcript += &read_reply(&mut r2);
    (transcript, finish(child, out))
}

#[test]
fn mio_http_server_multithreaded_matches_native() {
    let native = http_session(false);
    assert!(native.0.contains("5000050000"), "{}", native.0);
    assert_eq!(native.1, "served 8 requests\n");
    let wasm = http_session(true);
    assert_eq!(wasm, native, "wali-run's replies differ from native");
}

/// The libc's own layout (wali-cc's) of the structs it converts to and from the kernel's
/// (layouts.txt's NOT_PASSED_THROUGH in tests/layouts.rs): Rust's libc crate must agree
/// with these, not with the kernel's.
const LIBC_ONLY_C: &str = r#"#include <stdio.h>
#include <stddef.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/resource.h>
#include <sys/epoll.h>
#define S(abi, t) printf("%s size=%zu align=%zu\n", abi, sizeof(t), _Alignof(t))
#define F(t, abi, f) printf("    +%zu %s\n", offsetof(t, f), abi)
int main(void) {
    S("struct sigaction", struct sigaction);
    F(struct sigaction, "sa_handler", sa_handler); F(struct sigaction, "sa_mask", sa_mask);
    F(struct sigaction, "sa_flags", sa_flags); F(struct sigaction, "sa_restorer", sa_restorer);
    S("struct stat", struct stat);
    F(struct stat, "st_dev", st_dev); F(struct stat, "st_ino", st_ino); F(struct stat, "st_nlink", st_nlink);
    F(struct stat, "st_mode", st_mode); F(struct stat, "st_uid", st_uid); F(struct stat, "st_gid", st_gid);
    F(struct stat, "st_rdev", st_rdev); F(struct stat, "st_size", st_size);
    F(struct stat, "st_blksize", st_blksize); F(struct stat, "st_blocks", st_blocks);
    F(struct stat, "st_atim", st_atim); F(struct stat, "st_mtim", st_mtim); F(struct stat, "st_ctim", st_ctim);
    S("struct epoll_event", struct epoll_event);
    F(struct epoll_event, "events", events); F(struct epoll_event, "data", data);
    S("struct sysinfo", struct sysinfo);
    F(struct sysinfo, "uptime", uptime); F(struct sysinfo, "loads", loads); F(struct sysinfo, "totalram", totalram);
    F(struct sysinfo, "freeram", freeram); F(struct sysinfo, "sharedram", sharedram);
    F(struct sysinfo, "bufferram", bufferram); F(struct sysinfo, "totalswap", totalswap);
    F(struct sysinfo, "freeswap", freeswap); F(struct sysinfo, "procs", procs);
    F(struct sysinfo, "totalhigh", totalhigh); F(struct sysinfo, "freehigh", freehigh);
    F(struct sysinfo, "mem_unit", mem_unit);
    S("struct rusage", struct rusage);
    F(struct rusage, "ru_utime", ru_utime); F(struct rusage, "ru_stime", ru_stime);
    F(struct rusage, "ru_maxrss", ru_maxrss); F(struct rusage, "ru_ixrss", ru_ixrss);
    F(struct rusage, "ru_idrss", ru_idrss); F(struct rusage, "ru_isrss", ru_isrss);
    F(struct rusage, "ru_minflt", ru_minflt); F(struct rusage, "ru_majflt", ru_majflt);
    F(struct rusage, "ru_nswap", ru_nswap); F(struct rusage, "ru_inblock", ru_inblock);
    F(struct rusage, "ru_oublock", ru_oublock); F(struct rusage, "ru_msgsnd", ru_msgsnd);
    F(struct rusage, "ru_msgrcv", ru_msgrcv); F(struct rusage, "ru_nsignals", ru_nsignals);
    F(struct rusage, "ru_nvcsw", ru_nvcsw); F(struct rusage, "ru_nivcsw", ru_nivcsw);
    return 0;
}
"#;

/// Structs the libc crate lays out differently from the ABI, harmlessly, with why.
const CRATE_DIFFERS: &[(&str, &str)] = &[
    (
        "struct stat64",
        "musl has no stat64 of its own (stat64 is stat); the crate's is its stat",
    ),
    (
        "fd_set",
        "256 bytes in the crate, 128 in the ABI: the first 128 hold the same bits (the runtime \
         reads and writes those)",
    ),
    (
        "struct msghdr",
        "NOT FIXED: the crate's is 28 bytes unpadded, the ABI's 36 (x86-64's 8-byte \
         msg_iovlen/msg_controllen); libc::sendmsg/recvmsg called directly pass the wrong \
         layout (std's stable API and mio do not call them); see the README",
    ),
    (
        "struct rusage",
        "NOT FIXED: the crate's is the kernel's (272 bytes, 64-bit longs), the C libc's 152 \
         (32-bit longs, converted by getrusage): libc::getrusage called directly reads \
         wrong fields (std does not call it); see the README",
    ),
    (
        "struct sigaction",
        "NOT FIXED: the crate's sigset_t is u64[16] (align 8), so sa_mask is at 8, sa_flags \
         at 136 (the C libc's: 4 and 132); std's own use (signal(SIGPIPE), a SIGSEGV handler \
         wasm never raises) is unaffected, libc::sigaction called directly loses its flags; \
         see the README",
    ),
    (
        "struct sysinfo",
        "NOT FIXED: as rusage, the crate's is the kernel's 64-bit-long layout, the C libc's \
         has 32-bit longs (sysinfo() converts): libc::sysinfo called directly reads wrong \
         fields (std does not call it); see the README",
    ),
];

/// `struct X size=N align=A` -> ((size, align), [(field, offset)]), by struct name.
type Layout = ((u64, u64), Vec<(String, u64)>);
fn parse_layouts(text: &str) -> std::collections::BTreeMap<String, Layout> {
    let mut m = std::collections::BTreeMap::new();
    let mut cur: Option<String> = None;
    for line in text.lines() {
        if !line.starts_with(' ') {
            let Some((name, rest)) = line.split_once(" size=") else {
                continue;
            };
            let (size, rest) = rest.split_once(" align=").unwrap();
            let align = rest.split_whitespace().next().unwrap();
            m.insert(
                name.to_string(),
                ((size.parse().unwrap(), align.parse().unwrap()), Vec::new()),
            );
            cur = Some(name.to_string());
        } else if let Some(c) = &cur {
            let w: Vec<&str> = line.split_whitespace().collect();
            let off = w[0].trim_start_matches('+').parse().unwrap();
            m.get_mut(c)
                .unwrap()
                .1
                .push((w.last().unwrap().to_string(), off));
        }
    }
    m
}

#[test]
fn libc_crate_layouts_match_the_abi() {
    let t = TempDir::new("rust-layouts");
    let o = check(
        Command::new(bin())
            .arg(wasm_dir().join("abi-layouts.wasm"))
            .env("WALI_CACHE_DIR", t.path().join("cache"))
            .output()
            .unwrap(),
        "abi-layouts.wasm",
    );
    let krate = parse_layouts(&text(&o.stdout));
    let abi =
        parse_layouts(&std::fs::read_to_string(repo().join("syscalls/abi/layouts.txt")).unwrap());
    let c = build_c(t.path(), "libc_only", LIBC_ONLY_C);
    let o = check(
        Command::new(bin())
            .arg(&c)
            .env("WALI_CACHE_DIR", t.path().join("cache"))
            .output()
            .unwrap(),
        "libc_only.wasm",
    );
    let libc_only = parse_layouts(&text(&o.stdout));
    let mut bad = Vec::new();
    let mut checks = 0;
    for (name, ((size, align), fields)) in &krate {
        if CRATE_DIFFERS.iter().any(|(n, _)| n == name) {
            continue;
        }
        let (want, source) = match libc_only.get(name) {
            Some(l) => (l, "the C libc"),
            None => match abi.get(name) {
                Some(l) => (l, "layouts.txt"),
                None => {
                    bad.push(format!("{name}: not in layouts.txt"));
                    continue;
                }
            },
        };
        checks += 2;
        if *size != want.0 .0 {
            bad.push(format!("{name}: size {size}, {source} {}", want.0 .0));
        }
        // Byte arrays (fd_set, cpu_set_t) and packed structs: alignment is free.
        if *align != want.0 .1 && !fields.is_empty() && name != "struct epoll_event" {
            bad.push(format!("{name}: align {align}, {source} {}", want.0 .1));
        }
        for (f, off) in fields {
            checks += 1;
            match want.1.iter().find(|(n, _)| n == f) {
                Some((_, o)) if o == off => {}
                Some((_, o)) => bad.push(format!("{name}.{f}: offset {off}, {source} {o}")),
                None => bad.push(format!("{name}.{f}: not in {source}")),
            }
        }
    }
    assert!(checks > 100, "only {checks} checks");
    assert!(
        bad.is_empty(),
        "{} mismatches:\n{}",
        bad.len(),
        bad.join("\n")
    );
}
