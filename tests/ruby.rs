//! CRuby 3.3.8 on wali-run, compared with the native 3.3.8 built from the same tarball
//! (toolchain/ruby/build.sh builds both; ./build.sh runs it).

mod common;
use common::*;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn ruby_wasm() -> PathBuf {
    let m = repo().join("build/ruby/ruby.wasm");
    assert!(
        m.exists(),
        "{} is missing: run ./build.sh (it builds Ruby)",
        m.display()
    );
    m
}

fn ruby_native() -> PathBuf {
    let r = repo().join("build/bin/ruby-native");
    assert!(r.exists(), "{} is missing: run ./build.sh", r.display());
    r
}

/// `wali-run ruby.wasm ARGS` from a scratch directory, as a user runs it: no flags, so
/// under the default policy (the scratch directory, Ruby's own library, nothing else).
fn wasm_cmd(args: &[&str], cwd: &std::path::Path) -> Command {
    wasm_cmd_with(&[], args, cwd)
}

fn wasm_cmd_with(flags: &[&str], args: &[&str], cwd: &std::path::Path) -> Command {
    let mut c = Command::new("timeout");
    c.args(["-k", "5", "300", bin()])
        .args(flags)
        .arg(ruby_wasm())
        .args(args)
        .current_dir(cwd);
    c
}

