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
    assert!(i.contains("format 3"), "{i}");
    assert!(
        line(&i, "snapshot:").contains(" zstd, expanded into the cache"),
        "{i}"
    );
    let i = ok(&wr(&["inspect".as_ref(), plain_box.as_os_str()], &cache));
    assert!(i.contains("format 3"), "{i}");
    assert!(!i.contains("snapshot:"), "{i}");
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

/// One line, status 126, naming a damaged box.
fn damaged(o: &Output, what: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(126), "{what}: {err}");
    assert_eq!(err.lines().count(), 1, "{what}: not one line: {err}");
    assert!(err.contains("damaged box"), "{what}: {err}");
}

#[test]
fn a_damaged_snapshot_is_one_line_and_126() {
    let (d, cache) = setup("snap-tamper");
    ok(&pack(d.path(), SPEC, "good.box", true, &cache));
    let good = std::fs::read(d.path().join("good.box")).unwrap();
    // A good run first: the snapshot's expansion is in the cache (each damaged box
    // below is a new file: its check runs, from the box's own bytes).
    ok(&wr(&[d.path().join("good.box").as_os_str()], &cache));
    let ix = box_index(&good);
    assert!(
        ix.settings.contains("compression = \"zstd\""),
        "{}",
        ix.settings
    );
    let off = setting(&ix.settings, "snapshot", "offset") as usize;
    let stored = setting(&ix.settings, "snapshot", "stored") as usize;
    let length = setting(&ix.settings, "snapshot", "length");
    let flip = |at: usize| {
        let mut b = good.clone();
        b[at] ^= 0x40;
        b
    };
    // The stored (compressed) bytes, damaged at the frame's start, middle and end.
    let mut cases = vec![
        ("frame header", flip(off)),
        ("compressed data", flip(off + stored / 2)),
        ("frame end", flip(off + stored - 2)),
    ];
    // Lengths that lie, in an index consistent with its hash.
    let set = |key: &str, from: u64, to: u64| {
        with_settings(&good, |t| {
            let (a, b) = (format!("{key} = {from}\n"), format!("{key} = {to}\n"));
            assert!(t.contains(&a), "{a} in {t}");
            // The [snapshot] table comes after [module]: its line is the last such one.
            let at = t.rfind(&a).unwrap();
            format!("{}{b}{}", &t[..at], &t[at + a.len()..])
        })
    };
    let st = stored as u64;
    cases.push(("length too large", set("length", length, length + 4096)));
    cases.push(("length too small", set("length", length, length - 1)));
    cases.push(("length 4 GiB", set("length", length, 1 << 32)));
    cases.push(("length 2^60", set("length", length, 1 << 60)));
    cases.push(("stored too small", set("stored", st, st - 100)));
    cases.push((
        "stored past the data",
        set("stored", st, ix.index_off as u64),
    ));
    for (what, b) in cases {
        let p = d.path().join(format!("{}.box", what.replace(' ', "-")));
        std::fs::write(&p, &b).unwrap();
        damaged(&wr(&[p.as_os_str()], &cache), what);
    }
    let p = d.path().join("short.box");
    std::fs::write(&p, &good[..off + stored / 2]).unwrap();
    let o = wr(&[p.as_os_str()], &cache);
    assert_eq!(o.status.code(), Some(126), "{}", stderr(&o));
    // The good box still runs, from its snapshot.
    let o = wr(&[d.path().join("good.box").as_os_str()], &cache);
    ok(&o);
    assert_eq!(line(&stderr(&o), "resumed="), "resumed=1");
}

#[test]
fn a_damaged_snapshot_expansion_in_the_cache_is_rebuilt() {
    use sha2::Digest;
    let (d, cache) = setup("snap-cache");
    ok(&pack(d.path(), SPEC, "snap.box", true, &cache));
    let b = d.path().join("snap.box");
    let ix = box_index(&std::fs::read(&b).unwrap());
    let t: toml::Table = toml::from_str(&ix.settings).unwrap();
    let sha = t["snapshot"]["sha256"].as_str().unwrap().to_string();
    let length = setting(&ix.settings, "snapshot", "length");
    let snap = cache.join("snapshots").join(format!("{sha}.snap"));
    let first = wr(&[b.as_os_str()], &cache);
    let want = ok(&first);
    assert_eq!(line(&stderr(&first), "resumed="), "resumed=1");
    let whole = || {
        let bytes = std::fs::read(&snap).unwrap_or_default();
        bytes.len() as u64 == length && format!("{:x}", sha2::Sha256::digest(&bytes)) == sha
    };
    assert!(
        whole(),
        "the first run left no whole expansion at {}",
        snap.display()
    );
    // File times come from the kernel's coarse clock: a write in the same tick as the
    // expansion's stamp could keep its times. A real change comes later than that.
    let later = || std::thread::sleep(std::time::Duration::from_millis(50));
    type Damage<'a> = Box<dyn Fn(&Path) + 'a>;
    let damages: Vec<(&str, Damage)> = vec![
        (
            "truncated",
            Box::new(move |p: &Path| {
                let f = std::fs::OpenOptions::new().write(true).open(p).unwrap();
                f.set_len(length / 2).unwrap();
            }),
        ),
        (
            "a byte changed in place",
            Box::new(move |p: &Path| {
                use std::os::unix::fs::FileExt;
                let f = std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open(p)
                    .unwrap();
                // In the page data (the table wali_init filled: nonzero pages).
                let at = length - 4096 + 17;
                let mut c = [0u8; 1];
                f.read_exact_at(&mut c, at).unwrap();
                f.write_all_at(&[c[0] ^ 0x55], at).unwrap();
            }),
        ),
        (
            "replaced by another file of the same size",
            Box::new(move |p: &Path| {
                let n = std::fs::metadata(p).unwrap().len() as usize;
                std::fs::remove_file(p).unwrap();
                std::fs::write(p, vec![7u8; n]).unwrap();
            }),
        ),
        (
            "removed",
            Box::new(|p: &Path| std::fs::remove_file(p).unwrap()),
        ),
    ];
    for (what, damage) in damages {
        later();
        damage(&snap);
        assert!(!whole(), "{what}: the damage did not change the file");
        let o = wr(&[b.as_os_str()], &cache);
        assert_eq!(ok(&o), want, "{what}");
        assert_eq!(line(&stderr(&o), "resumed="), "resumed=1", "{what}");
        assert!(whole(), "{what}: the expansion was not rebuilt");
    }
    // No usable cache (a file where the cache directory would be): the run expands the
    // snapshot into its own memory, with the same output.
    let nocache = d.path().join("not-a-dir");
    std::fs::write(&nocache, "").unwrap();
    let o = wr(&[b.as_os_str()], &nocache.join("cache"));
    assert_eq!(ok(&o), want);
    assert_eq!(line(&stderr(&o), "resumed="), "resumed=1");
}

