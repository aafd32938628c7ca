//! A std::net TCP echo server with a thread per client.
//!   echo PORT [CLIENTS]   listen on 127.0.0.1:PORT (0: any free port, printed);
//!                         exit after CLIENTS clients have come and gone (default: never)
//! Each client gets a greeting with its number, then its lines back, upper-cased after
//! the line "upper"; "bye" ends its session.
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

fn serve(stream: TcpStream, n: usize, lines: Arc<AtomicUsize>) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut w = stream.try_clone()?;
    writeln!(w, "hello client {n}")?;
    let mut upper = false;
    for line in BufReader::new(stream).lines() {
        let line = line?;
        lines.fetch_add(1, Ordering::Relaxed);
        match line.as_str() {
            "bye" => {
                writeln!(w, "bye client {n}")?;
                break;
            }
            "upper" => upper = true,
            _ if upper => writeln!(w, "{}", line.to_uppercase())?,
            _ => writeln!(w, "{line}")?,
        }
    }
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let port: u16 = match args.get(1).map(|p| p.parse()) {
        Some(Ok(p)) => p,
        _ => {
            eprintln!("usage: echo PORT [CLIENTS]");
            std::process::exit(2);
        }
    };
    let clients: Option<usize> = args.get(2).and_then(|c| c.parse().ok());
    let listener = TcpListener::bind(("127.0.0.1", port)).unwrap_or_else(|e| {
        eprintln!("echo: bind 127.0.0.1:{port}: {e}");
        std::process::exit(1);
    });
    println!("listening on {}", listener.local_addr().unwrap());
    let lines = Arc::new(AtomicUsize::new(0));
    let mut handles = Vec::new();
    for (n, stream) in listener.incoming().enumerate() {
        let stream = match stream {
            Ok(s) => s,
            Err(e) => {
                eprintln!("echo: accept: {e}");
                continue;
            }
        };
        let lines = Arc::clone(&lines);
        handles.push(thread::spawn(move || {
            if let Err(e) = serve(stream, n + 1, lines) {
                eprintln!("echo: client {}: {e}", n + 1);
            }
        }));
        if Some(n + 1) == clients {
            break;
        }
    }
    for h in handles {
        h.join().unwrap();
    }
    println!(
        "served {} clients, {} lines",
        clients.unwrap_or(0),
        lines.load(Ordering::Relaxed)
    );
}