/// Ruby's own test suites write to /tmp, spawn Ruby through a shell script and signal
/// their children: they run with the sandbox off, through a wrapper like build/bin's.
fn ruby_wasm_unsandboxed(dir: &std::path::Path) -> PathBuf {
    // Ruby's runners hand the path to sh unquoted: no parentheses (TempDir names have
    // them), so a directory of its own named by pid and purpose.
    let tag = dir
        .file_name()
        .unwrap()
        .to_string_lossy()
        .replace(['(', ')'], "-");
    let d = std::env::temp_dir().join(format!("{tag}-sh"));
    std::fs::create_dir_all(&d).unwrap();
    let w = d.join("ruby-wasm-allow-all");
    std::fs::write(
        &w,
        format!(
            "#!/bin/sh\nexec {} --allow-all --argv0 ruby {} \"$@\"\n",
            bin(),
            ruby_wasm().display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&w, std::fs::Permissions::from_mode(0o755)).unwrap();
    w
}

fn native_cmd(args: &[&str], cwd: &std::path::Path) -> Command {
    let mut c = Command::new("timeout");
    c.args(["-k", "5", "300"])
        .arg(ruby_native())
        .args(args)
        .current_dir(cwd);
    c
}

/// Run a script under both and require the same stdout and exit status. The script is
/// copied into a scratch directory and run from there, as a user runs a script of their
/// own: under the default policy, which grants that directory and nothing else.
fn same_as_native(script: &str) -> String {
    same_as_native_with(script, |_| (vec![], vec![]))
}

/// As `same_as_native`, with wasm-side flags and script arguments made per side
/// (`wasm` is false for the native run).
fn same_as_native_with(
    script: &str,
    per_side: impl Fn(bool) -> (Vec<String>, Vec<String>),
) -> String {
    let t = TempDir::new("ruby");
    let path = repo().join(script);
    let name = path.file_name().unwrap().to_str().unwrap().to_string();
    std::fs::copy(&path, t.path().join(&name)).unwrap();
    let (_, nargs) = per_side(false);
    let mut na = vec![name.as_str()];
    na.extend(nargs.iter().map(String::as_str));
    let n = native_cmd(&na, t.path()).output().unwrap();
    let (wflags, wargs) = per_side(true);
    let mut wa = vec![name.as_str()];
    wa.extend(wargs.iter().map(String::as_str));
    let wf: Vec<&str> = wflags.iter().map(String::as_str).collect();
    let w = wasm_cmd_with(&wf, &wa, t.path()).output().unwrap();
    assert!(n.status.success(), "native failed: {}", show(&n));
    assert_eq!(
        (String::from_utf8_lossy(&w.stdout), w.status.code()),
        (String::from_utf8_lossy(&n.stdout), n.status.code()),
        "{script}: wasm differs from native\nwasm: {}",
        show(&w)
    );
    String::from_utf8(w.stdout).unwrap()
}

#[test]
fn tcp_server_answers_50_concurrent_clients() {
    // The policy grants exactly the server's address, nothing more.
    let out = same_as_native_with("examples/ruby/tcp_server.rb", |wasm| {
        let port = free_port().to_string();
        let flags = if wasm {
            vec![format!("--allow-net=127.0.0.1:{port}")]
        } else {
            vec![]
        };
        (flags, vec![port])
    });
    assert!(
        out.contains("served 50 concurrent clients, 150 replies, all correct: true"),
        "{out}"
    );
}

#[test]
fn worker_pool_with_queue_and_mutex() {
    let out = same_as_native("examples/ruby/worker_pool.rb");
    assert!(out.contains("jobs done: 40"), "{out}");
}

#[test]
fn fibers_and_enumerators() {
    let out = same_as_native("examples/ruby/fibers.rb");
    assert!(out.contains("0 1 1 2 3 5 8 13 21 34"), "{out}");
}

#[test]
fn io_select_timeout_signals_files() {
    let out = same_as_native("examples/ruby/io_and_signals.rb");
    assert!(out.contains("trapped INT: [2]"), "{out}");
}

#[test]
fn gc_stress_with_threads_and_fibers() {
    let out = same_as_native("tests/ruby/gc_stress.rb");
    assert!(out.contains("thread 2 2675"), "{out}");
}

#[test]
fn thread_kill_and_raise_in_blocking_calls_then_prompt_exit() {
    // Its server binds any free port on the loopback address: grant that address.
    let out = same_as_native_with("tests/ruby/thread_blocked.rb", |wasm| {
        let flags = if wasm {
            vec!["--allow-net=127.0.0.1".to_string()]
        } else {
            vec![]
        };
        (flags, vec![])
    });
    assert!(
        out.contains("reader rescued RuntimeError: wake up"),
        "{out}"
    );
}

#[test]
fn command_line_stdin_argv_env_exit_status_and_require_relative() {
    let t = TempDir::new("ruby-cli");
    std::fs::write(t.path().join("helper.rb"), "HELPER = :loaded\n").unwrap();
    std::fs::write(
        t.path().join("main.rb"),
        "require_relative 'helper'\nrequire 'json'\nputs JSON.generate([HELPER, ARGV, ENV['WALI_T']])\n$stderr.puts 'to stderr'\nexit 3\n",
    )
    .unwrap();
    let w = wasm_cmd(&["main.rb", "x", "y z"], t.path())
        .env("WALI_T", "from env")
        .output()
        .unwrap();
    assert_eq!(w.status.code(), Some(3), "{}", show(&w));
    assert_eq!(
        String::from_utf8_lossy(&w.stdout),
        "[\"loaded\",[\"x\",\"y z\"],\"from env\"]\n"
    );
    assert_eq!(String::from_utf8_lossy(&w.stderr), "to stderr\n");

    let e = wasm_cmd(
        &["-I", ".", "-r", "helper", "-e", "p [HELPER, $0]"],
        t.path(),
    )
    .output()
    .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&e.stdout),
        "[:loaded, \"-e\"]\n",
        "{}",
        show(&e)
    );

    let mut c = wasm_cmd(&["-", "arg"], t.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    c.stdin
        .take()
        .unwrap()
        .write_all(b"p ARGV\nputs $stdin.eof?\n")
        .unwrap();
    let o = c.wait_with_output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "[\"arg\"]\ntrue\n",
        "{}",
        show(&o)
    );

    let bad = wasm_cmd(&["-e", "raise 'boom'"], t.path())
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("boom (RuntimeError)"));
}

/// `system`, `spawn`, `Open3` and backticks find host programs by name under
/// `--allow-exec` alone (no --dir for /usr/bin), as natively; without it, ENOENT.
#[test]
fn allow_exec_runs_host_programs_by_name() {
    let t = TempDir::new("ruby-exec");
    let script = "p system(\"echo hi\")\n\
                  require 'open3'\n\
                  p((Open3.capture2('echo', 'x') rescue $!.class))\n\
                  pid = (spawn('echo', 'sp') rescue p($!.class))\n\
                  Process.wait(pid) if pid.is_a?(Integer)\n\
                  p((`echo bt` rescue $!.class))\n";
    std::fs::write(t.path().join("x.rb"), script).unwrap();
    let path = "/usr/local/bin:/usr/bin:/bin";
    let w = wasm_cmd_with(&["--allow-exec"], &["x.rb"], t.path())
        .env("PATH", path)
        .output()
        .unwrap();
    let n = native_cmd(&["x.rb"], t.path())
        .env("PATH", path)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&w.stdout).into_owned();
    assert!(w.status.success(), "{}", show(&w));
    // Open3's status line names a pid: compare without it.
    let strip = |s: &str| {
        s.lines()
            .map(|l| l.split("#<Process::Status").next().unwrap().to_string())
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        strip(&out),
        strip(&String::from_utf8_lossy(&n.stdout)),
        "{}",
        show(&w)
    );
    assert!(out.starts_with("hi\ntrue\n[\"x\\n\", "), "{out}");
    let d = wasm_cmd(&["x.rb"], t.path())
        .env("PATH", path)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&d.stdout),
        "nil\nErrno::ENOENT\nErrno::ENOENT\nErrno::ENOENT\n",
        "{}",
        show(&d)
    );
}

