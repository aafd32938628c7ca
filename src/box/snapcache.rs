//! A compressed snapshot (box format 3) expanded once into the cache
//! (`snapshots/SHA256.snap`, SHA256: of the snapshot's own bytes) and mapped
//! copy-on-write from there by every run, so that its pages are shared between runs as a
//! stored-as-is snapshot's are from the box file (docs/box-format.md, "The snapshot").
//!
//! The expansion is checked against the snapshot's SHA-256 when it is made. A later run
//! checks its size and a stamp (device, inode, size, mtime, ctime, written once the
//! bytes were hashed) with one `fstat`: any write to the file, a truncation or a
//! replacement changes the stamp, and the file is then hashed again (about 10 ms) and
//! rebuilt when it does not match. Hashing 13 MB at every run would cost what the
//! compression saved at start; a stamp costs one small read.

use super::format::{boxfile, BoxImage, Meta};
use std::fs::File;
use std::io::Write;
use std::path::Path;

/// The snapshot's bytes in a file of their own, for a run to map: the cache's copy, or,
/// when there is no usable cache (none, unwritable, `--no-cache`), a private memory file.
/// `recheck`: the box file's once-per-file check is due (a new or changed box file): the
/// box's stored bytes are expanded and checked even when the cache holds them.
pub fn expanded(
    img: &BoxImage,
    meta: &Meta,
    recheck: bool,
    use_cache: bool,
) -> Result<File, String> {
    let Some(s) = &meta.snapshot else {
        return Err("no snapshot".into());
    };
    let (off, stored, len, codec) = s
        .placed(img.version)
        .ok_or("damaged box (bad snapshot location)")?;
    let digest = s.digest()?;
    let dir = use_cache
        .then(crate::engine::cache_dir)
        .flatten()
        .map(|d| d.join("snapshots"));
    let at = dir.as_ref().map(|d| {
        (
            d.join(format!("{}.snap", s.sha256)),
            d.join(format!("{}.ok", s.sha256)),
        )
    });
    // A new box file's check: its stored bytes against their hash (cheap); then an
    // expansion already in the cache serves (it was checked when made, and is keyed by
    // the original bytes' hash). Without a stored hash, expanded again from the box.
    let recheck = recheck
        && !super::format::check_stored(
            &img.file,
            (off, stored, len, codec),
            s.stored_sha256.as_deref(),
            "snapshot",
        )?;
    if let (Some((path, okp)), false) = (&at, recheck) {
        if let Some(f) = cached(path, okp, len, &digest) {
            return Ok(f);
        }
    }
    let expand_into = |f: &mut File| -> Result<Result<(), std::io::Error>, String> {
        let mut io = Ok(());
        let r = boxfile::expand(&img.file, off, stored, len, codec, &digest, &mut |b| {
            f.write_all(b).map_err(|e| {
                io = Err(e);
                String::new()
            })
        });
        match (r, io) {
            (_, Err(e)) => Ok(Err(e)),
            (Err(w), _) => Err(format!("damaged box (the snapshot {w})")),
            (Ok(()), Ok(())) => Ok(Ok(())),
        }
    };
    let t = std::time::Instant::now();
    if let (Some(d), Some((path, okp))) = (&dir, &at) {
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let made = std::fs::create_dir_all(d).and_then(|_| {
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(true)
                .open(&tmp)
        });
        match made {
            Ok(mut f) => match expand_into(&mut f) {
                Ok(Ok(())) => {
                    if std::fs::rename(&tmp, path).is_ok() {
                        // The stamp after the rename (which may change the ctime).
                        super::write_stamp(stamp_of(&f).map(|st| (okp.clone(), st)));
                        tracing::debug!(
                            ms = t.elapsed().as_secs_f64() * 1e3,
                            path = %path.display(),
                            "snapshot expanded into the cache"
                        );
                        return Ok(f);
                    }
                    let _ = std::fs::remove_file(&tmp);
                }
                Ok(Err(e)) => {
                    let _ = std::fs::remove_file(&tmp);
                    tracing::debug!(error = %e, "cannot write the snapshot's expansion");
                }
                Err(msg) => {
                    let _ = std::fs::remove_file(&tmp);
                    return Err(msg);
                }
            },
            Err(e) => tracing::debug!(error = %e, "cannot write the snapshot's expansion"),
        }
    }
    // No usable cache: this run's own copy (its pages are not shared with other runs).
    let mut f = memfd().map_err(|e| format!("cannot expand the snapshot: {e}"))?;
    match expand_into(&mut f)? {
        Ok(()) => {
            tracing::debug!(
                ms = t.elapsed().as_secs_f64() * 1e3,
                "snapshot expanded into private memory (no usable cache: not shared between runs)"
            );
            Ok(f)
        }
        Err(e) => Err(format!("cannot expand the snapshot: {e}")),
    }
}

/// The cache's expansion when it is whole: its size, then its stamp; without a stamp
/// that matches, its hash (then stamped again). `None`: missing or damaged (rebuilt).
fn cached(path: &Path, okp: &Path, len: u64, digest: &[u8; 32]) -> Option<File> {
    let f = File::open(path).ok()?;
    if f.metadata().ok()?.len() != len {
        tracing::debug!(path = %path.display(), "the snapshot's expansion has the wrong size: rebuilt");
        return None;
    }
    let stamp = stamp_of(&f)?;
    if std::fs::read_to_string(okp).is_ok_and(|t| t == stamp) {
        return Some(f);
    }
    let t = std::time::Instant::now();
    if boxfile::expand(&f, 0, len, len, boxfile::STORED, digest, &mut |_| Ok(())).is_err() {
        tracing::debug!(path = %path.display(), "the snapshot's expansion does not match its hash: rebuilt");
        return None;
    }
    tracing::debug!(
        ms = t.elapsed().as_secs_f64() * 1e3,
        "the snapshot's expansion hashed again (its stamp did not match)"
    );
    super::write_stamp(Some((okp.to_path_buf(), stamp)));
    Some(f)
}

/// A file's identity and change times: any write, truncation or replacement changes it.
pub fn stamp_of(f: &File) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let m = f.metadata().ok()?;
    Some(format!(
        "{} {} {} {}.{} {}.{}\n",
        m.dev(),
        m.ino(),
        m.size(),
        m.mtime(),
        m.mtime_nsec(),
        m.ctime(),
        m.ctime_nsec()
    ))
}

fn memfd() -> std::io::Result<File> {
    use std::os::fd::FromRawFd;
    // SAFETY: a C string literal; the descriptor returned is new and ours.
    let fd = unsafe { libc::memfd_create(c"wali-snapshot".as_ptr(), libc::MFD_CLOEXEC) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: just created, owned by nothing else.
    Ok(unsafe { File::from_raw_fd(fd) })
}
