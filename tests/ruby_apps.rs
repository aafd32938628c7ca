//! Ruby apps with gems' C extensions linked into ruby.wasm (toolchain/ruby/app.sh):
//! Puma 6.6 serving examples/ruby/rack/config.ru under wali-run, compared with the same
//! app served by the native Ruby 3.3.8 with the same gems built natively (app.sh
//! --native), and with answers written by hand from the app's code.
//!
//! ./test.sh builds build/app-ruby (cached) before the tests:
//!   toolchain/ruby/app.sh --native -o build/app-ruby puma nio4r rack bcrypt sinatra \
//!     rack-protection mustermann ruby2_keywords tilt

mod common;
use common::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn app() -> PathBuf {
    let d = repo().join("build/app-ruby");
    assert!(
        d.join("ruby.wasm").exists() && d.join("native/ruby").exists(),
        "{} is missing: run ./test.sh, or toolchain/ruby/app.sh --native -o build/app-ruby \
         puma nio4r rack bcrypt sinatra rack-protection mustermann ruby2_keywords tilt",
        d.display()
    );
    d
}

/// A Puma server, stopped (SIGTERM, then SIGKILL) on drop.
struct Server {
    child: Child,
    port: u16,
    log: mpsc::Receiver<String>,
    seen: String,
}

impl Server {
    /// Puma with `args` (after the bind and before config.ru), under wali-run or native,
    /// in its own pids cgroup (cluster mode forks).
    fn start(example: &str, wasm: bool, args: &[&str]) -> Server {
        let app = app();
        let port = free_port();
        let bind = format!("tcp://127.0.0.1:{port}");
        let puma = app.join("gems/puma/bin/puma");
        let mut c = Command::new(repo().join("tests/in-pids-cgroup"));
        c.args(["256", "timeout", "-k", "5", "300"]);
        if wasm {
            c.arg(bin())
                .arg(format!("--allow-net=127.0.0.1:{port}"))
                .arg(app.join("ruby.wasm"));
        } else {
            c.arg(app.join("native/ruby"));
        }
        c.arg(&puma)
            .args(["-b", &bind])
            .args(args)
            .arg("config.ru")
            .current_dir(repo().join("examples/ruby").join(example))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().expect("spawn puma");
        let (tx, rx) = mpsc::channel();
        for r in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for l in BufReader::new(r).lines().map_while(Result::ok) {
                    if tx.send(l).is_err() {
                        break;
                    }
                }
            });
        }
        let mut s = Server {
            child,
            port,
            log: rx,
            seen: String::new(),
        };
        // The first run compiles ruby.wasm (cached after): a generous wait.
        s.wait_for("Use Ctrl-C to stop", Duration::from_secs(240));
        s
    }

    fn wait_for(&mut self, what: &str, limit: Duration) {
        let end = Instant::now() + limit;
        while !self.seen.contains(what) {
            let left = end.saturating_duration_since(Instant::now());
            match self.log.recv_timeout(left) {
                Ok(l) => {
                    self.seen.push_str(&l);
                    self.seen.push('\n');
                }
                Err(_) => panic!("puma did not say {what:?} in {limit:?}:\n{}", self.seen),
            }
        }
    }

    fn get(&self, path: &str) -> Reply {
        request(self.port, "GET", path, b"")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let end = Instant::now() + Duration::from_secs(20);
        while Instant::now() < end {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug, PartialEq, Clone)]