#[test]
fn sigint_raises_interrupt() {
    let t = TempDir::new("ruby-int");
    let script = t.path().join("interrupt.rb");
    std::fs::copy(repo().join("tests/ruby/interrupt.rb"), &script).unwrap();
    let mut c = Command::new(bin())
        .arg(ruby_wasm())
        .arg(&script)
        .current_dir(t.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(c.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "ready\n");
    let start = Instant::now();
    // SAFETY: signalling our own child.
    unsafe { libc::kill(c.id() as i32, libc::SIGINT) };
    line.clear();
    out.read_line(&mut line).unwrap();
    let status = c.wait().unwrap();
    assert_eq!(line, "interrupted: Interrupt\n");
    assert!(status.success(), "{status:?}");
    // The script would sleep 30 s without the signal: not a timing benchmark.
    assert!(start.elapsed() < Duration::from_secs(25));
}

/// Ruby's bootstrap tests (bootstraptest/ in the tarball), driven by the native Ruby,
/// against the native 3.3.8 and against ruby.wasm: wasm must pass every test native
/// passes, but for these, each with its reason.
const BOOTSTRAP_KNOWN: &[(&str, &str)] = &[
    (
        "test_yjit.rb:156",
        "calls GC.compact: compaction is off in ruby.wasm (its read barrier needs SIGSEGV)",
    ),
    (
        "test_ractor.rb:1523",
        "8 Ractors allocating while the GC sweeps [Bug #18117]: marked flaky upstream (skipped \
         when CI is set); under wasm it crashed once in several loaded runs, never alone",
    ),
];

#[test]
fn bootstrap_tests_pass_as_natively() {
    let tree = repo().join("build/ruby/build");
    let runner = tree.join("bootstraptest/runner.rb");
    assert!(runner.exists(), "{} is missing", runner.display());
    let wd = TempDir::new("bootstrap-wrapper");
    let wrapper = ruby_wasm_unsandboxed(wd.path());
    // The failing tests, as "file.rb:line", and the closing line.
    let run = |target: &PathBuf| {
        let t = TempDir::new("bootstrap");
        let o = Command::new(ruby_native())
            .arg(&runner)
            .arg(format!("--ruby={}", target.display()))
            .arg(format!("--dir={}", t.path().join("wd").display()))
            .args(["-j2", "-q", "--color=never"])
            .current_dir(&tree)
            .output()
            .unwrap();
        let text =
            String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
        let failed: Vec<String> = text
            .lines()
            .filter(|l| l.starts_with('#'))
            .filter_map(|l| l.split_whitespace().nth(1))
            .map(|w| w.trim_end_matches(':').to_string())
            .collect();
        let summary = text
            .lines()
            .filter(|l| l.contains("PASS all") || l.contains("FAIL "))
            .collect::<Vec<_>>()
            .join(" ");
        eprintln!("bootstraptest {}: {summary} {failed:?}", target.display());
        (summary, failed, text)
    };
    // Native is the reference, not the subject: a native failure on a loaded machine (seen
    // once in CI: "FAIL 1/0", a timing test under three concurrent builds) gets one more
    // run, with the first run's failure text printed so it is not lost.
    let (mut nsum, mut nfailed, ntext) = run(&ruby_native());
    if !nsum.contains("PASS all") {
        eprintln!("native bootstrap tests, first run:\n{}", tail(&ntext, 4000));
        (nsum, nfailed, _) = run(&ruby_native());
    }
    let (wsum, wfailed, wtext) = run(&wrapper);
    let _ = std::fs::remove_dir_all(wrapper.parent().unwrap());
    assert!(
        nsum.contains("PASS all"),
        "native bootstrap tests: {nsum} {nfailed:?}"
    );
    let unexplained: Vec<&String> = wfailed
        .iter()
        .filter(|f| !nfailed.contains(f) && !BOOTSTRAP_KNOWN.iter().any(|(k, _)| k == f))
        .collect();
    assert!(
        !wsum.is_empty() && unexplained.is_empty(),
        "ruby.wasm bootstrap tests: {wsum}; failing where native passes: {unexplained:?}\n{}",
        tail(&wtext, 4000)
    );
}

/// The last `n` bytes of `s` or a little more (cut at a character boundary).
fn tail(s: &str, n: usize) -> &str {
    let mut at = s.len().saturating_sub(n);
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    &s[at..]
}

/// Selected files of Ruby's own test suite (test/ in the tarball), each run with the
/// tarball's runner under native 3.3.8 and under ruby.wasm with the same filter: both must
/// pass every test they run (a few tests are defined per platform, so counts may differ). Left out, with why:
/// - callcc tests everywhere, and test_hash.rb/test_fiber.rb (they load `continuation` at
///   the top): callcc jumps into returned frames, which exception-based setjmp cannot do.
/// - GC compaction tests everywhere: compaction needs a SIGSEGV read barrier; it is off.
/// - test_file.rb and two test_io.rb tests need the `-test-/file` extension (shared-only).
/// - test_process.rb: it passes whole (but for the too-long-path spawn, spawn with :uid and
///   two env tests that fail natively too) in most runs, but one loaded run hung: left out
///   until that is found.
const TEST_ALL: &[(&str, &str)] = &[
    ("test/ruby/test_array.rb", ""),
    ("test/ruby/test_string.rb", ""),
    ("test/ruby/test_integer.rb", ""),
    ("test/ruby/test_exception.rb", ""),
    ("test/ruby/test_signal.rb", ""),
    ("test/ruby/test_thread_queue.rb", ""),
    ("test/ruby/test_thread_cv.rb", ""),
    ("test/ruby/test_io.rb", "|test_seek$|test_seek_symwhence"),
    ("test/ruby/test_time.rb", ""),
    ("test/ruby/test_dir.rb", ""),
    ("test/socket/test_socket.rb", ""),
    ("test/socket/test_tcp.rb", ""),
    ("test/socket/test_udp.rb", ""),
    ("test/socket/test_unix.rb", ""),
];

fn counts(log: &str) -> Option<(u64, u64, u64)> {
    let line = log
        .lines()
        .find(|l| l.contains(" tests, ") && l.contains(" failures, "))?;
    let n: Vec<u64> = line
        .split(", ")
        .filter_map(|p| p.split_whitespace().next()?.parse().ok())
        .collect();
    // tests, assertions, failures, errors, skips
    Some((n[0], n[2], n[3]))
}

#[test]
fn selected_ruby_test_files_pass_as_natively() {
    let tree = repo().join("build/ruby/build");
    let wd = TempDir::new("test-all-wrapper");
    let wrapper = ruby_wasm_unsandboxed(wd.path());
    let run = |ruby: &PathBuf, file: &str, exclude: &str| {
        let o = Command::new("timeout")
            .args(["-k", "5", "300"])
            .arg(ruby)
            .args([
                "--disable-gems",
                "tool/test/runner.rb",
                "--base-directory=test",
                "-q",
            ])
            .arg(file)
            .arg("-n")
            .arg(format!("!/callcc|compact{exclude}/"))
            .env("RUBY", ruby)
            // Leak tests spawn whole interpreters under a time limit: on a loaded 2-core
            // machine those limits, not the tests, fail (both sides get the same scale; 4 was
            // still too tight for test_initialize_memory_leak at a load of 10).
            .env("RUBY_TEST_TIMEOUT_SCALE", "10")
            .current_dir(&tree)
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr)
    };
    let mut report = Vec::new();
    for (file, exclude) in TEST_ALL {
        let n = run(&ruby_native(), file, exclude);
        let w = run(&wrapper, file, exclude);
        let (nc, wc) = (counts(&n), counts(&w));
        report.push(format!("{file}: native {nc:?} wasm {wc:?}"));
        assert_eq!(
            nc.map(|c| (c.1, c.2)),
            Some((0, 0)),
            "{file} natively:\n{n}"
        );
        // Test counts may differ a little: some tests are defined per platform.
        assert!(
            matches!(wc, Some((t, 0, 0)) if t > 0),
            "{file} under wali-run (tests, failures, errors):\n{}",
            &w[w.len().saturating_sub(6000)..]
        );
    }
    let _ = std::fs::remove_dir_all(wrapper.parent().unwrap());
    eprintln!("{}", report.join("\n"));
}

