//! Guest linear memory: the only place that dereferences guest pointers.
//!
//! The memory is shared between guest threads, so no `&[u8]` is ever formed over it: data
//! is copied with raw pointers, and host syscalls get raw host addresses after the whole
//! `[ptr, ptr + len)` range has been checked against the current size. The base never
//! moves (wasmtime reserves the maximum up front); the length is read afresh per check,
//! since another thread may have grown the memory.

use crate::errno::{Errno, EFAULT, ENAMETOOLONG};
use std::ffi::CString;
use std::sync::atomic::{AtomicPtr, AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;
use wasmtime::SharedMemory;

/// The guest's page map, one byte per 4 KiB page of linear memory: what Linux would
/// find in the process's page tables. Wasm loads and stores cannot fault, but a syscall
/// handed a pointer into a page the guest does not have answers `EFAULT`, as on Linux.
/// The low two bits are the access (`RW`, `RO`, `NONE`, `UNMAPPED`); `SHARED` marks a
/// page whose host mapping is shared (a `MAP_SHARED` map, file or anonymous).
pub const PAGE: usize = 4096;
pub const RW: u8 = 0;
pub const RO: u8 = 1;
pub const NONE: u8 = 2;
pub const UNMAPPED: u8 = 3;
pub const ACCESS: u8 = 3;
pub const SHARED: u8 = 4;

/// Page 0 is never mapped for syscalls: a NULL (or near-NULL) pointer faults as on Linux.
/// With wali-cc's `--stack-first` link it is the deepest page of the main thread's
/// stack, below 8 MiB of stack: a guard page, as Linux keeps below a stack. A module
/// linked otherwise may keep data there (wasm-ld's default `--global-base` is 1024):
/// then only the bytes below its data fault (`settle_null_page`).
pub const NULL_PAGE: usize = PAGE;

/// The page map of one process (shared by its threads; copied by `fork` with the rest
/// of the host process). Written under the address-space lock; read by any thread.
pub struct PageMap {
    states: Box<[AtomicU8]>,
    /// Every page in `[NULL_PAGE, clean)` is `RW` and private: the hot path (static
    /// data, stack, the heap below the break) checks this bound and nothing else.
    clean: AtomicUsize,
    /// Bytes `[0, null_end)` fault: `NULL_PAGE`, or less for a module with data there.
    null_end: AtomicUsize,
}

impl std::fmt::Debug for PageMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageMap")
            .field("pages", &self.states.len())
            .field("clean", &self.clean.load(Ordering::Relaxed))
            .finish()
    }
}

impl PageMap {
    fn new(pages: usize) -> Arc<PageMap> {
        // Zeroed memory is `RW` everywhere: the module's own memory as instantiated.
        // alloc_zeroed gets fresh pages from the kernel, touched only where used.
        let states = if pages == 0 {
            Box::new([]) as Box<[AtomicU8]>
        } else {
            let layout = std::alloc::Layout::array::<AtomicU8>(pages).expect("page map size");
            // SAFETY: a non-zero layout; AtomicU8 has u8's layout, and zero is a valid
            // value; the box takes ownership of exactly that allocation.
            unsafe {
                let p = std::alloc::alloc_zeroed(layout) as *mut AtomicU8;
                if p.is_null() {
                    std::alloc::handle_alloc_error(layout);
                }
                Box::from_raw(std::ptr::slice_from_raw_parts_mut(p, pages))
            }
        };
        Arc::new(PageMap {
            states,
            clean: AtomicUsize::new(pages * PAGE),
            null_end: AtomicUsize::new(NULL_PAGE),
        })
    }

    /// The state of the page holding byte `a` (`RW` past the map: bounds are checked
    /// against the memory's size separately).
    #[inline]
    pub fn state(&self, a: usize) -> u8 {
        self.states
            .get(a / PAGE)
            .map_or(RW, |s| s.load(Ordering::Relaxed))
    }

    /// Set every page of `[a, a+len)` to `st`.
    pub fn set(&self, a: usize, len: usize, st: u8) {
        self.update(a, len, |_| st);
    }

    /// Set the access bits of `[a, a+len)`, keeping `SHARED`.
    pub fn protect(&self, a: usize, len: usize, access: u8) {
        self.update(a, len, |st| (st & !ACCESS) | access);
    }