#[test]
fn the_cache_may_be_a_directory_descriptor() {
    // As the containerd shim runs wali-run: the cache is a directory it opened, named
    // /proc/self/fd/N. The snapshot's expansion goes there as the compiled module does.
    use std::os::fd::AsRawFd;
    let (d, cache) = setup("snap-fdcache");
    ok(&pack(d.path(), SPEC, "snap.box", true, &cache));
    let b = d.path().join("snap.box");
    let want = ok(&wr(&[b.as_os_str()], &cache));
    let dir = d.path().join("fdcache");
    std::fs::create_dir(&dir).unwrap();
    let f = std::fs::File::open(&dir).unwrap();
    let fd = f.as_raw_fd();
    for _ in 0..2 {
        use std::os::unix::process::CommandExt;
        let mut c = Command::new(bin());
        // SAFETY: dup2 is async-signal-safe; the copy (without close-on-exec) is made in
        // the child only (the other tests' children, spawned meanwhile, do not inherit
        // it). At a high number, as the shim hands it over: a low one is a descriptor
        // the guest inherits, and the snapshot keeps one at 3 (its in-box file).
        unsafe {
            c.pre_exec(move || {
                libc::dup2(fd, 200);
                Ok(())
            });
        }
        let o = c
            .arg(&b)
            .env("WALI_CACHE_DIR", "/proc/self/fd/200")
            .output()
            .unwrap();
        assert_eq!(ok(&o), want);
        assert_eq!(line(&stderr(&o), "resumed="), "resumed=1");
    }
    let snaps: Vec<String> = std::fs::read_dir(dir.join("snapshots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(snaps.iter().any(|n| n.ends_with(".snap")), "{snaps:?}");
    assert!(snaps.iter().any(|n| n.ends_with(".ok")), "{snaps:?}");
    assert!(!snaps.iter().any(|n| n.contains(".tmp")), "{snaps:?}");
    drop(f);
}

#[test]
fn a_version_2_snapshot_box_still_runs() {
    // The box as wali-run wrote it before compression (format 2: the snapshot stored as
    // is, page-aligned, its pages mapped from the box file).
    let (d, cache) = setup("snap-v2");
    ok(&pack(d.path(), SPEC, "v3.box", true, &cache));
    let v3 = std::fs::read(d.path().join("v3.box")).unwrap();
    let v2 = as_old_version(&v3, &d.path().join("scratch.box"));
    assert_eq!(&v2[8..12], &2u32.to_le_bytes());
    let p2 = d.path().join("v2.box");
    std::fs::write(&p2, &v2).unwrap();
    let a = wr(&[d.path().join("v3.box").as_os_str()], &cache);
    let b = wr(&[p2.as_os_str()], &cache);
    assert_eq!(ok(&a), ok(&b));
    assert_eq!(line(&stderr(&b), "resumed="), "resumed=1");
    let i = ok(&wr(&["inspect".as_ref(), p2.as_os_str()], &cache));
    assert!(i.contains(", format 2)"), "{i}");
    assert!(
        line(&i, "snapshot:").contains("mapped copy-on-write"),
        "{i}"
    );
    // Its snapshot damaged (in the table wali_init filled): found by the once-per-file
    // check of a new box file, one line, 126.
    let ix_off = u64::from_le_bytes(v2[16..24].try_into().unwrap()) as usize;
    let at = v2[..ix_off]
        .windows(8)
        .position(|w| w == b"WALISNP1")
        .unwrap();
    let mut bad = v2.clone();
    bad[at + 4096 + 64] ^= 0x40;
    let p = d.path().join("v2-bad.box");
    std::fs::write(&p, &bad).unwrap();
    damaged(&wr(&[p.as_os_str()], &cache), "version 2 snapshot");
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
