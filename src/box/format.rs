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

/// Where the snapshot is: page-aligned in the file, so that its pages map directly.
#[derive(Serialize, Deserialize, Debug, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct SnapshotRef {
    /// SHA-256 of its bytes, hex.
    pub sha256: String,
    pub offset: u64,
    pub length: u64,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct ModuleRef {
    /// The module's name (its file name without `.wasm`), for messages.
    pub name: String,
    /// SHA-256 of its bytes, hex: also the compiled-module cache's key.
    pub sha256: String,
    pub offset: u64,
    pub length: u64,
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
        let h = &self.module.sha256;
        if h.len() != 64 {
            return Err("damaged box (bad module hash)".into());
        }
        let mut d = [0u8; 32];
        for (i, b) in d.iter_mut().enumerate() {
            *b = u8::from_str_radix(&h[2 * i..2 * i + 2], 16)
                .map_err(|_| "damaged box (bad module hash)")?;
        }
        Ok(d)
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

/// Write a box: header, the module, the entries' data in path order, the index. The
/// same inputs give the same bytes (`tree` is ordered by path; nothing of the moment of
/// packing is recorded). Written beside `out` and renamed into place.
pub fn write(
    out: &Path,
    mut meta: Meta,
    module: &[u8],
    tree: &BTreeMap<Vec<u8>, NewEntry>,
    snapshot: Option<&[u8]>,
) -> Result<u64, String> {
    let mut data: Vec<u8> = vec![0u8; HEADER];
    meta.module.offset = data.len() as u64;
    meta.module.length = module.len() as u64;
    let module_sha: [u8; 32] = Sha256::digest(module).into();
    meta.module.sha256 = hex(&module_sha);
    data.extend_from_slice(module);
    // Each distinct content is stored once: Ruby's bin/ruby is a hard link to the module
    // itself (15 MB), and trees repeat files. Keyed by SHA-256, which the index holds
    // anyway; the first occurrence in path order keeps the layout deterministic.
    let mut stored: std::collections::HashMap<[u8; 32], (u64, u64)> =
        std::collections::HashMap::from([(module_sha, (meta.module.offset, module.len() as u64))]);
    let mut entries = Vec::with_capacity(tree.len());
    for (path, e) in tree {
        if path.len() > u16::MAX as usize {
            return Err(format!(
                "{}: path too long for a box",
                String::from_utf8_lossy(path)
            ));
        }
        let sha256: [u8; 32] = if e.kind == DIR {
            [0u8; 32]
        } else {
            Sha256::digest(&e.data).into()
        };
        let (off, len) = if e.kind == DIR {
            (0, 0)
        } else if let Some(&at) = stored.get(&sha256) {
            at
        } else {
            let at = (data.len() as u64, e.data.len() as u64);
            data.extend_from_slice(&e.data);
            stored.insert(sha256, at);
            at
        };
        entries.push(Entry {
            path: path.clone(),
            kind: e.kind,
            mode: e.mode,
            mtime: e.mtime,
            off,
            len,
            sha256,
        });
    }
    meta.snapshot = snapshot.map(|snap| {
        // Page-aligned, after the tree: a run maps its pages straight from the file.
        data.resize(data.len().next_multiple_of(4096), 0);
        let r = SnapshotRef {
            sha256: hex(&Sha256::digest(snap)),
            offset: data.len() as u64,
            length: snap.len() as u64,
        };
        data.extend_from_slice(snap);
        r
    });
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
        index.extend_from_slice(&e.len.to_le_bytes());
        index.extend_from_slice(&e.sha256);
    }
    let version = if meta.snapshot.is_some() {
        boxfile::VERSION
    } else {
        boxfile::VERSION_PLAIN
    };
    let mut head = boxfile::header(version, data.len() as u64, index.len() as u64);
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
    let end = meta.module.offset.checked_add(meta.module.length);
    if meta.module.offset < HEADER as u64 || end.is_none_or(|e| e > img.index_off) {
        return Err("damaged box (bad module location)".into());
    }
    if meta.entrypoint > meta.argv.len() {
        return Err("damaged box (bad argv)".into());
    }
    meta.digest()?;
    if let Some(s) = &meta.snapshot {
        let end = s.offset.checked_add(s.length);
        if s.offset < HEADER as u64
            || !s.offset.is_multiple_of(4096)
            || end.is_none_or(|e| e > img.index_off)
            || s.sha256.len() != 64
        {
            return Err("damaged box (bad snapshot location)".into());
        }
    }
    Ok((img, meta))
}

/// The snapshot's head (its state) and where its page data starts in the file.
pub fn snapshot_of(
    img: &BoxImage,
    meta: &Meta,
) -> Result<Option<(super::snapshot::State, u64)>, String> {
    let Some(s) = &meta.snapshot else {
        return Ok(None);
    };
    use std::os::unix::fs::FileExt;
    let mut head = vec![0u8; 12];
    img.file
        .read_exact_at(&mut head, s.offset)
        .map_err(|_| "truncated box (snapshot)".to_string())?;
    let n = u32::from_le_bytes(head[8..12].try_into().unwrap_or_default()) as u64;
    if n > s.length.min(64 << 20) {
        return Err("damaged box (snapshot: bad state size)".into());
    }
    head.resize(12 + n as usize, 0);
    img.file
        .read_exact_at(&mut head, s.offset)
        .map_err(|_| "truncated box (snapshot)".to_string())?;
    let (st, data_at) = super::snapshot::parse(&head, s.length)?;
    Ok(Some((st, s.offset + data_at)))
}

/// The snapshot's bytes against the hash the (checked) index names: once per box file,
/// as the module's (then the stamp).
pub fn check_snapshot(img: &BoxImage, meta: &Meta) -> Result<(), String> {
    let Some(s) = &meta.snapshot else {
        return Ok(());
    };
    use std::os::unix::fs::FileExt;
    let mut d = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut at = 0u64;
    while at < s.length {
        let n = (s.length - at).min(buf.len() as u64) as usize;
        img.file
            .read_exact_at(&mut buf[..n], s.offset + at)
            .map_err(|_| "truncated box (snapshot)".to_string())?;
        d.update(&buf[..n]);
        at += n as u64;
    }
    if hex(&d.finalize()) != s.sha256 {
        return Err("damaged box (the snapshot does not match its hash)".into());
    }
    Ok(())
}

/// The module's bytes, checked against the hash the (checked) index names.
pub fn module_bytes(img: &BoxImage, meta: &Meta) -> Result<Vec<u8>, String> {
    let b = img.read_raw(meta.module.offset, meta.module.length)?;
    if Sha256::digest(&b).as_slice() != meta.digest()? {
        return Err("damaged box (the module does not match its hash)".into());
    }
    Ok(b)
}
