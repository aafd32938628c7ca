//! The box file (docs/box-format.md), read side: the header and index checked at open
//! (magic, version, sizes, the SHA-256 of header and index), each file's contents
//! checked against its own SHA-256 when read (after decompression: version 3 stores
//! contents zstd-compressed). Shared by the runtime (the box's file system, `boxfs.rs`)
//! and by `wali-run pack`/`inspect` (src/box/).

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::os::unix::fs::FileExt;

pub const MAGIC: &[u8; 8] = b"WALIBOX\0";
/// The version written: 3 stores contents (files, the module, the snapshot)
/// zstd-compressed, each entry recording its stored and its original length. Read as
/// well: 1 (no snapshot) and 2 (a snapshot), both stored as is.
pub const VERSION: u32 = 3;
pub const VERSION_SNAPSHOT: u32 = 2;
pub const VERSION_PLAIN: u32 = 1;
/// Entries' data as stored (version 3's codec byte).
pub const STORED: u8 = 0;
pub const ZSTD: u8 = 1;
/// The largest original size a compressed entry may claim: a file of the box becomes a
/// memory file when opened, and a lying size must not make the runtime fill memory.
pub const MAX_ENTRY: u64 = 1 << 30;
/// A symlink's target is a path (Linux's PATH_MAX).
pub const MAX_LINK: u64 = 4096;
/// The decoder's window limit (2^25 = 32 MiB; level 9 uses 4 MiB at most): a
/// hostile frame cannot make it allocate more.
pub const WINDOW_LOG_MAX: u32 = 25;
pub const HEADER: usize = 64;
/// An index larger than this is refused (a hostile size would make the runtime allocate it).
pub const MAX_INDEX: u64 = 256 << 20;

/// Entry kinds, as stored.
pub const DIR: u8 = 1;
pub const FILE: u8 = 2;
pub const SYMLINK: u8 = 3;

/// One entry of the tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Absolute, normalized (`/app/lib/x.rb`; no trailing `/`, no `.`/`..`).
    pub path: Vec<u8>,
    pub kind: u8,
    /// Permission bits (`0o755`...).
    pub mode: u32,
    pub mtime: i64,
    /// Where the data is in the file, and its length there (compressed or not).
    pub off: u64,
    pub stored: u64,
    /// The data's own length (what the guest sees), and how it is stored.
    pub len: u64,
    pub codec: u8,
    /// Of the data itself (after decompression).
    pub sha256: [u8; 32],
}

/// An opened, checked box.
pub struct BoxImage {
    pub file: std::fs::File,
    pub size: u64,
    /// The format version (1, 2 or 3).
    pub version: u32,
    pub index_off: u64,
    /// The SHA-256 of header and index, as stored (checked): the box's identity.
    pub index_sha256: [u8; 32],
    /// The box's settings (TOML text: module, argv, env, cwd, policy).
    pub meta: Vec<u8>,
    pub entries: Vec<Entry>,
    by_path: HashMap<Vec<u8>, u32>,
    /// Children of each directory entry (indices into `entries`, in path order).
    pub children: Vec<Vec<u32>>,
    /// Top-level entries: the box's mount points.
    pub tops: Vec<u32>,
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes(b[at..at + 2].try_into().unwrap_or_default())
}
fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap_or_default())
}
fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap_or_default())
}

/// The header for an index of `index_len` bytes at `index_off` (hash filled by `seal`).
pub fn header(version: u32, index_off: u64, index_len: u64) -> [u8; HEADER] {
    let mut h = [0u8; HEADER];
    h[..8].copy_from_slice(MAGIC);
    h[8..12].copy_from_slice(&version.to_le_bytes());
    h[16..24].copy_from_slice(&index_off.to_le_bytes());
    h[24..32].copy_from_slice(&index_len.to_le_bytes());
    h
}

/// The SHA-256 that goes in the header: of its first 32 bytes, then the index.
pub fn seal(head: &[u8], index: &[u8]) -> [u8; 32] {
    let mut d = Sha256::new();
    d.update(&head[..32]);
    d.update(index);
    d.finalize().into()
}

/// Is this a box (by its first bytes)?
pub fn is_box(first: &[u8]) -> bool {
    first.starts_with(MAGIC)
}

/// The parent path of an absolute normalized path (`/a/b` -> `/a`, `/a` -> `/`).
pub fn parent(p: &[u8]) -> &[u8] {
    match p.iter().rposition(|&c| c == b'/') {
        Some(0) | None => b"/",
        Some(i) => &p[..i],
    }
}

/// The last component of an absolute normalized path.
pub fn base(p: &[u8]) -> &[u8] {
    match p.iter().rposition(|&c| c == b'/') {
        Some(i) => &p[i + 1..],
        None => p,
    }
}

