//! The shim under a real containerd (Debian's package), started here with its own root,
//! state and socket under a temporary directory: images made by shim/oci-image.sh are
//! imported with `ctr` and run with `--runtime io.containerd.wali.v1`. Skips, saying
//! why, where containerd cannot run (not root, not installed, no Ruby build, no cgroup
//! to keep it in).
//!
//! Every child is waited for with a bound, and what this test started is ended by pid
//! from the cgroups that hold it: containerd and its shims in one made for them, the
//! pods in those libcontainer made under the test's own containerd namespace.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const SHIM: &str = env!("CARGO_BIN_EXE_containerd-shim-wali-v1");
const RUNTIME: &str = "io.containerd.wali.v1";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn which(prog: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(prog))
            .find(|f| f.is_file())
    })
}

/// Wait for `child` at most `limit`; killed (by its pid) when it takes longer.
fn wait_bounded(child: &mut Child, limit: Duration, what: &str) -> std::process::ExitStatus {
    let t = Instant::now();
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        if t.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: still running after {limit:?}: killed");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Run `cmd` to its end, at most `limit`, its output read meanwhile (by threads: a
/// child that fills a pipe or never closes it cannot stop the wait).
fn run_bounded(cmd: &mut Command, limit: Duration, what: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            v
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let status = wait_bounded(&mut child, limit, what);
    Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

/// How long a tool (wali-cc, oci-image.sh, wali-run) or a `ctr` command may take; the
/// first Ruby pod compiles Ruby (18-44 s here, more under load).
const LIMIT: Duration = Duration::from_secs(300);

/// The pids cgroup hierarchy (v1's pids controller, else v2's unified one) and this
/// process's cgroup in it.
fn pids_cgroup() -> Option<PathBuf> {
    let own = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    // `ID:CONTROLLERS:PATH` lines; v2's has no controllers ("" is then the one).
    let path = |ctl: &str| {
        own.lines().find_map(|l| {
            let (ctls, p) = l.split_once(':')?.1.split_once(':')?;
            ctls.split(',')
                .any(|c| c == ctl)
                .then(|| p.trim_start_matches('/').to_string())
        })
    };
    let v1 = Path::new("/sys/fs/cgroup/pids");
    if v1.join("cgroup.procs").exists() {
        return Some(v1.join(path("pids")?));
    }
    let v2 = Path::new("/sys/fs/cgroup");
    if v2.join("cgroup.controllers").exists() {
        return Some(v2.join(path("")?));
    }
    None
}

/// SIGKILL every process in cgroup `dir` (and its children) until none is left, then
/// remove the cgroups; true when gone.
fn end_cgroup(dir: &Path) -> bool {
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            if e.path().is_dir() {
                end_cgroup(&e.path());
            }
        }
    }
    for _ in 0..100 {
        let procs = std::fs::read_to_string(dir.join("cgroup.procs")).unwrap_or_default();
        let pids: Vec<i32> = procs.lines().filter_map(|l| l.parse().ok()).collect();
        if pids.is_empty() && std::fs::remove_dir(dir).is_ok() {
            return true;
        }
        for pid in pids {
            // SAFETY: a signal to a process in a cgroup only this test's processes
            // are in.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    !dir.exists()
}

/// A containerd of our own. Dropped (also when a check fails): containerd, the shims it
/// started and the pods are killed by pid from their cgroups, the cgroups removed,
/// leftover mounts under its root undone and its directory removed.
struct Containerd {
    child: Child,
    dir: PathBuf,
    sock: PathBuf,
    ns: String,
    /// The cgroup containerd was started in: its shims (and their zygotes) are there too.
    cgroup: PathBuf,
}

impl Containerd {
    fn start() -> Result<Containerd, String> {
        let dir = std::env::temp_dir().join(format!("wali-shim-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("bin")).unwrap();
        // containerd finds a runtime's shim as containerd-shim-NAME-v1 on its PATH.
        std::os::unix::fs::symlink(SHIM, dir.join("bin/containerd-shim-wali-v1")).unwrap();
        let sock = dir.join("containerd.sock");
        let d = dir.display();
        std::fs::write(
            dir.join("config.toml"),
            format!(
                "version = 2\nroot = \"{d}/root\"\nstate = \"{d}/state\"\n\
                 disabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n\
                 [grpc]\n  address = \"{}\"\n\
                 [plugins.\"io.containerd.internal.v1.opt\"]\n  path = \"{d}/opt\"\n",
                sock.display()
            ),
        )
        .unwrap();
        let path = format!(
            "{d}/bin:{}",
            std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into())
        );
        let log = std::fs::File::create(dir.join("containerd.log")).unwrap();
        // The shim's compiled-module cache (it opens it at start): empty, to see
        // what the pods put there.
        std::fs::create_dir(dir.join("cache")).unwrap();
        // A cgroup of its own, which containerd enters before it runs: the shims it
        // starts stay there, so the end finds them all, and only them.
        let cgroup = pids_cgroup()
            .map(|c| c.join(format!("wali-shim-test-{}", std::process::id())))
            .ok_or("no pids cgroup hierarchy")?;
        let _ = end_cgroup(&cgroup);
        std::fs::create_dir(&cgroup).map_err(|e| format!("{}: {e}", cgroup.display()))?;
        let procs = std::fs::OpenOptions::new()
            .write(true)
            .open(cgroup.join("cgroup.procs"))
            .map_err(|e| format!("{}/cgroup.procs: {e}", cgroup.display()))?;
        let procs_fd = std::os::fd::AsRawFd::as_raw_fd(&procs);
        let mut cmd = Command::new("containerd");
        cmd.arg("--config")
            .arg(dir.join("config.toml"))
            .env("PATH", path)
            .env("WALI_CACHE_DIR", dir.join("cache"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log);
        // SAFETY: between fork and exec only write(2), which is async-signal-safe; the
        // descriptor is open until spawn returns (close-on-exec: containerd has none).
        unsafe {
            cmd.pre_exec(move || {
                if libc::write(procs_fd, b"0".as_ptr().cast(), 1) == 1 {
                    Ok(())
                } else {
                    Err(std::io::Error::last_os_error())
                }
            });
        }
        let spawned = cmd.spawn();
        drop(procs);
        let child = match spawned {
            Ok(c) => c,
            Err(e) => {
                let _ = std::fs::remove_dir(&cgroup);
                return Err(format!(
                    "cannot start containerd in {}: {e}",
                    cgroup.display()
                ));
            }
        };
        let mut c = Containerd {
            child,
            dir,
            sock,
            ns: format!("wali-test-{}", std::process::id()),
            cgroup,
        };
        let t = Instant::now();
        loop {
            if c.sock.exists() && c.ctr(&["version"]).status.success() {
                return Ok(c);
            }
            if let Some(s) = c.child.try_wait().unwrap() {
                return Err(format!("containerd exited ({s}): {}", c.log_tail()));
            }
            if t.elapsed() > Duration::from_secs(30) {
                return Err(format!(
                    "containerd did not answer in 30 s: {}",
                    c.log_tail()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.join("containerd.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    fn ctr_cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new("ctr");
        c.arg("--address").arg(&self.sock).args(["-n", &self.ns]);
        c.args(args);
        c
    }

    fn ctr(&self, args: &[&str]) -> Output {
        run_bounded(&mut self.ctr_cmd(args), LIMIT, &format!("ctr {args:?}"))
    }

    /// An image of `file` made by shim/oci-image.sh, imported as `name`.
    fn image(&self, file: &Path, name: &str) {
        let tar = file.with_extension("tar");
        let o = run_bounded(
            Command::new(repo().join("shim/oci-image.sh"))
                .arg("-o")
                .arg(&tar)
                .args(["-n", name])
                .arg(file),
            LIMIT,
            "oci-image.sh",
        );
        assert!(o.status.success(), "oci-image.sh: {}", text(&o.stderr));
        let o = self.ctr(&["images", "import", tar.to_str().unwrap()]);
        assert!(o.status.success(), "ctr images import: {}", text(&o.stderr));
    }
}

impl Drop for Containerd {
    fn drop(&mut self) {
        // containerd first, asked to stop (its shims outlive it), then whatever is left
        // in its cgroup: the shims a failed `ctr run` left, containerd if it did not stop.
        // SAFETY: a signal to the containerd this test started.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let t = Instant::now();
        while self.child.try_wait().ok().flatten().is_none()
            && t.elapsed() < Duration::from_secs(10)
        {
            std::thread::sleep(Duration::from_millis(50));
        }
        if !end_cgroup(&self.cgroup) {
            eprintln!("{}: processes left", self.cgroup.display());
        }
        let _ = self.child.wait();
        // The pods: libcontainer puts each in NAMESPACE/ID of every hierarchy (v1) or
        // of the one (v2); the namespace is this test's.
        let mut hierarchies = vec![PathBuf::from("/sys/fs/cgroup")];
        if let Ok(rd) = std::fs::read_dir("/sys/fs/cgroup") {
            hierarchies.extend(rd.flatten().map(|e| e.path()));
        }
        for h in hierarchies {
            let ns = h.join(&self.ns);
            if ns.is_dir() && !end_cgroup(&ns) {
                eprintln!("{}: processes left", ns.display());
            }
        }
        // Rootfs mounts left by a container that was not deleted, innermost first.
        let info = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
        let dir = self.dir.to_string_lossy().into_owned();
        let mut points: Vec<&str> = info
            .lines()
            .filter_map(|l| l.split(' ').nth(4))
            .filter(|p| p.starts_with(&dir))
            .collect();
        points.sort_by_key(|p| std::cmp::Reverse(p.len()));
        for p in points {
            let c = std::ffi::CString::new(p).unwrap();
            // SAFETY: a NUL-terminated path; a mount this test's containerd made.
            unsafe { libc::umount2(c.as_ptr(), libc::MNT_DETACH) };
        }
        let _ = std::fs::remove_dir_all(&self.dir);
        // libcontainer's state for the shim's containers (runwasi's default root).
        let _ = std::fs::remove_dir_all(format!("/run/containerd/wali/{}", self.ns));
        let _ = std::fs::remove_dir("/run/containerd/wali"); // only when empty
    }
}

fn skip(why: &str) {
    println!("containerd test skipped: {why}");
    eprintln!("containerd test skipped: {why}");
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const HELLO_C: &str = r#"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    int fds = 0;
    for (int fd = 3; fd < 1024; fd++) fds += fcntl(fd, F_GETFD) >= 0;
    printf("hello from a pod:");
    for (int i = 0; i < argc; i++) printf(" [%s]", argv[i]);
    const char *g = getenv("GREETING");
    printf(" GREETING=%s\n", g ? g : "(unset)");
    char buf[64] = "(none)\n";
    FILE *f = fopen("/data/note.txt", "r");
    if (f) { fgets(buf, sizeof buf, f); fclose(f); }
    printf("note: %s", buf);
    FILE *w = fopen("/data/new.txt", "w");
    printf("write to /data: %s\n", w ? "allowed" : "refused");
    fprintf(stderr, "descriptors above stderr: %d\n", fds);
    return 7;
}
"#;

/// A `ctr run` in the background whose stdout lines are read as they come.
struct Running {
    child: Child,
    lines: std::sync::mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    fn start(c: &Containerd, args: &[&str]) -> Running {
        let mut child = c
            .ctr_cmd(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("ctr run");
        let out = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for l in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = tx.send(l);
            }
        });
        Running {
            child,
            lines: rx,
            seen: Vec::new(),
        }
    }

    fn wait_line(&mut self, want: &str, limit: Duration) {
        let t = Instant::now();
        while !self.seen.iter().any(|l| l == want) {
            let left = limit.saturating_sub(t.elapsed());
            match self.lines.recv_timeout(left) {
                Ok(l) => self.seen.push(l),
                Err(_) => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    panic!(
                        "no {want:?} line in {limit:?}; stdout so far: {:?}",
                        self.seen
                    );
                }
            }
        }
    }

    fn finish(mut self, what: &str) -> (Option<i32>, Vec<String>) {
        let s = wait_bounded(&mut self.child, Duration::from_secs(60), what);
        while let Ok(l) = self.lines.recv_timeout(Duration::from_secs(2)) {
            self.seen.push(l);
        }
        (s.code(), self.seen)
    }
}

#[test]
fn wali_modules_and_boxes_run_as_containers_under_containerd() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return skip("containerd needs root (namespaces, mounts, cgroups)");
    }
    for p in ["containerd", "ctr"] {
        if which(p).is_none() {
            return skip(&format!(
                "{p} is not installed (apt-get install containerd)"
            ));
        }
    }
    let wali_cc = repo().join("build/bin/wali-cc");
    // The wali-run of the same build as the shim (cargo test --workspace builds both;
    // after a build of the shim alone it may be older), else ./build.sh's.
    let wali_run = Path::new(SHIM)
        .with_file_name("wali-run")
        .canonicalize()
        .unwrap_or_else(|_| repo().join("build/bin/wali-run"));
    let ruby = repo().join("build/ruby/ruby.wasm");
    for f in [&wali_cc, &wali_run, &ruby] {
        if !f.exists() {
            return skip(&format!("{} is missing (run ./build.sh)", f.display()));
        }
    }
    let c = match Containerd::start() {
        Ok(c) => c,
        Err(e) => return skip(&format!("containerd cannot run here: {e}")),
    };
    let t = &c.dir;

    // A C module: argv, environment, a read-only volume and the exit status, against
    // the same module under wali-run with the same grants; the memory limit's flag.
    std::fs::write(t.join("hello.c"), HELLO_C).unwrap();
    let hello = t.join("hello.wasm");
    let o = run_bounded(
        Command::new(&wali_cc)
            .arg("-O2")
            .arg(t.join("hello.c"))
            .arg("-o")
            .arg(&hello),
        LIMIT,
        "wali-cc",
    );
    assert!(o.status.success(), "wali-cc: {}", text(&o.stderr));
    let data = t.join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(data.join("note.txt"), "from the host\n").unwrap();
    c.image(&hello, "wali-test/hello:1");
    let mount = format!(
        "type=bind,src={},dst=/data,options=rbind:ro",
        data.display()
    );
    let pod = c.ctr(&[
        "run",
        "--rm",
        "--runtime",
        RUNTIME,
        "--env",
        "GREETING=hi",
        "--mount",
        &mount,
        "--memory-limit",
        "268435456",
        "wali-test/hello:1",
        "hello1",
        "/hello.wasm",
        "a",
        "b c",
    ]);
    let direct = run_bounded(
        Command::new(&wali_run)
            .args([
                "--env-clear",
                "--env",
                "GREETING=hi",
                "--argv0",
                "/hello.wasm",
                "--dir",
            ])
            .arg(format!("{}:/data:ro", data.display()))
            .arg(&hello)
            .args(["a", "b c"])
            .current_dir(t),
        LIMIT,
        "wali-run",
    );
    let want = "hello from a pod: [/hello.wasm] [a] [b c] GREETING=hi\nnote: from the host\nwrite to /data: refused\n";
    assert_eq!(text(&direct.stdout), want, "wali-run itself");
    assert_eq!(
        text(&pod.stdout),
        want,
        "the pod; stderr: {}\ncontainerd's log: {}",
        text(&pod.stderr),
        c.log_tail()
    );
    assert_eq!(
        pod.status.code(),
        Some(7),
        "the pod's exit status is the module's"
    );
    // The module counts the descriptors it can see above stderr: none of the shim's or
    // the runtime's may reach the guest in a pod. (Under wali-run itself the guest
    // inherits what its parent left open, as a native process would: cargo's here.)
    assert!(
        text(&pod.stderr).contains("descriptors above stderr: 0\n"),
        "the pod: {}",
        text(&pod.stderr)
    );
    // The container's memory limit (its cgroup's, 256 MiB) became the guest's: the
    // shim logs the command line it runs (into containerd's log).
    let log = std::fs::read_to_string(t.join("containerd.log")).unwrap_or_default();
    assert!(
        log.contains(r#""--limit=memory=268435456""#) && log.contains(r#""--dir=/data:/data:ro""#),
        "no such wali-run command line in containerd's log: {}",
        c.log_tail()
    );
    assert!(!data.join("new.txt").exists());
    // The pod compiled the module into the host's cache, from inside the container,
    // and wali-run finds it there: the same cache, the same key.
    let modules = || std::fs::read_dir(t.join("cache/modules")).map_or(0, |d| d.count());
    let cached = modules();
    assert!(cached > 0, "nothing in the shim's module cache");
    let again = run_bounded(
        Command::new(&wali_run)
            .env("WALI_CACHE_DIR", t.join("cache"))
            .arg(&hello),
        LIMIT,
        "wali-run",
    );
    assert_eq!(again.status.code(), Some(7));
    assert_eq!(modules(), cached, "wali-run compiled the module again");

    // Ruby in a box: the image's default command, then a program that traps SIGTERM.
    let app = t.join("app");
    std::fs::create_dir(&app).unwrap();
    std::fs::write(
        app.join("Dockerfile"),
        format!(
            "FROM {}\nENTRYPOINT [\"ruby\"]\nCMD [\"-e\", \"puts RUBY_VERSION\"]\n",
            ruby.display()
        ),
    )
    .unwrap();
    let rbox = t.join("ruby.box");
    let o = run_bounded(
        Command::new(&wali_run)
            .args(["pack", "-f"])
            .arg(app.join("Dockerfile"))
            .arg("-o")
            .arg(&rbox)
            .arg(&app),
        LIMIT,
        "wali-run",
    );
    assert!(o.status.success(), "wali-run pack: {}", text(&o.stderr));
    c.image(&rbox, "wali-test/ruby:1");
    let o = c.ctr(&[
        "run",
        "--rm",
        "--runtime",
        RUNTIME,
        "wali-test/ruby:1",
        "ruby1",
    ]);
    assert_eq!(text(&o.stdout), "3.3.8\n", "stderr: {}", text(&o.stderr));
    assert_eq!(o.status.code(), Some(0));

    // ctr task kill: SIGTERM reaches the guest, whose trap decides the exit status...
    let trap = "trap('TERM') { puts 'got TERM'; exit 3 }; puts 'ready'; $stdout.flush; sleep 60";
    let mut r = Running::start(
        &c,
        &[
            "run",
            "--rm",
            "--runtime",
            RUNTIME,
            "wali-test/ruby:1",
            "ruby2",
            "/ruby.box",
            "-e",
            trap,
        ],
    );
    r.wait_line("ready", Duration::from_secs(120));
    let k = c.ctr(&["task", "kill", "--signal", "SIGTERM", "ruby2"]);
    assert!(k.status.success(), "ctr task kill: {}", text(&k.stderr));
    let (code, lines) = r.finish("the trapping pod");
    assert_eq!(lines, ["ready", "got TERM"]);
    assert_eq!(code, Some(3));
    // ...and without a trap the pod ends as a container killed by it: 128 + 15.
    let plain = "puts 'ready'; $stdout.flush; sleep 60";
    let mut r = Running::start(
        &c,
        &[
            "run",
            "--rm",
            "--runtime",
            RUNTIME,
            "wali-test/ruby:1",
            "ruby3",
            "/ruby.box",
            "-e",
            plain,
        ],
    );
    r.wait_line("ready", Duration::from_secs(120));
    let k = c.ctr(&["task", "kill", "--signal", "SIGTERM", "ruby3"]);
    assert!(k.status.success(), "ctr task kill: {}", text(&k.stderr));
    let (code, _) = r.finish("the plain pod");
    assert_eq!(code, Some(143));

    // A Ruby TCP server in a pod on the host's network, its network narrowed to the
    // one address by WALI_ALLOW_NET; the test is its client over loopback.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let server = format!(
        "require 'socket'; s = TCPServer.new('127.0.0.1', {port}); puts 'listening'; \
         $stdout.flush; c = s.accept; c.puts \"pod got #{{c.gets.strip}}\"; c.close"
    );
    let allow = format!("WALI_ALLOW_NET=127.0.0.1:{port}");
    let mut r = Running::start(
        &c,
        &[
            "run",
            "--rm",
            "--net-host",
            "--env",
            &allow,
            "--runtime",
            RUNTIME,
            "wali-test/ruby:1",
            "ruby4",
            "/ruby.box",
            "-e",
            &server,
        ],
    );
    r.wait_line("listening", Duration::from_secs(120));
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect to the pod");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.write_all(b"ping\n").unwrap();
    let mut reply = String::new();
    BufReader::new(&s).read_line(&mut reply).unwrap();
    assert_eq!(reply, "pod got ping\n");
    let (code, _) = r.finish("the server pod");
    assert_eq!(code, Some(0));
    println!("containerd test: C module, Ruby box, SIGTERM trap and exit 143, TCP server: all as expected");
}
