//! Pre-initialised snapshots (`wali-run pack --preinit`, docs/box.md "Snapshots"): a
//! snapshot run prints what a plain run prints (C and Ruby), argv and the environment
//! are the run's, randomness is fresh per run, the snapshot rules refuse with one line,
//! a damaged snapshot is one line and 126.

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// tests/c/preinit/preinit.c with the generic entry points, built into `dir`.
fn preinit_wasm(dir: &Path) -> PathBuf {
    let out = dir.join("pre.wasm");
    let cc = std::env::var_os("WALI_CC")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("toolchain/wali-cc"));
    let o = Command::new(cc)
        .args(["-O2", "-o"])
        .arg(&out)
        .arg(repo().join("tests/c/preinit/preinit.c"))
        .arg(repo().join("toolchain/preinit/wali_preinit.c"))
        .output()
        .expect("wali-cc (run ./build.sh first)");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

/// Every run bounded: a restore that went wrong must not hang the suite.
fn wr(args: &[&std::ffi::OsStr], cache: &Path) -> Output {
    Command::new("timeout")
        .args(["-k", "5", "300", bin()])
        .args(args)
        .env("WALI_CACHE_DIR", cache)
        .output()
        .expect("spawn wali-run")
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn pack(dir: &Path, spec: &str, out: &str, preinit: bool, cache: &Path) -> Output {
    std::fs::write(dir.join("Dockerfile"), spec).unwrap();
    let mut c = Command::new("timeout");
    c.args(["-k", "5", "300", bin(), "pack"]);
    if preinit {
        c.arg("--preinit");
    }
    c.arg("-f")
        .arg(dir.join("Dockerfile"))
        .arg("-o")
        .arg(dir.join(out))
        .arg(dir)
        .env("WALI_CACHE_DIR", cache)
        .output()
        .expect("spawn wali-run pack")
}

const SPEC: &str = "FROM pre.wasm\nCOPY data.txt /app/\nWORKDIR /app\nENV GREETING=hi\nENTRYPOINT [\"pre\", \"--entry\"]\nCMD [\"c1\"]\n";

fn setup(tag: &str) -> (TempDir, PathBuf) {
    let d = TempDir::new(tag);
    let cache = d.path().join("cache");
    preinit_wasm(d.path());
    std::fs::write(d.path().join("data.txt"), "data\n").unwrap();
    (d, cache)
}

fn line<'a>(s: &'a str, key: &str) -> &'a str {
    s.lines().find(|l| l.starts_with(key)).unwrap_or("")
}

#[test]
fn a_c_snapshot_run_prints_what_a_plain_run_prints() {
    let (d, cache) = setup("snap-c");
    ok(&pack(d.path(), SPEC, "plain.box", false, &cache));
    ok(&pack(d.path(), SPEC, "snap.box", true, &cache));
    let plain_box = d.path().join("plain.box");
    let snap_box = d.path().join("snap.box");
    let p = wr(&[plain_box.as_os_str()], &cache);
    let s = wr(&[snap_box.as_os_str()], &cache);
    assert_eq!(ok(&p), ok(&s));
    let perr = String::from_utf8_lossy(&p.stderr).into_owned();
    let serr = String::from_utf8_lossy(&s.stderr).into_owned();
    // The snapshot run did start from the snapshot; the plain one did not.
    assert_eq!(line(&perr, "resumed="), "resumed=0", "{perr}");
    assert_eq!(line(&serr, "resumed="), "resumed=1", "{serr}");
    let out = ok(&s);
    // What wali_init did before the snapshot is there: the table, the handler (raise
    // reaches it: musl's cached tid is this process's), the umask, a thread-local; a
    // thread starts after a restore.
    // 3 * (0 + 1 + ... + 262143), by hand: the table the snapshot holds, all of it.
    assert!(out.contains("sum=103078821888\n"), "{out}");
    assert!(out.contains("handler ran=1\n"), "{out}");
    assert!(out.contains("umask=027 tls=42\n"), "{out}");
    assert!(out.contains("thread=42\n"), "{out}");
    assert!(out.contains("pid ok=1\n"), "{out}");
    // In-box descriptors open at the snapshot point are there again, at their numbers,
    // offsets and close-on-exec flags ("data\n" was read 2 bytes into at pack time).
    assert!(out.contains("kept fd=3 cloexec=1 rest=ta\n"), "{out}");
    assert!(out.contains("kept dir=4 cloexec=0 openat=1\n"), "{out}");
    assert!(
        out.starts_with("argc=3 [pre] [--entry] [c1]\nGREETING=hi\n"),
        "{out}"
    );
    // inspect names the snapshot and the format.
    let i = ok(&wr(&["inspect".as_ref(), snap_box.as_os_str()], &cache));
    assert!(i.contains("format 2"), "{i}");
    assert!(i.contains("snapshot:"), "{i}");
    let i = ok(&wr(&["inspect".as_ref(), plain_box.as_os_str()], &cache));
    assert!(i.contains("format 1"), "{i}");
}