impl BoxImage {
    /// Open and check: every failure is one line (the caller adds the file's name).
    pub fn open(file: std::fs::File) -> Result<BoxImage, String> {
        let size = file
            .metadata()
            .map_err(|e| format!("cannot read: {e}"))?
            .len();
        let mut head = [0u8; HEADER];
        if size < HEADER as u64 || file.read_exact_at(&mut head, 0).is_err() {
            return Err("truncated box (no header)".into());
        }
        if &head[..8] != MAGIC {
            return Err("not a box (bad magic)".into());
        }
        let version = u32_at(&head, 8);
        if !(VERSION_PLAIN..=VERSION).contains(&version) {
            return Err(format!(
                "box format version {version}, this wali-run reads versions {VERSION_PLAIN} to {VERSION}"
            ));
        }
        // Version 3's entries also hold the stored length and the codec.
        let tail = if version >= 3 { 70 } else { 61 };
        let index_off = u64_at(&head, 16);
        let index_len = u64_at(&head, 24);
        if index_len > MAX_INDEX || index_off < HEADER as u64 {
            return Err("damaged box (bad index location)".into());
        }
        match index_off.checked_add(index_len) {
            Some(end) if end == size => {}
            Some(end) if end > size => return Err("truncated box".into()),
            _ => return Err("damaged box (bad index location or trailing bytes)".into()),
        }
        let mut index = vec![0u8; index_len as usize];
        file.read_exact_at(&mut index, index_off)
            .map_err(|_| "truncated box".to_string())?;
        let want: [u8; 32] = head[32..64].try_into().unwrap_or_default();
        if seal(&head, &index) != want {
            return Err("damaged box (the header and index do not match their hash)".into());
        }
        let bad = || "damaged box (malformed index)".to_string();
        if index.len() < 4 {
            return Err(bad());
        }
        let meta_len = u32_at(&index, 0) as usize;
        let mut at = 4usize;
        let meta = index.get(at..at + meta_len).ok_or_else(bad)?.to_vec();
        at += meta_len;
        if at + 4 > index.len() {
            return Err(bad());
        }
        let n = u32_at(&index, at) as usize;
        at += 4;
        let mut entries = Vec::with_capacity(n.min(1 << 20));
        for _ in 0..n {
            if at + 2 > index.len() {
                return Err(bad());
            }
            let plen = u16_at(&index, at) as usize;
            at += 2;
            let path = index.get(at..at + plen).ok_or_else(bad)?.to_vec();
            at += plen;
            let rest = index.get(at..at + tail).ok_or_else(bad)?;
            at += tail;
            let e = if version >= 3 {
                Entry {
                    path,
                    kind: rest[0],
                    mode: u32_at(rest, 1),
                    mtime: u64_at(rest, 5) as i64,
                    off: u64_at(rest, 13),
                    stored: u64_at(rest, 21),
                    len: u64_at(rest, 29),
                    codec: rest[37],
                    sha256: rest[38..70].try_into().unwrap_or_default(),
                }
            } else {
                Entry {
                    path,
                    kind: rest[0],
                    mode: u32_at(rest, 1),
                    mtime: u64_at(rest, 5) as i64,
                    off: u64_at(rest, 13),
                    stored: u64_at(rest, 21),
                    len: u64_at(rest, 21),
                    codec: STORED,
                    sha256: rest[29..61].try_into().unwrap_or_default(),
                }
            };
            let in_data = e
                .off
                .checked_add(e.stored)
                .is_some_and(|end| e.off >= HEADER as u64 && end <= index_off);
            // As stored: the same length; compressed: a bounded claim (a zstd frame is
            // never empty). A directory has no data at all.
            let sizes = match e.codec {
                STORED => e.stored == e.len,
                ZSTD => e.stored > 0 && e.len <= MAX_ENTRY,
                _ => false,
            } && (e.kind != SYMLINK || e.len <= MAX_LINK)
                && (e.kind != DIR || (e.off, e.stored, e.len, e.codec) == (0, 0, 0, STORED));
            if !matches!(e.kind, DIR | FILE | SYMLINK)
                || !sizes
                || (e.kind != DIR && !in_data)
                || !e.path.starts_with(b"/")
                || e.path.len() < 2
                || e.path.ends_with(b"/")
                || e.path.contains(&0)
                || e.path
                    .split(|&c| c == b'/')
                    .skip(1)
                    .any(|c| c.is_empty() || c == b"." || c == b"..")
            {
                return Err(bad());
            }
            entries.push(e);
        }
        if at != index.len() {
            return Err(bad());
        }
        let mut by_path = HashMap::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            if by_path.insert(e.path.clone(), i as u32).is_some() {
                return Err(bad());
            }
        }
        let mut children = vec![Vec::new(); entries.len()];
        let mut tops = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            let p = parent(&e.path);
            if p == b"/" {
                tops.push(i as u32);
                continue;
            }
            match by_path.get(p) {
                Some(&d) if entries[d as usize].kind == DIR => children[d as usize].push(i as u32),
                _ => return Err(bad()),
            }
        }
        Ok(BoxImage {
            file,
            size,
            version,
            index_off,
            index_sha256: want,
            meta,
            entries,
            by_path,
            children,
            tops,
        })
    }

    pub fn lookup(&self, path: &[u8]) -> Option<u32> {
        self.by_path.get(path).copied()
    }

    /// Bytes `off..off+len` of the box, unchecked (the caller checks a hash).
    pub fn read_raw(&self, off: u64, len: u64) -> Result<Vec<u8>, String> {
        let mut buf = vec![0u8; len as usize];
        self.file
            .read_exact_at(&mut buf, off)
            .map_err(|e| format!("cannot read: {e}"))?;
        Ok(buf)
    }

    /// The contents of entry `i` (a file or a symlink's target), checked against its hash.
    pub fn read(&self, i: u32) -> Result<Vec<u8>, String> {
        let e = &self.entries[i as usize];
        // Grown as the data comes: a claimed length is not trusted for an allocation.
        let mut buf = Vec::with_capacity(e.len.min(1 << 20) as usize);
        self.read_with(i, &mut |b| {
            buf.extend_from_slice(b);
            Ok(())
        })?;
        Ok(buf)
    }

    /// The contents of entry `i`, handed to `sink` piece by piece as they are read (and
    /// decompressed); `Ok` only once all of them matched the length and the hash, so a
    /// caller shows nothing to the guest before then. The error is one line.
    pub fn read_with(
        &self,
        i: u32,
        sink: &mut dyn FnMut(&[u8]) -> Result<(), String>,
    ) -> Result<(), String> {
        let e = &self.entries[i as usize];
        expand(&self.file, e.off, e.stored, e.len, e.codec, &e.sha256, sink)
            .map_err(|w| format!("damaged box ({} {w})", String::from_utf8_lossy(&e.path)))
    }
}

