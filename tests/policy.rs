//! The policy: what flags, policy files and a module's own table grant, and how bad ones
//! are refused (one line naming the fault, exit status 2, nothing started, nothing left
//! behind). The attacks themselves are in conformance/escape (tests/escape.rs).

mod common;
use common::*;
use std::path::Path;
use std::process::{Command, Output};

/// Run wali-run in `cwd` with its temporary files under `tmp` (to check what is left).
fn run_in(cwd: &Path, tmp: &Path, args: &[&str]) -> Output {
    run_in_pid(cwd, tmp, args).0
}

/// `run_in`, also giving the runtime's process id (its private directories carry it).
fn run_in_pid(cwd: &Path, tmp: &Path, args: &[&str]) -> (Output, u32) {
    let child = Command::new(bin())
        .args(args)
        .current_dir(cwd)
        .env("TMPDIR", tmp)
        .env("WALI_CACHE_DIR", tmp.join("cache"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    (child.wait_with_output().unwrap(), pid)
}

/// A program that creates a file, so a refused start can be seen to have done nothing.
const TOUCH: &str = r#"
#include <fcntl.h>
#include <stdio.h>
int main(void) { int fd = open("touched", O_CREAT | O_WRONLY, 0644); printf("fd %d\n", fd >= 0); return 0; }
"#;

struct Bad<'a> {
    args: Vec<String>,
    policy: Option<&'a str>,
    /// Words the one-line message must hold.
    says: &'a [&'a str],
}

#[test]
fn bad_policies_and_flags_are_one_line_errors_and_start_nothing() {
    let t = TempDir::new("policy-bad");
    let wasm = build_c(t.path(), "touch", TOUCH);
    let w = wasm.to_str().unwrap().to_string();
    let work = t.path().join("work");
    let tmp = t.path().join("tmp");
    std::fs::create_dir_all(work.join("a/b")).unwrap();
    std::fs::create_dir_all(&tmp).unwrap();
    let a = work.join("a").display().to_string();
    let cases = [
        Bad {
            args: vec![],
            policy: Some("[fs]\ndirs = [ { host = \"a\", ro = true }\n"),
            says: &["line", "policy.toml"],
        },
        Bad {
            args: vec![],
            policy: Some("[fs]\nrw = true\n"),
            says: &["policy.toml", "unknown field", "rw"],
        },
        Bad {
            args: vec![],
            policy: Some("[limits]\nthreads = \"many\"\n"),
            says: &["policy.toml", "line 2"],
        },
        Bad {
            args: vec![],
            policy: Some("[syscalls]\nfrobnicate = \"deny\"\n"),
            says: &["unknown syscall", "frobnicate"],
        },
        Bad {
            args: vec![],
            policy: Some("[syscalls]\nkill = \"maybe\"\n"),
            says: &["kill", "allow, deny"],
        },
        Bad {
            args: vec![],
            policy: Some("[syscalls]\nkill = \"deny:EWHAT\"\n"),
            says: &["kill", "deny:ERRNO"],
        },
        Bad {
            args: vec![],
            policy: Some("[net]\nconnect = [\"127.0.0.1:99999\"]\n"),
            says: &["127.0.0.1:99999", "port"],
        },
        Bad {
            args: vec![format!("--dir={a}"), format!("--dir={a}/b:ro")],
            policy: None,
            says: &["overlaps", "nest"],
        },
        Bad {
            args: vec![format!("--dir={a}:/x"), format!("--dir={a}/b:/y")],
            policy: None,
            says: &["overlaps"],
        },
        Bad {
            args: vec!["--dir=/no/such/dir".into()],
            policy: None,
            says: &["/no/such/dir", "no such file"],
        },
        Bad {
            args: vec!["--dir=/proc".into()],
            policy: None,
            says: &["/proc", "never granted"],
        },
        Bad {
            args: vec![format!("--dir={a}:relative")],
            policy: None,
            says: &["relative", "absolute"],
        },
        Bad {
            args: vec!["--limit=threads".into()],
            policy: None,
            says: &["--limit", "KEY=VALUE"],
        },
        Bad {
            args: vec!["--limit=memory=lots".into()],
            policy: None,
            says: &["memory", "bad size"],
        },
        Bad {
            args: vec!["--limit=disk=1".into()],
            policy: None,
            says: &["unknown limit", "disk"],
        },
        Bad {
            args: vec!["--allow-net=127.0.0.1:http".into()],
            policy: None,
            says: &["--allow-net", "port"],
        },
        Bad {
            args: vec!["--policy=/no/such/policy.toml".into()],
            policy: None,
            says: &["/no/such/policy.toml"],
        },
    ];
    for (i, c) in cases.iter().enumerate() {
        let mut args = c.args.clone();
        if let Some(p) = c.policy {
            let f = work.join("policy.toml");
            std::fs::write(&f, p).unwrap();
            args.push(format!("--policy={}", f.display()));
        }
        args.push(w.clone());
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let (o, pid) = run_in_pid(&work, &tmp, &argv);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "case {i} {args:?}: {err}");
        assert_eq!(
            err.trim_end().lines().count(),
            1,
            "case {i}: not one line: {err}"
        );
        assert!(err.starts_with("wali-run: "), "case {i}: {err}");
        for w in c.says {
            assert!(err.contains(w), "case {i}: {err:?} does not say {w:?}");
        }
        assert!(
            !o.stderr.is_empty() && o.stdout.is_empty(),
            "case {i}: the module ran"
        );
        assert!(!work.join("touched").exists(), "case {i}: the module ran");
        // Nothing half-made: no private directories left behind.
        let left: Vec<_> = std::fs::read_dir(&tmp)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("wali-run-"))
            .collect();
        assert!(left.is_empty(), "case {i}: left behind {left:?}");
        // Nor a skeleton where skeletons go (/dev/shm when there is one).
        let shm = private_dirs_of(Path::new("/dev/shm"), pid);
        assert!(shm.is_empty(), "case {i}: left behind {shm:?}");
    }
    // And the same module with a good policy does run (the cases failed for their faults).
    let o = run_in(&work, &tmp, &[&w]);
    assert_eq!(text(&o.stdout), "fd 1\n", "{}", text(&o.stderr));
    assert!(work.join("touched").exists());
}

