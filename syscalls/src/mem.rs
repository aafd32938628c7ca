//! Guest linear memory: the only place that dereferences guest pointers.
//!
//! The memory is shared between guest threads, so no `&[u8]` is ever formed over it: data
//! is copied with raw pointers, and host syscalls get raw host addresses after the whole
//! `[ptr, ptr + len)` range has been checked against the current size. The base never
//! moves (wasmtime reserves the maximum up front); the length is read afresh per check,
//! since another thread may have grown the memory.

use crate::errno::{Errno, EFAULT, ENAMETOOLONG};
use std::ffi::CString;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use wasmtime::SharedMemory;

static GUARDED: AtomicUsize = AtomicUsize::new(0);
static GUARDED_LEN: AtomicUsize = AtomicUsize::new(0);
static OLD_BUS: AtomicPtr<libc::sigaction> = AtomicPtr::new(std::ptr::null_mut());
static BUS_HANDLER: std::sync::Once = std::sync::Once::new();

/// SIGBUS inside guest memory: back the page with zeros and retry the access. Anything
/// else goes to the handler that was there before (wasmtime's).
extern "C" fn on_bus(sig: i32, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    // SAFETY: the kernel hands a valid siginfo to an SA_SIGINFO handler.
    let addr = unsafe { (*info).si_addr() } as usize;
    let (base, len) = (
        GUARDED.load(Ordering::SeqCst),
        GUARDED_LEN.load(Ordering::SeqCst),
    );
    if base != 0 && addr >= base && addr - base < len {
        let page = addr & !4095;
        // SAFETY: a page inside the guest memory reservation, replaced in place (mmap is
        // async-signal-safe).
        let r = unsafe {
            libc::mmap(
                page as *mut libc::c_void,
                4096,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                -1,
                0,
            )
        };
        if r != libc::MAP_FAILED {
            return;
        }
    }
    let old = OLD_BUS.load(Ordering::SeqCst);
    // SAFETY: `old` was saved by sigaction and is never freed.
    unsafe {
        if !old.is_null() && (*old).sa_flags & libc::SA_SIGINFO != 0 && (*old).sa_sigaction > 1 {
            let f: extern "C" fn(i32, *mut libc::siginfo_t, *mut libc::c_void) =
                std::mem::transmute((*old).sa_sigaction);
            f(sig, info, ctx);
        } else {
            libc::signal(sig, libc::SIG_DFL);
            libc::raise(sig);
        }
    }
}

/// Longest path the kernel accepts, terminator included (PATH_MAX).
pub const PATH_MAX: usize = 4096;

pub struct GuestMem {
    mem: Option<SharedMemory>,
    /// The base address (it never moves), so a check needs no call into wasmtime.
    base: usize,
    /// A size the memory has had. Memories only grow, so a range inside it is inside
    /// the memory now; a range past it is checked against the current size.
    seen: AtomicUsize,
}

impl Clone for GuestMem {
    fn clone(&self) -> Self {
        GuestMem {
            mem: self.mem.clone(),
            base: self.base,
            seen: AtomicUsize::new(self.seen.load(Ordering::Relaxed)),
        }
    }
}

/// Plain-old-data types that may be copied to and from guest memory byte-wise.
///
/// # Safety
/// Implementors must have no padding-sensitive invariants and accept any bit pattern.
pub unsafe trait Pod: Copy + 'static {}
unsafe impl Pod for u8 {}
unsafe impl Pod for i16 {}
unsafe impl Pod for u16 {}
unsafe impl Pod for i32 {}
unsafe impl Pod for u32 {}
unsafe impl Pod for i64 {}
unsafe impl Pod for u64 {}
unsafe impl<T: Pod, const N: usize> Pod for [T; N] {}

impl GuestMem {
    pub fn new(mem: SharedMemory) -> Self {
        let d = mem.data();
        let (base, seen) = (d.as_ptr() as usize, d.len());
        GuestMem {
            mem: Some(mem),
            base,
            seen: AtomicUsize::new(seen),
        }
    }

