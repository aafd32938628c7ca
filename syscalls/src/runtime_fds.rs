//! The runtime's own descriptors, kept out of the guest's reach.
//!
//! Guest and runtime share one host descriptor table (a guest fd is the host fd), so the
//! runtime's descriptors (grant roots, the stand-in skeleton, directory handles, the
//! compiled module, the environment file, the process counter, the policy) sit in the
//! same number space. Each is registered here when made; every syscall argument of kind
//! `Fd`/`DirFd` is checked against this set before its handler runs (`Arg::check`, in
//! the syscall table's glue), and the few calls that carry descriptors inside memory
//! (poll, select, `SCM_RIGHTS`, `close_range`) ask here themselves. A registered number
//! answers `EBADF` to the guest as a closed one would, for every operation.
//!
//! A process-wide set: the descriptor table is process-wide too, and a forked child
//! inherits both together.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, IntoRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};

const BITS: usize = 1 << 16;
static SET: [AtomicU64; BITS / 64] = [const { AtomicU64::new(0) }; BITS / 64];
/// The lowest number ever registered: the guest's usual small numbers pass with one
/// comparison.
static LOWEST: AtomicI32 = AtomicI32::new(i32::MAX);
/// A runtime descriptor at or above `BITS` was registered: every number there counts.
static ABOVE: AtomicBool = AtomicBool::new(false);

/// Is `fd` one of the runtime's own descriptors?
#[inline(always)]
pub fn is_runtime(fd: i32) -> bool {
    fd >= LOWEST.load(Ordering::Relaxed) && lookup(fd)
}

#[cold]
#[inline(never)]
fn lookup(fd: i32) -> bool {
    let u = fd as usize;
    if u >= BITS {
        return ABOVE.load(Ordering::SeqCst);
    }
    SET[u / 64].load(Ordering::SeqCst) & (1 << (u % 64)) != 0
}

/// Register `fd` as the runtime's.
pub fn hide(fd: RawFd) {
    if fd < 0 {
        return;
    }
    let u = fd as usize;
    if u >= BITS {
        ABOVE.store(true, Ordering::SeqCst);
    } else {
        SET[u / 64].fetch_or(1 << (u % 64), Ordering::SeqCst);
    }
    LOWEST.fetch_min(fd, Ordering::SeqCst);
}

/// `fd` is no longer the runtime's (it is about to be closed).
pub fn unhide(fd: RawFd) {
    let u = fd as usize;
    if fd >= 0 && u < BITS {
        SET[u / 64].fetch_and(!(1 << (u % 64)), Ordering::SeqCst);
    }
}

/// The runtime's descriptors in `first..=last`, in order, and where the guest's part of
/// the range ends (before the numbers past the set's reach, when the runtime has one
/// there: all of those count as the runtime's).
pub fn holes(first: u32, last: u32) -> (Vec<i32>, u64) {
    let lo = (first as i64).max(LOWEST.load(Ordering::SeqCst) as i64);
    let hi = (last as i64).min(BITS as i64 - 1);
    let out = (lo..=hi)
        .filter(|&f| lookup(f as i32))
        .map(|f| f as i32)
        .collect();
    let end = if ABOVE.load(Ordering::SeqCst) {
        (last as u64).min(BITS as u64 - 1)
    } else {
        last as u64
    };
    (out, end)
}

/// A descriptor the runtime keeps: registered while it lives, forgotten as it closes.
#[derive(Debug)]
pub struct RuntimeFd(Option<OwnedFd>);

impl RuntimeFd {
    pub fn new(fd: OwnedFd) -> RuntimeFd {
        hide(fd.as_raw_fd());
        RuntimeFd(Some(fd))
    }

    /// Hand the descriptor to code that keeps it for the rest of the run (it stays
    /// registered: the number is never the guest's while that code holds it).
    pub fn into_kept(mut self) -> OwnedFd {
        self.0.take().expect("present until dropped")
    }
}

impl AsRawFd for RuntimeFd {
    fn as_raw_fd(&self) -> RawFd {
        self.0.as_ref().map_or(-1, |f| f.as_raw_fd())
    }
}

impl AsFd for RuntimeFd {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.0.as_ref().expect("present until dropped").as_fd()
    }
}

impl Drop for RuntimeFd {
    fn drop(&mut self) {
        if let Some(f) = self.0.take() {
            let raw = f.into_raw_fd();
            unhide(raw);
            // SAFETY: raw was owned by this value and is closed once, here.
            unsafe { libc::close(raw) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_numbers_answer_until_closed() {
        // SAFETY: a fresh descriptor owned by this test.
        let fd = unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
        assert!(fd >= 0);
        // SAFETY: fd was just opened and is owned by nobody else.
        let owned = unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) };
        let high = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3000) };
        assert!(high >= 3000);
        // SAFETY: as above.
        let high =
            RuntimeFd::new(unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(high) });
        let n = high.as_raw_fd();
        assert!(is_runtime(n));
        assert!(!is_runtime(fd));
        assert!(!is_runtime(-100));
        assert!(holes(0, 65535).0.contains(&n));
        assert!(!holes(0, n as u32 - 1).0.contains(&n));
        drop(high);
        assert!(!is_runtime(n));
        drop(owned);
    }
}
