//! `wali-run pack`: a box from a Dockerfile subset or a TOML spec (docs/box.md).

use super::format::{self, Meta, NewEntry, DIR, FILE, SYMLINK};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// One step of a spec, from either input form.
#[derive(Debug, Clone)]
pub enum Step {
    From(String),
    Copy(Vec<String>, String),
    Workdir(String),
    Env(Vec<(String, String)>),
    Expose(Vec<String>),
    Cmd(Vec<String>),
    Entrypoint(Vec<String>),
}

/// Where a step came from, for messages: `Dockerfile:3`.
pub struct Located {
    pub at: String,
    pub step: Step,
}

/// Parse a Dockerfile subset: FROM COPY WORKDIR ENV EXPOSE CMD ENTRYPOINT.
pub fn parse_dockerfile(text: &str, name: &str) -> Result<Vec<Located>, String> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate().peekable();
    while let Some((i, line)) = lines.next() {
        let at = format!("{name}:{}", i + 1);
        let mut l = line.trim().to_string();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        while l.ends_with('\\') {
            l.pop();
            match lines.next() {
                Some((_, next)) => {
                    l.push(' ');
                    l.push_str(next.trim());
                }
                None => break,
            }
        }
        let (word, rest) = l.split_once(char::is_whitespace).unwrap_or((&l, ""));
        let rest = rest.trim();
        let words = || -> Result<Vec<String>, String> {
            if rest.starts_with('[') {
                serde_json_lite(rest).ok_or_else(|| format!("{at}: bad JSON array: {rest}"))
            } else {
                Ok(rest.split_whitespace().map(String::from).collect())
            }
        };
        let step = match word.to_ascii_uppercase().as_str() {
            "FROM" => {
                let w = words()?;
                if w.len() != 1 {
                    return Err(format!("{at}: FROM takes one module or box path"));
                }
                Step::From(w[0].clone())
            }
            "COPY" => {
                if rest.starts_with("--") {
                    return Err(format!("{at}: COPY options are not supported ({rest})"));
                }
                let mut w = words()?;
                if w.len() < 2 {
                    return Err(format!("{at}: COPY wants SRC... DEST"));
                }
                let dest = w.pop().unwrap_or_default();
                Step::Copy(w, dest)
            }
            "WORKDIR" => {
                if rest.is_empty() {
                    return Err(format!("{at}: WORKDIR wants a path"));
                }
                Step::Workdir(rest.to_string())
            }
            "ENV" => Step::Env(parse_env(rest).map_err(|e| format!("{at}: {e}"))?),
            "EXPOSE" => {
                let mut ports = Vec::new();
                for p in rest.split_whitespace() {
                    let n = p.split('/').next().unwrap_or_default();
                    if n.parse::<u16>().is_err() && !n.contains('-') {
                        return Err(format!("{at}: EXPOSE wants ports, got {p}"));
                    }
                    ports.push(n.to_string());
                }
                Step::Expose(ports)
            }
            "CMD" | "ENTRYPOINT" => {
                if !rest.starts_with('[') {
                    return Err(format!(
                        "{at}: {} in shell form is not supported (there is no shell): use the exec form, {} [\"prog\", \"arg\"]",
                        word.to_ascii_uppercase(),
                        word.to_ascii_uppercase()
                    ));
                }
                let w = words()?;
                if word.eq_ignore_ascii_case("CMD") {
                    Step::Cmd(w)
                } else {
                    Step::Entrypoint(w)
                }
            }
            other => {
                return Err(format!(
                    "{at}: {other} is not supported by wali-run pack (FROM, COPY, WORKDIR, ENV, EXPOSE, CMD, ENTRYPOINT)"
                ))
            }
        };
        out.push(Located { at, step });
    }
    Ok(out)
}