const PROBE: &str = r#"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
int main(int argc, char **argv) {
    char buf[256];
    long r = syscall(SYS_getppid);
    printf("getppid: %s\n", r < 0 ? strerror(errno) : "ok");
    for (int i = 1; i < argc; i++) {
        int fd = open(argv[i], O_RDONLY);
        int n = fd < 0 ? -1 : (int)read(fd, buf, sizeof buf - 1);
        if (n >= 0) buf[n] = 0;
        printf("read %s: %s\n", argv[i], n < 0 ? strerror(errno) : buf);
        int w = open(argv[i], O_WRONLY | O_APPEND);
        printf("write %s: %s\n", argv[i], w < 0 ? strerror(errno) : "ok");
    }
    printf("cwd: %s\n", getcwd(buf, sizeof buf) ? buf : strerror(errno));
    return 0;
}
"#;

#[test]
fn dirs_are_granted_where_and_how_the_policy_says() {
    let t = TempDir::new("policy-dirs");
    let wasm = build_c(t.path(), "probe", PROBE);
    let w = wasm.to_str().unwrap();
    let work = t.path().join("work");
    let data = t.path().join("data");
    let tmp = t.path().join("tmp");
    for d in [&work, &data, &tmp] {
        std::fs::create_dir_all(d).unwrap();
    }
    std::fs::write(data.join("x"), "data-x").unwrap();
    std::fs::write(work.join("here"), "here").unwrap();
    let x = data.join("x").display().to_string();

    // Default: the working directory only.
    let o = run_in(&work, &tmp, &[w, "here", &x]);
    let out = text(&o.stdout);
    assert!(out.contains("read here: here\nwrite here: ok\n"), "{out}");
    assert!(
        out.contains(&format!("read {x}: No such file or directory")),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "cwd: {}",
            std::fs::canonicalize(&work).unwrap().display()
        )),
        "{out}"
    );

    // --dir HOST:GUEST:ro shows it at GUEST, read-only.
    let flag = format!("--dir={}:/data:ro", data.display());
    let o = run_in(&work, &tmp, &[&flag, w, "/data/x", &x]);
    let out = text(&o.stdout);
    assert!(
        out.contains("read /data/x: data-x\nwrite /data/x: Read-only file system\n"),
        "{out}"
    );
    assert!(
        out.contains(&format!("read {x}: No such file or directory")),
        "{out}"
    );

    // The same from a policy file (host paths relative to the file), read-write.
    let pf = t.path().join("app.toml");
    std::fs::write(
        &pf,
        "[fs]\ndirs = [ { host = \"data\", guest = \"/data\" } ]\n",
    )
    .unwrap();
    let pflag = format!("--policy={}", pf.display());
    let o = run_in(&work, &tmp, &[&pflag, w, "/data/x"]);
    assert!(
        text(&o.stdout).contains("read /data/x: data-x\nwrite /data/x: ok\n"),
        "{}",
        text(&o.stdout)
    );

    // `cwd = false`: not even the working directory.
    std::fs::write(&pf, "[fs]\ncwd = false\n").unwrap();
    let o = run_in(&work, &tmp, &[&pflag, w, "here"]);
    assert!(
        text(&o.stdout).contains("read here: No such file or directory"),
        "{}",
        text(&o.stdout)
    );
}

