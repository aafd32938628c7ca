//! Limits on by default: a fork or thread bomb under the default policy (and under
//! `--allow-all`) stops at the documented limit with EAGAIN and one notice; processes
//! that leave the sandbox otherwise than by exiting (killed, exec'd) do not leak from
//! the count; and a host that refuses the runtime threads or processes (a full pids
//! cgroup) gives the guest EAGAIN, never a panic. Every run goes through
//! tests/in-pids-cgroup, so a regression stops at its task limit, not at the machine's.

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BOMB: &str = r#"
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
static void *idle(void *a) { (void)a; pause(); return 0; }
int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "fork")) {
        /* Children stay (paused) until the loop ends: how many forks work. Bounded. */
        int made = 0, err = 0;
        static pid_t kids[3000];
        for (int i = 0; i < 3000; i++) {
            pid_t c = fork();
            if (c == 0) { pause(); _exit(0); }
            if (c < 0) { err = errno; break; }
            kids[made++] = c;
        }
        for (int i = 0; i < made; i++) kill(kids[i], SIGKILL);
        for (int i = 0; i < made; i++) waitpid(kids[i], 0, 0);
        printf("forks %d %s\n", made, err == EAGAIN ? "EAGAIN" : strerror(err));
        pid_t c = fork();
        if (c == 0) _exit(0);
        printf("after %s\n", c > 0 ? "ok" : "refused");
        if (c > 0) waitpid(c, 0, 0);
    } else if (!strcmp(mode, "threads")) {
        int made = 0, err = 0;
        pthread_t t;
        for (int i = 0; i < 3000; i++) {
            int r = pthread_create(&t, 0, idle, 0);
            if (r) { err = r; break; }
            made++;
        }
        printf("threads %d %s\n", made, err == EAGAIN ? "EAGAIN" : strerror(err));
    } else if (!strcmp(mode, "leave")) {
        /* 100 rounds: a child that execs a module, one that execs a host program (or
         * is refused and exits), and one killed by a signal and reaped by waitid. */
        int ok = 0;
        for (int i = 0; i < 100; i++) {
            pid_t c = fork();
            if (c == 0) {
                if (i % 2) execl(argv[0], argv[0], "noop", (char *)0);
                else execl("/bin/true", "true", (char *)0);
                _exit(0);
            }
            if (c > 0 && waitpid(c, 0, 0) == c) ok++;
            c = fork();
            if (c == 0) { pause(); _exit(0); }
            if (c > 0) {
                kill(c, SIGKILL);
                siginfo_t si;
                if (waitid(P_PID, c, &si, WEXITED) == 0) ok++;
            }
        }
        printf("left %d\n", ok);
    }
    return 0;
}
"#;

fn build(dir: &Path) -> PathBuf {
    build_c(dir, "bomb", BOMB)
}

/// wali-run inside a fresh pids cgroup of `max` tasks (as is, with a warning, where the
/// machine has none), in `dir`, with its cache there.
fn run_capped(max: u32, dir: &Path, args: &[&str]) -> (Output, bool) {
    let o = Command::new(repo().join("tests/in-pids-cgroup"))
        .arg(max.to_string())
        .arg(bin())
        .args(args)
        .current_dir(dir)
        .env("WALI_CACHE_DIR", dir.join("cache"))
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap();
    let capped = !String::from_utf8_lossy(&o.stderr).contains("in-pids-cgroup:");
    (o, capped)
}