    /// A module without memory: every access answers `EFAULT`.
    pub fn none() -> Self {
        GuestMem {
            mem: None,
            base: 0,
            seen: AtomicUsize::new(0),
        }
    }

    pub fn shared(&self) -> Option<&SharedMemory> {
        self.mem.as_ref()
    }

    /// Base address and current length.
    #[inline]
    fn view(&self) -> (*mut u8, usize) {
        match &self.mem {
            Some(m) => {
                let d = m.data();
                (d.as_ptr() as *mut u8, d.len())
            }
            None => (std::ptr::null_mut(), 0),
        }
    }

    /// Current size in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        self.view().1
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The host address of `[ptr, ptr + len)`, or `EFAULT` if any byte lies outside.
    /// A zero-length range is valid anywhere up to the end (the kernel accepts it too).
    #[inline(always)]
    pub fn host(&self, ptr: u32, len: usize) -> Result<*mut u8, Errno> {
        match (ptr as usize).checked_add(len) {
            Some(end) if end <= self.seen.load(Ordering::Relaxed) => {
                // SAFETY: inside a size the memory has had, so inside it now.
                Ok(unsafe { (self.base as *mut u8).add(ptr as usize) })
            }
            _ => self.host_now(ptr, len),
        }
    }

    /// `host` against the current size (a range past the size last seen).
    #[cold]
    #[inline(never)]
    fn host_now(&self, ptr: u32, len: usize) -> Result<*mut u8, Errno> {
        let (base, size) = self.view();
        self.seen.fetch_max(size, Ordering::Relaxed);
        if len == 0 && ptr as usize > size {
            // Linux never touches a zero-length buffer, so never faults on one: hand the
            // kernel an in-bounds pointer instead.
            return Ok(base);
        }
        let end = (ptr as usize).checked_add(len).ok_or(EFAULT)?;
        if end > size {
            return Err(EFAULT);
        }
        // SAFETY: in bounds of the mapping just checked.
        Ok(unsafe { base.add(ptr as usize) })
    }

    /// Like `host`, but NULL (0) maps to a host NULL, for optional out-pointers.
    #[inline]
    pub fn host_opt(&self, ptr: u32, len: usize) -> Result<*mut u8, Errno> {
        if ptr == 0 {
            Ok(std::ptr::null_mut())
        } else {
            self.host(ptr, len)
        }
    }

    pub fn read_bytes(&self, ptr: u32, len: usize) -> Result<Vec<u8>, Errno> {
        let src = self.host(ptr, len)?;
        let mut v = Vec::with_capacity(len);
        // SAFETY: src checked for len bytes; v has capacity len.
        unsafe {
            std::ptr::copy_nonoverlapping(src, v.as_mut_ptr(), len);
            v.set_len(len);
        }
        Ok(v)
    }

    pub fn write_bytes(&self, ptr: u32, data: &[u8]) -> Result<(), Errno> {
        let dst = self.host(ptr, data.len())?;
        // SAFETY: dst checked for data.len() bytes; data is host memory, no overlap.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), dst, data.len()) };
        Ok(())
    }

    pub fn read<T: Pod>(&self, ptr: u32) -> Result<T, Errno> {
        let src = self.host(ptr, std::mem::size_of::<T>())?;
        // SAFETY: checked; T is Pod so any bytes are a valid T; unaligned read.
        Ok(unsafe { std::ptr::read_unaligned(src as *const T) })
    }

    pub fn write<T: Pod>(&self, ptr: u32, v: T) -> Result<(), Errno> {
        let dst = self.host(ptr, std::mem::size_of::<T>())?;
        // SAFETY: checked; unaligned write of a Pod value.
        unsafe { std::ptr::write_unaligned(dst as *mut T, v) };
        Ok(())
    }