#[test]
fn the_syscall_table_denies_logs_and_traps_with_the_rule_named() {
    let t = TempDir::new("policy-actions");
    let wasm = build_c(t.path(), "probe", PROBE);
    let w = wasm.to_str().unwrap();
    let work = t.path().join("work");
    let tmp = t.path().join("tmp");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::create_dir_all(&tmp).unwrap();
    let pf = t.path().join("p.toml");
    let pflag = format!("--policy={}", pf.display());

    // Not named: allowed.
    let o = run_in(&work, &tmp, &[w]);
    assert!(
        text(&o.stdout).contains("getppid: ok"),
        "{}",
        text(&o.stdout)
    );

    std::fs::write(&pf, "[syscalls]\ngetppid = \"deny:ENOSYS\"\n").unwrap();
    let o = run_in(&work, &tmp, &["--strace", &pflag, w]);
    assert!(
        text(&o.stdout).contains("getppid: Function not implemented"),
        "{}",
        text(&o.stdout)
    );
    assert!(
        text(&o.stderr).contains("getppid() = -1 ENOSYS (Function not implemented) [policy: denied by the policy's syscall table]"),
        "{}",
        text(&o.stderr)
    );

    // A category, and a single syscall overriding it.
    std::fs::write(&pf, "[syscalls]\nsystem = \"deny\"\ngetppid = \"allow\"\n").unwrap();
    let o = run_in(&work, &tmp, &[&pflag, w]);
    assert!(
        text(&o.stdout).contains("getppid: ok"),
        "{}",
        text(&o.stdout)
    );
    std::fs::write(&pf, "[syscalls]\nsystem = \"deny\"\n").unwrap();
    let o = run_in(&work, &tmp, &[&pflag, w]);
    assert!(
        text(&o.stdout).contains("getppid: Operation not permitted"),
        "{}",
        text(&o.stdout)
    );

    std::fs::write(&pf, "[syscalls]\ngetppid = \"log\"\n").unwrap();
    let o = run_in(&work, &tmp, &[&pflag, w]);
    assert!(text(&o.stdout).contains("getppid: ok"));
    assert!(
        text(&o.stderr).contains("wali-run: policy log: getppid"),
        "{}",
        text(&o.stderr)
    );

    std::fs::write(&pf, "[syscalls]\ngetppid = \"trap\"\n").unwrap();
    let o = run_in(&work, &tmp, &[&pflag, w]);
    assert_eq!(o.status.code(), Some(134));
    assert!(
        text(&o.stderr)
            .contains("syscall getppid refused by the policy (syscalls.getppid = \"trap\")"),
        "{}",
        text(&o.stderr)
    );
    assert!(!text(&o.stdout).contains("getppid:"));
}