/// Bytes `pos..end` of a file, as a reader (positioned reads: the file is shared).
pub struct At<'a> {
    pub file: &'a std::fs::File,
    pub pos: u64,
    pub end: u64,
}

impl std::io::Read for At<'_> {
    fn read(&mut self, b: &mut [u8]) -> std::io::Result<usize> {
        let n = (self.end.saturating_sub(self.pos)).min(b.len() as u64) as usize;
        if n == 0 {
            return Ok(0);
        }
        let r = self.file.read_at(&mut b[..n], self.pos)?;
        self.pos += r as u64;
        Ok(r)
    }
}

/// Data of a box, `stored` bytes at `off` in `codec`, expanded to `sink` in pieces: it
/// must come to exactly `len` bytes with SHA-256 `sha256`. The error says what is wrong
/// with it ("does not match its hash"), for the caller to name it.
pub fn expand(
    file: &std::fs::File,
    off: u64,
    stored: u64,
    len: u64,
    codec: u8,
    sha256: &[u8; 32],
    sink: &mut dyn FnMut(&[u8]) -> Result<(), String>,
) -> Result<(), String> {
    use std::io::Read;
    let src = At {
        file,
        pos: off,
        end: off.saturating_add(stored),
    };
    let mut rd: Box<dyn Read> = match codec {
        STORED => Box::new(src),
        ZSTD => Box::new(decoder(src)?),
        _ => return Err("is stored in an unknown way".into()),
    };
    let mut d = Sha256::new();
    // Small files read in one piece, large ones in 256 KiB pieces.
    let mut buf = vec![0u8; (len as usize).clamp(1, 256 << 10)];
    let mut total = 0u64;
    loop {
        let n = match rd.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) if codec == ZSTD && e.kind() != std::io::ErrorKind::UnexpectedEof => {
                let e = e.to_string();
                return Err(format!(
                    "does not decompress: {}",
                    e.lines().next().unwrap_or("bad data")
                ));
            }
            Err(_) => return Err("is truncated".into()),
        };
        total += n as u64;
        if total > len {
            return Err("is longer than its recorded size".into());
        }
        d.update(&buf[..n]);
        sink(&buf[..n])?;
    }
    if total != len {
        return Err("is shorter than its recorded size".into());
    }
    if d.finalize().as_slice() != sha256 {
        return Err("does not match its hash".into());
    }
    Ok(())
}

/// A zstd decoder of one frame, its window bounded (hostile input).
pub fn decoder<'a>(src: At<'a>) -> Result<impl std::io::Read + 'a, String> {
    let mut d = zstd::stream::read::Decoder::new(src)
        .map_err(|e| format!("cannot be read: {e}"))?
        .single_frame();
    d.window_log_max(WINDOW_LOG_MAX)
        .map_err(|e| format!("cannot be read: {e}"))?;
    Ok(d)
}

/// The original size a zstd frame header records (`None`: not a frame, or no size).
pub fn frame_size(head: &[u8]) -> Option<u64> {
    zstd::zstd_safe::get_frame_content_size(head).ok().flatten()
}

/// Compress `data` as version 3 stores it: zstd at a fixed level (the same input gives
/// the same bytes; the frame records the original size, no checksum: the index holds a
/// SHA-256). `None` when that would not save space (stored as is).
pub fn compress(data: &[u8]) -> Option<Vec<u8>> {
    let z = zstd::bulk::compress(data, LEVEL).ok()?;
    (z.len() < data.len()).then_some(z)
}

/// zstd's level for everything a box stores. 19 saves another 10-15% but packs ~15x
/// slower (Ruby's 15 MB module: 18 s against 1.2 s here); decompression speed is about
/// the same at every level.
pub const LEVEL: i32 = 9;