    fn update(&self, a: usize, len: usize, f: impl Fn(u8) -> u8) {
        let (first, last) = (a / PAGE, (a + len).div_ceil(PAGE).min(self.states.len()));
        if first >= last {
            return;
        }
        let mut all_rw = true;
        for s in &self.states[first..last] {
            let st = f(s.load(Ordering::Relaxed));
            all_rw &= st == RW;
            s.store(st, Ordering::Relaxed);
        }
        let clean = self.clean.load(Ordering::Relaxed);
        if !all_rw {
            if first * PAGE < clean {
                let p = (first..last)
                    .find(|&p| self.states[p].load(Ordering::Relaxed) != RW)
                    .unwrap_or(first);
                self.clean
                    .store((p * PAGE).max(NULL_PAGE).min(clean), Ordering::Release);
            }
        } else if first * PAGE <= clean && last * PAGE > clean {
            // The clean prefix grows over what was just made RW, and a little further if
            // RW pages follow (bounded: a shorter prefix costs speed, not correctness).
            let cap = (last + 256).min(self.states.len());
            let mut end = last;
            while end < cap && self.states[end].load(Ordering::Relaxed) == RW {
                end += 1;
            }
            self.clean.store(end * PAGE, Ordering::Release);
        }
    }

    /// The run of writable pages around byte `a`, `[start, end)` page-aligned and above
    /// the null page: a thread's stack as its creator mapped it (musl's guard page below
    /// is `PROT_NONE`). None when `a`'s page is not writable.
    pub fn writable_run(&self, a: usize) -> Option<(usize, usize)> {
        let rw = |p: usize| p < self.states.len() && self.state(p * PAGE) & ACCESS == RW;
        let floor = self.null_end.load(Ordering::Relaxed).div_ceil(PAGE).max(1);
        let page = a / PAGE;
        if page < floor || !rw(page) {
            return None;
        }
        let (mut lo, mut hi) = (page, page + 1);
        while lo > floor && rw(lo - 1) {
            lo -= 1;
        }
        while rw(hi) {
            hi += 1;
        }
        Some((lo * PAGE, hi * PAGE))
    }

    /// Whether every page of `[a, a+len)` is mapped (any access).
    pub fn mapped(&self, a: usize, len: usize) -> bool {
        a >= self.null_end.load(Ordering::Relaxed)
            && (a / PAGE..(a + len).div_ceil(PAGE))
                .all(|p| self.state(p * PAGE) & ACCESS != UNMAPPED)
    }

    /// Whether `[a, a+len)` (non-empty) may be read, or also written, by the kernel.
    #[inline]
    fn allows(&self, a: usize, len: usize, write: bool) -> bool {
        if a < self.null_end.load(Ordering::Relaxed) {
            return false;
        }
        let end = a + len;
        let clean = self.clean.load(Ordering::Relaxed);
        if end <= clean {
            return true;
        }
        let worst = if write { RW } else { RO };
        (a.max(clean) / PAGE..end.div_ceil(PAGE)).all(|p| self.state(p * PAGE) & ACCESS <= worst)
    }

    /// The end of the readable run starting at `a` (`a` itself if its page is not).
    fn readable_end(&self, a: usize, limit: usize) -> usize {
        if a < self.null_end.load(Ordering::Relaxed) {
            return a;
        }
        let clean = self.clean.load(Ordering::Relaxed);
        if limit <= clean {
            return limit;
        }
        let mut p = a.max(clean) / PAGE;
        while p * PAGE < limit && self.state(p * PAGE) & ACCESS <= RO {
            p += 1;
        }
        (p * PAGE).clamp(a, limit)
    }
}

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
    /// The process's page map.
    pages: Arc<PageMap>,
}

