//! The guest's address space above its static data: `brk` and `mmap` carve 4 KiB pages
//! out of linear memory, and `munmap` gives them back for reuse. Pure bookkeeping:
//! the caller grows the wasm memory and zeroes pages.
//!
//! Layout: `[0, brk_start)` belongs to the module (stack, data, heap base); the break
//! grows up from `brk_start`; maps are placed first-fit from `mmap_min`, leaving the
//! break room to grow. Free pages are kept as disjoint ranges, and are always zero
//! (the caller zeroes on release), so a fresh map needs no clearing.
//!
//! With a page map (`with_pages`), every page taken becomes `RW` there and every page
//! freed `UNMAPPED`, so syscalls fault on pages the guest does not have; the caller sets
//! protections (`mmap`'s `prot`, `mprotect`) over that.

use crate::mem::{PageMap, RW, UNMAPPED};
use std::collections::BTreeMap;
use std::sync::Arc;

pub const PAGE: u64 = 4096;
/// Room kept for the break below the first map.
pub const BRK_ROOM: u64 = 8 << 20;
const WASM_PAGE: u64 = 65536;

#[derive(Debug)]
pub struct AddressSpace {
    pub brk_start: u64,
    pub brk: u64,
    mmap_min: u64,
    /// Bytes of linear memory the allocator has accounted for (a wasm-page multiple).
    top: u64,
    /// Upper bound of linear memory in bytes.
    max: u64,
    /// Free ranges inside `[brk_start, top)`: start -> end.
    free: BTreeMap<u64, u64>,
    /// The process's page map, kept in step with `free`.
    pages: Option<Arc<PageMap>>,
}

/// Outcome of a placement: the address, and the memory size needed to cover it.
#[derive(Debug, PartialEq, Eq)]
pub struct Placed {
    pub addr: u64,
    pub need_top: u64,
}

pub fn page_up(n: u64) -> Option<u64> {
    n.checked_add(PAGE - 1).map(|v| v & !(PAGE - 1))
}

/// What a snapshot keeps of an address space (`wali-run pack --preinit`): the break,
/// where mmap starts, the accounted top and the free ranges. The maximum is the run's.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SpaceState {
    pub brk_start: u64,
    pub brk: u64,
    pub mmap_min: u64,
    pub top: u64,
    pub free: Vec<(u64, u64)>,
}

impl AddressSpace {
    pub fn save(&self) -> SpaceState {
        SpaceState {
            brk_start: self.brk_start,
            brk: self.brk,
            mmap_min: self.mmap_min,
            top: self.top,
            free: self.free.iter().map(|(&a, &b)| (a, b)).collect(),
        }
    }

    /// Back to a saved state, on a memory already grown to cover `s.top`; the page map
    /// is the caller's to restore (it keeps protections this does not know).
    pub fn load(&mut self, s: &SpaceState) {
        self.brk_start = s.brk_start;
        self.brk = s.brk;
        self.mmap_min = s.mmap_min;
        self.top = s.top;
        self.max = self.max.max(s.top);
        self.free = s.free.iter().copied().collect();
    }

    pub fn new(size: u64, max: u64) -> Self {
        let start = size.next_multiple_of(WASM_PAGE);
        AddressSpace {
            brk_start: start,
            brk: start,
            mmap_min: start + BRK_ROOM,
            top: start,
            max: max.max(start),
            free: BTreeMap::new(),
            pages: None,
        }
    }

    /// Keep `pages` in step with this address space.
    pub fn with_pages(mut self, pages: Arc<PageMap>) -> Self {
        self.pages = Some(pages);
        self
    }

    fn mark(&self, a: u64, len: u64, st: u8) {
        if let Some(p) = &self.pages {
            p.set(a as usize, len as usize, st);
        }
    }

    pub fn top(&self) -> u64 {
        self.top
    }

    /// The guest grew memory itself (`memory.grow`): that space is its own.
    pub fn sync_size(&mut self, size: u64) {
        if size > self.top {
            self.mark(self.top, size - self.top, RW);
            self.top = size;
        }
    }

    /// Extend `top` to cover `end`, rounding to wasm pages; the slack becomes free.
    fn cover(&mut self, end: u64) -> Option<u64> {
        if end <= self.top {
            return Some(self.top);
        }
        let new_top = end.checked_next_multiple_of(WASM_PAGE)?;
        if new_top > self.max {
            return None;
        }
        let old = self.top;
        self.top = new_top;
        self.release(old, new_top - old);
        Some(new_top)
    }

    /// Mark `[a, a+len)` free, merging neighbours; overlapping frees are harmless.
    pub fn release(&mut self, a: u64, len: u64) {
        if len == 0 {
            return;
        }
        let (mut s, mut e) = (a.max(self.brk_start), (a + len).min(self.top));
        if s >= e {
            return;
        }
        // Absorb every range that touches or overlaps [s, e).
        let touching: Vec<(u64, u64)> = self
            .free
            .range(..=e)
            .rev()
            .take_while(|(_, &re)| re >= s)
            .map(|(&rs, &re)| (rs, re))
            .collect();
        self.mark(s, e - s, UNMAPPED);
        for (rs, re) in touching {
            self.free.remove(&rs);
            s = s.min(rs);
            e = e.max(re);
        }
        self.free.insert(s, e);
    }

