//! `--strace`: every syscall with decoded arguments and result, decoded from the table.
//! The tracer itself (its output, `-c` counts, `-T`) is `tracer.rs`, below the context;
//! this decoding sits above the table.

use crate::args::Kind;
use crate::ctx::{Ctx, Stop, SysResult};
use crate::errno;
use crate::table::Syscall;
use crate::tracer::Tracer;
use std::fmt::Write as _;
use std::io::Write;

const STR_MAX: usize = 32;

impl Tracer {
    pub(crate) fn traced(
        &self,
        cx: &mut Ctx,
        sc: &Syscall,
        raw: &[i64],
        f: impl FnOnce(&mut Ctx) -> SysResult,
    ) -> SysResult {
        let mut line = format!("{}(", sc.name);
        let mut after = Vec::new();
        for (i, (p, &v)) in sc.params.iter().zip(raw).enumerate() {
            if i > 0 {
                line.push_str(", ");
            }
            if matches!(
                p.kind,
                Kind::OutBuf | Kind::OutSockAddr | Kind::OutEpollEvents
            ) {
                // Shown after the call, once the kernel has filled it.
                let next = raw.get(i + 1).copied().unwrap_or(0);
                after.push((line.len(), p.kind, v as u32, next as u32));
                continue;
            }
            let next = raw.get(i + 1).copied().unwrap_or(0);
            arg(&mut line, cx, p.kind, v, next);
        }
        crate::policy::take_refusal();
        let start = std::time::Instant::now();
        let r = f(cx);
        let took = start.elapsed();
        if let Some(m) = &self.summary {
            let mut m = m.lock().unwrap_or_else(|e| e.into_inner());
            let c = m.entry(sc.name).or_default();
            c.calls += 1;
            c.errors += u64::from(matches!(r, Err(Stop::Errno(_))));
            c.nanos += took.as_nanos();
        }
        if !self.lines {
            crate::policy::take_refusal();
            return r;
        }
        let shown = match &r {
            Ok(n) => *n as usize,
            Err(_) => 0,
        };
        for (pos, kind, ptr, next) in after.into_iter().rev() {
            let mut s = String::new();
            match (&r, kind) {
                (Ok(_), Kind::OutBuf) => bytes(&mut s, cx, ptr, shown),
                (Ok(_), Kind::OutSockAddr) => match cx.mem.read::<u32>(next) {
                    Ok(len) if ptr != 0 => sockaddr(&mut s, cx, ptr, len),
                    _ => ptrv(&mut s, ptr),
                },
                (Ok(_), Kind::OutEpollEvents) => epoll_events(&mut s, cx, ptr, shown),
                _ => ptrv(&mut s, ptr),
            }
            line.insert_str(pos, &s);
        }
        line.push_str(") = ");
        match &r {
            Ok(v) if sc.flags.hex => {
                let _ = write!(line, "{v:#x}");
            }
            Ok(v) => {
                let _ = write!(line, "{v}");
            }
            Err(Stop::Errno(e)) => {
                let _ = write!(
                    line,
                    "-1 {} ({})",
                    errno::name(e.0).unwrap_or("E?"),
                    errno::message(e.0)
                );
                if let Some(why) = crate::policy::take_refusal() {
                    let _ = write!(line, " [policy: {why}]");
                }
            }
            Err(Stop::Exit(_)) => line.push('?'),
        }
        if self.timing {
            let _ = write!(line, " <{:.6}>", took.as_secs_f64());
        }
        line.push('\n');
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let _ = out.write_all(line.as_bytes());
        let _ = out.flush();
        r
    }
}

fn ptrv(s: &mut String, p: u32) {
    if p == 0 {
        s.push_str("NULL");
    } else {
        let _ = write!(s, "{p:#x}");
    }
}

fn quoted(s: &mut String, b: &[u8], truncated: bool) {
    s.push('"');
    for &c in b {
        match c {
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            b'\r' => s.push_str("\\r"),
            0x20..=0x7e => s.push(c as char),
            _ => {
                let _ = write!(s, "\\{c:o}");
            }
        }
    }
    s.push('"');
    if truncated {
        s.push_str("...");
    }
}

fn bytes(s: &mut String, cx: &Ctx, p: u32, len: usize) {
    match cx.mem.read_bytes(p, len.min(STR_MAX)) {
        Ok(b) => quoted(s, &b, len > STR_MAX),
        Err(_) => ptrv(s, p),
    }
}

