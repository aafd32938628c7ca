//! The container's first process and the runtime's: how `wali-run` comes to run in a
//! process of its own.
//!
//! That first process is pid 1, which the kernel never kills with a signal it does not
//! handle: a guest that leaves SIGTERM at its default would live on, and one that ends
//! by a signal could not say so. So pid 1 stays a small init (as tini) and the runtime
//! runs in its child; containerd's kill reaches that child directly (runwasi signals
//! every process of the container), and pid 1 exits with the child's status, 128 + the
//! signal when one killed it: what containerd reports for any container.
//!
//! The child must not be forked where runwasi calls `run_wasi`: by then runwasi's tokio
//! runtime has started threads in this process, and a lock one of them held at the fork
//! (malloc's, a logger's, the environment's) would stay held in the child for good.
//! Nor can the child exec the shim afresh: the container's rootfs has no dynamic loader
//! or libraries for it. So it is forked earlier, when runwasi makes the sandbox
//! (`WaliSandbox::default`): libcontainer has set the container up (namespaces, pivot,
//! user, capabilities, seccomp) and no thread exists yet. It waits there for its
//! command line, which `run_wasi` sends over a socket with the descriptors it names.

use anyhow::{bail, Context, Result};
use std::ffi::OsString;
use std::os::fd::{AsRawFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};

/// The runtime's process, waiting for its command line on `sock`.
pub struct Waiting {
    sock: OwnedFd,
    pid: libc::pid_t,
}

/// The largest message: one argument or environment entry (the kernel's own limit on
/// one is 128 KiB).
const MAX_MSG: usize = 256 << 10;
/// The most descriptors handed over.
const MAX_FDS: usize = 8;

/// Fork the runtime's process off this one, which must have no other thread. From here
/// on this process keeps every signal blocked (threads made later inherit that): it
/// only reaps. The child closes every descriptor but its socket and waits.
pub fn fork_runtime() -> Result<Waiting> {
    let threads = std::fs::read_dir("/proc/self/task")
        .context("/proc/self/task")?
        .count();
    if threads != 1 {
        bail!("the container's process has {threads} threads: the runtime cannot be forked off it safely");
    }
    let mut sv = [-1; 2];
    // SAFETY: a valid out-array of two descriptors.
    if unsafe {
        libc::socketpair(
            libc::AF_UNIX,
            libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC,
            0,
            sv.as_mut_ptr(),
        )
    } < 0
    {
        bail!("socketpair: {}", std::io::Error::last_os_error());
    }
    // SAFETY: two fresh descriptors of ours.
    let (ours, theirs) = unsafe { (OwnedFd::from_raw_fd(sv[0]), OwnedFd::from_raw_fd(sv[1])) };
    // SAFETY: this thread's (the only one's) mask; fork in a single-threaded process.
    let (child, old) = unsafe {
        let mut all: libc::sigset_t = std::mem::zeroed();
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        libc::pthread_sigmask(libc::SIG_SETMASK, &all, &mut old);
        (libc::fork(), old)
    };
    if child < 0 {
        bail!("fork: {}", std::io::Error::last_os_error());
    }
    if child == 0 {
        drop(ours);
        // libcontainer's channels (pid 1 goes on using them) and whatever else the
        // shim left open: none is the runtime's, and the guest must not inherit them.
        close_all_but(theirs.as_raw_fd());
        // SAFETY: restoring this process's mask as it was before the fork.
        unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut()) };
        runtime_child(theirs)
    }
    Ok(Waiting {
        sock: ours,
        pid: child,
    })
}

/// Close every descriptor above stderr but `keep`.
fn close_all_but(keep: RawFd) {
    let open: Vec<RawFd> = std::fs::read_dir("/proc/self/fd")
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    for fd in open {
        if fd > 2 && fd != keep {
            // SAFETY: closing a descriptor nothing in this process uses again (the
            // listing's own is already closed and fails harmlessly).
            unsafe { libc::close(fd) };
        }
    }
}

impl Waiting {
    /// Start the runtime: `argv` (argv[0] first) with `env` set in its environment and
    /// `fds` under their own numbers (the runtime's own, out of the guest's reach).
    /// Then reap, and exit with the runtime's status.
    pub fn start(
        self,
        argv: &[OsString],
        env: &[(&str, String)],
        fds: &[RawFd],
    ) -> Result<std::convert::Infallible> {
        let numbers: Vec<String> = fds.iter().map(|f| f.to_string()).collect();
        send(
            &self.sock,
            format!("F{}", numbers.join(",")).as_bytes(),
            fds,
        )?;
        for a in argv {
            send(&self.sock, &[b"A", a.as_bytes()].concat(), &[])?;
        }
        for (k, v) in env {
            send(&self.sock, format!("E{k}={v}").as_bytes(), &[])?;
        }
        send(&self.sock, b"G", &[])?;
        drop(self.sock);
        reap(self.pid)
    }
}