#[test]
fn zlib_extension() {
    let out = same_as_native("tests/ruby/zlib.rb");
    assert!(out.contains("round trip: true"), "{out}");
    assert!(out.contains("gunzip: true"), "{out}");
}

/// The first, uncached compile of a large module counts its seconds on a terminal and says
/// nothing when stderr is not one.
#[test]
fn first_compile_shows_progress_on_a_terminal_only() {
    let t = TempDir::new("progress");
    let cmd = format!("{} {} -e 'puts :ran'", bin(), ruby_wasm().display());
    // `script` gives the run a pseudo-terminal.
    let o = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .env("WALI_CACHE_DIR", t.path().join("tty"))
        .output()
        .expect("script(1)");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("wali-run: compiling"), "{out}");
    assert!(out.contains("later runs use the cache"), "{out}");
    assert!(out.contains("ran"), "{out}");

    let o = Command::new(bin())
        .arg(ruby_wasm())
        .args(["-e", "puts :ran"])
        .env("WALI_CACHE_DIR", t.path().join("pipe"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&o.stdout), "ran\n");
    assert!(o.stderr.is_empty(), "{}", show(&o));
}

/// Recursion depth before `SystemStackError` (tests/ruby/stack_depth.rb), against
/// native Ruby's. Lambdas calling themselves are bounded by the VM stack: native's
/// depth. A recursion through C calls that check the stack (a block run by
/// `Array#each`) is bounded by the machine stack, whose frames are far larger here
/// (spill-pointers: about 28 KiB a level against native's 2): measured 2,444 levels in
/// the main thread (64 MiB; native 3,968 in 8 MiB) and 299 in a thread (8 MiB; native
/// 1,252 in 1 MiB). Before the recipe's 128 KiB margin the main thread's ran past Ruby's
/// 8 KiB margin in one step: the runtime's stack check ended the process (before that
/// check: memory corrupted).
#[test]
fn system_stack_error_at_depths_near_natives() {
    let t = TempDir::new("ruby_stack");
    std::fs::copy(
        repo().join("tests/ruby/stack_depth.rb"),
        t.path().join("stack_depth.rb"),
    )
    .unwrap();
    let n = native_cmd(&["stack_depth.rb"], t.path()).output().unwrap();
    let w = wasm_cmd(&["stack_depth.rb"], t.path()).output().unwrap();
    assert!(n.status.success(), "native: {}", show(&n));
    assert!(w.status.success(), "wasm: {}", show(&w));
    let depths = |o: &Output| -> Vec<(String, u64)> {
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter_map(|l| {
                let (k, d) = l.rsplit_once(' ')?;
                Some((k.to_string(), d.parse().ok()?))
            })
            .collect()
    };
    let (nd, wd) = (depths(&n), depths(&w));
    assert_eq!(nd.len(), 4, "{}", show(&n));
    assert_eq!(
        nd.iter().map(|d| &d.0).collect::<Vec<_>>(),
        wd.iter().map(|d| &d.0).collect::<Vec<_>>(),
        "{}",
        show(&w)
    );
    for ((k, nv), (_, wv)) in nd.iter().zip(&wd) {
        let ratio = match k.as_str() {
            "calls main" | "calls thread" => 0.9,
            "blocks main" => 0.5,
            _ => 0.2, // blocks thread
        };
        let want = (*nv as f64 * ratio) as u64;
        assert!(
            *wv >= want,
            "{k}: {wv} levels under wali-run, native {nv} (want >= {ratio}x: {want})"
        );
    }
    let last = |o: &Output| {
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .last()
            .map(str::to_string)
    };
    assert_eq!(last(&w), last(&n));
}