    /// Copy within guest memory (memmove semantics), both ranges checked.
    pub fn copy_within(&self, dst: u32, src: u32, len: usize) -> Result<(), Errno> {
        let s = self.host(src, len)?;
        let d = self.host(dst, len)?;
        // SAFETY: both ranges checked; `copy` allows overlap.
        unsafe { std::ptr::copy(s, d, len) };
        Ok(())
    }

    pub fn fill(&self, ptr: u32, byte: u8, len: usize) -> Result<(), Errno> {
        let d = self.host(ptr, len)?;
        // SAFETY: checked.
        unsafe { std::ptr::write_bytes(d, byte, len) };
        Ok(())
    }

    /// A NUL-terminated string of at most `max` bytes (terminator included).
    /// `EFAULT` if memory ends first, `ENAMETOOLONG` if no NUL within `max`.
    pub fn read_cstr(&self, ptr: u32, max: usize) -> Result<CString, Errno> {
        let (base, size) = self.view();
        let start = ptr as usize;
        if start >= size {
            return Err(EFAULT);
        }
        let avail = (size - start).min(max);
        let mut out = Vec::with_capacity(64);
        for i in 0..avail {
            // SAFETY: start + i < size.
            let b = unsafe { std::ptr::read_volatile(base.add(start + i)) };
            if b == 0 {
                // SAFETY: no interior NUL: we stopped at the first one.
                return Ok(unsafe { CString::from_vec_unchecked(out) });
            }
            out.push(b);
        }
        Err(if avail == max { ENAMETOOLONG } else { EFAULT })
    }

    /// A path argument: NUL-terminated within PATH_MAX.
    #[inline]
    pub fn path(&self, ptr: u32) -> Result<CString, Errno> {
        self.read_cstr(ptr, PATH_MAX)
    }

    /// Give whole host pages in `[ptr, ptr + len)` back to the kernel so they read as
    /// zero (the memory is a private anonymous mapping), and zero any partial edges.
    pub fn zero_pages(&self, ptr: u32, len: usize) -> Result<(), Errno> {
        let d = self.host(ptr, len)?;
        const PAGE: usize = 4096;
        let addr = d as usize;
        let first = addr.next_multiple_of(PAGE);
        let last = (addr + len) & !(PAGE - 1);
        if first < last {
            // Fresh anonymous pages, not MADV_DONTNEED: the range may hold a shared file
            // mapping (`map_file_shared`), which must go, not be re-read from the file.
            // SAFETY: a page-aligned range inside the checked guest range.
            let r = unsafe {
                libc::mmap(
                    first as *mut libc::c_void,
                    last - first,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                    -1,
                    0,
                )
            };
            if r != libc::MAP_FAILED {
                // SAFETY: the edges are inside the checked range.
                unsafe {
                    std::ptr::write_bytes(d, 0, first - addr);
                    std::ptr::write_bytes(last as *mut u8, 0, addr + len - last);
                }
                return Ok(());
            }
        }
        // SAFETY: checked range.
        unsafe { std::ptr::write_bytes(d, 0, len) };
        Ok(())
    }

    /// Map `fd` shared over the page-aligned guest range `[ptr, ptr+len)`, so stores
    /// reach the file and other processes' maps (`MAP_SHARED`). `zero_pages` undoes it.
    /// A descriptor not open for writing gets a private map (its stores stay here).
    pub fn map_file_shared(&self, ptr: u32, len: usize, fd: i32, off: i64) -> Result<(), Errno> {
        match self.map_file(ptr, len, fd, off, libc::MAP_SHARED) {
            Err(e) if e == crate::errno::EACCES => {
                self.map_file(ptr, len, fd, off, libc::MAP_PRIVATE)
            }
            r => r,
        }
    }