fn flags(s: &mut String, v: i64, names: &[(i64, &str)], zero: Option<&str>) {
    let mut rest = v;
    let mut first = true;
    if let (0, Some(z)) = (v, zero) {
        s.push_str(z);
        return;
    }
    for &(bit, name) in names {
        if bit != 0 && rest & bit == bit {
            if !first {
                s.push('|');
            }
            s.push_str(name);
            rest &= !bit;
            first = false;
        }
    }
    if rest != 0 || first {
        if !first {
            s.push('|');
        }
        let _ = write!(s, "{rest:#x}");
    }
}

const OPEN_FLAGS: &[(i64, &str)] = &[
    (0o1, "O_WRONLY"),
    (0o2, "O_RDWR"),
    (0o100, "O_CREAT"),
    (0o200, "O_EXCL"),
    (0o400, "O_NOCTTY"),
    (0o1000, "O_TRUNC"),
    (0o2000, "O_APPEND"),
    (0o4000, "O_NONBLOCK"),
    (0o10000, "O_DSYNC"),
    (0o20000, "O_ASYNC"),
    (0o40000, "O_DIRECT"),
    (0o100000, "O_LARGEFILE"),
    (0o200000, "O_DIRECTORY"),
    (0o400000, "O_NOFOLLOW"),
    (0o1000000, "O_NOATIME"),
    (0o2000000, "O_CLOEXEC"),
    (0o10000000, "O_PATH"),
    (0o20200000, "O_TMPFILE"),
];
const AT_FLAGS: &[(i64, &str)] = &[
    (0x100, "AT_SYMLINK_NOFOLLOW"),
    (0x200, "AT_REMOVEDIR"),
    (0x400, "AT_SYMLINK_FOLLOW"),
    (0x800, "AT_NO_AUTOMOUNT"),
    (0x1000, "AT_EMPTY_PATH"),
];
const PROT: &[(i64, &str)] = &[(1, "PROT_READ"), (2, "PROT_WRITE"), (4, "PROT_EXEC")];
const MAP: &[(i64, &str)] = &[
    (0x01, "MAP_SHARED"),
    (0x02, "MAP_PRIVATE"),
    (0x10, "MAP_FIXED"),
    (0x20, "MAP_ANONYMOUS"),
    (0x100, "MAP_GROWSDOWN"),
    (0x4000, "MAP_NORESERVE"),
    (0x8000, "MAP_POPULATE"),
    (0x20000, "MAP_STACK"),
    (0x100000, "MAP_FIXED_NOREPLACE"),
];
const SIGNALS: [&str; 31] = [
    "SIGHUP",
    "SIGINT",
    "SIGQUIT",
    "SIGILL",
    "SIGTRAP",
    "SIGABRT",
    "SIGBUS",
    "SIGFPE",
    "SIGKILL",
    "SIGUSR1",
    "SIGSEGV",
    "SIGUSR2",
    "SIGPIPE",
    "SIGALRM",
    "SIGTERM",
    "SIGSTKFLT",
    "SIGCHLD",
    "SIGCONT",
    "SIGSTOP",
    "SIGTSTP",
    "SIGTTIN",
    "SIGTTOU",
    "SIGURG",
    "SIGXCPU",
    "SIGXFSZ",
    "SIGVTALRM",
    "SIGPROF",
    "SIGWINCH",
    "SIGIO",
    "SIGPWR",
    "SIGSYS",
];