/// `K=V K2="v 2"` or `K V`.
fn parse_env(rest: &str) -> Result<Vec<(String, String)>, String> {
    let unq = |s: &str| -> String {
        let s = s.trim();
        if s.len() >= 2
            && (s.starts_with('"') && s.ends_with('"') || s.starts_with('\'') && s.ends_with('\''))
        {
            s[1..s.len() - 1].to_string()
        } else {
            s.to_string()
        }
    };
    let first = rest.split_whitespace().next().unwrap_or_default();
    if !first.contains('=') {
        let (k, v) = rest
            .split_once(char::is_whitespace)
            .ok_or("ENV wants KEY=VALUE or KEY VALUE")?;
        return Ok(vec![(k.to_string(), unq(v))]);
    }
    // KEY=VALUE pairs; values may be quoted.
    let mut out = Vec::new();
    let mut chars = rest.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            break;
        }
        let mut k = String::new();
        for c in chars.by_ref() {
            if c == '=' {
                break;
            }
            k.push(c);
        }
        let mut v = String::new();
        let mut quote = None;
        while let Some(&c) = chars.peek() {
            if quote.is_none() && c.is_whitespace() {
                break;
            }
            chars.next();
            match (quote, c) {
                (None, '"' | '\'') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (_, '\\') => {
                    if let Some(n) = chars.next() {
                        v.push(n)
                    }
                }
                _ => v.push(c),
            }
        }
        if k.is_empty() || k.contains(char::is_whitespace) {
            return Err("ENV wants KEY=VALUE".into());
        }
        out.push((k, v));
    }
    Ok(out)
}

/// A JSON array of strings (the exec form): enough JSON for that.
fn serde_json_lite(s: &str) -> Option<Vec<String>> {
    let v: toml::Value = toml::from_str(&format!("a = {s}")).ok()?;
    let arr = v.get("a")?.as_array()?;
    arr.iter().map(|x| x.as_str().map(String::from)).collect()
}

/// The TOML form of a spec.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct TomlSpec {
    from: String,
    #[serde(default)]
    copy: Vec<TomlCopy>,
    workdir: Option<String>,
    #[serde(default)]
    env: BTreeMap<String, String>,
    #[serde(default)]
    expose: Vec<u16>,
    entrypoint: Option<Vec<String>>,
    cmd: Option<Vec<String>>,
    /// Policy tables, as in a policy file ([fs] [net] [process] [limits] [syscalls]).
    policy: Option<toml::Table>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlCopy {
    src: Vec<String>,
    dest: String,
}

pub fn parse_toml(text: &str, name: &Path) -> Result<(Vec<Located>, Option<toml::Table>), String> {
    let s: TomlSpec = crate::manifest::parse_toml(text, name)?;
    let at = name.display().to_string();
    let mut steps = vec![Step::From(s.from)];
    if let Some(w) = s.workdir.clone() {
        steps.push(Step::Workdir(w));
    }
    for c in s.copy {
        steps.push(Step::Copy(c.src, c.dest));
    }
    if !s.env.is_empty() {
        steps.push(Step::Env(s.env.into_iter().collect()));
    }
    if !s.expose.is_empty() {
        steps.push(Step::Expose(s.expose.iter().map(u16::to_string).collect()));
    }
    if let Some(e) = s.entrypoint {
        steps.push(Step::Entrypoint(e));
    }
    if let Some(c) = s.cmd {
        steps.push(Step::Cmd(c));
    }
    Ok((
        steps
            .into_iter()
            .map(|step| Located {
                at: at.clone(),
                step,
            })
            .collect(),
        s.policy,
    ))
}

/// What pack builds up.
struct Build {
    module: Vec<u8>,
    tree: BTreeMap<Vec<u8>, NewEntry>,
    meta: Meta,
    entry: Option<Vec<String>>,
    cmd: Option<Vec<String>>,
    expose: Vec<String>,
    policy: toml::Table,
    /// SOURCE_DATE_EPOCH: every mtime set to it.
    epoch: Option<i64>,
}

fn norm(p: &str, cwd: &str) -> Result<Vec<u8>, String> {
    let full = if p.starts_with('/') {
        p.to_string()
    } else {
        format!("{cwd}/{p}")
    };
    let mut c: Vec<&str> = Vec::new();
    for x in full.split('/') {
        match x {
            "" | "." => {}
            ".." => {
                c.pop();
            }
            x => c.push(x),
        }
    }
    Ok(format!("/{}", c.join("/")).into_bytes())
}

impl Build {
    fn mtime(&self, t: i64) -> i64 {
        self.epoch.unwrap_or(t)
    }