#[test]
fn argv_env_and_randomness_are_the_runs() {
    let (d, cache) = setup("snap-argv");
    ok(&pack(d.path(), SPEC, "snap.box", true, &cache));
    let b = d.path().join("snap.box");
    let o = wr(
        &[
            "--env".as_ref(),
            "GREETING=yo".as_ref(),
            b.as_os_str(),
            "x".as_ref(),
            "y z".as_ref(),
        ],
        &cache,
    );
    let out = ok(&o);
    assert!(
        out.starts_with("argc=4 [pre] [--entry] [x] [y z]\nGREETING=yo\n"),
        "{out}"
    );
    // getrandom is the kernel's at each run: two runs of one snapshot differ.
    let r1 = String::from_utf8_lossy(&wr(&[b.as_os_str()], &cache).stderr).into_owned();
    let r2 = String::from_utf8_lossy(&wr(&[b.as_os_str()], &cache).stderr).into_owned();
    assert!(line(&r1, "random=").len() > 10, "{r1}");
    assert_ne!(line(&r1, "random="), line(&r2, "random="));
}

#[test]
fn the_snapshot_rules_refuse_with_one_line() {
    let (d, cache) = setup("snap-rules");
    let policy = d.path().join("policy.toml");
    std::fs::write(&policy, "[net]\nconnect = [\"*:*\"]\n").unwrap();
    for (what, want) in [
        ("thread", "2 threads run at the snapshot point"),
        ("socket", "an open socket (fd 5)"),
        ("child", "a child process (pid "),
        ("fd", "a file is open at the snapshot point (fd 5)"),
        (
            "exit",
            "the program exited (status 3) before the snapshot point",
        ),
    ] {
        let spec = SPEC.replace(
            "ENV GREETING=hi",
            &format!("ENV GREETING=hi WALI_PREINIT_BREAK={what}"),
        );
        std::fs::write(d.path().join("Dockerfile"), &spec).unwrap();
        let out = d.path().join(format!("{what}.box"));
        let o = Command::new("timeout")
            .args(["-k", "5", "120", bin(), "pack", "--preinit", "--policy"])
            .arg(&policy)
            .arg("-f")
            .arg(d.path().join("Dockerfile"))
            .arg("-o")
            .arg(&out)
            .arg(d.path())
            .env("WALI_CACHE_DIR", &cache)
            .output()
            .unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{what}: {err}");
        assert_eq!(err.lines().count(), 1, "{what}: not one line: {err}");
        assert!(err.starts_with("wali-run: --preinit: "), "{what}: {err}");
        assert!(err.contains(want), "{what}: {err}");
        assert!(
            !out.exists(),
            "{what}: a refused pack left {}",
            out.display()
        );
    }
    // A module without the entry points cannot be pre-initialised.
    build_c(d.path(), "hello", "int main(void) { return 0; }\n");
    let o = pack(d.path(), "FROM hello.wasm\n", "h.box", true, &cache);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("exports no wali_preinit"), "{err}");
}

