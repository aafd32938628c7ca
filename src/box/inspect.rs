//! `wali-run inspect app.box`: what a box holds.

use super::format::{self, DIR, FILE, SYMLINK};
use std::io::Write;
use std::path::Path;

fn mode_str(kind: u8, mode: u32) -> String {
    let mut s = String::from(match kind {
        DIR => 'd',
        SYMLINK => 'l',
        _ => '-',
    });
    for (i, c) in "rwxrwxrwx".chars().enumerate() {
        s.push(if mode & (1 << (8 - i)) != 0 { c } else { '-' });
    }
    s
}

fn mb(n: u64) -> String {
    format!("{:.1} MB", n as f64 / 1e6)
}

pub fn inspect(path: &Path) -> Result<(), String> {
    let (img, meta) = format::open(path)?;
    let mut o = std::io::stdout().lock();
    let w = |o: &mut std::io::StdoutLock, s: String| {
        let _ = writeln!(o, "{s}");
    };
    w(
        &mut o,
        format!(
            "box: {} ({}, format {})",
            path.display(),
            mb(img.size),
            img.version
        ),
    );
    w(
        &mut o,
        format!("index sha256: {}", format::hex(&img.index_sha256)),
    );
    // How data is stored: " (stored 3.7 MB, zstd)" when compressed.
    let how = |p: Option<(u64, u64, u64, u8)>| match p {
        Some((_, stored, _, format::boxfile::ZSTD)) => format!(", stored {} zstd", mb(stored)),
        _ => String::new(),
    };
    let module_stored = meta
        .module
        .placed(img.version)
        .map_or(meta.module.length, |p| p.1);
    w(
        &mut o,
        format!(
            "module: {} ({}{}, sha256 {})",
            meta.module.name,
            mb(meta.module.length),
            how(meta.module.placed(img.version)),
            meta.module.sha256
        ),
    );
    let q = |v: &[String]| format!("{v:?}");
    w(
        &mut o,
        format!(
            "argv: {} (entrypoint {}, cmd {}: run arguments replace the cmd)",
            q(&meta.argv),
            q(&meta.argv[..meta.entrypoint]),
            q(&meta.argv[meta.entrypoint..])
        ),
    );
    w(&mut o, format!("cwd: {}", meta.cwd));
    if let Some(s) = &meta.snapshot {
        let (st, _) = format::snapshot_of(&img, &meta)?.unwrap_or_default();
        w(
            &mut o,
            format!(
                "snapshot: {} ({}memory {}, {} of pages in {} ranges, mapped copy-on-write; sha256 {}); runs resume from it",
                mb(s.length),
                match s.placed(img.version) {
                    Some((_, stored, _, format::boxfile::ZSTD)) => format!(
                        "stored {} zstd, expanded into the cache at the first run; ",
                        mb(stored)
                    ),
                    _ => String::new(),
                },
                mb(st.memory),
                mb(st.runs.iter().map(|r| r[1]).sum()),
                st.runs.len(),
                s.sha256
            ),
        );
    }
    w(&mut o, "env:".into());
    for (k, v) in &meta.env {
        w(&mut o, format!("  {k}={v}"));
    }
    w(&mut o, "policy:".into());
    for l in meta.policy.lines() {
        w(&mut o, format!("  {l}"));
    }
    let tops: Vec<String> = img
        .tops
        .iter()
        .map(|&t| String::from_utf8_lossy(&img.entries[t as usize].path).into_owned())
        .collect();
    w(&mut o, format!("mounts (read-only): {}", tops.join(" ")));
    w(&mut o, "contents:".into());
    let (mut files, mut dirs, mut links, mut bytes) = (0u64, 0u64, 0u64, 0u64);
    // What the tree takes in the file: each distinct stored range once (dedup).
    let mut ranges = std::collections::HashSet::new();
    let mut tree_stored = 0u64;
    // The same contents as stored as is (once each, the module's apart).
    let mut tree_orig = 0u64;
    for (i, e) in img.entries.iter().enumerate() {
        let p = String::from_utf8_lossy(&e.path);
        if e.kind != DIR && ranges.insert((e.off, e.stored)) {
            tree_stored += e.stored;
            if (e.off, e.stored) != (meta.module.offset, module_stored) {
                tree_orig += e.len;
            }
        }
        let z = if e.codec == format::boxfile::ZSTD {
            format!("  (stored {}, zstd)", e.stored)
        } else {
            String::new()
        };
        match e.kind {
            FILE => {
                files += 1;
                bytes += e.len;
                w(
                    &mut o,
                    format!("  {} {:>10}  {p}{z}", mode_str(e.kind, e.mode), e.len),
                );
            }
            SYMLINK => {
                links += 1;
                let t = img
                    .read(i as u32)
                    .map(|t| String::from_utf8_lossy(&t).into_owned())
                    .unwrap_or_default();
                w(
                    &mut o,
                    format!("  {} {:>10}  {p} -> {t}", mode_str(e.kind, e.mode), e.len),
                );
            }
            _ => {
                dirs += 1;
                w(
                    &mut o,
                    format!("  {} {:>10}  {p}/", mode_str(e.kind, e.mode), ""),
                );
            }
        }
    }
    w(
        &mut o,
        format!(
            "totals: {files} files ({}), {dirs} directories, {links} symlinks; stored {} (each distinct content once{}); module {} (stored {}); box {}",
            mb(bytes),
            mb(tree_stored),
            if ranges.contains(&(meta.module.offset, module_stored)) {
                ", the module's included"
            } else {
                ""
            },
            mb(meta.module.length),
            mb(module_stored),
            mb(img.size)
        ),
    );
    // The box's size with nothing compressed (as version 2 stored it, less the
    // snapshot's alignment): what compression saves.
    let as_is = HEADER_LEN
        + meta.module.length
        + tree_orig
        + meta.snapshot.as_ref().map_or(0, |s| s.length)
        + (img.size - img.index_off);
    w(
        &mut o,
        format!(
            "uncompressed: {} (the module {}, the tree {}, the snapshot {}, the index {})",
            mb(as_is),
            mb(meta.module.length),
            mb(tree_orig),
            mb(meta.snapshot.as_ref().map_or(0, |s| s.length)),
            mb(img.size - img.index_off)
        ),
    );
    Ok(())
}

const HEADER_LEN: u64 = format::HEADER as u64;