    /// Map `len` bytes of `fd` from `off` privately over the page-aligned guest range at
    /// `ptr`: the module's initial data, shared with the page cache until written.
    pub fn map_private(&self, ptr: u32, len: usize, fd: i32, off: i64) -> Result<(), Errno> {
        self.map_file(ptr, len, fd, off, libc::MAP_PRIVATE)
    }

    /// Map `fd` over the page-aligned guest range `[ptr, ptr+len)` in place. Read-write on
    /// the host whatever the guest asked: wasm has no page protection, and the runtime
    /// itself writes results into guest memory.
    fn map_file(&self, ptr: u32, len: usize, fd: i32, off: i64, share: i32) -> Result<(), Errno> {
        if !ptr.is_multiple_of(4096) || !len.is_multiple_of(4096) {
            return Err(crate::errno::EINVAL);
        }
        let d = self.host(ptr, len)?;
        // SAFETY: a page-aligned range inside the guest memory mapping, replaced in place.
        let r = unsafe {
            libc::mmap(
                d.cast(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                share | libc::MAP_FIXED,
                fd,
                off,
            )
        };
        if r == libc::MAP_FAILED {
            return Err(Errno::last());
        }
        // A file cut short under the map raises SIGBUS on touch: a zero page instead.
        self.catch_bus_errors();
        Ok(())
    }

    /// Pages of a file map past the file's end (or cut off by a truncate, at any time)
    /// raise SIGBUS when touched, by the guest or by the runtime copying for a syscall.
    /// Linux would answer the syscall EFAULT; here the page becomes a zero page instead,
    /// so no guest can crash the runtime that way.
    fn catch_bus_errors(&self) {
        let Some(m) = &self.mem else { return };
        let base = m.data().as_ptr() as usize;
        let span = m.ty().maximum().map_or(1 << 32, |p| p as usize * 65536);
        GUARDED.store(base, Ordering::SeqCst);
        GUARDED_LEN.store(span, Ordering::SeqCst);
        BUS_HANDLER.call_once(|| {
            // SAFETY: installing a handler; the previous one is kept and chained to.
            unsafe {
                let mut sa: libc::sigaction = std::mem::zeroed();
                sa.sa_sigaction = on_bus as *const () as usize;
                sa.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_NODEFER;
                libc::sigemptyset(&mut sa.sa_mask);
                let mut old: libc::sigaction = std::mem::zeroed();
                if libc::sigaction(libc::SIGBUS, &sa, &mut old) == 0 {
                    OLD_BUS.store(Box::into_raw(Box::new(old)), Ordering::SeqCst);
                }
            }
        });
    }

    /// `msync` of a guest range (shared file maps write back; anonymous pages ignore it).
    pub fn msync(&self, ptr: u32, len: usize, flags: i32) -> Result<(), Errno> {
        let d = self.host(ptr, len)?;
        // SAFETY: a checked range of our own mapping.
        if unsafe { libc::msync(d.cast(), len, flags) } < 0 {
            return Err(Errno::last());
        }
        Ok(())
    }
}

impl GuestMem {
    /// Attach System V segment `id` over the page-aligned guest range `[ptr, ptr+len)`
    /// (`len` its size rounded up to pages), so the guest's stores are the segment's and
    /// a forked child shares it. Read-write whatever the guest asked, as `map_file`.
    /// `zero_pages` detaches it.
    pub fn map_shm(&self, ptr: u32, len: usize, id: i32) -> Result<(), Errno> {
        if !ptr.is_multiple_of(4096) || !len.is_multiple_of(4096) {
            return Err(crate::errno::EINVAL);
        }
        let d = self.host(ptr, len)?;
        // SAFETY: a page-aligned range inside the guest memory mapping, replaced in place
        // (SHM_REMAP); the segment is no larger than `len`.
        let r = unsafe { libc::shmat(id, d.cast(), libc::SHM_REMAP) };
        if r as isize == -1 {
            return Err(Errno::last());
        }
        Ok(())
    }
}