/// Issue 15's one-liners: a lazy `require 'net/http'` in a thread (a trap, 3 of 3 runs),
/// nested `inspect`/`Marshal` at depth 300 in a thread and 1000 in the main thread.
#[test]
fn deep_c_recursion_in_threads_one_liners() {
    let t = TempDir::new("ruby_stack1");
    for script in [
        "Thread.new { require 'net/http' }.join",
        "a = []; 300.times { a = [a] }; Thread.new { a.inspect; Marshal.dump(a) }.join; puts :ok",
        "a = []; 1000.times { a = [a] }; a.inspect; Marshal.dump(a); puts :ok",
    ] {
        let n = native_cmd(&["-e", script], t.path()).output().unwrap();
        let w = wasm_cmd(&["-e", script], t.path()).output().unwrap();
        assert_eq!(
            (String::from_utf8_lossy(&w.stdout), w.status.code()),
            (String::from_utf8_lossy(&n.stdout), n.status.code()),
            "{script}\nwasm: {}",
            show(&w)
        );
    }
}

/// Not like native: `inspect` and `Marshal.dump` of deeply nested arrays recurse in C
/// through `rb_funcallv`'s fast path, which never checks the stack; native Ruby raises
/// SystemStackError from its SIGSEGV handler when the guard page is hit, and linear memory
/// has no guard page to fault. Under wali-run the stack check ends the process as the
/// kernel ends one without a handler: SIGSEGV, one line naming the thread, no memory
/// touched past the stack (before: a trap out of bounds or `[BUG]`, after corruption).
#[test]
fn unchecked_c_recursion_ends_with_sigsegv_not_corruption() {
    use std::os::unix::process::ExitStatusExt;
    let t = TempDir::new("ruby_stack2");
    let script = "a = []; 200_000.times { a = [a] }; \
                  begin; Thread.new { a.inspect }.join; rescue SystemStackError; puts :sse; end";
    let n = native_cmd(&["-e", script], t.path()).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&n.stdout), "sse\n", "{}", show(&n));
    let w = wasm_cmd(&["-e", script], t.path()).output().unwrap();
    let err = String::from_utf8_lossy(&w.stderr);
    assert_eq!(w.status.signal(), Some(libc::SIGSEGV), "{}", show(&w));
    assert!(
        err.lines()
            .next()
            .unwrap_or("")
            .contains(" overflowed its stack ("),
        "{}",
        show(&w)
    );
}