    /// `p` and its parents as directories (new ones 0755).
    fn dirs(&mut self, p: &[u8], at: &str) -> Result<(), String> {
        if p == b"/" {
            return Ok(());
        }
        self.dirs(format::boxfile::parent(p), at)?;
        match self.tree.get(p) {
            Some(e) if e.kind == DIR => Ok(()),
            Some(_) => Err(format!(
                "{at}: {} is a file in the box, not a directory",
                String::from_utf8_lossy(p)
            )),
            None => {
                let m = self.mtime(0);
                self.tree.insert(
                    p.to_vec(),
                    NewEntry {
                        kind: DIR,
                        mode: 0o755,
                        mtime: m,
                        data: Vec::new(),
                    },
                );
                Ok(())
            }
        }
    }

    fn put(&mut self, p: Vec<u8>, e: NewEntry, at: &str) -> Result<(), String> {
        if p == b"/" {
            return Err(format!("{at}: cannot put a file at /"));
        }
        self.dirs(format::boxfile::parent(&p), at)?;
        if let Some(old) = self.tree.get(&p) {
            if old.kind == DIR && e.kind == DIR {
                return Ok(());
            }
            if old.kind == DIR {
                return Err(format!(
                    "{at}: {} is a directory in the box",
                    String::from_utf8_lossy(&p)
                ));
            }
        }
        self.tree.insert(p, e);
        Ok(())
    }

    /// Host path `src` (file, directory or symlink) at box path `dest`.
    fn copy_in(&mut self, src: &Path, dest: Vec<u8>, top: bool, at: &str) -> Result<(), String> {
        let md = if top {
            std::fs::metadata(src)
        } else {
            std::fs::symlink_metadata(src)
        }
        .map_err(|e| format!("{at}: {}: {}", src.display(), crate::engine::io_msg(&e)))?;
        let mode = md.permissions().mode() & 0o777;
        let mtime = self.mtime(md.mtime());
        let ft = md.file_type();
        if ft.is_symlink() {
            let t = std::fs::read_link(src).map_err(|e| format!("{at}: {}: {e}", src.display()))?;
            return self.put(
                dest,
                NewEntry {
                    kind: SYMLINK,
                    mode: 0o777,
                    mtime,
                    data: t.as_os_str().as_bytes().to_vec(),
                },
                at,
            );
        }
        if ft.is_file() {
            let data = std::fs::read(src).map_err(|e| format!("{at}: {}: {e}", src.display()))?;
            return self.put(
                dest,
                NewEntry {
                    kind: FILE,
                    mode,
                    mtime,
                    data,
                },
                at,
            );
        }
        if ft.is_dir() {
            // A copied directory's contents go to dest (as Docker's COPY); dest itself
            // takes the directory's mode and mtime.
            if dest != b"/" {
                self.put(
                    dest.clone(),
                    NewEntry {
                        kind: DIR,
                        mode,
                        mtime,
                        data: Vec::new(),
                    },
                    at,
                )?;
                if let Some(e) = self.tree.get_mut(&dest) {
                    e.mode = mode;
                    e.mtime = mtime;
                }
            }
            let mut names: Vec<_> = std::fs::read_dir(src)
                .map_err(|e| format!("{at}: {}: {e}", src.display()))?
                .filter_map(|d| d.ok().map(|d| d.file_name()))
                .collect();
            names.sort();
            for n in names {
                let mut d = dest.clone();
                if d != b"/" {
                    d.push(b'/');
                }
                d.extend_from_slice(n.as_bytes());
                self.copy_in(&src.join(&n), d, false, at)?;
            }
            return Ok(());
        }
        Err(format!(
            "{at}: {}: not a regular file, directory or symlink",
            src.display()
        ))
    }
}

