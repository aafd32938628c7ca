//! The syscall crate's shape: its files in layers, each reaching only its own layer and
//! the ones below (`crate::x` paths, `use crate::{..}` groups, names the crate root
//! re-exports, and macros by the file that defines them). Tests (`#[cfg(test)]` and
//! after) may reach anywhere. A new file must be given a layer here.
//!
//! `WALI_LAYERS_SRC=dir cargo test --test layers` checks another tree's `syscalls/src`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Bottom first. Read a layer's files before the next one's.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "base: errno values and results, the host-call macro, the runtime's own descriptors, the tracer's output",
        &["errno", "host", "runtime_fds", "tracer"],
    ),
    ("memory: guest memory, the address space", &["mem", "mmap"]),
    (
        "rules: what the guest may do (policy, the file-system interface vfs/, limits)",
        &["policy", "vfs", "limits"],
    ),
    ("context: process and thread state", &["ctx"]),
    (
        "arguments: typed arguments, whom a signal may reach",
        &["args", "reach"],
    ),
    (
        "handlers: the syscalls by topic, signal delivery",
        &[
            "deliver", "fs", "ipc", "memory", "net", "poll", "process", "sched", "signal",
            "system", "thread", "time",
        ],
    ),
    (
        "table: the syscall table and its registration, --strace decoding, the auxiliary imports",
        &["table", "syscalls", "trace", "aux"],
    ),
];

fn src_dir() -> PathBuf {
    match std::env::var_os("WALI_LAYERS_SRC") {
        Some(d) => PathBuf::from(d).join("syscalls/src"),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("syscalls/src"),
    }
}

/// The code of a file a layer is judged by: no comments, nothing from `#[cfg(test)]` on.
fn code(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with("#[cfg(test)]") {
            break;
        }
        if t.starts_with("//") {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The first path segment of each item in a `{a, b::c, d::{e}}` group starting at `s`
/// (just after the `{`).
fn group_heads(s: &str) -> Vec<String> {
    let mut depth = 0;
    let mut item = String::new();
    let mut heads = Vec::new();
    let mut push = |item: &mut String| {
        let head: String = item
            .trim()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !head.is_empty() && head != "self" {
            heads.push(head);
        }
        item.clear();
    };
    for c in s.chars() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => push(&mut item),
            _ if depth == 0 => item.push(c),
            _ => {}
        }
    }
    push(&mut item);
    heads
}

/// Every `crate::` head a file's code names (modules, or names the root re-exports).
fn crate_refs(code: &str) -> BTreeSet<String> {
    let mut refs = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(g) = rest.strip_prefix('{') {
            refs.extend(group_heads(g));
        } else {
            let head: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !head.is_empty() {
                refs.insert(head);
            }
        }
    }
    refs
}

/// `pub use m::{A, B};` and `pub use m::A;` lines of the crate root: name -> module.
fn root_reexports(lib: &str) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for line in code(lib).lines() {
        let Some(rest) = line.trim().strip_prefix("pub use ") else {
            continue;
        };
        let rest = rest.trim_end_matches(';');
        let Some((module, names)) = rest.split_once("::") else {
            continue;
        };
        let names = match names.strip_prefix('{') {
            Some(g) => group_heads(g),
            None => vec![names.rsplit("::").next().unwrap_or(names).to_string()],
        };
        for n in names {
            map.insert(n, module.to_string());
        }
    }
    map
}

