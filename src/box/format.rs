//! The box file, write side, and its settings (docs/box-format.md). The read side (header
//! and index checks, per-file hashes) is `wali_syscalls::vfs::boxfile`, shared with the
//! runtime's file system for boxes.

pub use wali_syscalls::vfs::boxfile::{self, BoxImage, Entry, DIR, FILE, HEADER, SYMLINK};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

/// The box's settings: the index's first part, as TOML text.
#[derive(Serialize, Deserialize, Debug, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    pub module: ModuleRef,
    /// argv: the ENTRYPOINT's words, then the CMD's (replaced by a run's arguments).
    pub argv: Vec<String>,
    /// How many of `argv` are the ENTRYPOINT's.
    pub entrypoint: usize,
    /// The guest's working directory at start.
    pub cwd: String,
    pub env: BTreeMap<String, String>,
    /// The policy, in the policy-file format (README, "The sandbox").
    pub policy: String,
    /// The pre-initialised snapshot (`pack --preinit`), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<SnapshotRef>,
}

/// Where the snapshot is. Stored as is (version 2): page-aligned in the file, so that
/// its pages map directly; compressed (version 3): expanded into the cache once per box
/// file (src/box/snapcache.rs), its pages mapped from there.
#[derive(Serialize, Deserialize, Debug, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct SnapshotRef {
    /// SHA-256 of its bytes (uncompressed), hex.
    pub sha256: String,
    pub offset: u64,
    /// Its own length (uncompressed).
    pub length: u64,
    /// Version 3: the bytes it takes in the file, and how they are stored ("zstd");
    /// absent: stored as is (`length` bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stored: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compression: Option<String>,
    /// Version 3, compressed: SHA-256 of the stored bytes, hex. The once-per-box-file
    /// check hashes these (a few MB) rather than decompressing the whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stored_sha256: Option<String>,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct ModuleRef {
    /// The module's name (its file name without `.wasm`), for messages.
    pub name: String,
    /// SHA-256 of its bytes, hex: also the compiled-module cache's key.
    pub sha256: String,
    pub offset: u64,
    /// Its own length (uncompressed).
    pub length: u64,
    /// As the snapshot's (version 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stored: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compression: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stored_sha256: Option<String>,
}

/// Where some data is in the file and how it is stored: (offset, stored length, own
/// length, codec). A compressed one claims at most `max` bytes.
fn placed(
    offset: u64,
    length: u64,
    stored: Option<u64>,
    compression: &Option<String>,
    version: u32,
    max: u64,
) -> Option<(u64, u64, u64, u8)> {
    match (compression.as_deref(), stored) {
        (None, None) => Some((offset, length, length, boxfile::STORED)),
        (None, Some(s)) if s == length && version >= 3 => {
            Some((offset, s, length, boxfile::STORED))
        }
        (Some("zstd"), Some(s)) if version >= 3 && s > 0 && length <= max => {
            Some((offset, s, length, boxfile::ZSTD))
        }
        _ => None,
    }
}

/// The once-per-box-file check of compressed data that has a stored hash: the stored
/// bytes against it, and the frame's recorded size against the claimed length. What a
/// run then uses is decompressed against the length and the original hash anyway (a
/// compiled-module cache miss, the snapshot's expansion): this finds damage early and
/// cheaply (hashing 3.7 MB rather than decompressing and hashing 15 MB for Ruby's module).
/// `Ok(false)`: no stored hash, the caller checks by decompressing.
pub fn check_stored(
    file: &std::fs::File,
    placed: (u64, u64, u64, u8),
    stored_sha256: Option<&str>,
    what: &str,
) -> Result<bool, String> {
    let (off, stored, len, codec) = placed;
    let Some(h) = stored_sha256 else {
        return Ok(false);
    };
    let digest = unhex(h).ok_or_else(|| format!("damaged box (bad {what} hash)"))?;
    if codec != boxfile::ZSTD {
        return Ok(false);
    }
    let mut head = [0u8; 18];
    let n = (stored as usize).min(head.len());
    use std::os::unix::fs::FileExt;
    file.read_exact_at(&mut head[..n], off)
        .map_err(|_| format!("truncated box ({what})"))?;
    if boxfile::frame_size(&head[..n]) != Some(len) {
        return Err(format!(
            "damaged box (the {what} is not {len} bytes as recorded)"
        ));
    }
    boxfile::expand(
        file,
        off,
        stored,
        stored,
        boxfile::STORED,
        &digest,
        &mut |_| Ok(()),
    )
    .map_err(|w| format!("damaged box (the {what} {w})"))?;
    Ok(true)
}

