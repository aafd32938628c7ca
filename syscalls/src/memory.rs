//! brk and the mmap family over linear memory (see `mmap.rs` for the bookkeeping), and
//! the calls on its pages (mlock, mincore).

use crate::args::*;
use crate::ctx::{Ctx, SysResult};
use crate::errno::*;
use crate::mem::{NONE, RO, RW, SHARED};
use crate::mmap::{page_up, AddressSpace, Placed, PAGE};
use std::sync::MutexGuard;

const MAP_TYPE: i32 = 0x0f;
const MAP_SHARED_VALIDATE: i32 = 0x03;
/// The flags MAP_SHARED_VALIDATE accepts (x86-64's LEGACY_MAP_MASK with MAP_32BIT, and the
/// MAP_HUGE_* size bits), as measured against the kernel.
const VALIDATED_FLAGS: i32 = 0x0007_f973 | (0x3f << 26);
const MREMAP_MAYMOVE: i32 = 1;
const MREMAP_FIXED: i32 = 2;

/// Lock the address space, catching up with any `memory.grow` the guest did itself.
fn space(cx: &Ctx) -> MutexGuard<'_, AddressSpace> {
    let mut s = cx.proc.space.lock().unwrap_or_else(|e| e.into_inner());
    s.sync_size(cx.mem.len() as u64);
    s
}

/// The page-map access of a `prot` (x86: write implies read, exec implies read).
fn access(prot: i32) -> u8 {
    if prot & libc::PROT_WRITE != 0 {
        RW
    } else if prot & (libc::PROT_READ | libc::PROT_EXEC) != 0 {
        RO
    } else {
        NONE
    }
}

/// Grow the wasm memory so that `placed` is backed.
fn back(cx: &Ctx, p: &Placed) -> Result<(), Errno> {
    let have = cx.mem.len() as u64;
    if p.need_top > have {
        let mem = cx.mem.shared().ok_or(ENOMEM)?;
        mem.grow((p.need_top - have) / 65536)
            .map_err(|_| full(cx))?;
    }
    Ok(())
}

/// The address space is full: ENOMEM, and under a memory limit a word on stderr (the
/// limit is the memory's maximum).
fn full(cx: &Ctx) -> Errno {
    cx.proc.policy.limits.memory_reached(&cx.proc.notices);
    ENOMEM
}

pub fn brk(cx: &mut Ctx, addr: Ptr) -> SysResult {
    let mut s = space(cx);
    let (now, placed, released) = s.set_brk(addr.0 as u64);
    if let Some(p) = placed {
        back(cx, &p)?;
    }
    if let Some((a, len)) = released {
        cx.mem.zero_pages(a as u32, len as usize)?;
    }
    Ok(now as i64)
}

pub fn mmap(
    cx: &mut Ctx,
    addr: Ptr,
    length: Len,
    prot: Prot,
    flags: MapFlags,
    fd: Fd,
    off: Off,
) -> SysResult {
    let f = flags.0;
    if length.0 == 0 {
        return Err(EINVAL.into());
    }
    let len = page_up(length.0 as u64).ok_or(ENOMEM)?;
    let typ = f & MAP_TYPE;
    if !(1..=3).contains(&typ) {
        return Err(EINVAL.into());
    }
    let anon = f & libc::MAP_ANONYMOUS != 0;
    if typ == MAP_SHARED_VALIDATE {
        // Validated sharing is for files only; there, a flag outside the legacy set
        // (MAP_SYNC on a file without DAX, MAP_FIXED_NOREPLACE, unknown bits) is
        // EOPNOTSUPP, as Linux's do_mmap answers.
        if anon {
            return Err(EINVAL.into());
        }
        if f & !VALIDATED_FLAGS != 0 {
            return Err(EOPNOTSUPP.into());
        }
    }
    if !anon {
        if off.0 < 0 || !(off.0 as u64).is_multiple_of(PAGE) {
            return Err(EINVAL.into());
        }
        // Reject fds that cannot be mapped before placing anything, as the kernel does.
        let fl = sys!(SYS_fcntl, fd.0, libc::F_GETFL)? as i32;
        if fl & libc::O_PATH != 0 {
            return Err(EBADF.into());
        }
        let acc = fl & libc::O_ACCMODE;
        if acc == libc::O_WRONLY
            || (typ != libc::MAP_PRIVATE && prot.0 & libc::PROT_WRITE != 0 && acc != libc::O_RDWR)
        {
            return Err(EACCES.into());
        }
        // SAFETY: stat is plain data; zero is a valid value.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        sys!(SYS_fstat, fd.0, &mut st as *mut libc::stat)?;
        if st.st_mode & libc::S_IFMT == libc::S_IFDIR {
            return Err(ENODEV.into());
        }
    }
    let fixed = f & (libc::MAP_FIXED | libc::MAP_FIXED_NOREPLACE) != 0;
    let mut s = space(cx);
    let placed = if fixed {
        let a = addr.0 as u64;
        if !a.is_multiple_of(PAGE) {
            return Err(EINVAL.into());
        }
        if f & libc::MAP_FIXED_NOREPLACE != 0 && f & libc::MAP_FIXED == 0 && !s.is_free(a, len) {
            return Err(EEXIST.into());
        }
        s.map_fixed(a, len).ok_or(ENOMEM)?
    } else {
        s.map_anywhere(len).ok_or_else(|| full(cx))?
    };
    back(cx, &placed)?;
    drop(s);
    let a = placed.addr as u32;
    if fixed {
        // The range may have held data; a new map reads as zero.
        cx.mem.zero_pages(a, len as usize)?;
    }
    let shared = typ != libc::MAP_PRIVATE;
    let r = if anon && shared {
        // A shared host mapping in place, so that `fork` shares it as Linux does.
        cx.mem.map_anon_shared(a, len as usize)
    } else if anon {
        Ok(())
    } else if !shared {
        fill_from_file(cx, a, length.0 as usize, fd.0, off.0)
    } else {
        // The host maps the file into linear memory itself: stores reach the file.
        cx.mem.map_file_shared(a, len as usize, fd.0, off.0)
    };
    if let Err(e) = r {
        release(cx, a, len);
        return Err(e.into());
    }
    let st = access(prot.0) | if shared { SHARED } else { 0 };
    if st != RW {
        // Under the lock, so no other map or unmap interleaves.
        let _s = space(cx);
        cx.mem.pages().set(a as usize, len as usize, st);
    }
    Ok(a as i64)
}