#[test]
fn a_module_table_asks_and_the_operator_grants_or_refuses() {
    let t = TempDir::new("policy-needs");
    let wasm = build_c(t.path(), "probe", PROBE);
    let w = wasm.to_str().unwrap();
    let work = t.path().join("work");
    let tmp = t.path().join("tmp");
    let lib = t.path().join("lib");
    for d in [&work, &tmp, &lib] {
        std::fs::create_dir_all(d).unwrap();
    }
    std::fs::write(lib.join("l"), "lib-l").unwrap();
    let manifest = t.path().join("probe.wasm.toml");
    let l = lib.join("l").display().to_string();

    // A read-only directory beside the module: granted by default.
    std::fs::write(
        &manifest,
        "[needs]\ndirs = [ { host = \"{dir}/lib\", ro = true } ]\n",
    )
    .unwrap();
    let o = run_in(&work, &tmp, &[w, &l]);
    assert!(
        text(&o.stdout).contains(&format!(
            "read {l}: lib-l\nwrite {l}: Read-only file system"
        )),
        "{}",
        text(&o.stdout)
    );

    // Escaping its directory through `..` is not "beside the module".
    std::fs::write(
        &manifest,
        "[needs]\ndirs = [ { host = \"{dir}/lib/../..\", ro = true } ]\n",
    )
    .unwrap();
    let o = run_in(&work, &tmp, &[w]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("which the policy does not grant (add --dir"),
        "{}",
        text(&o.stderr)
    );

    // Network and host programs: only when the operator grants them.
    std::fs::write(&manifest, "[needs]\nnet = true\n").unwrap();
    let o = run_in(&work, &tmp, &[w]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr)
            .contains("asks for the network, which the policy does not grant (add --allow-net)"),
        "{}",
        text(&o.stderr)
    );
    let o = run_in(&work, &tmp, &["--allow-net=127.0.0.1:80", w]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    std::fs::write(&manifest, "[needs]\nexec = true\n").unwrap();
    let o = run_in(&work, &tmp, &[w]);
    assert!(
        text(&o.stderr).contains("(add --allow-exec)"),
        "{}",
        text(&o.stderr)
    );
    std::fs::write(&manifest, "[needs]\nnetwork = true\n").unwrap();
    let o = run_in(&work, &tmp, &[w]);
    assert!(
        text(&o.stderr).contains("unknown field"),
        "{}",
        text(&o.stderr)
    );
}

const EXEC_SELF: &str = r#"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
int main(int argc, char **argv) {
    if (argc == 1) {
        char *av[] = {argv[0], "child", 0};
        execv(argv[0], av);
        printf("execv: %s\n", strerror(errno));
        return 1;
    }
    long r = syscall(SYS_getppid);
    printf("child getppid: %s\n", r < 0 ? strerror(errno) : "ok");
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(9)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    printf("child bind: %s\n", bind(s, (struct sockaddr *)&a, sizeof a) < 0 ? strerror(errno) : "ok");
    return 0;
}
"#;

/// An execve'd module runs under the same policy: the syscall table and a policy that
/// grants connect but not bind stay as they were (not widened into flags).
#[test]
fn an_execved_module_keeps_the_policy() {
    let t = TempDir::new("policy-exec");
    let wasm = build_c(t.path(), "exec_self", EXEC_SELF);
    let w = wasm.to_str().unwrap();
    let work = t.path().join("work");
    let tmp = t.path().join("tmp");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::create_dir_all(&tmp).unwrap();
    let pf = t.path().join("p.toml");
    std::fs::write(
        &pf,
        "[syscalls]\ngetppid = \"deny:ENOSYS\"\n[net]\nconnect = [\"127.0.0.1:9\"]\n",
    )
    .unwrap();
    let o = run_in(&work, &tmp, &[&format!("--policy={}", pf.display()), w]);
    let out = text(&o.stdout);
    assert!(
        out.contains("child getppid: Function not implemented"),
        "{out}{}",
        text(&o.stderr)
    );
    assert!(
        out.contains("child bind: Permission denied"),
        "{out}{}",
        text(&o.stderr)
    );
}

