//! A command-line tool over files and directories, with std I/O:
//!   files DIR        build a small tree under DIR, walk it, report, rename, read back,
//!                    then remove it; reads lines from stdin and counts their words.
use std::fs;
use std::io::{self, BufRead, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

fn walk(dir: &Path, depth: usize, out: &mut impl Write) -> io::Result<u64> {
    let mut names: Vec<_> = fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    names.sort_by_key(|e| e.file_name());
    let mut total = 0;
    for e in names {
        let meta = e.metadata()?;
        let name = e.file_name().to_string_lossy().into_owned();
        if meta.is_dir() {
            writeln!(out, "{:indent$}{name}/", "", indent = depth * 2)?;
            total += walk(&e.path(), depth + 1, out)?;
        } else {
            writeln!(
                out,
                "{:indent$}{name} {} bytes",
                "",
                meta.len(),
                indent = depth * 2
            )?;
            total += meta.len();
        }
    }
    Ok(total)
}

fn main() {
    let Some(root) = std::env::args().nth(1) else {
        eprintln!("usage: files DIR");
        std::process::exit(2);
    };
    if let Err(e) = run(Path::new(&root)) {
        eprintln!("files: {e}");
        std::process::exit(1);
    }
}

fn run(root: &Path) -> io::Result<()> {
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let top = root.join("tree");
    fs::create_dir_all(top.join("a/b/c"))?;
    fs::create_dir(top.join("d"))?;
    for i in 0..5u32 {
        let p = top
            .join(if i % 2 == 0 { "a" } else { "d" })
            .join(format!("f{i}.txt"));
        let mut f = fs::File::create(&p)?;
        for j in 0..=i * 100 {
            writeln!(f, "line {j} of file {i}")?;
        }
    }
    fs::write(
        top.join("a/b/c/deep.bin"),
        (0..=255u8).cycle().take(5000).collect::<Vec<_>>(),
    )?;
    let total = walk(&top, 0, &mut out)?;
    writeln!(out, "total {total} bytes")?;

    // Seek, partial reads, append, metadata.
    let mut f = fs::OpenOptions::new()
        .read(true)
        .append(true)
        .open(top.join("d/f3.txt"))?;
    f.seek(SeekFrom::Start(100))?;
    let mut buf = [0u8; 20];
    f.read_exact(&mut buf)?;
    writeln!(out, "at 100: {:?}", String::from_utf8_lossy(&buf))?;
    f.write_all(b"appended\n")?;
    let text = fs::read_to_string(top.join("d/f3.txt"))?;
    writeln!(
        out,
        "f3: {} lines, last {:?}",
        text.lines().count(),
        text.lines().last()
    )?;

    fs::rename(top.join("a/b"), top.join("d/moved"))?;
    fs::copy(top.join("a/f0.txt"), top.join("d/moved/copy.txt"))?;
    fs::hard_link(top.join("a/f2.txt"), top.join("a/f2.link"))?;
    std::os::unix::fs::symlink("f4.txt", top.join("a/f4.sym"))?;
    writeln!(
        out,
        "link target {:?}",
        fs::read_link(top.join("a/f4.sym"))?
    )?;
    writeln!(
        out,
        "f2 nlink {}",
        std::os::unix::fs::MetadataExt::nlink(&fs::metadata(top.join("a/f2.txt"))?)
    )?;
    writeln!(out, "after rename:")?;
    walk(&top, 1, &mut out)?;
    match fs::read_dir(top.join("a/b")) {
        Ok(_) => writeln!(out, "a/b still there")?,
        Err(e) => writeln!(out, "a/b: {:?}", e.kind())?,
    }
    match fs::remove_dir(&top) {
        Ok(_) => writeln!(out, "removed a non-empty directory?")?,
        Err(e) => writeln!(out, "remove_dir non-empty: {:?}", e.kind())?,
    }
    fs::remove_dir_all(&top)?;
    writeln!(out, "exists after remove_dir_all: {}", top.exists())?;

    // stdin: lines and words.
    let (mut lines, mut words, mut longest) = (0, 0, String::new());
    for line in io::stdin().lock().lines() {
        let line = line?;
        lines += 1;
        for w in line.split_whitespace() {
            words += 1;
            if w.len() > longest.len() {
                longest = w.to_string();
            }
        }
    }
    writeln!(
        out,
        "stdin: {lines} lines, {words} words, longest {longest:?}"
    )?;
    out.flush()
}