/// Copy a private file map's contents in; the tail past end of file stays zero.
fn fill_from_file(cx: &Ctx, addr: u32, len: usize, fd: i32, off: i64) -> Result<(), Errno> {
    let mut done = 0usize;
    while done < len {
        let p = cx.mem.host_raw(addr + done as u32, len - done)?;
        // SAFETY: p checked for len - done bytes.
        let n = unsafe { libc::pread(fd, p.cast(), len - done, off + done as i64) };
        if n < 0 {
            let e = Errno::last();
            if e == EINTR {
                continue;
            }
            return Err(if e == EISDIR || e == EINVAL {
                ENODEV
            } else {
                e
            });
        }
        if n == 0 {
            break;
        }
        done += n as usize;
    }
    Ok(())
}

fn release(cx: &Ctx, a: u32, len: u64) {
    let mut s = space(cx);
    let top = s.top();
    let end = (a as u64 + len).min(top);
    if end > a as u64 {
        let _ = cx.mem.zero_pages(a, (end - a as u64) as usize);
    }
    s.release(a as u64, len);
}

pub fn munmap(cx: &mut Ctx, addr: Ptr, length: Len) -> SysResult {
    let a = addr.0 as u64;
    if !a.is_multiple_of(PAGE) || length.0 == 0 {
        return Err(EINVAL.into());
    }
    let len = page_up(length.0 as u64).ok_or(EINVAL)?;
    {
        let s = space(cx);
        // Page 0 is never mapped: nothing to do, as for any unmapped range. The module's
        // own stack and data cannot be unmapped.
        if a + len <= crate::mem::NULL_PAGE as u64 {
            return Ok(0);
        }
        if a < s.brk_start {
            return Err(EINVAL.into());
        }
    }
    release(cx, addr.0, len);
    Ok(0)
}