/// The whole pack: the spec's steps (sources relative to `context`) into the box `out`.
pub fn pack(
    steps: Vec<Located>,
    policy_table: Option<toml::Table>,
    context: &Path,
    out: &Path,
    preinit: bool,
) -> Result<u64, String> {
    let epoch = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .map(|s| {
            s.trim()
                .parse::<i64>()
                .map_err(|_| "SOURCE_DATE_EPOCH: not a number".to_string())
        })
        .transpose()?;
    let mut b = Build {
        module: Vec::new(),
        tree: BTreeMap::new(),
        meta: Meta {
            cwd: "/".into(),
            ..Meta::default()
        },
        entry: None,
        cmd: None,
        expose: Vec::new(),
        policy: policy_table.unwrap_or_default(),
        epoch,
    };
    let mut from_seen = false;
    for Located { at, step } in steps {
        if !from_seen && !matches!(step, Step::From(_)) {
            return Err(format!("{at}: the first instruction must be FROM"));
        }
        match step {
            Step::From(p) => {
                if from_seen {
                    return Err(format!("{at}: only one FROM (no multi-stage builds)"));
                }
                from_seen = true;
                from(&mut b, &context.join(&p), &at)?;
            }
            Step::Copy(srcs, dest) => {
                let dir_dest = dest.ends_with('/') || srcs.len() > 1;
                let d = norm(&dest, &b.meta.cwd)?;
                for s in &srcs {
                    let rel = Path::new(s);
                    if rel.is_absolute()
                        || rel
                            .components()
                            .any(|c| c == std::path::Component::ParentDir)
                    {
                        return Err(format!("{at}: {s}: COPY sources are inside the context"));
                    }
                    if s.contains(['*', '?', '[']) {
                        return Err(format!("{at}: {s}: wildcards are not supported"));
                    }
                    let host = context.join(rel);
                    let is_dir = host.is_dir();
                    let target = if dir_dest && !is_dir {
                        let mut t = d.clone();
                        if t != b"/" {
                            t.push(b'/');
                        }
                        t.extend_from_slice(
                            host.file_name().map(|n| n.as_bytes()).unwrap_or_default(),
                        );
                        t
                    } else {
                        d.clone()
                    };
                    if is_dir && !dir_dest && d == b"/" {
                        return Err(format!("{at}: COPY of a directory to / is not supported"));
                    }
                    b.copy_in(&host, target, true, &at)?;
                }
            }
            Step::Workdir(w) => {
                let p = norm(&w, &b.meta.cwd)?;
                b.dirs(&p, &at)?;
                b.meta.cwd = String::from_utf8_lossy(&p).into_owned();
            }
            Step::Env(kv) => {
                for (k, v) in kv {
                    if k.is_empty() || k.contains(['=', '\0']) || v.contains('\0') {
                        return Err(format!("{at}: bad environment variable {k:?}"));
                    }
                    b.meta.env.insert(k, v);
                }
            }
            Step::Expose(p) => b.expose.extend(p),
            Step::Cmd(c) => b.cmd = Some(c),
            Step::Entrypoint(e) => {
                b.entry = Some(e);
                // Docker: a new ENTRYPOINT clears an inherited CMD.
                if b.cmd.is_none() {
                    b.meta.argv.truncate(b.meta.entrypoint);
                }
            }
        }
    }
    if !from_seen {
        return Err("the spec has no FROM".into());
    }
    // The box's top-level directories are mounts beside the sandbox's own.
    for top in ["/tmp", "/dev", "/etc", "/proc"] {
        if b.tree.contains_key(top.as_bytes()) {
            return Err(format!(
                "{top} cannot be in a box: the sandbox provides it (put the files elsewhere, e.g. /app{top})"
            ));
        }
    }
    // argv: ENTRYPOINT then CMD (inherited ones kept unless replaced).
    let old_entry = b.meta.argv[..b.meta.entrypoint].to_vec();
    let old_cmd = b.meta.argv[b.meta.entrypoint..].to_vec();
    let entry = b.entry.take().unwrap_or(old_entry);
    let cmd = b.cmd.take().unwrap_or(old_cmd);
    b.meta.entrypoint = entry.len();
    b.meta.argv = entry.into_iter().chain(cmd).collect();
    if b.meta.argv.is_empty() {
        b.meta.argv.push(b.meta.module.name.clone());
        b.meta.entrypoint = 1;
    }
    // The policy: as given, the current directory not granted unless said, EXPOSE's
    // ports added to net.bind.
    let fs = b
        .policy
        .entry("fs")
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    if let Some(t) = fs.as_table_mut() {
        t.entry("cwd").or_insert(toml::Value::Boolean(false));
    }
    if !b.expose.is_empty() {
        let net = b
            .policy
            .entry("net")
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if let Some(t) = net.as_table_mut() {
            let bind = t
                .entry("bind")
                .or_insert_with(|| toml::Value::Array(Vec::new()));
            if let Some(a) = bind.as_array_mut() {
                for p in &b.expose {
                    let v = toml::Value::String(format!("*:{p}"));
                    if !a.contains(&v) {
                        a.push(v);
                    }
                }
            }
        }
    }
    let text = toml::to_string(&b.policy).map_err(|e| format!("the policy: {e}"))?;
    crate::policy::check_text(&text, Path::new("the box's policy"))?;
    b.meta.policy = text;
    // The working directory must be a directory in the box or anywhere else (a grant).
    // With --preinit, this box is only run by the pre-initialisation (then written
    // again with the snapshot): not compressed, which would be work thrown away.
    let size = format::write(out, b.meta.clone(), &b.module, &b.tree, None, !preinit)?;
    if !preinit {
        return Ok(size);
    }
    // The box as written runs once, to its snapshot point, in a child process; then the
    // same box again with the snapshot in it.
    let snap = match super::snapshot::preinit(out) {
        Ok(s) => s,
        Err(e) => {
            let _ = std::fs::remove_file(out);
            return Err(e);
        }
    };
    format::write(out, b.meta, &b.module, &b.tree, Some(&snap), true)
}

