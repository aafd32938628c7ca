//! Boxes (docs/box.md): pack, run, inspect, determinism, tamper detection, the read-only
//! tree against the same tree granted with --dir.

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn wali_cc() -> PathBuf {
    std::env::var_os("WALI_CC")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("toolchain/wali-cc"))
}

/// walk.wasm built into `dir`.
fn walk_wasm(dir: &Path) -> PathBuf {
    let out = dir.join("walk.wasm");
    let o = Command::new(wali_cc())
        .args(["-O2", "-o"])
        .arg(&out)
        .arg(repo().join("tests/box/walk.c"))
        .output()
        .expect("wali-cc (run ./build.sh first)");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

/// The tree the walk tests use, under `dir/tree`.
fn make_tree(dir: &Path) {
    use std::os::unix::fs::{symlink, PermissionsExt};
    let t = dir.join("tree");
    std::fs::create_dir_all(t.join("sub/deep")).unwrap();
    std::fs::create_dir_all(t.join("empty")).unwrap();
    std::fs::write(t.join("a.txt"), "alpha\n").unwrap();
    let big: String = (1..5000).map(|i| format!("{i}\n")).collect();
    std::fs::write(t.join("sub/big.txt"), big).unwrap();
    std::fs::write(t.join("sub/run.sh"), "#!/bin/sh\necho x\n").unwrap();
    std::fs::set_permissions(t.join("sub/run.sh"), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(t.join("sub/deep/marker"), "box-tamper-marker-0123456789").unwrap();
    std::fs::set_permissions(
        t.join("sub/deep/marker"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    symlink("a.txt", t.join("link")).unwrap();
    symlink("sub", t.join("dirlink")).unwrap();
    symlink("/data/sub/big.txt", t.join("abslink")).unwrap();
    symlink("../a.txt", t.join("sub/up")).unwrap();
}

fn wr(cmd: &mut Command, cache: &Path) -> Output {
    cmd.env("WALI_CACHE_DIR", cache)
        .output()
        .expect("spawn wali-run")
}

fn pack(dir: &Path, spec: &str, name: &str, out: &str, cache: &Path) -> Output {
    std::fs::write(dir.join(name), spec).unwrap();
    wr(
        Command::new(bin())
            .args(["pack", "-f"])
            .arg(dir.join(name))
            .arg("-o")
            .arg(dir.join(out))
            .arg(dir),
        cache,
    )
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

const WALK: &str = "FROM walk.wasm\nCOPY tree /data\nCMD [\"walk\", \"/data\"]\n";

#[test]
fn c_box_runs_as_the_plain_module_does() {
    let d = TempDir::new("box-hello");
    let cache = d.path().join("cache");
    walk_wasm(d.path());
    ok(&pack(
        d.path(),
        "FROM walk.wasm\n",
        "Dockerfile",
        "hello.box",
        &cache,
    ));
    let b = ok(&wr(
        Command::new(bin()).arg(d.path().join("hello.box")),
        &cache,
    ));
    let p = ok(&wr(
        Command::new(bin())
            .args(["--argv0", "walk"])
            .arg(d.path().join("walk.wasm")),
        &cache,
    ));
    assert_eq!(b, p);
    assert_eq!(b, "hello from walk\n");
    // Run arguments replace the CMD (here all of argv: there is no ENTRYPOINT).
    make_tree(d.path());
    ok(&pack(d.path(), WALK, "Dockerfile", "walk.box", &cache));
    let sub = ok(&wr(
        Command::new(bin())
            .arg(d.path().join("walk.box"))
            .args(["walk", "/data/sub/deep"]),
        &cache,
    ));
    assert!(sub.contains("\n/data/sub/deep: 3 entries"), "{sub}");
}

#[test]
fn the_tree_in_a_box_reads_as_the_same_tree_granted() {
    let d = TempDir::new("box-walk");
    let cache = d.path().join("cache");
    walk_wasm(d.path());
    make_tree(d.path());
    ok(&pack(d.path(), WALK, "Dockerfile", "walk.box", &cache));
    let boxed = ok(&wr(
        Command::new(bin()).arg(d.path().join("walk.box")),
        &cache,
    ));
    let grant = format!("{}:/data:ro", d.path().join("tree").display());
    let plain = ok(&wr(
        Command::new(bin())
            .args(["--dir", &grant])
            .arg(d.path().join("walk.wasm"))
            .arg("/data"),
        &cache,
    ));
    // Where the sandbox's read-only grant answers EROFS before looking, the box answers
    // as a read-only mount does on Linux (the name exists, another mount, a directory).
    let linux = [
        ("mkdir sub EROFS", "mkdir sub EEXIST"),
        ("rename to /tmp EROFS", "rename to /tmp EXDEV"),
        ("open sub O_WRONLY EROFS", "open sub O_WRONLY EISDIR"),
    ];
    let mut expect = plain.clone();
    for (g, b) in linux {
        assert!(plain.contains(g), "{plain}");
        expect = expect.replace(g, b);
    }
    assert_eq!(boxed, expect, "box vs --dir:\n{boxed}");
    for l in [
        "open for write: EROFS",
        "mkdir new EROFS",
        "create EROFS",
        "unlink a.txt EROFS",
        "unlink missing EROFS",
        "chmod EROFS",
        "fchmod: EROFS",
        "tmp write ok",
        "root fd 3\n",
        "fstatat(AT_FDCWD, \"\") is . 1\n",
        "getcwd /data",
        "mmap sum",
        "/data/abslink l 0000 nlink 1 mtime 0 -> /data/sub/big.txt (follows to file)",
    ] {
        assert!(boxed.contains(l), "no {l:?} in:\n{boxed}");
    }
}

#[test]
fn inspect_lists_contents_policy_and_module() {
    let d = TempDir::new("box-inspect");
    let cache = d.path().join("cache");
    walk_wasm(d.path());
    make_tree(d.path());
    ok(&pack(
        d.path(),
        "FROM walk.wasm\nCOPY tree /data\nWORKDIR /data\nENV A=1 B=\"two words\"\nEXPOSE 8080\nENTRYPOINT [\"walk\"]\nCMD [\".\"]\n",
        "Dockerfile",
        "i.box",
        &cache,
    ));
    let out = ok(&wr(
        Command::new(bin())
            .arg("inspect")
            .arg(d.path().join("i.box")),
        &cache,
    ));
    for l in [
        "module: walk (",
        "sha256 ",
        "argv: [\"walk\", \".\"] (entrypoint [\"walk\"], cmd [\".\"]",
        "cwd: /data",
        "  A=1",
        "  B=two words",
        "cwd = false",
        "bind = [\"*:8080\"]",
        "mounts (read-only): /data",
        "  -rw-r--r--          6  /data/a.txt",
        "  lrwxrwxrwx          5  /data/link -> a.txt",
        "  drwxr-xr-x             /data/sub/",
        "totals: 4 files (0.0 MB), 4 directories, 4 symlinks; stored ",
        "box: ",
        ", format 3)",
    ] {
        assert!(out.contains(l), "no {l:?} in:\n{out}");
    }
    // big.txt (23 KB of numbers) is stored compressed, a.txt (6 bytes) as is.
    let big = out
        .lines()
        .find(|l| l.starts_with("  -") && l.contains("  /data/sub/big.txt"))
        .unwrap_or_else(|| panic!("no big.txt in:\n{out}"));
    let stored: u64 = big
        .split("(stored ")
        .nth(1)
        .and_then(|r| r.split(',').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("big.txt not compressed: {big}"));
    assert!(stored > 0 && stored < 23_888 / 2, "{big}");
    assert!(big.contains("     23888  /data/sub/big.txt"), "{big}");
    // WORKDIR and CMD as the run sees them.
    let run = ok(&wr(Command::new(bin()).arg(d.path().join("i.box")), &cache));
    assert!(run.contains("\n.: 8 entries (again 8)"), "{run}");
}

#[test]
fn packing_is_deterministic() {
    let d = TempDir::new("box-det");
    let cache = d.path().join("cache");
    walk_wasm(d.path());
    // Two trees with the same contents, made in a different order.
    for (sub, order) in [("t1", ["x", "y", "z"]), ("t2", ["z", "x", "y"])] {
        for n in order {
            std::fs::create_dir_all(d.path().join(sub).join("d")).unwrap();
            std::fs::write(d.path().join(sub).join("d").join(n), n).unwrap();
        }
        // Stored compressed: the same bytes each time too.
        let big: String = (0..4000).map(|i| format!("line {i}\n")).collect();
        std::fs::write(d.path().join(sub).join("d").join("big"), big).unwrap();
    }
    let p = |spec: &str, out: &str, epoch: bool| {
        std::fs::write(d.path().join("Dockerfile"), spec).unwrap();
        let mut c = Command::new(bin());
        c.args(["pack", "-f"])
            .arg(d.path().join("Dockerfile"))
            .arg("-o")
            .arg(d.path().join(out))
            .arg(d.path());
        if epoch {
            c.env("SOURCE_DATE_EPOCH", "1700000000");
        }
        ok(&wr(&mut c, &cache));
        std::fs::read(d.path().join(out)).unwrap()
    };
    let a = p("FROM walk.wasm\nCOPY t1 /t\n", "a.box", false);
    let b = p("FROM walk.wasm\nCOPY t1 /t\n", "b.box", false);
    assert!(a == b, "two packs of the same inputs differ");
    let ix = box_index(&a);
    assert_eq!(a[ix.entry("/t/d/big") + 37], 1, "big not compressed");
    assert!(
        ix.settings.contains("compression = \"zstd\""),
        "{}",
        ix.settings
    );
    let c = p("FROM walk.wasm\nCOPY t1 /t\n", "c.box", true);
    let e = p("FROM walk.wasm\nCOPY t2 /t\n", "e.box", true);
    assert!(c == e, "the order files were made in changed the box");
    let f = p("FROM walk.wasm\nCOPY t1/d/x t1/d/y /u/\n", "f.box", true);
    let g = p("FROM walk.wasm\nCOPY t1/d/y t1/d/x /u/\n", "g.box", true);
    assert!(f == g, "the order of COPY's sources changed the box");
}

/// The one line and status 126 of a damaged box.
fn damaged(o: &Output, what: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(126), "{what}: {err}");
    assert_eq!(err.lines().count(), 1, "{what}: not one line: {err}");
    assert!(err.starts_with("wali-run: "), "{what}: {err}");
    assert!(err.contains("box"), "{what}: {err}");
}

#[test]
fn a_damaged_box_is_one_line_and_126() {
    let d = TempDir::new("box-tamper");
    let cache = d.path().join("cache");
    walk_wasm(d.path());
    make_tree(d.path());
    ok(&pack(d.path(), WALK, "Dockerfile", "good.box", &cache));
    let good = std::fs::read(d.path().join("good.box")).unwrap();
    // A good run first: the module is compiled and its check stamped in the cache.
    ok(&wr(
        Command::new(bin()).arg(d.path().join("good.box")),
        &cache,
    ));
    let find = |needle: &[u8]| {
        good.windows(needle.len())
            .position(|w| w == needle)
            .unwrap()
    };
    let module_at = 64 + 100;
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("index", {
            let mut b = good.clone();
            let n = b.len();
            b[n - 40] ^= 1;
            b
        }),
        ("file", {
            let mut b = good.clone();
            b[find(b"box-tamper-marker")] ^= 1;
            b
        }),
        ("module", {
            let mut b = good.clone();
            b[module_at] ^= 0x10;
            b
        }),
        ("truncated", good[..good.len() - 100].to_vec()),
        ("compressed file", {
            // sub/big.txt is stored compressed: a byte in the middle of its frame.
            let ix = box_index(&good);
            let e = ix.entry("/data/sub/big.txt");
            assert_eq!(good[e + 37], 1, "big.txt not stored compressed");
            let (off, stored) = (u64_at(&good, e + 13), u64_at(&good, e + 21));
            let mut b = good.clone();
            b[(off + stored / 2) as usize] ^= 0x20;
            b
        }),
        ("truncated in the header", good[..40].to_vec()),
        ("header", {
            let mut b = good.clone();
            b[20] ^= 1;
            b
        }),
    ];
    for (what, bytes) in cases {
        let p = d.path().join(format!("{}.box", what.replace(' ', "-")));
        std::fs::write(&p, &bytes).unwrap();
        let o = wr(Command::new(bin()).arg(&p), &cache);
        damaged(&o, what);
        if !["file", "module", "compressed file"].contains(&what) {
            // Found at open: inspect says the same.
            let o = wr(Command::new(bin()).arg("inspect").arg(&p), &cache);
            damaged(&o, what);
        }
    }
    // The good box still runs (nothing was cached from the damaged ones).
    ok(&wr(
        Command::new(bin()).arg(d.path().join("good.box")),
        &cache,
    ));
}

#[test]
fn lying_lengths_in_the_index_are_one_line_and_126() {
    let d = TempDir::new("box-lies");
    let cache = d.path().join("cache");
    walk_wasm(d.path());
    make_tree(d.path());
    ok(&pack(d.path(), WALK, "Dockerfile", "good.box", &cache));
    let good = std::fs::read(d.path().join("good.box")).unwrap();
    let plain = ok(&wr(
        Command::new(bin()).arg(d.path().join("good.box")),
        &cache,
    ));
    let ix = box_index(&good);
    let e = ix.entry("/data/sub/big.txt");
    let (stored, len) = (u64_at(&good, e + 21), u64_at(&good, e + 29));
    // (what, field offset in the entry, value, found at open: inspect refuses too)
    let cases: Vec<(&str, usize, u64, bool)> = vec![
        ("length one more", 29, len + 1, false),
        ("length one less", 29, len - 1, false),
        ("length half", 29, len / 2, false),
        ("length 2^40", 29, 1 << 40, true),
        ("stored shorter", 21, stored - 5, false),
        ("stored past the data", 21, ix.index_off as u64, true),
        ("unknown codec", 37, 7, true),
    ];
    for (what, field, v, at_open) in cases {
        let mut b = good.clone();
        if field == 37 {
            b[e + 37] = v as u8;
        } else {
            b[e + field..e + field + 8].copy_from_slice(&v.to_le_bytes());
        }
        reseal(&mut b);
        let p = d.path().join(format!("{}.box", what.replace(' ', "-")));
        std::fs::write(&p, &b).unwrap();
        let o = wr(Command::new(bin()).arg(&p), &cache);
        damaged(&o, what);
        let err = String::from_utf8_lossy(&o.stderr);
        if at_open {
            assert!(err.contains("malformed index"), "{what}: {err}");
        } else {
            assert!(err.contains("/data/sub/big.txt"), "{what}: {err}");
        }
        let o = wr(Command::new(bin()).arg("inspect").arg(&p), &cache);
        if at_open {
            damaged(&o, what);
        } else {
            ok(&o);
        }
    }
    // The module's lengths, in the settings (checked when the box file is new).
    let module_len = setting(&ix.settings, "module", "length");
    let module_stored = setting(&ix.settings, "module", "stored");
    for (what, key, from, to) in [
        ("module length", "length", module_len, module_len + 1),
        ("module length short", "length", module_len, module_len - 1),
        ("module stored", "stored", module_stored, module_stored - 3),
    ] {
        let b = with_settings(&good, |t| {
            let (a, r) = (format!("\n{key} = {from}\n"), format!("\n{key} = {to}\n"));
            assert!(t.contains(&a), "{a} in {t}");
            t.replacen(&a, &r, 1)
        });
        let p = d.path().join(format!("{}.box", what.replace(' ', "-")));
        std::fs::write(&p, &b).unwrap();
        damaged(&wr(Command::new(bin()).arg(&p), &cache), what);
    }
    // Without the stored bytes' hash the check decompresses the module: the same lies
    // found there (the frame comes to another length, or does not decompress).
    let no_stored_hash = |t: &str| {
        t.lines()
            .filter(|l| !l.starts_with("stored_sha256 = "))
            .map(|l| format!("{l}\n"))
            .collect::<String>()
    };
    let module_at = setting(&ix.settings, "module", "offset") as usize;
    let mut flipped = good.clone();
    flipped[module_at + 1000] ^= 0x08;
    for (what, b) in [
        (
            "module length, no stored hash",
            with_settings(&good, |t| {
                no_stored_hash(t).replacen(
                    &format!("\nlength = {module_len}\n"),
                    &format!("\nlength = {}\n", module_len + 1),
                    1,
                )
            }),
        ),
        (
            "module data, no stored hash",
            with_settings(&flipped, no_stored_hash),
        ),
    ] {
        assert!(!box_index(&b).settings.contains("stored_sha256"));
        let p = d
            .path()
            .join(format!("{}.box", what.replace([' ', ','], "-")));
        std::fs::write(&p, &b).unwrap();
        let o = wr(Command::new(bin()).arg(&p), &cache);
        damaged(&o, what);
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("the module "),
            "{what}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    // The good box still runs as before.
    let again = ok(&wr(
        Command::new(bin()).arg(d.path().join("good.box")),
        &cache,
    ));
    assert_eq!(plain, again);
}

#[test]
fn a_version_1_box_still_runs() {
    // The box as wali-run wrote it before compression (format 1, stored as is): the
    // same run, and inspect says which format it is.
    let d = TempDir::new("box-v1");
    let cache = d.path().join("cache");
    walk_wasm(d.path());
    make_tree(d.path());
    ok(&pack(d.path(), WALK, "Dockerfile", "v3.box", &cache));
    let v3 = std::fs::read(d.path().join("v3.box")).unwrap();
    let v1 = as_old_version(&v3, &d.path().join("scratch.box"));
    assert_eq!(&v1[8..12], &1u32.to_le_bytes());
    assert!(v1.len() > v3.len(), "{} {}", v1.len(), v3.len());
    let p1 = d.path().join("v1.box");
    std::fs::write(&p1, &v1).unwrap();
    let a = ok(&wr(
        Command::new(bin()).arg(d.path().join("v3.box")),
        &cache,
    ));
    let b = ok(&wr(Command::new(bin()).arg(&p1), &cache));
    assert_eq!(a, b);
    assert!(a.contains("big.txt"), "{a}");
    let i = ok(&wr(Command::new(bin()).arg("inspect").arg(&p1), &cache));
    assert!(i.contains(", format 1)"), "{i}");
    assert!(!i.contains("zstd"), "{i}");
    // A file damaged in it: one line, 126, as ever.
    let ix_off = u64::from_le_bytes(v1[16..24].try_into().unwrap()) as usize;
    let at = v1[..ix_off]
        .windows(17)
        .position(|w| w == b"box-tamper-marker")
        .unwrap();
    let mut bad = v1.clone();
    bad[at + 3] ^= 1;
    let p = d.path().join("v1-bad.box");
    std::fs::write(&p, &bad).unwrap();
    damaged(&wr(Command::new(bin()).arg(&p), &cache), "version 1 file");
    // A version this wali-run does not know: one line naming it.
    let mut v4 = v3.clone();
    v4[8..12].copy_from_slice(&4u32.to_le_bytes());
    reseal(&mut v4);
    let p = d.path().join("v4.box");
    std::fs::write(&p, &v4).unwrap();
    let o = wr(Command::new(bin()).arg(&p), &cache);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(126), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("box format version 4, this wali-run reads versions 1 to 3"),
        "{err}"
    );
}

#[test]
fn bad_specs_are_one_line_naming_the_line() {
    let d = TempDir::new("box-bad");
    let cache = d.path().join("cache");
    walk_wasm(d.path());
    for (spec, want) in [
        (
            "FROM walk.wasm\nRUN make\n",
            "Dockerfile:2: RUN is not supported",
        ),
        (
            "FROM walk.wasm\n\nCMD walk /data\n",
            "Dockerfile:3: CMD in shell form",
        ),
        (
            "COPY a /b\n",
            "Dockerfile:1: the first instruction must be FROM",
        ),
        ("FROM walk.wasm\nCOPY missing /b\n", "Dockerfile:2: "),
        (
            "FROM walk.wasm\nCOPY ../x /b\n",
            "Dockerfile:2: ../x: COPY sources are inside the context",
        ),
        ("FROM nothing.wasm\n", "Dockerfile:1: FROM "),
    ] {
        let o = pack(d.path(), spec, "Dockerfile", "bad.box", &cache);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{spec}: {err}");
        assert_eq!(err.lines().count(), 1, "{spec}: {err}");
        assert!(err.contains(want), "{spec}: want {want:?}, got {err}");
    }
    assert!(!d.path().join("bad.box").exists());
}

#[test]
fn the_toml_form_packs_the_same_box() {
    let d = TempDir::new("box-toml");
    let cache = d.path().join("cache");
    walk_wasm(d.path());
    make_tree(d.path());
    let spec = "FROM walk.wasm\nCOPY tree /data\nWORKDIR /data\nENV A=1\nCMD [\"walk\", \".\"]\n";
    ok(&pack(d.path(), spec, "Dockerfile", "a.box", &cache));
    let toml = "from = \"walk.wasm\"\nworkdir = \"/data\"\ncmd = [\"walk\", \".\"]\nenv = { A = \"1\" }\n[[copy]]\nsrc = [\"tree\"]\ndest = \"/data\"\n";
    ok(&pack(d.path(), toml, "box.toml", "b.box", &cache));
    let a = std::fs::read(d.path().join("a.box")).unwrap();
    let b = std::fs::read(d.path().join("b.box")).unwrap();
    assert!(a == b, "the TOML form packed a different box");
}

#[test]
fn a_ruby_app_box_prints_what_the_plain_run_prints() {
    let ruby = repo().join("build/ruby/ruby.wasm");
    if !ruby.exists() {
        eprintln!(
            "skipped: {} is not built (./build.sh builds Ruby)",
            ruby.display()
        );
        return;
    }
    let d = TempDir::new("box-ruby");
    let app = d.path().join("app");
    std::fs::create_dir_all(app.join("lib")).unwrap();
    std::fs::write(
        app.join("app.rb"),
        "require_relative \"lib/greet\"\nrequire \"json\"\nputs greet(ARGV[0] || \"world\")\nputs Dir.children(__dir__).sort.inspect\nputs File.read(File.join(__dir__, \"lib/greet.rb\")).size\nputs JSON.generate({a: [1, 2]})\nputs File.writable?(__FILE__)\nbegin; File.write(File.join(__dir__, \"x\"), \"x\"); rescue SystemCallError => e; puts e.class; end\n",
    )
    .unwrap();
    std::fs::write(app.join("lib/greet.rb"), "def greet(n) = \"hello, #{n}\"\n").unwrap();
    std::fs::write(
        d.path().join("Dockerfile"),
        format!(
            "FROM {}\nCOPY app /app\nWORKDIR /app\nENTRYPOINT [\"ruby\"]\nCMD [\"app.rb\"]\n",
            ruby.display()
        ),
    )
    .unwrap();
    // The shared cache: Ruby's compilation is the plain run's. The context is the
    // spec's directory.
    let o = Command::new(bin())
        .args(["pack", "-f"])
        .arg(d.path().join("Dockerfile"))
        .arg("-o")
        .arg(d.path().join("app.box"))
        .output()
        .unwrap();
    ok(&o);
    let boxed = ok(&Command::new("timeout")
        .args(["-k", "5", "300", bin()])
        .arg(d.path().join("app.box"))
        .output()
        .unwrap());
    let plain = ok(&Command::new("timeout")
        .args(["-k", "5", "300", bin(), "--argv0", "ruby", "--dir"])
        .arg(format!("{}:/app:ro", app.display()))
        .arg(&ruby)
        .arg("/app/app.rb")
        .output()
        .unwrap());
    assert_eq!(boxed, plain);
    assert!(
        boxed.starts_with("hello, world\n[\"app.rb\", \"lib\"]\n"),
        "{boxed}"
    );
    assert!(boxed.contains("Errno::EROFS"), "{boxed}");
    let e = ok(&Command::new("timeout")
        .args(["-k", "5", "300", bin()])
        .arg(d.path().join("app.box"))
        .args(["-e", "puts Dir.pwd; puts ENV['RUBYLIB']"])
        .output()
        .unwrap());
    assert_eq!(
        e,
        "/app\n/opt/ruby/lib/ruby/3.3.0:/opt/ruby/lib/ruby/3.3.0/wasm32-linux-musl\n"
    );
}

#[test]
fn no_damage_makes_the_runtime_panic() {
    // Every byte of a small box's header and index, and 60 of its data, flipped in
    // turn: inspect answers 0 (the byte is in data that inspect does not check) or 126
    // with one line, never a panic.
    let d = TempDir::new("box-flips");
    let cache = d.path().join("cache");
    walk_wasm(d.path());
    std::fs::create_dir_all(d.path().join("t")).unwrap();
    std::fs::write(d.path().join("t/f"), "contents").unwrap();
    std::os::unix::fs::symlink("f", d.path().join("t/l")).unwrap();
    ok(&pack(
        d.path(),
        "FROM walk.wasm\nCOPY t /t\nCMD [\"walk\", \"/t\"]\n",
        "Dockerfile",
        "s.box",
        &cache,
    ));
    let good = std::fs::read(d.path().join("s.box")).unwrap();
    let p = d.path().join("flip.box");
    let (mut zero, mut damaged_n) = (0, 0);
    let index_off = u64::from_le_bytes(good[16..24].try_into().unwrap()) as usize;
    let spots: Vec<usize> = (0..64)
        .chain((64..index_off).step_by((index_off / 60).max(1)))
        .chain(index_off..good.len())
        .collect();
    for at in spots {
        let mut b = good.clone();
        b[at] ^= 0x41;
        std::fs::write(&p, &b).unwrap();
        let o = wr(Command::new(bin()).arg("inspect").arg(&p), &cache);
        let err = String::from_utf8_lossy(&o.stderr);
        match o.status.code() {
            Some(0) => zero += 1,
            Some(126) => {
                assert_eq!(err.lines().count(), 1, "byte {at}: {err}");
                damaged_n += 1;
            }
            other => panic!("byte {at}: status {other:?}: {err}"),
        }
    }
    assert!(damaged_n > 0 && zero > 0, "{damaged_n} {zero}");
    // A box consistent with its hash but malformed (an entry whose parent is missing).
    use sha2::Digest;
    let mut index = Vec::new();
    let meta = b"argv = [\"x\"]\nentrypoint = 1\ncwd = \"/\"\npolicy = \"\"\n[module]\nname = \"x\"\nsha256 = \"0000000000000000000000000000000000000000000000000000000000000000\"\noffset = 64\nlength = 0\n[env]\n";
    index.extend_from_slice(&(meta.len() as u32).to_le_bytes());
    index.extend_from_slice(meta);
    index.extend_from_slice(&1u32.to_le_bytes());
    let path = b"/a/b";
    index.extend_from_slice(&(path.len() as u16).to_le_bytes());
    index.extend_from_slice(path);
    index.push(1);
    index.extend_from_slice(&[0u8; 60]);
    let mut head = vec![0u8; 64];
    head[..8].copy_from_slice(b"WALIBOX\0");
    head[8..12].copy_from_slice(&1u32.to_le_bytes());
    head[16..24].copy_from_slice(&64u64.to_le_bytes());
    head[24..32].copy_from_slice(&(index.len() as u64).to_le_bytes());
    let mut h = sha2::Sha256::new();
    h.update(&head[..32]);
    h.update(&index);
    let seal: [u8; 32] = h.finalize().into();
    head[32..].copy_from_slice(&seal);
    head.extend_from_slice(&index);
    std::fs::write(&p, &head).unwrap();
    let o = wr(Command::new(bin()).arg(&p), &cache);
    damaged(&o, "malformed");
    assert!(String::from_utf8_lossy(&o.stderr).contains("malformed index"));
}

#[test]
fn grants_may_not_overlap_the_boxs_mounts() {
    let d = TempDir::new("box-overlap");
    let cache = d.path().join("cache");
    walk_wasm(d.path());
    make_tree(d.path());
    ok(&pack(d.path(), WALK, "Dockerfile", "walk.box", &cache));
    let g = format!("{}:/data/x", d.path().join("tree").display());
    let o = wr(
        Command::new(bin())
            .args(["--dir", &g])
            .arg(d.path().join("walk.box")),
        &cache,
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("overlaps the box's /data"), "{err}");
    // Beside them, a grant works and is written to.
    let g = format!("{}:/out", d.path().join("tree/sub").display());
    let o = wr(
        Command::new(bin())
            .args(["--dir", &g])
            .arg(d.path().join("walk.box"))
            .args(["walk", "/out/deep"]),
        &cache,
    );
    assert!(ok(&o).contains("/out/deep: 3 entries"));
    let o = pack(
        d.path(),
        "FROM walk.wasm\nWORKDIR /tmp\n",
        "Dockerfile",
        "t.box",
        &cache,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/tmp cannot be in a box"));
}
