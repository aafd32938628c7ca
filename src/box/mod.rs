//! Boxes: one file holding a module, a read-only tree, and how to run them (docs/box.md,
//! docs/box-format.md). `pack` makes one, `inspect` shows one; a run opens one here.

pub mod format;
pub mod inspect;
pub mod pack;
pub mod snapcache;
pub mod snapshot;

use std::path::Path;

/// Does `path` start with the box magic?
pub fn is_box(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 8];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && format::boxfile::is_box(&head)
}

/// The module's tamper check, once per box file: its bytes were hashed and matched the
/// index when this stamp (the file's identity and change time) was written. A box whose
/// module is in the compiled-module cache and whose stamp stands starts without reading
/// the module at all.
pub fn stamp_path(img: &format::BoxImage) -> Option<std::path::PathBuf> {
    Some(
        crate::engine::cache_dir()?
            .join("boxes")
            .join(format!("{}.ok", format::hex(&img.index_sha256[..20]))),
    )
}

pub fn stamp_of(img: &format::BoxImage) -> Option<String> {
    snapcache::stamp_of(&img.file)
}

pub fn stamp_ok(img: &format::BoxImage) -> bool {
    match (stamp_path(img), stamp_of(img)) {
        (Some(p), Some(s)) => std::fs::read_to_string(p).is_ok_and(|t| t == s),
        _ => false,
    }
}

/// The stamp to write once the module is checked: (where, what).
pub fn stamp(img: &format::BoxImage) -> Option<(std::path::PathBuf, String)> {
    Some((stamp_path(img)?, stamp_of(img)?))
}

pub fn write_stamp(stamp: Option<(std::path::PathBuf, String)>) {
    if let Some((p, s)) = stamp {
        if let Some(d) = p.parent() {
            let _ = std::fs::create_dir_all(d);
        }
        let tmp = p.with_extension(format!("tmp{}", std::process::id()));
        if std::fs::write(&tmp, s).is_ok() && std::fs::rename(&tmp, &p).is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}