/// Names in `dir` that belong to the run with process id `pid`.
fn private_dirs_of(dir: &Path, pid: u32) -> Vec<String> {
    let tag = format!("-{pid}-");
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("wali-run-") && n.contains(&tag))
                .collect()
        })
        .unwrap_or_default()
}

/// A run's private /tmp (in TMPDIR) and the skeleton of its file system (in /dev/shm when
/// there is one) go when it ends; a run killed by SIGKILL runs no exit hooks, so the next
/// run sweeps what it left.
#[test]
fn private_directories_are_removed_even_after_a_kill() {
    let t = TempDir::new("sweep");
    let tmp = t.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let sleeper = build_c(
        t.path(),
        "sleeper",
        "#include <stdio.h>\n#include <unistd.h>\nint main(void) { puts(\"up\"); fflush(stdout); sleep(60); return 0; }\n",
    );
    let shm = Path::new("/dev/shm");
    let places = [tmp.as_path(), shm];
    let mut child = Command::new(bin())
        .arg(&sleeper)
        .current_dir(t.path())
        .env("TMPDIR", &tmp)
        .env("WALI_CACHE_DIR", tmp.join("cache"))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut line = String::new();
    use std::io::BufRead;
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line, "up\n");
    let before: Vec<String> = places
        .iter()
        .flat_map(|p| private_dirs_of(p, pid))
        .collect();
    assert!(
        before.iter().any(|n| n.ends_with("-root")) && before.iter().any(|n| !n.ends_with("-root")),
        "a running guest has its private /tmp and skeleton: {before:?}"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let left: Vec<String> = places
        .iter()
        .flat_map(|p| private_dirs_of(p, pid))
        .collect();
    assert_eq!(left.len(), before.len(), "SIGKILL leaves them: {left:?}");
    let hello = build_c(
        t.path(),
        "hello",
        "#include <stdio.h>\nint main(void) { puts(\"hi\"); return 0; }\n",
    );
    let o = run_in(t.path(), &tmp, &[hello.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let after: Vec<String> = places
        .iter()
        .flat_map(|p| private_dirs_of(p, pid))
        .collect();
    assert!(after.is_empty(), "the next run swept them: {after:?}");
}

/// Run from a directory under /tmp (as `cd /tmp/build && wali-run prog.wasm` is): the
/// guest's /tmp is still its private, writable directory (TMPDIR=/tmp), and the current
/// directory is still at its own path inside it, as a mount is. The host's /tmp (a file
/// beside the directory, one at /tmp's top) stays out of sight, and what the guest writes
/// in /tmp does not land in the host's. Before: /tmp was a read-only stand-in (EROFS)
/// and TMPDIR the private directory's host path.
#[test]
fn current_directory_under_tmp_keeps_a_private_writable_tmp() {
    let base = Path::new("/tmp").join(format!("wali-test-tmpcwd-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let t = TempDir(base.clone());
    let work = base.join("a/work");
    let tmp = base.join("tmp");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::create_dir_all(&tmp).unwrap();
    std::fs::write(base.join("a/beside"), "host").unwrap();
    let top = format!("/tmp/wali-test-tmpcwd-top-{}", std::process::id());
    std::fs::write(&top, "host").unwrap();
    let probe = format!("wali-test-tmpcwd-probe-{}", std::process::id());
    let src = r#"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv) {
    char cwd[1024], p[1200], tmpl[64];
    getcwd(cwd, sizeof cwd);
    printf("cwd %s\n", cwd);
    printf("TMPDIR %s\n", getenv("TMPDIR"));
    snprintf(p, sizeof p, "/tmp/%s", argv[1]);
    int fd = open(p, O_CREAT | O_WRONLY, 0644);
    printf("create /tmp/probe %s\n", fd >= 0 && write(fd, "x", 1) == 1 ? "ok" : strerror(errno));
    snprintf(tmpl, sizeof tmpl, "%s/tXXXXXX", getenv("TMPDIR"));
    printf("mkstemp %s\n", mkstemp(tmpl) >= 0 ? "ok" : strerror(errno));
    close(open("here", O_CREAT | O_WRONLY, 0644));
    snprintf(p, sizeof p, "%s/here", cwd);
    printf("cwd by path %s\n", access(p, F_OK) == 0 ? "ok" : strerror(errno));
    printf("host beside %s\n", access("../beside", F_OK) == 0 ? "seen" : strerror(errno));
    printf("host top %s\n", access(argv[2], F_OK) == 0 ? "seen" : strerror(errno));
    printf("chdir .. %s\n", chdir("..") == 0 && access("work/here", F_OK) == 0 ? "ok" : strerror(errno));
    return 0;
}
"#;
    let w = build_c(&base, "tmpcwd", src);
    let o = run_in(&work, &tmp, &[w.to_str().unwrap(), &probe, &top]);
    let _ = std::fs::remove_file(&top);
    let out = text(&o.stdout);
    assert!(o.status.success(), "{out}{}", text(&o.stderr));
    let want = format!(
        "cwd {}\nTMPDIR /tmp\ncreate /tmp/probe ok\nmkstemp ok\ncwd by path ok\n\
         host beside No such file or directory\nhost top No such file or directory\nchdir .. ok\n",
        work.display()
    );
    assert_eq!(out, want, "{}", text(&o.stderr));
    assert!(
        !Path::new("/tmp").join(&probe).exists(),
        "the guest's /tmp is not the host's"
    );
    assert!(
        work.join("here").exists(),
        "the current directory is the host's"
    );
    drop(t);
}

const EXECVP: &str = r#"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
int main(void) {
    /* A PATH search as a shell or a language runtime does it: look, then exec. */
    struct stat st;
    printf("stat /bin/sh: %s\n", stat("/bin/sh", &st) == 0 ? "found" : strerror(errno));
    printf("access echo: %s\n", access("/usr/bin/echo", X_OK) == 0 ? "ok" : strerror(errno));
    printf("access echo W_OK: %s\n", access("/usr/bin/echo", W_OK) == 0 ? "ok" : strerror(errno));
    printf("stat /usr/bin/: %s\n", stat("/usr/bin", &st) == 0 ? "found" : strerror(errno));
    printf("stat /etc/passwd: %s\n", stat("/etc/passwd", &st) == 0 ? "found" : strerror(errno));
    fflush(stdout);
    char *av[] = {"echo", "from execvp", 0};
    execvp("echo", av);
    printf("execvp: %s\n", strerror(errno));
    return 1;
}
"#;

/// `--allow-exec` finds host programs by name on the runtime's PATH (stat and access of
/// DIR/NAME for a host program, read-only; then execve), without granting /usr/bin; the
/// directory itself and other host files stay outside. Without it, nothing is found.
#[test]
fn allow_exec_finds_host_programs_on_path() {
    let t = TempDir::new("policy-execvp");
    let wasm = build_c(t.path(), "execvp", EXECVP);
    let w = wasm.to_str().unwrap();
    let work = t.path().join("work");
    let tmp = t.path().join("tmp");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::create_dir_all(&tmp).unwrap();
    let path = "/usr/local/bin:/usr/bin:/bin";
    let o = Command::new(bin())
        .args(["--allow-exec", w])
        .current_dir(&work)
        .env("TMPDIR", &tmp)
        .env("WALI_CACHE_DIR", tmp.join("cache"))
        .env("PATH", path)
        .output()
        .unwrap();
    let out = text(&o.stdout);
    assert!(o.status.success(), "{out}{}", text(&o.stderr));
    assert_eq!(
        out,
        "stat /bin/sh: found\naccess echo: ok\naccess echo W_OK: Read-only file system\n\
         stat /usr/bin/: No such file or directory\nstat /etc/passwd: No such file or directory\n\
         from execvp\n"
    );
    let o = Command::new(bin())
        .arg(w)
        .current_dir(&work)
        .env("TMPDIR", &tmp)
        .env("WALI_CACHE_DIR", tmp.join("cache"))
        .env("PATH", path)
        .output()
        .unwrap();
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}{}", text(&o.stderr));
    assert!(
        out.starts_with(
            "stat /bin/sh: No such file or directory\naccess echo: No such file or directory\n"
        ),
        "{out}"
    );
    assert!(
        out.ends_with("execvp: No such file or directory\n"),
        "{out}"
    );
}