/// Wait for `child` (reaping every orphan that comes to this process meanwhile), then
/// exit with its status: `_exit`, as nothing of this process is left to flush and
/// runwasi's threads may be anywhere.
fn reap(child: libc::pid_t) -> ! {
    // SAFETY: waitpid with a valid out-pointer, then _exit.
    unsafe {
        loop {
            let mut status = 0;
            let pid = libc::waitpid(-1, &mut status, 0);
            if pid == child {
                if libc::WIFSIGNALED(status) {
                    libc::_exit(128 + libc::WTERMSIG(status));
                }
                libc::_exit(libc::WEXITSTATUS(status));
            }
            if pid < 0 && std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
                libc::_exit(137);
            }
        }
    }
}

fn send(sock: &OwnedFd, msg: &[u8], fds: &[RawFd]) -> Result<()> {
    if msg.len() > MAX_MSG || fds.len() > MAX_FDS {
        bail!("the runtime's command line: an entry is too long");
    }
    let mut iov = libc::iovec {
        iov_base: msg.as_ptr() as *mut libc::c_void,
        iov_len: msg.len(),
    };
    let mut cbuf = [0u64; 16];
    // SAFETY: an all-zero msghdr is valid; the pointers set below outlive the call.
    let mut m: libc::msghdr = unsafe { std::mem::zeroed() };
    m.msg_iov = &mut iov;
    m.msg_iovlen = 1;
    if !fds.is_empty() {
        let bytes = std::mem::size_of_val(fds);
        // SAFETY: CMSG_SPACE of MAX_FDS descriptors fits cbuf (128 bytes); the header and
        // its data are written inside it.
        unsafe {
            m.msg_control = cbuf.as_mut_ptr().cast();
            m.msg_controllen = libc::CMSG_SPACE(bytes as u32) as usize;
            let c = libc::CMSG_FIRSTHDR(&m);
            (*c).cmsg_level = libc::SOL_SOCKET;
            (*c).cmsg_type = libc::SCM_RIGHTS;
            (*c).cmsg_len = libc::CMSG_LEN(bytes as u32) as usize;
            std::ptr::copy_nonoverlapping(fds.as_ptr(), libc::CMSG_DATA(c).cast(), fds.len());
        }
    }
    // SAFETY: a valid msghdr.
    if unsafe { libc::sendmsg(sock.as_raw_fd(), &m, libc::MSG_NOSIGNAL) } < 0 {
        bail!(
            "the runtime's process is gone: {}",
            std::io::Error::last_os_error()
        );
    }
    Ok(())
}

/// One message and the descriptors that came with it; None at the end.
fn recv(sock: &OwnedFd, buf: &mut [u8]) -> Option<(usize, Vec<OwnedFd>)> {
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    let mut cbuf = [0u64; 16];
    // SAFETY: an all-zero msghdr is valid; the pointers set below outlive the call.
    let mut m: libc::msghdr = unsafe { std::mem::zeroed() };
    m.msg_iov = &mut iov;
    m.msg_iovlen = 1;
    m.msg_control = cbuf.as_mut_ptr().cast();
    m.msg_controllen = std::mem::size_of_val(&cbuf);
    let n = loop {
        // SAFETY: a valid msghdr.
        let n = unsafe { libc::recvmsg(sock.as_raw_fd(), &mut m, libc::MSG_CMSG_CLOEXEC) };
        if n >= 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            break n;
        }
    };
    let mut fds = Vec::new();
    // SAFETY: walking the control data the kernel wrote, within msg_controllen.
    unsafe {
        let mut c = libc::CMSG_FIRSTHDR(&m);
        while !c.is_null() {
            if (*c).cmsg_level == libc::SOL_SOCKET && (*c).cmsg_type == libc::SCM_RIGHTS {
                let count = ((*c).cmsg_len - libc::CMSG_LEN(0) as usize) / 4;
                let data: *const RawFd = libc::CMSG_DATA(c).cast();
                for i in 0..count {
                    fds.push(OwnedFd::from_raw_fd(data.add(i).read_unaligned()));
                }
            }
            c = libc::CMSG_NXTHDR(&m, c);
        }
    }
    if n <= 0 || m.msg_flags & (libc::MSG_TRUNC | libc::MSG_CTRUNC) != 0 {
        return None;
    }
    Some((n as usize, fds))
}

/// The runtime's process cannot start: say why on the container's stderr.
fn fail(why: &str) -> ! {
    eprintln!("containerd-shim-wali: the runtime's process: {why}");
    std::process::exit(127)
}