/// `macro_rules! name` in each file: name -> module.
fn macros(files: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for (module, text) in files {
        for (i, _) in text.match_indices("macro_rules! ") {
            let name: String = text[i + "macro_rules! ".len()..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            map.insert(name, module.clone());
        }
    }
    map
}

/// The modules a file's code depends on.
fn deps(
    code: &str,
    root: &BTreeMap<String, String>,
    macros: &BTreeMap<String, String>,
) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = crate_refs(code)
        .into_iter()
        .map(|r| root.get(&r).cloned().unwrap_or(r))
        .collect();
    for (name, module) in macros {
        let call = format!("{name}!");
        if code.match_indices(&call).any(|(i, _)| {
            !code[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_')
                && !code[..i].ends_with("macro_rules! ")
        }) {
            out.insert(module.clone());
        }
    }
    out
}

/// Each file's layer, or the violations: files with no layer, files in two, and every
/// reference from a file to a layer above its own.
fn check(files: &BTreeMap<String, String>, lib: &str) -> Vec<String> {
    let mut layer_of: BTreeMap<&str, usize> = BTreeMap::new();
    let mut bad = Vec::new();
    for (i, (_, mods)) in LAYERS.iter().enumerate() {
        for m in *mods {
            if layer_of.insert(m, i).is_some() {
                bad.push(format!("{m}.rs is in two layers"));
            }
        }
    }
    let root = root_reexports(lib);
    let code_of: BTreeMap<String, String> =
        files.iter().map(|(m, t)| (m.clone(), code(t))).collect();
    let macros = macros(&code_of);
    for (m, code) in &code_of {
        let Some(&mine) = layer_of.get(m.as_str()) else {
            bad.push(format!(
                "{m}.rs has no layer: add it to LAYERS in tests/layers.rs (and the README's Layout)"
            ));
            continue;
        };
        for d in deps(code, &root, &macros) {
            if d == *m {
                continue;
            }
            match layer_of.get(d.as_str()) {
                Some(&theirs) if theirs > mine => bad.push(format!(
                    "{m}.rs ({}) reaches up into {d}.rs ({})",
                    LAYERS[mine].0, LAYERS[theirs].0
                )),
                Some(_) => {}
                None if files.contains_key(&d) => {}
                None => bad.push(format!("{m}.rs names crate::{d}, which is no file here")),
            }
        }
    }
    bad
}

fn read_tree(dir: &Path) -> (BTreeMap<String, String>, String) {
    let mut files = BTreeMap::new();
    let mut lib = String::new();
    for e in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let p = e.unwrap().path();
        // A module directory (vfs/) is one module: its files judged together.
        if p.join("mod.rs").is_file() {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let mut text = String::new();
            for f in std::fs::read_dir(&p).unwrap() {
                let f = f.unwrap().path();
                if f.extension().is_some_and(|x| x == "rs") {
                    text += &code(&std::fs::read_to_string(&f).unwrap());
                }
            }
            files.insert(name, text);
            continue;
        }
        if p.extension().is_some_and(|x| x == "rs") {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&p).unwrap();
            if name == "lib" {
                lib = text;
            } else {
                files.insert(name, text);
            }
        }
    }
    (files, lib)
}

#[test]
fn the_syscall_crate_reaches_only_down() {
    let (files, lib) = read_tree(&src_dir());
    assert!(
        files.len() > 10,
        "no syscall crate at {}",
        src_dir().display()
    );
    let bad = check(&files, &lib);
    assert!(bad.is_empty(), "layers broken:\n  {}", bad.join("\n  "));
}

/// The check itself: an upward `use`, an inline path, a `use crate::{..}` group, a root
/// re-export, a macro and a file with no layer are each caught; tests are not judged.
#[test]
fn the_check_catches_an_upward_reach() {
    let lib = "pub use ctx::{Ctx, Process};\npub use table::{Level, Syscall};\n";
    let ok = |text: &str| {
        let mut f = BTreeMap::new();
        for (m, t) in [
            ("errno", ""),
            ("ctx", text),
            ("trace", ""),
            ("table", "macro_rules! syscall_table { () => {} }"),
            ("host", "macro_rules! sys { () => {} }"),
        ] {
            f.insert(m.to_string(), t.to_string());
        }
        check(&f, lib)
    };
    assert!(ok("use crate::errno::Errno;\n").is_empty());
    for upward in [
        "use crate::trace::Tracer;\n",
        "fn f() { crate::trace::note(); }\n",
        "use crate::{errno, trace};\n",
        "use crate::{errno::{self, Errno},\n    trace::Tracer};\n",
        "fn f(_: &crate::Syscall) {}\n",
        "fn f() { syscall_table!(); }\n",
    ] {
        let bad = ok(upward);
        assert_eq!(bad.len(), 1, "{upward:?}: {bad:?}");
        assert!(bad[0].starts_with("ctx.rs (context"), "{bad:?}");
    }
    // Comments and tests are not the shape.
    assert!(ok("// use crate::trace::Tracer;\n").is_empty());
    assert!(ok("#[cfg(test)]\nmod tests { use crate::trace::Tracer; }\n").is_empty());
    // A file no layer holds.
    let mut f = BTreeMap::new();
    f.insert("newfile".to_string(), String::new());
    assert!(check(&f, lib)[0].starts_with("newfile.rs has no layer"));
}