/// A request thread that loads libraries on its first request, as Rack apps and Sinatra
/// do (tests/ruby/lazy_require_server.rb): before, a 500 with a corrupted string and a GC
/// `[BUG]` under wali-run.
#[test]
fn lazy_require_inside_a_request_thread() {
    same_as_native_with("tests/ruby/lazy_require_server.rb", one_port);
}

/// psych, with libyaml 0.2.5 built for the sysroot (toolchain/ruby/libs.sh): dumps of
/// every core type, round trips, safe_load's refusals, aliases, streams, the event
/// parser, syntax errors with their position: the same text as native Ruby's.
#[test]
fn yaml_round_trips_as_natively() {
    let out = same_as_native("tests/ruby/yaml.rb");
    assert!(out.contains("libyaml 0.2.5"), "{out}");
    assert!(out.contains("round trip: true"), "{out}");
    assert!(out.contains("round trip true"), "{out}");
}

/// The server's and the client's ports for a script that takes its port as ARGV[0]: the
/// policy grants exactly that address.
fn one_port(wasm: bool) -> (Vec<String>, Vec<String>) {
    let port = free_port().to_string();
    let flags = if wasm {
        vec![format!("--allow-net=127.0.0.1:{port}")]
    } else {
        vec![]
    };
    (flags, vec![port])
}

/// openssl, with OpenSSL 3.0 built for the sysroot: known-answer digests, HMAC, AES-GCM,
/// PBKDF2 and bignums; entropy from getrandom (SecureRandom, OpenSSL::Random,
/// Random.urandom); RSA and EC keys and self-signed X.509 certificates made at run time;
/// a TLS server and six clients on threads in one process (TLS 1.2 with an EC and an RSA
/// certificate, TLS 1.3), and a client that does not trust the certificate refused.
#[test]
fn tls_server_and_clients_in_one_script() {
    let out = same_as_native_with("tests/ruby/tls.rb", one_port);
    assert!(
        out.contains("random: [32, 32, 32] distinct 3 nonzero true"),
        "{out}"
    );
    assert!(out.contains("client 5: [\"TLSv1.3\""), "{out}");
    assert!(
        out.contains("untrusted: certificate verify failed"),
        "{out}"
    );
}

