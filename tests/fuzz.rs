//! A short run of the syscall fuzzer (conformance/fuzz/fuzz.c; the long one is
//! bench/fuzz.sh): random syscalls with random arguments and guest memory, under the
//! default sandbox policy in a temporary directory. Each run must make all its calls and
//! exit 0 (no runtime panic or signal, no write outside the guest's arguments: the
//! fuzzer checks guard areas itself), and a directory outside the sandbox must be
//! untouched. As root, the runs drop to nobody so that a sandbox hole cannot reach root's
//! files. The fuzzer's syscall table is generated from the runtime's
//! (`conformance/fuzz/gen-table.py`), so every syscall is fuzzed unless fuzz.c excludes it.

mod common;
use common::*;
use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SEEDS: [u64; 4] = [1, 2, 3, 4];
const ITERATIONS: u64 = 20000;
const NOBODY: u32 = 65534;

fn wali_cc() -> PathBuf {
    std::env::var_os("WALI_CC")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("toolchain/wali-cc"))
}

/// FNV-1a: a stable content hash for the build cache.
fn fnv(data: &[u8], mut h: u64) -> u64 {
    for b in data {
        h ^= *b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// The fuzzer's syscall table, generated from the runtime's (`--list-syscalls --format
/// tsv` through `gen-table.py`), as the libc's import declarations are.
fn generated_table() -> String {
    let list = Command::new(bin())
        .args(["--list-syscalls", "--format", "tsv"])
        .output()
        .unwrap();
    assert!(list.status.success(), "--list-syscalls: {}", stderr(&list));
    let mut gen = Command::new("python3")
        .arg(repo().join("conformance/fuzz/gen-table.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3");
    std::io::Write::write_all(&mut gen.stdin.take().unwrap(), &list.stdout).unwrap();
    let o = gen.wait_with_output().unwrap();
    assert!(o.status.success(), "gen-table.py: {}", stderr(&o));
    String::from_utf8(o.stdout).unwrap()
}

/// fuzz.wasm, built with wali-cc, cached by the sources' hash.
fn fuzz_wasm() -> PathBuf {
    let dir = repo().join("conformance/fuzz");
    let table = generated_table();
    let mut h = 0xcbf29ce484222325;
    h = fnv(&std::fs::read(dir.join("fuzz.c")).unwrap(), h);
    h = fnv(table.as_bytes(), h);
    // The sysroot is part of the input: build/sysroot names its content hash.
    let sysroot = std::fs::read_link(repo().join("build/sysroot")).unwrap_or_default();
    h = fnv(sysroot.as_os_str().as_encoded_bytes(), h);
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let cache = home.join(".cache/wali-run/fuzz");
    std::fs::create_dir_all(&cache).unwrap();
    let out = cache.join(format!("fuzz-{h:016x}.wasm"));
    if !out.exists() {
        let gen = cache.join(format!("gen-{h:016x}.{}", std::process::id()));
        std::fs::create_dir_all(&gen).unwrap();
        std::fs::write(gen.join("fuzz-table.h"), &table).unwrap();
        let tmp = cache.join(format!("fuzz-{h:016x}.{}.wasm", std::process::id()));
        let o = Command::new(wali_cc())
            .arg("-O1")
            .arg("-I")
            .arg(&gen)
            .arg(dir.join("fuzz.c"))
            .arg("-o")
            .arg(&tmp)
            .output()
            .unwrap_or_else(|e| panic!("cannot run wali-cc: {e} (run ./build.sh first)"));
        let _ = std::fs::remove_dir_all(&gen);
        assert!(o.status.success(), "wali-cc fuzz.c:\n{}", stderr(&o));
        std::fs::rename(&tmp, &out).unwrap();
    }
    out
}

fn is_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

/// The fuzzer runs with paths and socket addresses, which only the sandbox makes safe:
/// a runtime whose `--help` no longer names `--allow-all` fails here, loudly, rather
/// than being fuzzed with less.
fn require_sandbox() {
    let o = Command::new(bin()).arg("--help").output().unwrap();
    assert!(
        o.status.success() && String::from_utf8_lossy(&o.stdout).contains("--allow-all"),
        "wali-run --help does not name --allow-all: the fuzz test needs the sandbox to fuzz paths \
         and socket addresses (bench/fuzz.sh can fuzz a runtime without one, with --no-paths)"
    );
}

/// Every file under `dir` with its mode, owner, size and contents.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (u32, u32, u64, Vec<u8>)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let m = std::fs::symlink_metadata(&p).unwrap();
            let data = if m.is_file() {
                std::fs::read(&p).unwrap()
            } else {
                vec![]
            };
            if m.is_dir() {
                stack.push(p.clone());
            }
            out.insert(p, (m.mode(), m.uid(), m.len(), data));
        }
    }
    out
}