impl ModuleRef {
    /// (offset, stored length, own length, codec).
    pub fn placed(&self, version: u32) -> Option<(u64, u64, u64, u8)> {
        placed(
            self.offset,
            self.length,
            self.stored,
            &self.compression,
            version,
            crate::engine::MAX_MODULE,
        )
    }
}

/// The largest snapshot a compressed one may claim to expand to: a 4 GiB memory and
/// its state (snapshot.rs bounds both).
pub const MAX_SNAPSHOT: u64 = (1 << 32) + (64 << 20) + 4096;

impl SnapshotRef {
    /// (offset, stored length, own length, codec).
    pub fn placed(&self, version: u32) -> Option<(u64, u64, u64, u8)> {
        placed(
            self.offset,
            self.length,
            self.stored,
            &self.compression,
            version,
            MAX_SNAPSHOT,
        )
    }

    pub fn digest(&self) -> Result<[u8; 32], String> {
        unhex(&self.sha256).ok_or_else(|| "damaged box (bad snapshot hash)".into())
    }
}

/// 64 hex digits to 32 bytes.
pub fn unhex(h: &str) -> Option<[u8; 32]> {
    if h.len() != 64 || !h.is_ascii() {
        return None;
    }
    let mut d = [0u8; 32];
    for (i, b) in d.iter_mut().enumerate() {
        *b = u8::from_str_radix(&h[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(d)
}

impl Meta {
    pub fn parse(text: &[u8]) -> Result<Meta, String> {
        let t = std::str::from_utf8(text).map_err(|_| "damaged box (settings not UTF-8)")?;
        toml::from_str(t).map_err(|e| {
            format!(
                "damaged box (settings: {})",
                e.message().lines().next().unwrap_or("invalid")
            )
        })
    }

    pub fn digest(&self) -> Result<[u8; 32], String> {
        unhex(&self.module.sha256).ok_or_else(|| "damaged box (bad module hash)".into())
    }
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// One entry to write: its data (file contents, a symlink's target; empty for a
/// directory).
pub struct NewEntry {
    pub kind: u8,
    pub mode: u32,
    pub mtime: i64,
    pub data: Vec<u8>,
}

/// Data as a box stores it: (bytes, codec).
fn stored_form(data: &[u8], compress: bool) -> (std::borrow::Cow<'_, [u8]>, u8) {
    match compress.then(|| boxfile::compress(data)).flatten() {
        Some(z) => (std::borrow::Cow::Owned(z), boxfile::ZSTD),
        None => (std::borrow::Cow::Borrowed(data), boxfile::STORED),
    }
}

/// Write a box (version 3): header, the module, the entries' data in path order, the
/// snapshot, the index. With `compress`, each content is stored zstd-compressed when
/// that saves space (a box only pack's own pre-initialisation run reads is not: it is
/// written again). The same inputs give the same bytes (`tree` is ordered by path; a
/// fixed compression level; nothing of the moment of packing is recorded). Written
/// beside `out` and renamed into place.
pub fn write(
    out: &Path,
    mut meta: Meta,
    module: &[u8],
    tree: &BTreeMap<Vec<u8>, NewEntry>,
    snapshot: Option<&[u8]>,
    compress: bool,
) -> Result<u64, String> {
    use rayon::prelude::*;
    let mut data: Vec<u8> = vec![0u8; HEADER];
    let module_sha: [u8; 32] = Sha256::digest(module).into();
    // Every distinct content compressed once, in parallel (each alone: the order of the
    // work does not change a byte). Keyed by SHA-256, which the index holds anyway.
    let mut contents: std::collections::HashMap<[u8; 32], &[u8]> =
        std::collections::HashMap::from([(module_sha, module)]);
    let mut shas = Vec::with_capacity(tree.len());
    for e in tree.values() {
        let sha: [u8; 32] = if e.kind == DIR {
            [0u8; 32]
        } else {
            Sha256::digest(&e.data).into()
        };
        if e.kind != DIR {
            contents.entry(sha).or_insert(&e.data);
        }
        shas.push(sha);
    }
    let mut work: Vec<([u8; 32], &[u8])> = contents.into_iter().collect();
    work.sort_by_key(|w| std::cmp::Reverse(w.1.len()));
    let mut forms: std::collections::HashMap<[u8; 32], (std::borrow::Cow<'_, [u8]>, u8)> = work
        .into_par_iter()
        .map(|(sha, d)| (sha, stored_form(d, compress)))
        .collect();
    let snap_form = snapshot.map(|s| stored_form(s, compress));
    let (module_stored, module_codec) = forms
        .remove(&module_sha)
        .unwrap_or((std::borrow::Cow::Borrowed(module), boxfile::STORED));
    meta.module.offset = data.len() as u64;
    meta.module.length = module.len() as u64;
    meta.module.stored = Some(module_stored.len() as u64);
    meta.module.compression = (module_codec == boxfile::ZSTD).then(|| "zstd".to_string());
    meta.module.stored_sha256 =
        (module_codec == boxfile::ZSTD).then(|| hex(&Sha256::digest(&module_stored)));
    meta.module.sha256 = hex(&module_sha);
    data.extend_from_slice(&module_stored);
    // Each distinct content is stored once: Ruby's bin/ruby is a hard link to the module
    // itself (15 MB), and trees repeat files. The first occurrence in path order keeps
    // the layout deterministic.
    let mut stored: std::collections::HashMap<[u8; 32], (u64, u64, u8)> =
        std::collections::HashMap::from([(
            module_sha,
            (meta.module.offset, module_stored.len() as u64, module_codec),
        )]);
    let mut entries = Vec::with_capacity(tree.len());
    for ((path, e), sha256) in tree.iter().zip(shas) {
        if path.len() > u16::MAX as usize {
            return Err(format!(
                "{}: path too long for a box",
                String::from_utf8_lossy(path)
            ));
        }
        let (off, stored_len, codec) = if e.kind == DIR {
            (0, 0, boxfile::STORED)
        } else if let Some(&at) = stored.get(&sha256) {
            at
        } else {
            let (bytes, codec) = forms
                .remove(&sha256)
                .unwrap_or((std::borrow::Cow::Borrowed(&e.data), boxfile::STORED));
            let at = (data.len() as u64, bytes.len() as u64, codec);
            data.extend_from_slice(&bytes);
            stored.insert(sha256, at);
            at
        };
        entries.push(Entry {
            path: path.clone(),
            kind: e.kind,
            mode: e.mode,
            mtime: e.mtime,
            off,
            stored: stored_len,
            len: e.data.len() as u64,
            codec,
            sha256,
        });
    }
    meta.snapshot = match (snapshot, snap_form) {
        (Some(snap), Some((bytes, codec))) => {
            if codec == boxfile::STORED {
                // Stored as is: page-aligned, so a run maps its pages straight from the file.
                data.resize(data.len().next_multiple_of(4096), 0);
            }
            let r = SnapshotRef {
                sha256: hex(&Sha256::digest(snap)),
                offset: data.len() as u64,
                length: snap.len() as u64,
                stored: Some(bytes.len() as u64),
                compression: (codec == boxfile::ZSTD).then(|| "zstd".to_string()),
                stored_sha256: (codec == boxfile::ZSTD).then(|| hex(&Sha256::digest(&bytes))),
            };
            data.extend_from_slice(&bytes);
            Some(r)
        }
        _ => None,
    };
    let meta_text = toml::to_string(&meta).map_err(|e| format!("cannot write settings: {e}"))?;
    let mut index = Vec::new();
    index.extend_from_slice(&(meta_text.len() as u32).to_le_bytes());
    index.extend_from_slice(meta_text.as_bytes());
    index.extend_from_slice(&(entries.len() as u32).to_le_bytes());
    for e in &entries {
        index.extend_from_slice(&(e.path.len() as u16).to_le_bytes());
        index.extend_from_slice(&e.path);
        index.push(e.kind);
        index.extend_from_slice(&e.mode.to_le_bytes());
        index.extend_from_slice(&e.mtime.to_le_bytes());
        index.extend_from_slice(&e.off.to_le_bytes());
        index.extend_from_slice(&e.stored.to_le_bytes());
        index.extend_from_slice(&e.len.to_le_bytes());
        index.push(e.codec);
        index.extend_from_slice(&e.sha256);
    }
    let mut head = boxfile::header(boxfile::VERSION, data.len() as u64, index.len() as u64);
    let seal = boxfile::seal(&head, &index);
    head[32..64].copy_from_slice(&seal);
    data[..HEADER].copy_from_slice(&head);
    data.extend_from_slice(&index);
    let tmp = out.with_extension(format!("box-tmp{}", std::process::id()));
    std::fs::write(&tmp, &data).map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, out).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("{}: {e}", out.display())
    })?;
    Ok(data.len() as u64)
}

/// Open a box and read its settings: a one-line error otherwise.
pub fn open(path: &Path) -> Result<(BoxImage, Meta), String> {
    let f = std::fs::File::open(path).map_err(|e| crate::engine::io_msg(&e))?;
    // The runtime's own descriptor: high, and closed to the guest (runtime_fds.rs).
    let f = std::fs::File::from(wali_syscalls::sandbox::keep_high(f.into()));
    let img = BoxImage::open(f)?;
    let meta = Meta::parse(&img.meta)?;
    let in_data = |(off, stored, _, _): (u64, u64, u64, u8)| {
        off >= HEADER as u64 && off.checked_add(stored).is_some_and(|e| e <= img.index_off)
    };
    if !meta.module.placed(img.version).is_some_and(in_data) {
        return Err("damaged box (bad module location)".into());
    }
    let hash_ok = |h: &Option<String>| h.as_deref().is_none_or(|h| unhex(h).is_some());
    if !hash_ok(&meta.module.stored_sha256)
        || !hash_ok(&meta.snapshot.as_ref().and_then(|s| s.stored_sha256.clone()))
    {
        return Err("damaged box (bad stored hash)".into());
    }
    if meta.entrypoint > meta.argv.len() {
        return Err("damaged box (bad argv)".into());
    }
    meta.digest()?;
    if let Some(s) = &meta.snapshot {
        // Stored as is, its pages map from the box: page-aligned.
        let ok = s.placed(img.version).is_some_and(|p| {
            in_data(p) && (p.3 != boxfile::STORED || s.offset.is_multiple_of(4096))
        });
        if !ok || img.version < 2 || s.digest().is_err() {
            return Err("damaged box (bad snapshot location)".into());
        }
    }
    Ok((img, meta))
}

/// The snapshot's head (its state) and the offset of its page data in the snapshot,
/// read from `src` (positioned at the snapshot's first byte) of a `length`-byte snapshot.
pub fn snapshot_head(
    src: &mut dyn std::io::Read,
    length: u64,
) -> Result<(super::snapshot::State, u64), String> {
    let trunc = |_| "truncated box (snapshot)".to_string();
    let mut head = vec![0u8; 12];
    src.read_exact(&mut head).map_err(trunc)?;
    let n = u32::from_le_bytes(head[8..12].try_into().unwrap_or_default()) as u64;
    if n > length.min(64 << 20) {
        return Err("damaged box (snapshot: bad state size)".into());
    }
    head.resize(12 + n as usize, 0);
    src.read_exact(&mut head[12..]).map_err(trunc)?;
    super::snapshot::parse(&head, length)
}

/// The snapshot's head (its state) and the offset of its page data in the snapshot, as
/// `inspect` shows it (a compressed one: only its first bytes are decompressed).
pub fn snapshot_of(
    img: &BoxImage,
    meta: &Meta,
) -> Result<Option<(super::snapshot::State, u64)>, String> {
    let Some(s) = &meta.snapshot else {
        return Ok(None);
    };
    let (off, stored, len, codec) = s
        .placed(img.version)
        .ok_or("damaged box (bad snapshot location)")?;
    let src = boxfile::At {
        file: &img.file,
        pos: off,
        end: off + stored,
    };
    let r = if codec == boxfile::ZSTD {
        let mut d = boxfile::decoder(src).map_err(|w| format!("damaged box (the snapshot {w})"))?;
        snapshot_head(&mut d, len)
    } else {
        let mut src = src;
        snapshot_head(&mut src, len)
    };
    // A frame that does not decompress reads as a short snapshot: the same one line.
    Ok(Some(r?))
}

/// A stored-as-is snapshot's bytes (version 2) against the hash the (checked) index
/// names: once per box file, as the module's (then the stamp). A compressed one is
/// checked as it is expanded (snapcache.rs).
pub fn check_snapshot(img: &BoxImage, meta: &Meta) -> Result<(), String> {
    let Some(s) = &meta.snapshot else {
        return Ok(());
    };
    let (off, stored, len, codec) = s
        .placed(img.version)
        .ok_or("damaged box (bad snapshot location)")?;
    if codec != boxfile::STORED {
        return Ok(());
    }
    boxfile::expand(
        &img.file,
        off,
        stored,
        len,
        codec,
        &s.digest()?,
        &mut |_| Ok(()),
    )
    .map_err(|w| format!("damaged box (the snapshot {w})"))
}

/// The module's bytes (decompressed), checked against the hash the (checked) index names.
pub fn module_bytes(img: &BoxImage, meta: &Meta) -> Result<Vec<u8>, String> {
    module_from(&img.file, img.version, &meta.module)
}

/// The same from the box file's descriptor (a run keeps one, without the image).
pub fn module_from(file: &std::fs::File, version: u32, m: &ModuleRef) -> Result<Vec<u8>, String> {
    let (off, stored, len, codec) = m
        .placed(version)
        .ok_or("damaged box (bad module location)")?;
    let digest = unhex(&m.sha256).ok_or("damaged box (bad module hash)")?;
    // Grown as the data comes (a claimed length is not an allocation).
    let mut b = Vec::with_capacity(len.min(64 << 20) as usize);
    boxfile::expand(file, off, stored, len, codec, &digest, &mut |d| {
        b.extend_from_slice(d);
        Ok(())
    })
    .map_err(|w| format!("damaged box (the module {w})"))?;
    Ok(b)
}