/// The runtime's own lines on stderr (the cgroup script's warning aside).
fn notices(o: &Output) -> Vec<String> {
    text(&o.stderr)
        .lines()
        .filter(|l| !l.starts_with("in-pids-cgroup:"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_fork_bomb_stops_at_the_default_process_limit_with_one_notice() {
    let t = TempDir::new("limits-fork");
    build(t.path());
    for extra in [&[][..], &["--allow-all"][..]] {
        let mut args = extra.to_vec();
        args.extend(["bomb.wasm", "fork"]);
        let (o, _) = run_capped(2048, t.path(), &args);
        let out = text(&o.stdout);
        assert!(o.status.success(), "{args:?}: {o:?}");
        // 512 live processes: the first and 511 children.
        assert!(out.contains("forks 511 EAGAIN\n"), "{args:?}: {out}");
        assert!(out.contains("after ok\n"), "{args:?}: {out}");
        let n = notices(&o);
        assert_eq!(n.len(), 1, "{args:?}: one notice for the sandbox: {n:?}");
        assert!(
            n[0].starts_with("wali-run: ") && n[0].contains("limit of 512 processes"),
            "{n:?}"
        );
    }
    // Overridden by --limit (and lifted: the cgroup stops it then).
    let (o, _) = run_capped(512, t.path(), &["--limit=processes=5", "bomb.wasm", "fork"]);
    assert!(text(&o.stdout).contains("forks 4 EAGAIN\n"), "{o:?}");
    let (o, capped) = run_capped(
        200,
        t.path(),
        &["--limit=processes=unlimited", "bomb.wasm", "fork"],
    );
    if capped {
        let out = text(&o.stdout);
        assert!(
            !out.contains("forks 511 ") && out.contains(" EAGAIN\n"),
            "{out}"
        );
        assert!(notices(&o).is_empty(), "{o:?}");
    }
}

#[test]
fn a_thread_bomb_stops_at_the_default_thread_limit_with_one_notice() {
    let t = TempDir::new("limits-threads");
    build(t.path());
    for extra in [&[][..], &["--allow-all"][..]] {
        let mut args = extra.to_vec();
        args.extend(["bomb.wasm", "threads"]);
        let (o, _) = run_capped(4096, t.path(), &args);
        let out = text(&o.stdout);
        assert!(o.status.success(), "{args:?}: {o:?}");
        // 2048 threads: the main one and 2047 more.
        assert!(out.contains("threads 2047 EAGAIN\n"), "{args:?}: {out}");
        let n = notices(&o);
        assert_eq!(n.len(), 1, "{args:?}: {n:?}");
        assert!(n[0].contains("limit of 2048 threads"), "{n:?}");
    }
    let (o, _) = run_capped(
        512,
        t.path(),
        &["--limit=threads=8", "bomb.wasm", "threads"],
    );
    assert!(text(&o.stdout).contains("threads 7 EAGAIN\n"), "{o:?}");
    // The policy file says it too.
    std::fs::write(t.path().join("p.toml"), "[limits]\nthreads = 4\n").unwrap();
    let (o, _) = run_capped(512, t.path(), &["--policy=p.toml", "bomb.wasm", "threads"]);
    assert!(text(&o.stdout).contains("threads 3 EAGAIN\n"), "{o:?}");
}

#[test]
fn processes_that_leave_by_exec_or_by_a_signal_leave_the_count() {
    let t = TempDir::new("limits-leave");
    build(t.path());
    // 100 execs and 100 kills, under a limit of 64: none of them may stay counted.
    for extra in [&[][..], &["--allow-exec"][..]] {
        let mut args = extra.to_vec();
        args.push("--limit=processes=64");
        args.extend(["bomb.wasm", "leave"]);
        let (o, _) = run_capped(512, t.path(), &args);
        assert!(
            text(&o.stdout).contains("left 200\n") && notices(&o).is_empty(),
            "{args:?}: {o:?}"
        );
    }
}

#[test]
fn a_host_that_refuses_tasks_gets_eagain_or_one_line_never_a_panic() {
    let t = TempDir::new("limits-host");
    build(t.path());
    // pids.max 1: the runtime alone, not one thread more (rayon's compile pool, a guest
    // thread, a fork); 2: one more. A cold cache, so the compile needs its threads.
    for max in [1, 2] {
        for (mode, says) in [("threads", "threads "), ("fork", "forks ")] {
            let (o, capped) = run_capped(max, t.path(), &["--no-cache", "bomb.wasm", mode]);
            if !capped {
                eprintln!("no writable pids cgroup here: the host-refusal check is skipped");
                return;
            }
            let (out, err) = (text(&o.stdout), text(&o.stderr));
            assert_ne!(o.status.code(), Some(101), "pids.max {max} {mode}: {err}");
            assert!(!err.contains("panicked"), "pids.max {max} {mode}: {err}");
            if o.status.success() {
                let want = format!("{says}{} EAGAIN\n", max - 1);
                assert!(out.contains(&want), "pids.max {max} {mode}: {out}");
            } else {
                let n = notices(&o);
                assert!(
                    n.len() == 1 && n[0].starts_with("wali-run: "),
                    "pids.max {max} {mode}: {err}"
                );
            }
        }
    }
}