pub fn mremap(
    cx: &mut Ctx,
    old: Ptr,
    old_size: Len,
    new_size: Len,
    flags: Int,
    new_addr: Ptr,
) -> SysResult {
    let f = flags.0;
    let o = old.0 as u64;
    if !o.is_multiple_of(PAGE) || new_size.0 == 0 || f & !(MREMAP_MAYMOVE | MREMAP_FIXED | 4) != 0 {
        return Err(EINVAL.into());
    }
    if f & MREMAP_FIXED != 0 && f & MREMAP_MAYMOVE == 0 {
        return Err(EINVAL.into());
    }
    let ol = page_up(old_size.0 as u64).ok_or(EINVAL)?;
    let nl = page_up(new_size.0 as u64).ok_or(ENOMEM)?;
    let mut s = space(cx);
    if !s.manages(o, ol.max(PAGE)) || !cx.mem.pages().mapped(o as usize, ol.max(PAGE) as usize) {
        return Err(EFAULT.into());
    }
    // New pages get the old ones' protection (one per map, as Linux's vma has).
    let st = cx.mem.pages().state(o as usize);
    if st & SHARED != 0 {
        return remap_shared(cx, s, o, ol, nl, f, new_addr.0 as u64, st);
    }
    let keep = ol.min(nl);
    if f & MREMAP_FIXED != 0 {
        let n = new_addr.0 as u64;
        if !n.is_multiple_of(PAGE) || (n < o + ol && o < n + nl) {
            return Err(EINVAL.into());
        }
        let p = s.map_fixed(n, nl).ok_or(ENOMEM)?;
        back(cx, &p)?;
        drop(s);
        cx.mem.copy_within(n as u32, o as u32, keep as usize)?;
        cx.mem.zero_pages((n + keep) as u32, (nl - keep) as usize)?;
        release(cx, o as u32, ol);
        protect_new(cx, n, nl, st);
        return Ok(n as i64);
    }
    if nl <= ol {
        drop(s);
        if nl < ol {
            release(cx, (o + nl) as u32, ol - nl);
        }
        return Ok(o as i64);
    }
    if s.is_free(o + ol, nl - ol) {
        let p = s.map_fixed(o + ol, nl - ol).ok_or(ENOMEM)?;
        back(cx, &p)?;
        drop(s);
        protect_new(cx, o + ol, nl - ol, st);
        return Ok(o as i64);
    }
    if f & MREMAP_MAYMOVE == 0 {
        return Err(ENOMEM.into());
    }
    let p = s.map_anywhere(nl).ok_or_else(|| full(cx))?;
    back(cx, &p)?;
    drop(s);
    cx.mem.copy_within(p.addr as u32, o as u32, ol as usize)?;
    release(cx, o as u32, ol);
    protect_new(cx, p.addr, nl, st);
    Ok(p.addr as i64)
}

/// Give pages `mremap` just took the protection of the map they extend.
fn protect_new(cx: &Ctx, a: u64, len: u64, st: u8) {
    if st != RW {
        let _s = space(cx);
        cx.mem.pages().set(a as usize, len as usize, st);
    }
}

/// `mremap` of a shared map (file or anonymous): the host mapping itself moves or grows,
/// so it stays shared with the file or with other processes.
#[allow(clippy::too_many_arguments)]
fn remap_shared(
    cx: &Ctx,
    mut s: MutexGuard<'_, AddressSpace>,
    o: u64,
    ol: u64,
    nl: u64,
    f: i32,
    new_addr: u64,
    st: u8,
) -> SysResult {
    if nl <= ol && f & MREMAP_FIXED == 0 {
        drop(s);
        if nl < ol {
            release(cx, (o + nl) as u32, ol - nl);
        }
        return Ok(o as i64);
    }
    let p = if f & MREMAP_FIXED != 0 {
        if !new_addr.is_multiple_of(PAGE) || (new_addr < o + ol && o < new_addr + nl) {
            return Err(EINVAL.into());
        }
        s.map_fixed(new_addr, nl).ok_or(ENOMEM)?
    } else if s.is_free(o + ol, nl - ol) {
        s.map_fixed(o, nl).ok_or(ENOMEM)?
    } else if f & MREMAP_MAYMOVE == 0 {
        return Err(ENOMEM.into());
    } else {
        s.map_anywhere(nl).ok_or_else(|| full(cx))?
    };
    back(cx, &p)?;
    let n = p.addr;
    cx.mem.remap(o as u32, ol as usize, n as u32, nl as usize)?;
    if n != o {
        s.release(o, ol);
    }
    cx.mem.pages().set(n as usize, nl as usize, st);
    Ok(n as i64)
}

/// The range must be page-aligned, inside linear memory and mapped (Linux: ENOMEM if
/// any page is unmapped, page 0 included).
fn check_range(cx: &Ctx, addr: u32, len: u32) -> Result<u64, Errno> {
    if !(addr as u64).is_multiple_of(PAGE) {
        return Err(EINVAL);
    }
    let l = page_up(len as u64).ok_or(EINVAL)?;
    if addr as u64 + l > cx.mem.len() as u64 {
        return Err(ENOMEM);
    }
    if l != 0 && !cx.mem.pages().mapped(addr as usize, l as usize) {
        return Err(ENOMEM);
    }
    Ok(l)
}

pub fn mprotect(cx: &mut Ctx, addr: Ptr, len: Len, prot: Prot) -> SysResult {
    if prot.0
        & !(libc::PROT_READ
            | libc::PROT_WRITE
            | libc::PROT_EXEC
            | libc::PROT_GROWSDOWN
            | libc::PROT_GROWSUP)
        != 0
    {
        return Err(EINVAL.into());
    }
    let _s = space(cx);
    let l = check_range(cx, addr.0, len.0)?;
    cx.mem
        .pages()
        .protect(addr.0 as usize, l as usize, access(prot.0));
    Ok(0)
}

