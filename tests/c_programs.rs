//! C programs built twice, natively against musl (`musl-gcc`) and for wasm (`wali-cc`),
//! run in fresh directories: same stdout, same exit status. Linux is the ground truth.
//!
//! A program's first lines may say `// args: ...` (shell-like words), `// env: K=V` and
//! `// wali-run: FLAGS` (what the policy must grant it).

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn wali_cc() -> PathBuf {
    std::env::var_os("WALI_CC")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("toolchain/wali-cc"))
}

fn header(src: &str, key: &str) -> Vec<String> {
    let Some(line) = src
        .lines()
        .take(5)
        .find_map(|l| l.strip_prefix(&format!("// {key}:")))
    else {
        return vec![];
    };
    // Split on spaces, honouring double quotes.
    let mut out = vec![];
    let mut cur = String::new();
    let mut quoted = false;
    for c in line.trim().chars() {
        match c {
            '"' => quoted = !quoted,
            ' ' if !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn build(cc: &Path, src: &Path, out: &Path, extra: &[&str]) {
    let o = Command::new(cc)
        .args(["-O2", "-o"])
        .arg(out)
        .arg(src)
        .args(extra)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e} (run ./build.sh first)", cc.display()));
    assert!(
        o.status.success(),
        "{} failed on {}:\n{}",
        cc.display(),
        src.display(),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Build `name.c` both ways, run both, compare. Returns the native stdout.
fn differential(name: &str) -> String {
    differential_status(name).0
}

/// As `differential`, also returning the (equal) exit statuses.
fn differential_status(name: &str) -> (String, std::process::ExitStatus) {
    let t = TempDir::new(name);
    let src = repo().join("tests/c").join(format!("{name}.c"));
    let text = std::fs::read_to_string(&src).unwrap();
    let native = t.path().join(format!("{name}.native"));
    let wasm = t.path().join(format!("{name}.wasm"));
    build(
        Path::new("musl-gcc"),
        &src,
        &native,
        &["-static", "-lpthread"],
    );
    build(&wali_cc(), &src, &wasm, &[]);
    let args = header(&text, "args");
    let env = header(&text, "env");
    let run_in = |sub: &str, cmd: &mut Command| {
        let dir = t.path().join(sub);
        std::fs::create_dir_all(&dir).unwrap();
        cmd.current_dir(&dir).env_clear();
        for kv in &env {
            let (k, v) = kv.split_once('=').unwrap();
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    };
    // coreutils `timeout` so a hung guest fails the test instead of hanging the suite.
    let timed = || {
        let mut c = Command::new("timeout");
        c.args(["-k", "5", "120"]);
        c
    };
    let n = run_in("n", timed().arg(&native).args(&args));
    let mut wc = timed();
    // `// wali-run: FLAGS`: what the policy must grant the program (the network...).
    wc.env("WALI_CACHE_DIR", t.path().join("cache"))
        .arg(bin())
        .args(header(&text, "wali-run"))
        .arg(&wasm)
        .args(&args);
    let w = run_in("w", &mut wc);
    let (ns, ws) = (
        String::from_utf8_lossy(&n.stdout),
        String::from_utf8_lossy(&w.stdout),
    );
    assert_eq!(
        ns,
        ws,
        "{name}: stdout differs (left native, right wasm); wasm stderr:\n{}",
        stderr(&w)
    );
    assert_eq!(
        n.status,
        w.status,
        "{name}: exit status differs; wasm stderr:\n{}",
        stderr(&w)
    );
    (ns.into_owned(), w.status)
}

#[test]
fn hello_argv_env() {
    let out = differential("hello");
    assert!(out.contains("argv[2]=two words"), "{out}");
    assert!(out.contains("WALI_GREETING=hello-from-env"), "{out}");
}

/// Everything after MODULE is the guest's, wali-run's own flags included (`prog.wasm
/// --version` is how every program is asked its version).
#[test]
fn flags_after_the_module_are_the_guests() {
    let t = TempDir::new("argv_flags");
    let wasm = t.path().join("hello.wasm");
    build(&wali_cc(), &repo().join("tests/c/hello.c"), &wasm, &[]);
    let o = Command::new(bin())
        .arg(&wasm)
        .args(["--version", "-c", "--help", "--", "--strace"])
        .current_dir(t.path())
        .env("WALI_CACHE_DIR", t.path().join("cache"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.starts_with(
            "argc=6\nargv[1]=--version\nargv[2]=-c\nargv[3]=--help\nargv[4]=--\nargv[5]=--strace\n"
        ),
        "{out}"
    );
    assert!(
        stderr(&o).is_empty(),
        "no trace, no summary: {}",
        stderr(&o)
    );
}

/// `-c` counts calls, errors and time per syscall, as `strace -c` lays it out; `-T` puts
/// each call's duration after it.
#[test]
fn strace_summary_and_timing() {
    let t = TempDir::new("strace_c");
    let wasm = t.path().join("files.wasm");
    build(&wali_cc(), &repo().join("tests/c/files.c"), &wasm, &[]);
    let run = |flags: &[&str]| {
        let o = Command::new(bin())
            .args(flags)
            .arg(&wasm)
            .current_dir(t.path())
            .env("WALI_CACHE_DIR", t.path().join("cache"))
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        (String::from_utf8_lossy(&o.stdout).into_owned(), stderr(&o))
    };
    let (plain, _) = run(&[]);
    let (out, err) = run(&["-c"]);
    assert_eq!(out, plain, "-c changes nothing the program sees");
    let lines: Vec<&str> = err.lines().collect();
    let head = lines
        .iter()
        .position(|l| *l == "% time     seconds  usecs/call     calls    errors syscall")
        .unwrap_or_else(|| panic!("no summary header in {err}"));
    let total = lines.last().unwrap();
    assert!(
        total.starts_with("100.00 ") && total.ends_with(" total"),
        "{total}"
    );
    let rows: Vec<Vec<&str>> = lines[head + 2..lines.len() - 2]
        .iter()
        .map(|l| l.split_whitespace().collect())
        .collect();
    let calls = |name: &str| -> u64 {
        rows.iter()
            .find(|r| r.last() == Some(&name))
            .map(|r| r[3].parse().unwrap())
            .unwrap_or(0)
    };
    assert!(calls("open") + calls("openat") >= 2, "{err}");
    let sum: u64 = rows.iter().map(|r| r[3].parse::<u64>().unwrap()).sum();
    let listed: u64 = total.split_whitespace().nth(3).unwrap().parse().unwrap();
    assert_eq!(sum, listed, "the total counts every row: {err}");
    // No per-call lines with -c alone.
    assert!(!err.contains(") = "), "{err}");

    let (_, err) = run(&["--strace", "-T"]);
    let calls: Vec<&str> = err.lines().filter(|l| l.contains(") = ")).collect();
    assert!(calls.len() > 10, "{err}");
    for l in calls {
        let d = l.rsplit_once(" <").map(|x| x.1).unwrap_or("");
        assert!(
            d.ends_with('>') && d.trim_end_matches('>').parse::<f64>().is_ok(),
            "no duration on {l:?}"
        );
    }
}

/// `wali-run compile` writes native code that `wali-run` runs without compiling.
#[test]
fn compile_ahead_of_time_then_run_the_cwasm() {
    let t = TempDir::new("aot");
    let wasm = t.path().join("files.wasm");
    build(&wali_cc(), &repo().join("tests/c/files.c"), &wasm, &[]);
    let cw = t.path().join("out.cwasm");
    let o = Command::new(bin())
        .arg("compile")
        .arg(&wasm)
        .arg("-o")
        .arg(&cw)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("compiled"), "{}", stderr(&o));
    let run = |m: &Path| {
        let d = t.path().join(m.file_name().unwrap()).with_extension("dir");
        std::fs::create_dir_all(&d).unwrap();
        Command::new(bin())
            .arg(m)
            .current_dir(&d)
            .env("WALI_CACHE_DIR", t.path().join("cache"))
            .output()
            .unwrap()
    };
    let (a, b) = (run(&wasm), run(&cw));
    assert!(b.status.success(), "{}", stderr(&b));
    assert_eq!(a.stdout, b.stdout);
    // Not a module of this wali-run: one line, 126.
    let junk = t.path().join("junk.cwasm");
    std::fs::write(&junk, b"\x7fELF not really").unwrap();
    let o = run(&junk);
    assert_eq!(o.status.code(), Some(126));
    assert!(
        stderr(&o).contains("not a module compiled by this wali-run"),
        "{}",
        stderr(&o)
    );
    assert_eq!(stderr(&o).trim_end().lines().count(), 1);
}

/// The initial data of a wasm-ld module comes from an image beside the cached module,
/// mapped copy-on-write; a missing or damaged image is made again, and without the cache
/// the module copies its data itself: the output is native's every time.
#[test]
fn initial_data_image() {
    let native = differential("data_image");
    let t = TempDir::new("image");
    let wasm = t.path().join("data_image.wasm");
    build(&wali_cc(), &repo().join("tests/c/data_image.c"), &wasm, &[]);
    let cache = t.path().join("cache");
    let run = |extra: &[&str]| {
        let o = Command::new(bin())
            .args(extra)
            .arg(&wasm)
            .current_dir(t.path())
            .env("WALI_CACHE_DIR", &cache)
            .env("WALI_LOG", "wali_run=debug")
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(String::from_utf8_lossy(&o.stdout), native, "{}", stderr(&o));
        stderr(&o)
    };
    run(&[]);
    let images: Vec<_> = std::fs::read_dir(cache.join("modules"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "img"))
        .collect();
    assert_eq!(images.len(), 1, "one image beside the compiled module");
    let img = &images[0];
    // A header page, then the data.
    let size = std::fs::metadata(img).unwrap().len();
    assert!(
        size > 4096,
        "{} holds no data ({size} bytes)",
        img.display()
    );
    assert!(run(&[]).contains("initial data mapped copy-on-write"));
    std::fs::remove_file(img).unwrap();
    run(&[]);
    assert!(img.exists(), "the image is made again");
    std::fs::write(img, b"garbage").unwrap();
    run(&[]);
    assert!(run(&[]).contains("initial data mapped copy-on-write"));
    assert!(!run(&["--no-cache"]).contains("initial data mapped"));
}

#[test]
fn files() {
    let out = differential("files");
    assert!(out.contains("read: 'quick'"), "{out}");
}

#[test]
fn dirlist() {
    let out = differential("dirlist");
    assert!(out.contains("entries=7"), "{out}");
}

#[test]
fn malloc200() {
    let out = differential("malloc200");
    assert!(
        out.contains("20 rounds of 200 MB ok, calloc nonzero pages=0"),
        "{out}"
    );
}

#[test]
fn sjlj() {
    let out = differential("sjlj");
    assert!(out.contains("setjmp returned 20 (depth 3)"), "{out}");
}

#[test]
fn exit3() {
    let out = differential("exit3");
    assert!(out.contains("(atexit ran)"), "{out}");
}

#[test]
fn chroot_under_allow_all_is_the_kernels() {
    let out = differential("chroot");
    assert!(out.contains("chroot missing: -1"), "{out}");
}

#[test]
fn efault() {
    let out = differential("efault");
    assert!(
        out.contains("write from bad pointer: -1 Bad address"),
        "{out}"
    );
}

#[test]
fn threads_counter() {
    let out = differential("threads_counter");
    assert!(out.contains("counter = 800000"), "{out}");
    assert!(out.contains("join 7: 0, returned 2014"), "{out}");
    assert!(out.contains("main's thread-local = 1000"), "{out}");
}

/// Detached threads in sequence and in waves: each starts as a new thread does (its
/// thread-locals, thread-specific data, stack size and guard), as natively, though the
/// libc reuses exited detached threads' stacks.
#[test]
fn threads_detached_start_fresh() {
    let out = differential("threads_detached");
    assert_eq!(out, "created 600 done 600 bad 0\n");
}

#[test]
fn threads_sync() {
    let out = differential("threads_sync");
    assert!(
        out.contains("consumed sum 200010000 (expected 200010000)"),
        "{out}"
    );
    assert!(out.contains("rwlock writes 1000"), "{out}");
    assert!(
        out.contains("once ran 1 time(s), destructors ran 4"),
        "{out}"
    );
}

#[test]
fn signal_interrupts_busy_loop() {
    let out = differential("sig_busy");
    assert!(out.contains("busy loop interrupted: hits=1"), "{out}");
    assert!(out.contains("blocked: hits=1 pending=1"), "{out}");
    assert!(out.contains("unblocked: hits=101"), "{out}");
}

#[test]
fn signal_eintr_and_restart() {
    let out = differential("sig_eintr");
    assert!(
        out.contains("read: -1 (Interrupted system call), handler ran 1"),
        "{out}"
    );
    assert!(out.contains("restarted read: 1 'x'"), "{out}");
    assert!(
        out.contains("nanosleep: -1 (Interrupted system call)"),
        "{out}"
    );
}

#[test]
fn signal_siginfo() {
    let out = differential("sig_info");
    assert!(
        out.contains("kill: signo=10 code=SI_USER pid matches=1"),
        "{out}"
    );
    assert!(
        out.contains("sigsuspend returned -1, handler ran=1"),
        "{out}"
    );
    assert!(out.contains("on alternate stack=1"), "{out}");
}

#[test]
fn signal_default_terminates() {
    use std::os::unix::process::ExitStatusExt;
    let (out, status) = differential_status("sig_term");
    assert_eq!(out, "before\n");
    assert_eq!(status.signal(), Some(libc::SIGTERM), "{status:?}");
}

#[test]
fn threads_exit_ends_all() {
    let (out, status) = differential_status("threads_exit");
    assert_eq!(out, "ender: exit(5)\n");
    assert_eq!(status.code(), Some(5));
}

#[test]
fn fork_and_wait() {
    let out = differential("fork_wait");
    assert!(
        out.contains("wait4 same pid: 1, exited: 1, status: 7, parent's value: 1"),
        "{out}"
    );
    assert!(
        out.contains("killed child: signaled: 1, signal: 9"),
        "{out}"
    );
    assert!(
        out.contains("waitid: pid matches: 1, code: CLD_EXITED"),
        "{out}"
    );
    assert!(out.contains("system: exited 1 status 5"), "{out}");
    assert!(out.contains("popen read: from popen"), "{out}");
}

#[test]
fn execve_a_module() {
    let (out, status) = differential_status("exec");
    assert!(
        out.contains("child: argc=5 argv[2]=two words same pid=1 env=passed"),
        "{out}"
    );
    assert!(
        out.contains("child: kept fd open=1, cloexec fd open=0"),
        "{out}"
    );
    assert!(out.contains("child: SIGUSR1 ignored=1"), "{out}");
    assert_eq!(status.code(), Some(9));
}

#[test]
fn trap_in_a_thread_names_it() {
    let t = TempDir::new("thread_trap");
    let wasm = t.path().join("thread_trap.wasm");
    build(
        &wali_cc(),
        &repo().join("tests/c/thread_trap.c"),
        &wasm,
        &[],
    );
    let o = Command::new("timeout")
        .args(["-k", "5", "60"])
        .arg(bin())
        .arg(&wasm)
        .env("WALI_CACHE_DIR", t.path().join("cache"))
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(134), "{err}");
    assert_eq!(String::from_utf8_lossy(&o.stdout), "main: starting\n");
    let first = err.lines().next().unwrap_or("");
    assert!(
        first.contains("thread ")
            && first.contains("wasm trap: wasm `unreachable` instruction executed"),
        "{err}"
    );
    assert!(err.contains("thread_trap.wasm!crash"), "{err}");
    // Built with -g (unoptimized: the trap keeps its line) and asked for details: each
    // frame's source line.
    let g = t.path().join("thread_trap_g.wasm");
    build(
        &wali_cc(),
        &repo().join("tests/c/thread_trap.c"),
        &g,
        &["-O0", "-g"],
    );
    let o = Command::new("timeout")
        .args(["-k", "5", "60"])
        .arg(bin())
        .arg(&g)
        .env("WALI_CACHE_DIR", t.path().join("cache"))
        .env("WASMTIME_BACKTRACE_DETAILS", "1")
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(134), "{err}");
    assert!(err.contains("tests/c/thread_trap.c:9"), "{err}");
}

#[test]
fn sigpipe_default_and_ignored() {
    use std::os::unix::process::ExitStatusExt;
    let (out, status) = differential_status("sig_pipe");
    assert_eq!(out, "ignored: write -1 (Broken pipe)\n");
    assert_eq!(status.signal(), Some(libc::SIGPIPE), "{status:?}");
}

/// Unbounded recursion in main and in a thread: native dies of SIGSEGV at its guard page;
/// wali-run's stack check (src/rewrite.rs) the same way, naming the thread, where it
/// used to trap out of bounds (main: 134) or overwrite another thread's stack (the
/// canary's check: status 3).
#[test]
fn stack_overflow_is_sigsegv_not_corruption() {
    use std::os::unix::process::ExitStatusExt;
    for mode in ["main", "thread"] {
        let t = TempDir::new("stack_overflow");
        let src = repo().join("tests/c/stack_overflow.c");
        let native = t.path().join("so.native");
        let wasm = t.path().join("so.wasm");
        build(
            Path::new("musl-gcc"),
            &src,
            &native,
            &["-static", "-lpthread"],
        );
        build(&wali_cc(), &src, &wasm, &[]);
        let n = Command::new(&native).arg(mode).output().unwrap();
        let w = Command::new("timeout")
            .args(["-k", "5", "60"])
            .arg(bin())
            .arg(&wasm)
            .arg(mode)
            .env("WALI_CACHE_DIR", t.path().join("cache"))
            .output()
            .unwrap();
        let err = stderr(&w);
        assert_eq!(n.status.signal(), Some(libc::SIGSEGV), "native {mode}");
        assert_eq!(n.stdout, w.stdout, "{mode}: {err}");
        assert_eq!(w.status.signal(), Some(libc::SIGSEGV), "{mode}: {err}");
        let first = err.lines().next().unwrap_or("");
        assert!(
            first.starts_with("wali-run: ")
                && first.contains("so.wasm: thread ")
                && first.contains(" overflowed its stack ("),
            "{mode}: {err}"
        );
    }
}

#[test]
fn sigint_from_outside_reaches_the_handler() {
    use std::io::{BufRead, BufReader};
    let t = TempDir::new("sig_int");
    let wasm = t.path().join("sig_int.wasm");
    build(&wali_cc(), &repo().join("tests/c/sig_int.c"), &wasm, &[]);
    let mut child = Command::new(bin())
        .arg(&wasm)
        .env("WALI_CACHE_DIR", t.path().join("cache"))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert_eq!(lines.next().unwrap().unwrap(), "ready");
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    assert_eq!(lines.next().unwrap().unwrap(), "handled signal 2");
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

#[test]
fn threads_cancel() {
    let out = differential("threads_cancel");
    assert!(
        out.contains("blocked reader: cancelled=1 cleanup ran=1"),
        "{out}"
    );
    assert!(out.contains("cancel disabled: returned 42"), "{out}");
    assert!(out.contains("spinner: cancelled=1"), "{out}");
}

#[test]
fn net_tcp_udp_ipv6() {
    let out = differential("net_tcp");
    assert!(
        out.contains("ipv4: echoed 100000 bytes, peer 127.0.0.1, server saw family right"),
        "{out}"
    );
    assert!(out.contains("ipv6: echoed 100000 bytes, peer ::1"), "{out}");
    assert!(
        out.contains("udp: got 4 'ping' from len 16, reply 'pong'"),
        "{out}"
    );
    assert!(out.contains("closed port: -1 Connection refused"), "{out}");
    assert!(
        out.contains("getaddrinfo localhost: 127.0.0.1 port 80"),
        "{out}"
    );
    assert!(out.contains("bind bad address: -1 Bad address"), "{out}");
}

#[test]
fn net_unix_and_fd_passing() {
    let out = differential("net_unix");
    assert!(
        out.contains("received fd reads: through the socket"),
        "{out}"
    );
    assert!(
        out.contains("recvmsg: 9 'two' ' parts' controllen=24"),
        "{out}"
    );
}

#[test]
fn net_epoll_200_clients() {
    let out = differential("net_epoll");
    assert!(out.contains("connected: 200"), "{out}");
    assert!(
        out.contains("answered 200, correct 200, served 200"),
        "{out}"
    );
}

/// The wasm side of a conversation with a native peer (this test process).
fn net_peer_module(t: &TempDir) -> PathBuf {
    let wasm = t.path().join("net_peer.wasm");
    build(&wali_cc(), &repo().join("tests/c/net_peer.c"), &wasm, &[]);
    wasm
}

#[test]
fn net_wasm_server_native_client() {
    use std::io::{BufRead, BufReader, Read, Write};
    let t = TempDir::new("net_server");
    let wasm = net_peer_module(&t);
    let mut child = Command::new(bin())
        .arg("--allow-net=127.0.0.1")
        .arg(&wasm)
        .arg("server")
        .env("WALI_CACHE_DIR", t.path().join("cache"))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line.trim().parse().expect("a port from the wasm server");
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(b"native says hi\n").unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert_eq!(answer, "NATIVE SAYS HI\n");
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

#[test]
fn net_wasm_client_native_server() {
    use std::io::{BufRead, BufReader, Write};
    let t = TempDir::new("net_client");
    let wasm = net_peer_module(&t);
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (s, _) = l.accept().unwrap();
        let mut line = String::new();
        BufReader::new(&s).read_line(&mut line).unwrap();
        (&s).write_all(line.to_uppercase().as_bytes()).unwrap();
        line
    });
    let o = Command::new(bin())
        .arg(format!("--allow-net=127.0.0.1:{port}"))
        .arg(&wasm)
        .args(["client", &port.to_string()])
        .env("WALI_CACHE_DIR", t.path().join("cache"))
        .output()
        .unwrap();
    assert_eq!(server.join().unwrap(), "hello from wasm\n");
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "answer (16): HELLO FROM WASM\n"
    );
    // The client ends with 0 after its answer (1 for a failed connect, 2 for bad
    // arguments); a runtime that printed the answer and then died must not pass.
    assert!(
        o.status.success(),
        "wali-run exited with {:?}: {}",
        o.status,
        stderr(&o)
    );
}

#[test]
fn strace_decodes_sockets_and_epoll() {
    let t = TempDir::new("strace_net");
    let wasm = t.path().join("net_epoll.wasm");
    build(&wali_cc(), &repo().join("tests/c/net_epoll.c"), &wasm, &[]);
    let trace = t.path().join("trace.txt");
    let o = Command::new(bin())
        .arg("--strace-file")
        .arg(&trace)
        .arg("--allow-net")
        .arg(&wasm)
        .env("WALI_CACHE_DIR", t.path().join("cache"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let tr = std::fs::read_to_string(&trace).unwrap();
    let has = |prefix: &str, part: &str| {
        tr.lines()
            .any(|l| l.starts_with(prefix) && l.contains(part))
    };
    assert!(has("bind(", "{AF_INET, 127.0.0.1:0}, 16) = 0"), "{tr}");
    assert!(has("getsockname(", "{AF_INET, 127.0.0.1:"), "{tr}");
    assert!(has("connect(", "EINPROGRESS"), "{tr}");
    assert!(has("epoll_ctl(", "[{EPOLLIN|EPOLLET, data=0x"), "{tr}");
    assert!(has("epoll_pwait(", "[{EPOLLIN"), "{tr}");
}

/// A manifest beside the module (`M.wasm.toml`) sets the environment the module needs,
/// with `{dir}` as the module's directory; the host's value is overridden and `--env`
/// overrides the manifest. A bad manifest is a one-line error naming file and line.
#[test]
fn module_manifest_env_and_errors() {
    let t = TempDir::new("manifest");
    let m = t.path().join("hello.wasm");
    build(&wali_cc(), &repo().join("tests/c/hello.c"), &m, &[]);
    let toml = t.path().join("hello.wasm.toml");
    std::fs::write(
        &toml,
        "# the module's needs\n[env]\nWALI_GREETING = \"{dir}/lib\"\n",
    )
    .unwrap();
    let o = Command::new(bin())
        .arg(&m)
        .env("WALI_GREETING", "host")
        .current_dir("/")
        .output()
        .unwrap();
    let dir = std::fs::canonicalize(t.path()).unwrap();
    assert!(
        String::from_utf8_lossy(&o.stdout)
            .contains(&format!("WALI_GREETING={}/lib\n", dir.display())),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let o = Command::new(bin())
        .args(["--env", "WALI_GREETING=flag"])
        .arg(&m)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).contains("WALI_GREETING=flag\n"));

    for (text, needle) in [
        ("[env]\nX = 1\n", "line 2"),
        ("[env\n", "line 1"),
        ("[policy]\nfoo = 1\n", "unknown field `policy`"),
    ] {
        std::fs::write(&toml, text).unwrap();
        let o = Command::new(bin()).arg(&m).output().unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{text:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(
            err.contains("hello.wasm.toml") && err.contains(needle),
            "{text:?}: {err}"
        );
        assert!(o.stdout.is_empty());
    }
}