/// Put each of `fds` under its number in `numbers`, which the command line names; a
/// descriptor that sits on a number still to be filled (the socket, a received one)
/// moves off it first.
fn place(mut fds: Vec<OwnedFd>, numbers: &[RawFd], sock: &mut OwnedFd) {
    let mut seen = numbers.to_vec();
    seen.sort_unstable();
    seen.dedup();
    if seen.len() != numbers.len() {
        fail("two descriptors under one number");
    }
    if numbers.contains(&sock.as_raw_fd()) {
        *sock = away(sock, numbers);
    }
    for (i, &want) in numbers.iter().enumerate() {
        if fds[i].as_raw_fd() == want {
            continue;
        }
        if let Some(j) = (i + 1..fds.len()).find(|&j| fds[j].as_raw_fd() == want) {
            fds[j] = away(&fds[j], numbers);
        }
        // SAFETY: dup3 onto a number nothing here holds (checked above); the result is
        // owned from here on, the received one closed.
        unsafe {
            if libc::dup3(fds[i].as_raw_fd(), want, libc::O_CLOEXEC) < 0 {
                fail(&format!("dup3: {}", std::io::Error::last_os_error()));
            }
            fds[i] = OwnedFd::from_raw_fd(want);
        }
    }
    // Open for the runtime from here on.
    for fd in fds {
        let _ = fd.into_raw_fd();
    }
}

/// A duplicate of `fd` under a number outside `numbers`.
fn away(fd: &OwnedFd, numbers: &[RawFd]) -> OwnedFd {
    // Each try that lands on a wanted number is held until one does not: at most
    // numbers.len() tries.
    let mut held = Vec::new();
    loop {
        // SAFETY: F_DUPFD_CLOEXEC makes a new descriptor, owned from here on.
        let n = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 3) };
        if n < 0 {
            fail(&format!("dup: {}", std::io::Error::last_os_error()));
        }
        // SAFETY: a fresh descriptor of ours.
        let dup = unsafe { OwnedFd::from_raw_fd(n) };
        if !numbers.contains(&n) {
            return dup;
        }
        held.push(dup);
    }
}

/// The runtime's process: its command line and descriptors, then `cli_main`. Ends
/// quietly when pid 1 sends nothing (the container did not start: its error is pid 1's).
fn runtime_child(mut sock: OwnedFd) -> ! {
    let mut buf = vec![0u8; MAX_MSG];
    let mut argv: Vec<OsString> = Vec::new();
    let mut numbers: Vec<RawFd> = Vec::new();
    loop {
        let Some((n, fds)) = recv(&sock, &mut buf) else {
            std::process::exit(127)
        };
        let (tag, body) = (buf[0], &buf[1..n]);
        match tag {
            b'F' => {
                numbers = std::str::from_utf8(body)
                    .unwrap_or("")
                    .split(',')
                    .filter(|n| !n.is_empty())
                    .map(|n| n.parse().unwrap_or(-1))
                    .collect();
                if numbers.len() != fds.len() || numbers.iter().any(|n| *n < 0) {
                    fail("the descriptors do not match their numbers");
                }
                place(fds, &numbers, &mut sock);
            }
            b'A' => argv.push(OsString::from_vec(body.to_vec())),
            // set_var: this process has one thread.
            b'E' => match body.iter().position(|&c| c == b'=') {
                Some(i) => std::env::set_var(
                    std::ffi::OsStr::from_bytes(&body[..i]),
                    std::ffi::OsStr::from_bytes(&body[i + 1..]),
                ),
                None => fail("an environment entry without ="),
            },
            b'G' => break,
            _ => fail("an unknown message"),
        }
    }
    drop(sock);
    // The module's memfd and the host cache: the runtime's, which the guest must not
    // reach.
    for fd in numbers {
        wali_syscalls::runtime_fds::hide(fd);
    }
    wali_run::cli_main(argv)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memfd() -> OwnedFd {
        // SAFETY: a static name; a fresh descriptor, owned from here on.
        unsafe { OwnedFd::from_raw_fd(libc::memfd_create(c"t".as_ptr(), libc::MFD_CLOEXEC)) }
    }

    fn inode(fd: RawFd) -> u64 {
        // SAFETY: an all-zero stat is valid; fstat fills it.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        assert_eq!(
            unsafe { libc::fstat(fd, &mut st) },
            0,
            "fd {fd} is not open"
        );
        st.st_ino
    }

    #[test]
    fn descriptors_land_on_their_numbers_even_on_each_others_and_the_sockets() {
        let (a, b, c) = (memfd(), memfd(), memfd());
        let (na, nb, nc) = (a.as_raw_fd(), b.as_raw_fd(), c.as_raw_fd());
        let (ia, ib, ic) = (inode(na), inode(nb), inode(nc));
        // a and b swap numbers; the "socket" (c) sits on the number d wants.
        let d = memfd();
        let id = inode(d.as_raw_fd());
        let mut sock = c;
        place(vec![a, b, d], &[nb, na, nc], &mut sock);
        assert_eq!((inode(nb), inode(na), inode(nc)), (ia, ib, id));
        assert_ne!(sock.as_raw_fd(), nc);
        assert_eq!(inode(sock.as_raw_fd()), ic);
        // SAFETY: closing the numbers place() left open for the runtime.
        unsafe {
            libc::close(na);
            libc::close(nb);
            libc::close(nc);
        }
    }
}