/// FROM: a module (with its manifest's directories and environment) or a box.
fn from(b: &mut Build, p: &Path, at: &str) -> Result<(), String> {
    let mut head = [0u8; 8];
    {
        use std::io::Read;
        let mut f = std::fs::File::open(p)
            .map_err(|e| format!("{at}: FROM {}: {}", p.display(), crate::engine::io_msg(&e)))?;
        let _ = f.read(&mut head);
    }
    if format::boxfile::is_box(&head) {
        let (img, meta) =
            format::open(p).map_err(|e| format!("{at}: FROM {}: {e}", p.display()))?;
        b.module = format::module_bytes(&img, &meta).map_err(|e| format!("{at}: {e}"))?;
        for (i, e) in img.entries.iter().enumerate() {
            let data = if e.kind == DIR {
                Vec::new()
            } else {
                img.read(i as u32).map_err(|e| format!("{at}: {e}"))?
            };
            b.tree.insert(
                e.path.clone(),
                NewEntry {
                    kind: e.kind,
                    mode: e.mode,
                    mtime: b.epoch.unwrap_or(e.mtime),
                    data,
                },
            );
        }
        b.policy = toml::from_str(&meta.policy).map_err(|_| format!("{at}: damaged box policy"))?;
        b.meta = meta;
        // A snapshot belongs to the box it was taken in (its tree, its argv).
        b.meta.snapshot = None;
        return Ok(());
    }
    if &head[..4] != b"\0asm" {
        return Err(format!(
            "{at}: FROM {}: neither a WebAssembly module nor a box",
            p.display()
        ));
    }
    b.module = std::fs::read(p).map_err(|e| format!("{at}: {}: {e}", p.display()))?;
    let name = p
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "module".into());
    b.meta.module.name = name.clone();
    // The module's own directory ({dir} in its manifest) is /opt/NAME in the box.
    let manifest = crate::manifest::load(p).map_err(|e| format!("{at}: {e}"))?;
    let guest_dir = format!("/opt/{name}");
    if let Some(dir) = &manifest.needs.module_dir {
        let host_dir = dir.to_string_lossy().into_owned();
        for (k, v) in &manifest.env {
            b.meta
                .env
                .insert(k.clone(), v.replace(&host_dir, &guest_dir));
        }
        for d in &manifest.needs.dirs {
            let host = PathBuf::from(&d.host);
            let rel = host.strip_prefix(dir).map_err(|_| {
                format!(
                    "{at}: the module's manifest needs {}, outside its own directory: a box holds only the module's own files",
                    d.host
                )
            })?;
            let dest = norm(&rel.to_string_lossy(), &guest_dir)?;
            b.copy_in(&host, dest, true, at)?;
        }
    }
    Ok(())
}