pub fn madvise(cx: &mut Ctx, addr: Ptr, len: Len, advice: Int) -> SysResult {
    let l = check_range(cx, addr.0, len.0)?;
    match advice.0 {
        libc::MADV_DONTNEED => {
            // Private pages read as zero again; shared ones keep their contents (they
            // come back from the file or the shared object), as on Linux.
            let pages = cx.mem.pages();
            let mut p = addr.0 as u64;
            let end = addr.0 as u64 + l;
            while p < end {
                let shared = pages.state(p as usize) & SHARED != 0;
                let mut q = p + PAGE;
                while q < end && (pages.state(q as usize) & SHARED != 0) == shared {
                    q += PAGE;
                }
                if !shared {
                    cx.mem.zero_pages(p as u32, (q - p) as usize)?;
                }
                p = q;
            }
            Ok(0)
        }
        libc::MADV_NORMAL
        | libc::MADV_RANDOM
        | libc::MADV_SEQUENTIAL
        | libc::MADV_WILLNEED
        | libc::MADV_FREE
        | libc::MADV_DONTFORK
        | libc::MADV_DOFORK
        | libc::MADV_MERGEABLE
        | libc::MADV_UNMERGEABLE
        | libc::MADV_HUGEPAGE
        | libc::MADV_NOHUGEPAGE
        | libc::MADV_DONTDUMP
        | libc::MADV_DODUMP => Ok(0),
        _ => Err(EINVAL.into()),
    }
}

pub fn msync(cx: &mut Ctx, addr: Ptr, len: Len, flags: Int) -> SysResult {
    let f = flags.0;
    if f & !(libc::MS_ASYNC | libc::MS_INVALIDATE | libc::MS_SYNC) != 0
        || (f & libc::MS_ASYNC != 0 && f & libc::MS_SYNC != 0)
    {
        return Err(EINVAL.into());
    }
    let n = check_range(cx, addr.0, len.0)?;
    cx.mem.msync(addr.0, n as usize, f)?;
    Ok(0)
}

pub fn mlockall(_cx: &mut Ctx, flags: Int) -> SysResult {
    if flags.0 == 0 || flags.0 & !(libc::MCL_CURRENT | libc::MCL_FUTURE | libc::MCL_ONFAULT) != 0 {
        return Err(EINVAL.into());
    }
    Ok(0)
}

/// Claim `len` bytes (a page multiple) of the address space for a map the caller makes
/// itself (`shmat`): at `at` exactly (only over free pages unless `replace`), or
/// anywhere. The memory is grown to cover it. `EINVAL` for a taken or impossible
/// address, as `shmat` answers.
pub(crate) fn place(cx: &Ctx, at: Option<u64>, len: u64, replace: bool) -> Result<u32, Errno> {
    let mut s = space(cx);
    let p = match at {
        Some(a) => {
            if !replace && !s.is_free(a, len) {
                return Err(EINVAL);
            }
            s.map_fixed(a, len).ok_or(EINVAL)?
        }
        None => s.map_anywhere(len).ok_or_else(|| full(cx))?,
    };
    if let Err(e) = back(cx, &p) {
        s.release(p.addr, len);
        return Err(e);
    }
    Ok(p.addr as u32)
}

/// Give back what `place` claimed: zero pages over it, free for reuse.
pub(crate) fn unplace(cx: &Ctx, a: u32, len: u64) {
    release(cx, a, len);
}

fn in_memory(cx: &Ctx, addr: u32, len: u32) -> Result<(), Errno> {
    if !addr.is_multiple_of(4096) {
        return Err(EINVAL);
    }
    cx.mem
        .host(addr, len as usize)
        .map(|_| ())
        .map_err(|_| ENOMEM)
}

/// Linear memory is never swapped out by the runtime: locking is accepted.
pub fn mlock(cx: &mut Ctx, addr: Ptr, len: Len) -> SysResult {
    cx.mem
        .host(addr.0 & !4095, (len.0 + (addr.0 & 4095)) as usize)
        .map_err(|_| ENOMEM)?;
    Ok(0)
}

pub fn munlock(cx: &mut Ctx, addr: Ptr, len: Len) -> SysResult {
    mlock(cx, addr, len)
}

pub fn munlockall(_cx: &mut Ctx) -> SysResult {
    Ok(0)
}

/// Every page of linear memory counts as resident.
pub fn mincore(cx: &mut Ctx, addr: Ptr, len: Len, vec: Ptr) -> SysResult {
    in_memory(cx, addr.0, len.0)?;
    let pages = (len.0 as usize).div_ceil(4096);
    cx.mem.fill(vec.0, 1, pages)?;
    Ok(0)
}