impl Clone for GuestMem {
    fn clone(&self) -> Self {
        GuestMem {
            mem: self.mem.clone(),
            base: self.base,
            seen: AtomicUsize::new(self.seen.load(Ordering::Relaxed)),
            pages: self.pages.clone(),
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
        let span = mem.ty().maximum().map_or(1 << 32, |p| p as usize * 65536);
        GuestMem {
            mem: Some(mem),
            base,
            seen: AtomicUsize::new(seen),
            pages: PageMap::new(span / PAGE),
        }
    }

    /// A module without memory: every access answers `EFAULT`.
    pub fn none() -> Self {
        GuestMem {
            mem: None,
            base: 0,
            seen: AtomicUsize::new(0),
            pages: PageMap::new(0),
        }
    }

    pub fn shared(&self) -> Option<&SharedMemory> {
        self.mem.as_ref()
    }

    /// Once the module's data is in place: if page 0 holds any (a module linked with
    /// data low, as wasm-ld's default `--global-base=1024` puts it), only the bytes below
    /// its first 1 KiB block of data fault; wali-cc's modules keep page 0 empty.
    pub fn settle_null_page(&self) {
        let (base, size) = self.view();
        let n = size.min(NULL_PAGE);
        // SAFETY: the first `n` bytes are inside the memory; volatile byte reads.
        let first = (0..n).find(|&i| unsafe { std::ptr::read_volatile(base.add(i)) } != 0);
        if let Some(i) = first {
            self.pages.null_end.store(i & !1023, Ordering::Relaxed);
        }
    }

    /// The process's page map (the address space keeps it; memory calls consult it).
    pub fn pages(&self) -> &Arc<PageMap> {
        &self.pages
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

    /// The host address of `[ptr, ptr + len)` for the kernel to read, or `EFAULT` if any
    /// byte lies outside memory or in a page the guest does not have (page 0, unmapped,
    /// `PROT_NONE`). A zero-length range is valid anywhere up to the end (the kernel never
    /// touches it either).
    #[inline(always)]
    pub fn host(&self, ptr: u32, len: usize) -> Result<*mut u8, Errno> {
        self.host_for(ptr, len, false)
    }

    /// `host` for a buffer the kernel (or the runtime) writes: read-only pages fault too.
    #[inline(always)]
    pub fn host_w(&self, ptr: u32, len: usize) -> Result<*mut u8, Errno> {
        self.host_for(ptr, len, true)
    }

    #[inline(always)]
    fn host_for(&self, ptr: u32, len: usize, write: bool) -> Result<*mut u8, Errno> {
        let p = ptr as usize;
        match p.checked_add(len) {
            Some(end)
                if p >= NULL_PAGE
                    && end <= self.seen.load(Ordering::Relaxed)
                    && end <= self.pages.clean.load(Ordering::Relaxed) =>
            {
                // SAFETY: inside a size the memory has had, so inside it now.
                Ok(unsafe { (self.base as *mut u8).add(p) })
            }
            _ => self.host_checked(ptr, len, write),
        }
    }

    /// `host_for` past the fast bounds: the memory's current size, then the page map.
    #[cold]
    #[inline(never)]
    fn host_checked(&self, ptr: u32, len: usize, write: bool) -> Result<*mut u8, Errno> {
        let h = self.host_now(ptr, len)?;
        if len != 0 && !self.pages.allows(ptr as usize, len, write) {
            return Err(EFAULT);
        }
        Ok(h)
    }

    /// The host address of `[ptr, ptr + len)` checked against the memory's bounds only:
    /// for the runtime's own work on pages whatever their protection (memory calls).
    #[inline]
    pub fn host_raw(&self, ptr: u32, len: usize) -> Result<*mut u8, Errno> {
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

    /// Like `host`, but NULL (0) maps to a host NULL, for optional pointers (any other
    /// address in page 0 still faults).
    #[inline]
    pub fn host_opt(&self, ptr: u32, len: usize) -> Result<*mut u8, Errno> {
        if ptr == 0 {
            Ok(std::ptr::null_mut())
        } else {
            self.host(ptr, len)
        }
    }

    /// An optional buffer the kernel writes only in some outcomes (`nanosleep`'s
    /// remaining time, written when a signal interrupts the sleep): checked against the
    /// bounds, not the page map, since Linux faults on it only when it writes.
    #[inline]
    pub fn host_lazy(&self, ptr: u32, len: usize) -> Result<*mut u8, Errno> {
        if ptr == 0 {
            Ok(std::ptr::null_mut())
        } else {
            self.host_raw(ptr, len)
        }
    }

    /// `host_opt` for an optional buffer the kernel writes.
    #[inline]
    pub fn host_opt_w(&self, ptr: u32, len: usize) -> Result<*mut u8, Errno> {
        if ptr == 0 {
            Ok(std::ptr::null_mut())
        } else {
            self.host_w(ptr, len)
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
        let dst = self.host_w(ptr, data.len())?;
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
        let dst = self.host_w(ptr, std::mem::size_of::<T>())?;
        // SAFETY: checked; unaligned write of a Pod value.
        unsafe { std::ptr::write_unaligned(dst as *mut T, v) };
        Ok(())
    }

    /// Atomic compare-and-swap of the aligned guest word at `ptr` (SeqCst): the value
    /// found (equal to `old` when the swap happened). `EINVAL` if misaligned.
    pub fn cas_u32(&self, ptr: u32, old: u32, new: u32) -> Result<u32, Errno> {
        let w = self.word(ptr)?;
        Ok(
            match w.compare_exchange(old, new, Ordering::SeqCst, Ordering::SeqCst) {
                Ok(v) | Err(v) => v,
            },
        )
    }

    /// Atomic load of the aligned guest word at `ptr`.
    pub fn load_u32(&self, ptr: u32) -> Result<u32, Errno> {
        Ok(self.word(ptr)?.load(Ordering::SeqCst))
    }

    /// Atomic store to the aligned guest word at `ptr`.
    pub fn store_u32(&self, ptr: u32, v: u32) -> Result<(), Errno> {
        self.word(ptr)?.store(v, Ordering::SeqCst);
        Ok(())
    }

    /// `FUTEX_WAKE` up to `n` waiters of the guest word at `ptr` (`private`: with
    /// `FUTEX_PRIVATE_FLAG`); the number woken.
    pub fn futex_wake(&self, ptr: u32, n: i32, private: bool) -> Result<i64, Errno> {
        let w = self.word(ptr)?;
        let op = libc::FUTEX_WAKE | if private { libc::FUTEX_PRIVATE_FLAG } else { 0 };
        // SAFETY: a checked, aligned word of the guest's memory, which outlives the call.
        let r = unsafe { libc::syscall(libc::SYS_futex, w.as_ptr(), op, n, 0, 0, 0) };
        if r < 0 {
            return Err(Errno::last());
        }
        Ok(r)
    }

    /// The aligned guest word at `ptr` as an atomic (the memory is shared between guest
    /// threads, which access it with wasm atomics; it never moves or shrinks).
    fn word(&self, ptr: u32) -> Result<&std::sync::atomic::AtomicU32, Errno> {
        if !ptr.is_multiple_of(4) {
            return Err(crate::errno::EINVAL);
        }
        let p = self.host(ptr, 4)?;
        // SAFETY: 4 checked, 4-aligned bytes (the base is page-aligned) that live as long
        // as `self`; every other access to them is atomic or a plain guest access, as
        // between guest threads.
        Ok(unsafe { std::sync::atomic::AtomicU32::from_ptr(p.cast()) })
    }

    /// Copy within guest memory (memmove semantics), both ranges checked against the
    /// bounds only (the runtime moving pages for `mremap`, whatever their protection).
    pub fn copy_within(&self, dst: u32, src: u32, len: usize) -> Result<(), Errno> {
        let s = self.host_raw(src, len)?;
        let d = self.host_raw(dst, len)?;
        // SAFETY: both ranges checked; `copy` allows overlap.
        unsafe { std::ptr::copy(s, d, len) };
        Ok(())
    }

    pub fn fill(&self, ptr: u32, byte: u8, len: usize) -> Result<(), Errno> {
        let d = self.host_w(ptr, len)?;
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
        let want = (size - start).min(max);
        // Bytes up to the first page the guest cannot read.
        let avail = self.pages.readable_end(start, start + want) - start;
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
        let d = self.host_raw(ptr, len)?;
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

    /// Back the page-aligned guest range `[ptr, ptr+len)` with fresh shared anonymous
    /// memory (`MAP_SHARED | MAP_ANONYMOUS`), so a forked child shares it as on Linux.
    /// `zero_pages` undoes it.
    pub fn map_anon_shared(&self, ptr: u32, len: usize) -> Result<(), Errno> {
        self.map_file(ptr, len, -1, 0, libc::MAP_SHARED | libc::MAP_ANONYMOUS)
    }

    /// Move or resize the host mapping behind the shared guest map `[old, old+old_len)`
    /// to `[new, new+new_len)` (both page-aligned, the new range inside the memory), so
    /// it stays the same shared object (`mremap` of a `MAP_SHARED` map). Pages the move
    /// leaves behind become fresh private zero pages.
    pub fn remap(&self, old: u32, old_len: usize, new: u32, new_len: usize) -> Result<(), Errno> {
        let o = self.host_raw(old, old_len)? as usize;
        let n = self.host_raw(new, new_len)? as usize;
        let fresh = |a: usize, len: usize| {
            // SAFETY: a page-aligned range inside the guest memory reservation.
            unsafe {
                libc::mmap(
                    a as *mut libc::c_void,
                    len,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                    -1,
                    0,
                )
            }
        };
        if o == n {
            if new_len <= old_len {
                if new_len < old_len {
                    fresh(o + new_len, old_len - new_len);
                }
                return Ok(());
            }
            // Grow in place: free the host range after it, then extend into it.
            // SAFETY: the tail is inside the guest memory reservation; it is either
            // taken over by the grown mapping or put back at once.
            unsafe {
                libc::munmap((o + old_len) as *mut libc::c_void, new_len - old_len);
                let r = libc::mremap(o as *mut libc::c_void, old_len, new_len, 0);
                if r == libc::MAP_FAILED {
                    let e = Errno::last();
                    fresh(o + old_len, new_len - old_len);
                    return Err(e);
                }
            }
            return Ok(());
        }
        // SAFETY: both ranges are inside the guest memory reservation; the new one is
        // replaced atomically (MREMAP_FIXED), the old one refilled at once.
        unsafe {
            let r = libc::mremap(
                o as *mut libc::c_void,
                old_len,
                new_len,
                libc::MREMAP_MAYMOVE | libc::MREMAP_FIXED,
                n as *mut libc::c_void,
            );
            if r == libc::MAP_FAILED {
                return Err(Errno::last());
            }
            fresh(o, old_len);
        }
        Ok(())
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
        let d = self.host_raw(ptr, len)?;
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
        let d = self.host_raw(ptr, len)?;
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
