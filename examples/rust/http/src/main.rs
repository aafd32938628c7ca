//! A small HTTP/1.1 server on mio (epoll underneath), one event loop per worker thread,
//! every worker polling the same listening socket (accepts race; the loser sees
//! WouldBlock).
//!   http PORT [WORKERS]   listen on 127.0.0.1:PORT (0: any free port, printed)
//! GET /        "hello from mio"            GET /count   requests served so far
//! GET /sum/N   1 + 2 + ... + N
//! GET /quit    answers, then every worker stops; the server prints how many requests
//!              it served and exits
//! Connections are kept alive (HTTP/1.1), so wrk measures the server, not connects.
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token, Waker};
use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

const LISTENER: Token = Token(0);
const WAKER: Token = Token(1);

struct Shared {
    served: AtomicU64,
    quit: AtomicBool,
    wakers: Mutex<Vec<Arc<Waker>>>,
}

struct Conn {
    stream: TcpStream,
    inbuf: Vec<u8>,
    out: Vec<u8>,
    close: bool,
}

fn respond(path: &str, shared: &Shared) -> (&'static str, String) {
    let n = shared.served.fetch_add(1, Ordering::Relaxed) + 1;
    match path {
        "/" => ("200 OK", "hello from mio\n".into()),
        "/count" => ("200 OK", format!("{n}\n")),
        "/quit" => {
            shared.quit.store(true, Ordering::SeqCst);
            for w in shared.wakers.lock().unwrap().iter() {
                let _ = w.wake();
            }
            ("200 OK", "bye\n".into())
        }
        p if p.starts_with("/sum/") => match p[5..].parse::<u64>() {
            Ok(k) => ("200 OK", format!("{}\n", (1..=k).sum::<u64>())),
            Err(_) => ("400 Bad Request", "bad number\n".into()),
        },
        _ => ("404 Not Found", "not found\n".into()),
    }
}

/// Parse every complete request head in the input, queue the replies.
fn handle_requests(c: &mut Conn, shared: &Shared) {
    while let Some(i) = c.inbuf.windows(4).position(|w| w == b"\r\n\r\n") {
        let head = String::from_utf8_lossy(&c.inbuf[..i + 4]).into_owned();
        c.inbuf.drain(..i + 4);
        let mut first = head.lines().next().unwrap_or("").split_whitespace();
        let (method, path) = (first.next().unwrap_or(""), first.next().unwrap_or(""));
        c.close = head.to_ascii_lowercase().contains("connection: close");
        let (status, body) = if method == "GET" {
            respond(path, shared)
        } else {
            ("405 Method Not Allowed", "GET only\n".into())
        };
        let conn = if c.close { "Connection: close\r\n" } else { "" };
        c.out.extend_from_slice(
            format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nContent-Type: text/plain\r\n{conn}\r\n{body}",
                body.len()
            )
            .as_bytes(),
        );
        if c.close {
            break;
        }
    }
}

/// Read and write what the socket takes now; false when the connection is done.
fn drive(c: &mut Conn, shared: &Shared) -> bool {
    let mut buf = [0u8; 8192];
    loop {
        match c.stream.read(&mut buf) {
            Ok(0) => return false,
            Ok(n) => {
                c.inbuf.extend_from_slice(&buf[..n]);
                if c.inbuf.len() > 64 * 1024 {
                    return false;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return false,
        }
    }
    handle_requests(c, shared);
    while !c.out.is_empty() {
        match c.stream.write(&c.out) {
            Ok(n) => {
                c.out.drain(..n);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return true,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return false,
        }
    }
    !c.close
}

fn worker(std_listener: std::net::TcpListener, shared: Arc<Shared>) -> io::Result<()> {
    let mut poll = Poll::new()?;
    let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);
    shared.wakers.lock().unwrap().push(waker);
    let mut listener = TcpListener::from_std(std_listener);
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    let mut conns: HashMap<Token, Conn> = HashMap::new();
    let mut next = 2usize;
    let mut events = Events::with_capacity(256);
    while !shared.quit.load(Ordering::SeqCst) {
        if let Err(e) = poll.poll(&mut events, None) {
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        for ev in events.iter() {
            match ev.token() {
                LISTENER => loop {
                    match listener.accept() {
                        Ok((mut stream, _)) => {
                            stream.set_nodelay(true)?;
                            let t = Token(next);
                            next += 1;
                            poll.registry().register(
                                &mut stream,
                                t,
                                Interest::READABLE | Interest::WRITABLE,
                            )?;
                            conns.insert(
                                t,
                                Conn {
                                    stream,
                                    inbuf: Vec::new(),
                                    out: Vec::new(),
                                    close: false,
                                },
                            );
                        }
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(e) => return Err(e),
                    }
                },
                WAKER => {}
                t => {
                    let done = match conns.get_mut(&t) {
                        Some(c) => !drive(c, &shared),
                        None => false,
                    };
                    if done {
                        if let Some(mut c) = conns.remove(&t) {
                            let _ = poll.registry().deregister(&mut c.stream);
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(Ok(port)) = args.get(1).map(|p| p.parse::<u16>()) else {
        eprintln!("usage: http PORT [WORKERS]");
        std::process::exit(2);
    };
    let workers: usize = args.get(2).and_then(|w| w.parse().ok()).unwrap_or(2).max(1);
    let listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap_or_else(|e| {
        eprintln!("http: bind 127.0.0.1:{port}: {e}");
        std::process::exit(1);
    });
    listener.set_nonblocking(true).unwrap();
    println!(
        "listening on {} with {workers} workers",
        listener.local_addr().unwrap()
    );
    let shared = Arc::new(Shared {
        served: AtomicU64::new(0),
        quit: AtomicBool::new(false),
        wakers: Mutex::new(Vec::new()),
    });
    let handles: Vec<_> = (0..workers)
        .map(|_| {
            let l = listener.try_clone().expect("dup the listener");
            let s = Arc::clone(&shared);
            std::thread::spawn(move || worker(l, s))
        })
        .collect();
    for h in handles {
        if let Err(e) = h.join().unwrap() {
            eprintln!("http: worker: {e}");
        }
    }
    println!("served {} requests", shared.served.load(Ordering::Relaxed));
}