#[test]
fn a_damaged_snapshot_is_one_line_and_126() {
    let (d, cache) = setup("snap-tamper");
    ok(&pack(d.path(), SPEC, "good.box", true, &cache));
    let good = std::fs::read(d.path().join("good.box")).unwrap();
    let at = good
        .windows(8)
        .position(|w| w == b"WALISNP1")
        .expect("the snapshot's magic");
    // The table wali_init filled (nonzero pages), somewhere after the state.
    let data = at + 4096 + 64;
    for (what, off) in [("state", at + 20), ("pages", data), ("magic", at)] {
        let mut b = good.clone();
        b[off] ^= 0x40;
        let p = d.path().join(format!("{what}.box"));
        std::fs::write(&p, &b).unwrap();
        let o = wr(&[p.as_os_str()], &cache);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(126), "{what}: {err}");
        assert_eq!(err.lines().count(), 1, "{what}: not one line: {err}");
        assert!(err.contains("damaged box"), "{what}: {err}");
    }
    let p = d.path().join("short.box");
    std::fs::write(&p, &good[..at + 8192]).unwrap();
    let o = wr(&[p.as_os_str()], &cache);
    assert_eq!(o.status.code(), Some(126), "{}", stderr(&o));
    // The good box still runs.
    ok(&wr(&[d.path().join("good.box").as_os_str()], &cache));
}

/// Ruby relinked with the entry points (toolchain/ruby/preinit.sh, run by build.sh):
/// missing is a failure (the test would otherwise pass without checking anything).
fn ruby_preinit() -> PathBuf {
    let r = repo().join("build/ruby-preinit/ruby.wasm");
    assert!(r.exists(), "{} is not built (./build.sh)", r.display());
    r
}