struct Reply {
    status: u16,
    /// Header lines, names lowercased, in order, without Date (which changes).
    headers: Vec<(String, String)>,
    /// The body, chunked encoding decoded.
    body: Vec<u8>,
    /// Time from the request to the first body byte, and to the last.
    first: Duration,
    last: Duration,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One HTTP/1.1 request on its own connection (Connection: close).
fn request(port: u16, method: &str, path: &str, body: &[u8]) -> Reply {
    let t0 = Instant::now();
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut req =
        format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    if method == "POST" {
        req.push_str(&format!(
            "Content-Type: application/octet-stream\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut r = BufReader::new(s);
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    let status: u16 = line
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("{method} {path}: bad status line {line:?}"));
    let mut headers = vec![];
    loop {
        line.clear();
        r.read_line(&mut line).unwrap();
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        let (n, v) = l.split_once(':').unwrap();
        let n = n.to_ascii_lowercase();
        if n != "date" {
            headers.push((n, v.trim().to_string()));
        }
    }
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v == "chunked");
    let mut body = vec![];
    let mut first = None;
    if chunked {
        loop {
            line.clear();
            r.read_line(&mut line).unwrap();
            let n = usize::from_str_radix(line.trim(), 16)
                .unwrap_or_else(|_| panic!("bad chunk size {line:?}"));
            first.get_or_insert_with(|| t0.elapsed());
            let mut c = vec![0; n + 2];
            r.read_exact(&mut c).unwrap();
            if n == 0 {
                break;
            }
            body.extend_from_slice(&c[..n]);
        }
    } else {
        let mut b = [0u8; 1];
        if r.read(&mut b).unwrap() == 1 {
            first = Some(t0.elapsed());
            body.push(b[0]);
            r.read_to_end(&mut body).unwrap();
        }
    }
    Reply {
        status,
        headers,
        body,
        first: first.unwrap_or_else(|| t0.elapsed()),
        last: t0.elapsed(),
    }
}

/// The routes whose answers do not depend on the process (everything but /pid), with
/// the answer the app's code gives, written by hand.
type Route = (&'static str, &'static str, Vec<u8>, u16, String);

fn routes() -> Vec<Route> {
    let post: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
    let mut reversed = post.clone();
    reversed.reverse();
    vec![
        ("GET", "/", vec![], 200, "hello from rack on 3.3.8\n".into()),
        (
            "GET",
            "/json?n=5",
            vec![],
            200,
            r#"{"n":5,"squares":[1,4,9,16,25],"ok":true}"#.into(),
        ),
        (
            "POST",
            "/echo",
            post,
            200,
            String::from_utf8_lossy(&reversed).into(),
        ),
        (
            "GET",
            "/stream?from=4",
            vec![],
            200,
            "4...\n3...\n2...\n1...\nliftoff\n".into(),
        ),
        ("GET", "/slow?ms=100", vec![], 200, "slept 100 ms\n".into()),
        (
            "GET",
            // crypt_blowfish's own test vector (its wrapper.c).
            "/bcrypt?pw=U*U",
            vec![],
            200,
            "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW\n".into(),
        ),
        (
            "GET",
            "/no/such/page",
            vec![],
            404,
            "not found: GET /no/such/page\n".into(),
        ),
        ("DELETE", "/", vec![], 404, "not found: DELETE /\n".into()),
    ]
}

fn check_routes(s: &Server) -> Vec<Reply> {
    check(s, routes())
}

fn check(s: &Server, routes: Vec<Route>) -> Vec<Reply> {
    routes
        .into_iter()
        .map(|(m, p, body, status, want)| {
            let r = request(s.port, m, p, &body);
            assert_eq!((r.status, r.text()), (status, want), "{m} {p}: {r:?}");
            r
        })
        .collect()
}

/// Threaded mode (-t 8:8): every route answers as the app's code says and as the native
/// Ruby's Puma answers (status, headers, body), the stream comes chunked and piece by
/// piece, and a slow request does not hold up fast ones.
#[test]
fn puma_threaded_serves_rack_app_as_natively() {
    let native = Server::start("rack", false, &["-t", "8:8"]);
    let want = check_routes(&native);
    drop(native);
    let s = Server::start("rack", true, &["-t", "8:8"]);
    assert!(s.seen.contains("Puma version: 6.6.0"), "{}", s.seen);
    let got = check_routes(&s);
    for ((g, w), (m, p, ..)) in got.iter().zip(&want).zip(routes()) {
        assert_eq!(
            (g.status, &g.headers, &g.body),
            (w.status, &w.headers, &w.body),
            "{m} {p}: wasm differs from native"
        );
    }
    // The stream: chunked, its first piece well before its end (50 ms between pieces;
    // Puma 6 gathers small pieces in its buffer, so not all 300 ms of them show).
    let st = s.get("/stream?from=6");
    assert_eq!(st.header("transfer-encoding"), Some("chunked"), "{st:?}");
    assert!(st.last - st.first >= Duration::from_millis(80), "{st:?}");
    // POST bodies of several sizes, echoed reversed, with their length.
    for n in [0usize, 1, 1000, 70_000] {
        let b: Vec<u8> = (0..n).map(|i| b'a' + (i % 26) as u8).collect();
        let r = request(s.port, "POST", "/echo", &b);
        let mut rev = b.clone();
        rev.reverse();
        assert_eq!(
            (r.status, r.header("x-body-bytes")),
            (200, Some(n.to_string().as_str()))
        );
        assert!(r.body == rev, "POST of {n} bytes: body differs");
    }
    // A 3 s request in flight while 8 fast ones are served, one after another.
    let port = s.port;
    let slow = std::thread::spawn(move || request(port, "GET", "/slow?ms=3000", b""));
    std::thread::sleep(Duration::from_millis(300));
    let t = Instant::now();
    for i in 0..8 {
        let r = s.get(&format!("/json?n={i}"));
        assert_eq!(r.status, 200, "{r:?}");
    }
    let fast = t.elapsed();
    assert!(!slow.is_finished() || fast < Duration::from_millis(2500));
    assert!(
        fast < Duration::from_millis(2500),
        "8 fast requests took {fast:?} behind a slow one"
    );
    let r = slow.join().unwrap();
    assert_eq!(r.text(), "slept 3000 ms\n");
}

/// Cluster mode (-w 2): Puma forks two workers, both serve, the app answers as in
/// threaded mode.
#[test]
fn puma_cluster_mode_forks_two_workers() {
    let mut s = Server::start("rack", true, &["-w", "2", "-t", "2:2"]);
    s.wait_for("- Worker 1 (PID:", Duration::from_secs(120));
    check_routes(&s);
    // Requests land on both workers, sooner or later (each worker accepts on its own).
    let mut pids = std::collections::BTreeSet::new();
    let end = Instant::now() + Duration::from_secs(60);
    while pids.len() < 2 && Instant::now() < end {
        // Two at once: one worker busy on a slow request leaves the other to accept.
        let port = s.port;
        let a = std::thread::spawn(move || request(port, "GET", "/slow?ms=300", b""));
        let r = s.get("/pid");
        a.join().unwrap();
        pids.insert(r.text());
    }
    assert_eq!(
        pids.len(),
        2,
        "one worker served everything: {pids:?}\n{}",
        s.seen
    );
}

/// examples/ruby/sinatra (Sinatra 3.0.5, rack-protection, mustermann, tilt) under Puma
/// -t 8:8: every route as its code says and as under the native Ruby (rack-protection
/// requires Ruby's openssl extension at load).
#[test]
fn puma_serves_sinatra_app_as_natively() {
    let post: Vec<u8> = (0..3000u32).map(|i| b' ' + (i % 90) as u8).collect();
    let mut reversed = post.clone();
    reversed.reverse();
    let routes = || -> Vec<Route> {
        vec![
            ("GET", "/", vec![], 200, "hello from sinatra 3.0.5\n".into()),
            ("GET", "/hello/wasm", vec![], 200, "hello, wasm\n".into()),
            (
                "GET",
                "/json?n=4",
                vec![],
                200,
                r#"{"n":4,"cubes":[1,8,27,64]}"#.into(),
            ),
            (
                "POST",
                "/echo",
                post.clone(),
                200,
                String::from_utf8(reversed.clone()).unwrap(),
            ),
            (
                "GET",
                "/stream?from=3",
                vec![],
                200,
                "3...\n2...\n1...\nliftoff\n".into(),
            ),
            ("GET", "/slow?ms=100", vec![], 200, "slept 100 ms\n".into()),
            ("GET", "/nope", vec![], 404, "not found: GET /nope\n".into()),
        ]
    };
    let native = Server::start("sinatra", false, &["-t", "8:8"]);
    let want = check(&native, routes());
    drop(native);
    let s = Server::start("sinatra", true, &["-t", "8:8"]);
    let got = check(&s, routes());
    for ((g, w), (m, p, ..)) in got.iter().zip(&want).zip(routes()) {
        assert_eq!(
            (g.status, &g.headers, &g.body),
            (w.status, &w.headers, &w.body),
            "{m} {p}: wasm differs from native"
        );
    }
    assert_eq!(got[4].header("transfer-encoding"), Some("chunked"));
}

/// A gem whose C extension does not compile: app.sh stops with one line naming the gem,
/// the extension and the compiler's first error, exit status 1, and leaves no build tree;
/// one whose extconf.rb stops: its message. A gem app.sh cannot find: one line, exit 1.
#[test]
fn app_sh_names_the_gem_and_its_first_compiler_error() {
    app();
    // make and sh see these paths unquoted: no parentheses (TempDir names have them).
    let t = TempDir(std::env::temp_dir().join(format!("wali-app-sh-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(t.path());
    let ext = t.path().join("brokengem-0.1/ext/broken");
    std::fs::create_dir_all(&ext).unwrap();
    std::fs::write(
        ext.join("extconf.rb"),
        "require 'mkmf'\ncreate_makefile('broken/broken')\n",
    )
    .unwrap();
    std::fs::write(
        ext.join("broken.c"),
        "#include \"ruby.h\"\nvoid Init_broken(void) { rb_define_module(\"Broken\") }\n",
    )
    .unwrap();
    let app_sh = |gem: &str| {
        Command::new(repo().join("toolchain/ruby/app.sh"))
            .args(["-o", t.path().join("out").to_str().unwrap(), gem])
            .env("WALI_CACHE_DIR", t.path().join("cache"))
            .output()
            .unwrap()
    };
    let o = app_sh(t.path().join("brokengem-0.1").to_str().unwrap());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("app.sh: gem brokengem: extension broken did not build: broken.c:2:")
            && err.contains("error: expected ';'"),
        "{err}"
    );
    let left: Vec<_> = std::fs::read_dir(t.path().join("cache"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".log"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    // An extconf.rb that stops (a library it needs is missing): its own message.
    let conf = t.path().join("needsfoo-2.0/ext/needsfoo");
    std::fs::create_dir_all(&conf).unwrap();
    std::fs::write(
        conf.join("extconf.rb"),
        "require 'mkmf'\nabort 'libfoo is missing' unless have_library('foo', 'foo_init')\n\
         create_makefile('needsfoo')\n",
    )
    .unwrap();
    let o = app_sh(t.path().join("needsfoo-2.0").to_str().unwrap());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.starts_with(
            "app.sh: gem needsfoo: extension needsfoo did not build: extconf.rb failed: \
             libfoo is missing (log: "
        ) && err.lines().count() == 1,
        "{err}"
    );
    let o = app_sh(t.path().join("nothing-here").to_str().unwrap());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.starts_with("app.sh: gem ")
            && err
                .trim_end()
                .ends_with("nothing-here: not a directory and not in toolchain/ruby/gems.list")
            && err.lines().count() == 1,
        "{err}"
    );
}

/// puma_http11 and bcrypt_ext driven directly (tests/ruby/gem_exts.rb): built in (a
/// feature with no file), and the same answers as the native extensions: Puma's parser
/// on good, incomplete and malformed requests, crypt_blowfish on its own test vectors.
#[test]
fn gem_extensions_are_built_in_and_answer_as_natively() {
    let app = app();
    let dir = repo().join("tests/ruby");
    let native = Command::new(app.join("native/ruby"))
        .arg("gem_exts.rb")
        .current_dir(&dir)
        .output()
        .unwrap();
    let wasm = Command::new(bin())
        .arg(app.join("ruby.wasm"))
        .arg("gem_exts.rb")
        .current_dir(&dir)
        .output()
        .unwrap();
    let (n, w) = (
        String::from_utf8_lossy(&native.stdout),
        String::from_utf8_lossy(&wasm.stdout),
    );
    assert!(
        native.status.success(),
        "native: {n}{}",
        String::from_utf8_lossy(&native.stderr)
    );
    assert!(
        wasm.status.success(),
        "wasm: {w}{}",
        String::from_utf8_lossy(&wasm.stderr)
    );
    assert_eq!(w, n, "wasm differs from native");
    for want in [
        r#"["bcrypt_ext.so", "puma_http11.so"]"#,
        r#"  QUERY_STRING="x=1&y=%20z""#,
        "error Puma::HttpParserError: HTTP element REQUEST_PATH is longer than the (8192) allowed length (was 20001)",
        r#""$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW""#,
        r#""$2x$05$/OK.fbVrR/bpIqNJ5ianF.o./n25XVfn6oAPaUvHe.Csk4zRfsYPi""#,
    ] {
        assert!(w.lines().any(|l| l == want), "missing {want:?} in:\n{w}");
    }
}

/// `ruby` by name inside the app Ruby (`bundle exec ruby`, `system("ruby", ...)`) is the
/// app's own ruby.wasm (build/app-ruby/bin/ruby, on the guest's PATH by its manifest),
/// so the child has the built-in extensions too; expected values: the extensions' own
/// names and OpenBSD's bcrypt test vector for "U*U".
#[test]
fn ruby_by_name_in_the_app_ruby_has_its_extensions() {
    let app = app();
    let child = "require %q(puma/puma_http11); require %q(bcrypt); \
                 p $LOADED_FEATURES.grep(/puma_http11|bcrypt_ext/).map { File.basename(_1) }.sort; \
                 puts BCrypt::Engine.hash_secret(%q(U*U), %q($2a$05$CCCCCCCCCCCCCCCCCCCCC.))";
    let out = Command::new(bin())
        .arg(app.join("ruby.wasm"))
        .args([
            "-e",
            &format!("system(\"ruby\", \"-e\", {child:?}) or abort($?.inspect)"),
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        text,
        "[\"bcrypt_ext.so\", \"puma_http11.so\"]\n\
         $2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW\n"
    );
}