/// net/http over HTTPS (GET, a 100 kB POST, a 41 kB reply, keep-alive) to a TLS server in
/// the same script, its certificate trusted through ca_file and then through
/// SSL_CERT_FILE (OpenSSL's default lookup).
#[test]
fn net_http_over_https_to_a_local_tls_server() {
    let out = same_as_native_with("tests/ruby/https.rb", one_port);
    assert!(
        out.contains("POST /echo: 200 POST /echo 100000 bytes"),
        "{out}"
    );
    assert!(out.contains("SSL_CERT_FILE: 200"), "{out}");
    assert!(out.contains("requests served: 4"), "{out}");
}

/// With the network granted, the host's CA certificates are there, read-only, where
/// OpenSSL looks by default (/etc/ssl/certs); without it they are not.
#[test]
fn host_ca_certificates_with_the_network_only() {
    if !std::path::Path::new("/etc/ssl/certs").is_dir() {
        eprintln!("skipped: the host has no /etc/ssl/certs");
        return;
    }
    let t = TempDir::new("ruby-ca");
    let script = r##"require "openssl"
dir = OpenSSL::X509::DEFAULT_CERT_DIR
names = Dir.exist?(dir) ? Dir.children(dir) : []
hashed = names.grep(/\A\h{8}\.\d\z/)
ok = hashed.count { |n| OpenSSL::X509::Certificate.new(File.read(File.join(dir, n))) rescue false }
writable = begin; File.write(File.join(dir, "x"), ""); true; rescue SystemCallError; false; end
puts "#{dir}: #{hashed.size} hashed, #{ok} read, writable #{writable}""##;
    let with = wasm_cmd_with(&["--allow-net=127.0.0.1:1"], &["-e", script], t.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&with.stdout).to_string();
    let n = std::fs::read_dir("/etc/ssl/certs")
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            let s = e.file_name().to_string_lossy().to_string();
            s.len() == 10
                && s.as_bytes()[8] == b'.'
                && s[..8].chars().all(|c| c.is_ascii_hexdigit())
        })
        .count();
    assert_eq!(
        text.trim(),
        format!("/etc/ssl/certs: {n} hashed, {n} read, writable false"),
        "{}",
        show(&with)
    );
    let without = wasm_cmd(&["-e", script], t.path()).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&without.stdout).trim(),
        "/etc/ssl/certs: 0 hashed, 0 read, writable false",
        "{}",
        show(&without)
    );
}

/// Ruby's own test/psych and test/openssl, each run whole with the tarball's runner under
/// native 3.3.8 (the host's libyaml and OpenSSL 3.0) and under ruby.wasm: the same counts,
/// no failures (test/openssl: 523 tests, 3 skipped on both sides; 245 s under wali-run on
/// a loaded 2-core machine, hence the longer limit).
#[test]
fn ruby_psych_and_openssl_test_suites_as_natively() {
    let tree = repo().join("build/ruby/build");
    let wd = TempDir::new("ssl-suite-wrapper");
    let wrapper = ruby_wasm_unsandboxed(wd.path());
    let run = |ruby: &PathBuf, dir: &str| {
        let o = Command::new("timeout")
            .args(["-k", "5", "1200"])
            .arg(ruby)
            .args([
                "--disable-gems",
                "tool/test/runner.rb",
                "--base-directory=test",
                "-q",
            ])
            .arg(dir)
            .env("RUBY", ruby)
            .env("RUBY_TEST_TIMEOUT_SCALE", "10")
            .current_dir(&tree)
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr)
    };
    for dir in ["test/psych", "test/openssl"] {
        let n = run(&ruby_native(), dir);
        let w = run(&wrapper, dir);
        let (nc, wc) = (counts(&n), counts(&w));
        eprintln!("{dir}: native {nc:?} wasm {wc:?}");
        assert!(
            matches!(nc, Some((t, 0, 0)) if t > 0),
            "{dir} natively:\n{n}"
        );
        assert_eq!(
            wc,
            nc,
            "{dir} under wali-run (tests, failures, errors):\n{}",
            &w[w.len().saturating_sub(6000)..]
        );
    }
    let _ = std::fs::remove_dir_all(wrapper.parent().unwrap());
}