    /// Remove `[a, a+len)` from the free set (it becomes in use).
    fn take(&mut self, a: u64, len: u64) {
        let e = a + len;
        self.mark(a, len, RW);
        let hits: Vec<(u64, u64)> = self
            .free
            .range(..e)
            .rev()
            .take_while(|(_, &re)| re > a)
            .map(|(&rs, &re)| (rs, re))
            .collect();
        for (rs, re) in hits {
            self.free.remove(&rs);
            if rs < a {
                self.free.insert(rs, a);
            }
            if re > e {
                self.free.insert(e, re);
            }
        }
    }

    /// Whether every page of `[a, a+len)` is free or above `top` (and below `max`).
    pub fn is_free(&self, a: u64, len: u64) -> bool {
        let e = a + len;
        if e > self.max || a < self.brk_start {
            return false;
        }
        let below = e.min(self.top);
        if a >= below {
            return true;
        }
        match self.free.range(..=a).next_back() {
            Some((_, &re)) => re >= below,
            None => false,
        }
    }

    /// Place `len` bytes (page multiple) first-fit at or above `mmap_min`.
    pub fn map_anywhere(&mut self, len: u64) -> Option<Placed> {
        let mut found = None;
        for (&s, &e) in self.free.range(..) {
            let s = s.max(self.mmap_min);
            if e > s && e - s >= len {
                found = Some(s);
                break;
            }
        }
        let addr = match found {
            Some(a) => a,
            None => {
                // Extend at the top; reuse a free run that ends at top.
                let mut a = self.top.max(self.mmap_min);
                if let Some((&s, &e)) = self.free.range(..).next_back() {
                    if e == self.top {
                        a = s.max(self.mmap_min);
                    }
                }
                a
            }
        };
        let end = addr.checked_add(len)?;
        let need_top = self.cover(end)?;
        self.take(addr, len);
        Some(Placed { addr, need_top })
    }

    /// Claim `[a, a+len)` exactly (`MAP_FIXED`, `mremap` growth, `brk`).
    pub fn map_fixed(&mut self, a: u64, len: u64) -> Option<Placed> {
        let end = a.checked_add(len)?;
        let need_top = self.cover(end)?;
        self.take(a, len);
        Some(Placed { addr: a, need_top })
    }

    /// Whether `[a, a+len)` lies inside the managed region.
    pub fn manages(&self, a: u64, len: u64) -> bool {
        a >= self.brk_start && a.checked_add(len).is_some_and(|e| e <= self.top)
    }

    /// Move the break; returns the new break (the old one when refused, as Linux does).
    /// The caller zeroes released pages.
    pub fn set_brk(&mut self, want: u64) -> (u64, Option<Placed>, Option<(u64, u64)>) {
        if want < self.brk_start {
            return (self.brk, None, None);
        }
        let cur_end = page_up(self.brk).unwrap_or(self.brk);
        let Some(new_end) = page_up(want) else {
            return (self.brk, None, None);
        };
        if new_end > cur_end {
            if !self.is_free(cur_end, new_end - cur_end) {
                return (self.brk, None, None);
            }
            match self.map_fixed(cur_end, new_end - cur_end) {
                Some(p) => {
                    self.brk = want;
                    (want, Some(p), None)
                }
                None => (self.brk, None, None),
            }
        } else {
            self.brk = want;
            if new_end < cur_end {
                self.release(new_end, cur_end - new_end);
                return (want, None, Some((new_end, cur_end - new_end)));
            }
            (want, None, None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: u64 = 1 << 20;

    #[test]
    fn unmapped_pages_are_reused() {
        let mut s = AddressSpace::new(M, 2048 * M);
        let a = s.map_anywhere(16 * PAGE).unwrap();
        let b = s.map_anywhere(16 * PAGE).unwrap();
        assert_eq!(b.addr, a.addr + 16 * PAGE);
        s.release(a.addr, 16 * PAGE);
        let c = s.map_anywhere(8 * PAGE).unwrap();
        assert_eq!(c.addr, a.addr, "first fit reuses the hole");
        let top = s.top();
        for _ in 0..1000 {
            let x = s.map_anywhere(200 * M / 100).unwrap();
            s.release(x.addr, 200 * M / 100);
        }
        assert!(
            s.top() <= top + 4 * M,
            "repeated map/unmap must not grow memory"
        );
    }

    #[test]
    fn refuses_beyond_max() {
        let mut s = AddressSpace::new(M, 64 * M);
        assert!(s.map_anywhere(128 * M).is_none());
        assert!(s.map_anywhere(32 * M).is_some());
    }

    #[test]
    fn brk_grows_until_a_map_is_in_the_way() {
        let mut s = AddressSpace::new(M, 2048 * M);
        let b0 = s.brk;
        assert_eq!(s.set_brk(b0 + 100).0, b0 + 100);
        assert_eq!(s.set_brk(b0 + 3 * M).0, b0 + 3 * M);
        let m = s.map_anywhere(PAGE).unwrap();
        assert!(m.addr >= b0 + BRK_ROOM);
        assert_eq!(
            s.set_brk(m.addr + PAGE).0,
            b0 + 3 * M,
            "refused across a map"
        );
        assert_eq!(s.set_brk(b0).0, b0);
    }

    #[test]
    fn release_merges_and_tolerates_double_free() {
        let mut s = AddressSpace::new(M, 2048 * M);
        let a = s.map_anywhere(4 * PAGE).unwrap().addr;
        s.release(a, 2 * PAGE);
        s.release(a, 4 * PAGE);
        s.release(a + PAGE, PAGE);
        assert!(s.is_free(a, 4 * PAGE));
        let b = s.map_anywhere(4 * PAGE).unwrap().addr;
        assert_eq!(a, b);
        assert!(!s.is_free(a, PAGE));
    }
}