#[test]
fn a_ruby_snapshot_run_prints_what_a_plain_run_prints() {
    let ruby = ruby_preinit();
    let d = TempDir::new("snap-ruby");
    let app = d.path().join("app");
    std::fs::create_dir_all(&app).unwrap();
    // The ENTRYPOINT's -r library is loaded into the snapshot: it records that it ran
    // at pack time (its constant), and what a run must get fresh.
    std::fs::write(
        app.join("boot.rb"),
        "puts \"booting\"\nrequire \"json\"\nrequire \"securerandom\"\nBOOTED_IN = $$\nTABLE = {a: 1, \"b\" => 2, 3 => [4]}\nWORDS = File.open(\"/app/words.txt\")\nFIRST = WORDS.gets\n",
    )
    .unwrap();
    // An in-box file left open at the snapshot point, one line read (Ruby's buffer
    // holds the rest): the run reads on where the boot stopped.
    std::fs::write(app.join("words.txt"), "one\ntwo\nthree\n").unwrap();
    std::fs::write(
        app.join("main.rb"),
        "puts JSON.generate(TABLE)\nputs TABLE[:a] + TABLE[\"b\"]\nputs ARGV.inspect\nputs $0\nputs ENV[\"GREETING\"].inspect\nputs Thread.new { 6 * 7 }.value\nputs [3, 1, 2].sort.inspect\nputs Dir.pwd\np Encoding.default_external, \"x\".encoding, __ENCODING__\np $LOADED_FEATURES.map { File.basename(_1) }.sort\np FIRST, WORDS.gets, WORDS.read\n",
    )
    .unwrap();
    std::fs::write(
        d.path().join("Dockerfile"),
        format!(
            "FROM {}\nCOPY app /app\nWORKDIR /app\nENV GREETING=hi\nENTRYPOINT [\"ruby\", \"-r./boot\"]\nCMD [\"main.rb\", \"a\"]\n",
            ruby.display()
        ),
    )
    .unwrap();
    let mk = |out: &str, pre: bool| {
        let mut c = Command::new("timeout");
        c.args(["-k", "5", "600", bin(), "pack"]);
        if pre {
            c.arg("--preinit");
        }
        ok(&c
            .arg("-f")
            .arg(d.path().join("Dockerfile"))
            .arg("-o")
            .arg(d.path().join(out))
            .output()
            .unwrap());
    };
    mk("plain.box", false);
    mk("snap.box", true);
    // Flags before the box: "--env" and its value.
    let run = |b: &str, args: &[&str]| {
        let flags = if args.first() == Some(&"--env") { 2 } else { 0 };
        Command::new("timeout")
            .args(["-k", "5", "120", bin()])
            .args(&args[..flags])
            .arg(d.path().join(b))
            .args(&args[flags..])
            .output()
            .unwrap()
    };
    let p = ok(&run("plain.box", &[]));
    let s = run("snap.box", &[]);
    // What boot.rb printed when the snapshot was taken is pack's output, not a run's.
    let p = p
        .strip_prefix("booting\n")
        .expect("the plain run boots")
        .to_string();
    assert_eq!(p, ok(&s));
    assert_eq!(stderr(&s), "", "a snapshot run warns nothing");
    assert!(
        p.contains("\"one\\n\"\n\"two\\n\"\n\"three\\n\"\n"),
        "the kept file reads on: {p}"
    );
    assert!(
        p.starts_with("{\"a\":1,\"b\":2,\"3\":[4]}\n3\n[\"a\"]\nmain.rb\n\"hi\"\n42\n"),
        "{p}"
    );
    // The locale is the run's (musl's charmap: ASCII in the "C" locale, else UTF-8).
    for env in ["LC_ALL=C", "LANG=C.UTF-8"] {
        let code = "p Encoding.default_external, Encoding.find('locale')";
        let plain = ok(&run("plain.box", &["--env", env, "-e", code]));
        assert_eq!(
            ok(&run("snap.box", &["--env", env, "-e", code])),
            plain.strip_prefix("booting\n").unwrap_or(&plain),
            "{env}"
        );
    }
    // argv and the environment are the run's.
    let s = ok(&run(
        "snap.box",
        &[
            "--env",
            "GREETING=yo",
            "-e",
            "p ARGV, ENV['GREETING'], $0",
            "x",
            "y",
        ],
    ));
    assert_eq!(s, "[\"x\", \"y\"]\n\"yo\"\n\"-e\"\n");
    // What was loaded at pack time is not loaded again; the pid and randomness are the
    // run's: SecureRandom (getrandom) and Random's default seed (re-seeded as in a
    // forked child).
    let code = "puts BOOTED_IN != $$, $$ == Process.pid, SecureRandom.hex(8), rand(1 << 60), Random.new_seed";
    let a = ok(&run("snap.box", &["-e", code]));
    let b = ok(&run("snap.box", &["-e", code]));
    let (a, b): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    assert_eq!(&a[..2], &["true", "true"], "{a:?}");
    for i in 2..5 {
        assert_ne!(a[i], b[i], "line {i} is the same in two runs: {a:?} {b:?}");
    }
    // -w: the run's own warnings, and none of the restore's.
    let code = "def f; end; def f; end; p 2";
    let w = run("snap.box", &["-w", "-e", code]);
    assert_eq!(ok(&w), "2\n");
    assert_eq!(stderr(&w), stderr(&run("plain.box", &["-w", "-e", code])));
    assert!(stderr(&w).contains("method redefined"), "{}", stderr(&w));
    // An error in the run's script: the status and message a plain run gives.
    let p = run("plain.box", &["-e", "raise 'boom'"]);
    let s = run("snap.box", &["-e", "raise 'boom'"]);
    assert_eq!(p.status.code(), s.status.code());
    assert_eq!(stderr(&p), stderr(&s));
    assert_eq!(run("snap.box", &["-e", "exit 7"]).status.code(), Some(7));
    // Every run ends (a second timer thread left running at exit once hung one in three).
    for _ in 0..10 {
        assert_eq!(ok(&run("snap.box", &["-e", "puts 1"])), "1\n");
    }
}