fn arg(s: &mut String, cx: &Ctx, kind: Kind, v: i64, next: i64) {
    match kind {
        Kind::Fd | Kind::Int | Kind::Pid | Kind::Target | Kind::Off => {
            let _ = write!(s, "{v}");
        }
        Kind::Len | Kind::UInt => {
            let _ = write!(s, "{}", v as u32);
        }
        Kind::U64 => {
            let _ = write!(s, "{}", v as u64);
        }
        Kind::DirFd if v as i32 == libc::AT_FDCWD => s.push_str("AT_FDCWD"),
        Kind::DirFd => {
            let _ = write!(s, "{v}");
        }
        Kind::Path => match cx.mem.path(v as u32) {
            Ok(p) => quoted(s, p.as_bytes(), false),
            Err(_) => ptrv(s, v as u32),
        },
        Kind::Ptr | Kind::OutBuf => ptrv(s, v as u32),
        Kind::Buf => bytes(s, cx, v as u32, next as u32 as usize),
        // strace's octal: 0644, and 0 alone.
        Kind::Mode if v == 0 => s.push('0'),
        Kind::Mode => {
            let _ = write!(s, "0{:o}", v as u32);
        }
        Kind::Sig => match SIGNALS.get((v as usize).wrapping_sub(1)) {
            Some(n) => s.push_str(n),
            None => {
                let _ = write!(s, "{v}");
            }
        },
        Kind::OpenFlags => {
            let acc = match v & 3 {
                0 => "O_RDONLY",
                1 => "O_WRONLY",
                2 => "O_RDWR",
                _ => "O_ACCMODE",
            };
            s.push_str(acc);
            if v & !3 != 0 {
                s.push('|');
                flags(s, (v & !3) as u32 as i64, &OPEN_FLAGS[2..], None);
            }
        }
        Kind::AtFlags => flags(s, v as u32 as i64, AT_FLAGS, Some("0")),
        Kind::Prot => flags(s, v as u32 as i64, PROT, Some("PROT_NONE")),
        Kind::MapFlags => flags(s, v as u32 as i64, MAP, None),
        Kind::SockAddr if v != 0 => sockaddr(s, cx, v as u32, next as u32),
        Kind::EpollEvent if v != 0 => epoll_events(s, cx, v as u32, 1),
        Kind::SockAddr | Kind::EpollEvent | Kind::OutSockAddr | Kind::OutEpollEvents => {
            ptrv(s, v as u32)
        }
    }
}

/// `{AF_INET, 127.0.0.1:80}`, `{AF_INET6, [::1]:80}`, `{AF_UNIX, "path"}`.
fn sockaddr(s: &mut String, cx: &Ctx, ptr: u32, len: u32) {
    let Ok(b) = cx.mem.read_bytes(ptr, (len as usize).min(128)) else {
        return ptrv(s, ptr);
    };
    if b.len() < 2 {
        return ptrv(s, ptr);
    }
    let fam = u16::from_le_bytes([b[0], b[1]]) as i32;
    let port = |b: &[u8]| u16::from_be_bytes([b[2], b[3]]);
    match fam {
        libc::AF_INET if b.len() >= 8 => {
            let ip = std::net::Ipv4Addr::new(b[4], b[5], b[6], b[7]);
            let _ = write!(s, "{{AF_INET, {ip}:{}}}", port(&b));
        }
        libc::AF_INET6 if b.len() >= 24 => {
            let ip: [u8; 16] = b[8..24].try_into().unwrap();
            let ip = std::net::Ipv6Addr::from(ip);
            let _ = write!(s, "{{AF_INET6, [{ip}]:{}}}", port(&b));
        }
        libc::AF_UNIX => {
            let path = &b[2..];
            s.push_str("{AF_UNIX, ");
            if path.first() == Some(&0) && path.len() > 1 {
                s.push('@');
                quoted(s, &path[1..], false);
            } else {
                let end = path.iter().position(|&c| c == 0).unwrap_or(path.len());
                quoted(s, &path[..end], false);
            }
            s.push('}');
        }
        f => {
            let _ = write!(s, "{{family={f}, len={len}}}");
        }
    }
}

const EPOLL: &[(i64, &str)] = &[
    (0x001, "EPOLLIN"),
    (0x002, "EPOLLPRI"),
    (0x004, "EPOLLOUT"),
    (0x008, "EPOLLERR"),
    (0x010, "EPOLLHUP"),
    (0x2000, "EPOLLRDHUP"),
    (1 << 28, "EPOLLEXCLUSIVE"),
    (1 << 29, "EPOLLWAKEUP"),
    (1 << 30, "EPOLLONESHOT"),
    (1 << 31, "EPOLLET"),
];

/// `[{EPOLLIN, data=0x5}, ...]` for the packed 12-byte events (at most 8 shown).
fn epoll_events(s: &mut String, cx: &Ctx, ptr: u32, n: usize) {
    s.push('[');
    for i in 0..n.min(8) {
        let Ok(b) = cx.mem.read::<[u8; 12]>(ptr.wrapping_add(12 * i as u32)) else {
            break;
        };
        if i > 0 {
            s.push_str(", ");
        }
        s.push('{');
        let ev = u32::from_le_bytes(b[0..4].try_into().unwrap());
        flags(s, ev as i64, EPOLL, Some("0"));
        let data = u64::from_le_bytes(b[4..12].try_into().unwrap());
        let _ = write!(s, ", data={data:#x}}}");
    }
    if n > 8 {
        s.push_str(", ...");
    }
    s.push(']');
}