fn chown_nobody(p: &Path) {
    std::os::unix::fs::chown(p, Some(NOBODY), Some(NOBODY)).unwrap();
}

/// Run the fuzzer once in `work`; returns (exit status, stdout, stderr).
fn run(
    runtime: &Path,
    wasm: &Path,
    cache: &Path,
    work: &Path,
    seed: u64,
    extra: &[&str],
) -> (Option<i32>, String, String) {
    let mut c = Command::new(runtime);
    c.arg(wasm)
        .args(extra)
        .arg(seed.to_string())
        .arg(ITERATIONS.to_string())
        .current_dir(work)
        .env("WALI_CACHE_DIR", cache)
        .env("HOME", cache)
        // The runtime's private /tmp (left behind if it crashes) stays in the test's.
        .env("TMPDIR", cache.parent().unwrap().join("tmp"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if is_root() {
        c.uid(NOBODY).gid(NOBODY);
    }
    let mut child = c.spawn().expect("spawn wali-run");
    // Drain the pipes on threads, so a chatty run cannot block on a full pipe.
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let to = std::thread::spawn(move || {
        let mut v = vec![];
        std::io::Read::read_to_end(&mut so, &mut v).ok();
        v
    });
    let te = std::thread::spawn(move || {
        let mut v = vec![];
        std::io::Read::read_to_end(&mut se, &mut v).ok();
        v
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("seed {seed}: the fuzzer hung (60 s); replay it with -v to see the last call");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = String::from_utf8_lossy(&to.join().unwrap()).into_owned();
    let err = String::from_utf8_lossy(&te.join().unwrap()).into_owned();
    let code = status.code().or_else(|| {
        use std::os::unix::process::ExitStatusExt;
        status.signal().map(|s| 128 + s)
    });
    (code, out, err)
}

#[test]
fn fuzz_table_is_generated_from_every_syscall() {
    let table = generated_table();
    let o = Command::new(bin())
        .args(["--list-syscalls", "--format", "tsv"])
        .output()
        .unwrap();
    let tsv = String::from_utf8_lossy(&o.stdout);
    let missing: Vec<&str> = tsv
        .lines()
        .skip(1)
        .filter(|l| l.split('\t').nth(1) != Some("-"))
        .filter_map(|l| l.split('\t').next()?.strip_prefix("SYS_"))
        .filter(|n| !table.contains(&format!("{{\"{n}\", ")))
        .collect();
    assert!(missing.is_empty(), "gen-table.py left out {missing:?}");
    // read(fd, buf, count): the kinds come through.
    assert!(
        table.contains("{\"read\", 0, 3, {K_FD, K_OBUF, K_LEN}},"),
        "{table}"
    );
}

#[test]
fn fuzz_short_run() {
    let wasm_src = fuzz_wasm();
    let t = TempDir::new("fuzz");
    let root = t.path();
    std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).unwrap();
    // The runtime and module where an unprivileged user can read them.
    let (runtime, wasm) = if is_root() {
        let r = root.join("wali-run");
        std::fs::copy(bin(), &r).unwrap();
        std::fs::set_permissions(&r, std::fs::Permissions::from_mode(0o755)).unwrap();
        (r, root.join("fuzz.wasm"))
    } else {
        (PathBuf::from(bin()), root.join("fuzz.wasm"))
    };
    std::fs::copy(&wasm_src, &wasm).unwrap();
    std::fs::set_permissions(&wasm, std::fs::Permissions::from_mode(0o644)).unwrap();
    let cache = root.join("cache");
    std::fs::create_dir(&cache).unwrap();
    std::fs::create_dir(root.join("tmp")).unwrap();
    // Outside the sandbox, but writable by the fuzzer's user: only the sandbox keeps it out.
    let sentinel = root.join("sentinel");
    std::fs::create_dir(&sentinel).unwrap();
    std::fs::write(sentinel.join("file"), "do not touch\n").unwrap();
    std::fs::set_permissions(&sentinel, std::fs::Permissions::from_mode(0o777)).unwrap();
    std::fs::set_permissions(
        sentinel.join("file"),
        std::fs::Permissions::from_mode(0o666),
    )
    .unwrap();
    if is_root() {
        chown_nobody(&cache);
        chown_nobody(&root.join("tmp"));
    }
    let before = snapshot(&sentinel);
    require_sandbox();
    let extra: Vec<&str> = vec![];

    // The guard check works: one call made to write into a guard ends the run with 3.
    let work = root.join("work-self-test");
    std::fs::create_dir(&work).unwrap();
    if is_root() {
        chown_nobody(&work);
    }
    let mut self_test = extra.clone();
    self_test.push("--self-test");
    let (code, _, err) = run(&runtime, &wasm, &cache, &work, 1, &self_test);
    assert!(
        code == Some(3) && err.contains("GUARD DAMAGED"),
        "--self-test: exit {code:?}, stderr {err}"
    );

    let mut problems = vec![];
    for seed in SEEDS {
        let work = root.join(format!("work-{seed}"));
        std::fs::create_dir(&work).unwrap();
        if is_root() {
            chown_nobody(&work);
        }
        let (code, out, err) = run(&runtime, &wasm, &cache, &work, seed, &extra);
        let guest_err = std::fs::read_to_string(work.join("fz.err")).unwrap_or_default();
        let want = format!("executions: {ITERATIONS}");
        let mut why = vec![];
        if code != Some(0) {
            why.push(format!("exit {code:?}"));
        }
        if !out.lines().any(|l| l == want) {
            why.push(format!("no `{want}` line"));
        }
        if err.contains("panicked") || guest_err.contains("panicked") {
            why.push("runtime panic".to_string());
        }
        if !why.is_empty() {
            problems.push(format!(
                "seed {seed}: {} (replay: wali-run fuzz.wasm -v {} {seed} {ITERATIONS})\nstdout: {}\nstderr: {}\n{}",
                why.join(", "),
                extra.join(" "),
                out.trim(),
                err.lines().rev().take(5).collect::<Vec<_>>().join("\n"),
                guest_err.lines().rev().take(5).collect::<Vec<_>>().join("\n"),
            ));
        }
    }
    assert_eq!(
        snapshot(&sentinel),
        before,
        "the fuzzer changed a directory outside its sandbox"
    );
    // Nothing new beside the working directories (a name created through `..`).
    let mut names: Vec<String> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut want: Vec<String> = ["cache", "fuzz.wasm", "sentinel", "tmp"]
        .iter()
        .map(|s| s.to_string())
        .chain(SEEDS.iter().map(|s| format!("work-{s}")))
        .chain(["work-self-test".to_string()])
        .chain(is_root().then(|| "wali-run".to_string()))
        .collect();
    want.sort();
    assert_eq!(
        names, want,
        "the fuzzer created files outside its directory"
    );
    assert!(
        problems.is_empty(),
        "fuzz failures:\n{}",
        problems.join("\n\n")
    );
}
