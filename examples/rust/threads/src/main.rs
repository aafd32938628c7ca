//! std::thread, Mutex, Condvar-free channels, scoped threads, panics in threads, and
//! std::process::Command (run `threads` with no arguments; it runs itself and `sh`).
use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::sync::{mpsc, Arc, Mutex, RwLock};
use std::thread;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("child") {
        // The child: echo its arguments and stdin, exit with a code.
        let mut input = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut input).unwrap();
        println!("child args {:?} stdin {:?}", &args[2..], input.trim());
        std::process::exit(7);
    }

    // Mutex: 8 threads add to one counter.
    let counter = Arc::new(Mutex::new(0u64));
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let c = Arc::clone(&counter);
            thread::Builder::new()
                .name(format!("adder-{i}"))
                .spawn(move || {
                    for _ in 0..10_000 {
                        *c.lock().unwrap() += 1;
                    }
                    thread::current().name().unwrap().to_string()
                })
                .unwrap()
        })
        .collect();
    let names: Vec<String> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    println!("counter {} from {:?}", *counter.lock().unwrap(), names);

    // Channels: producers send, one consumer sums per producer.
    let (tx, rx) = mpsc::channel::<(usize, u64)>();
    for p in 0..4 {
        let tx = tx.clone();
        thread::spawn(move || {
            for k in 1..=1000u64 {
                tx.send((p, k * (p as u64 + 1))).unwrap();
            }
        });
    }
    drop(tx);
    let mut sums = BTreeMap::new();
    for (p, v) in rx {
        *sums.entry(p).or_insert(0u64) += v;
    }
    println!("channel sums {sums:?}");

    // A bounded channel between two threads (rendezvous), and an RwLock.
    let (stx, srx) = mpsc::sync_channel::<String>(0);
    let shared = Arc::new(RwLock::new(Vec::new()));
    let s2 = Arc::clone(&shared);
    let consumer = thread::spawn(move || {
        for m in srx {
            s2.write().unwrap().push(m.len());
        }
    });
    for w in ["alpha", "be", "gamma!", ""] {
        stx.send(w.to_string()).unwrap();
    }
    drop(stx);
    consumer.join().unwrap();
    println!("rwlock {:?}", shared.read().unwrap());

    // Scoped threads borrow from the stack.
    let data: Vec<u32> = (1..=100).collect();
    let parts: Vec<u32> = thread::scope(|s| {
        let hs: Vec<_> = data
            .chunks(25)
            .map(|c| s.spawn(move || c.iter().sum::<u32>()))
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    println!("scoped sums {parts:?}");

    // A panic in a thread: join returns Err, the process goes on; catch_unwind too.
    let r = thread::spawn(|| {
        if std::env::args().count() < 100 {
            panic!("deliberate panic in a thread");
        }
        1
    })
    .join();
    let msg = r
        .as_ref()
        .err()
        .and_then(|e| e.downcast_ref::<&str>())
        .copied();
    println!(
        "panicked thread: join is_err {} payload {:?}",
        r.is_err(),
        msg
    );
    let caught = std::panic::catch_unwind(|| {
        let v: Vec<u8> = Vec::new();
        v[std::env::args().count()]
    });
    println!("catch_unwind is_err {}", caught.is_err());
    let poisoned = Arc::new(Mutex::new(1));
    let p2 = Arc::clone(&poisoned);
    let _ = thread::spawn(move || {
        let _g = p2.lock().unwrap();
        panic!("poison");
    })
    .join();
    println!("mutex poisoned {}", poisoned.is_poisoned());

    // Processes: a shell pipeline (a host program: --allow-exec), and this program.
    let out = Command::new("sh")
        .arg("-c")
        .arg("echo from sh; echo to stderr >&2; exit 3")
        .output()
        .unwrap();
    println!(
        "sh: status {:?} stdout {:?} stderr {:?}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut child = Command::new(&args[0])
        .args(["child", "x", "y z"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), b"hello child\n").unwrap();
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    println!(
        "self: status {:?} stdout {:?}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout)
    );
    match Command::new("/nonexistent/program").status() {
        Ok(s) => println!("nonexistent: ran? {s:?}"),
        Err(e) => println!("nonexistent: {:?}", e.kind()),
    }
}
