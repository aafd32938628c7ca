//! Helpers for the integration tests: build small wasm modules, run wali-run.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use wasm_encoder::*;

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_wali-run")
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A temporary directory removed on drop.
pub struct TempDir(pub PathBuf);
impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!(
            "wali-test-{tag}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A command's output as text (invalid UTF-8 replaced).
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A command's status and both outputs, for a failure message.
pub fn show(o: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        text(&o.stdout),
        text(&o.stderr)
    )
}

/// `o` when its command succeeded; else a failure that names `what` and shows `o`.
pub fn check(o: Output, what: &str) -> Output {
    assert!(o.status.success(), "{what} failed: {}", show(&o));
    o
}

/// A port nobody listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Run wali-run with a private cache dir.
pub fn run(args: &[&str], cache: &Path) -> Output {
    Command::new(bin())
        .args(args)
        .env("WALI_CACHE_DIR", cache)
        .output()
        .expect("spawn wali-run")
}

pub fn parse_sig(sig: &str) -> (Vec<ValType>, Vec<ValType>) {
    // "(i32,i64) -> (i64)"
    let (p, r) = sig.split_once("->").unwrap();
    let list = |s: &str| -> Vec<ValType> {
        s.trim()
            .trim_start_matches('(')
            .trim_end_matches(')')
            .split(',')
            .filter(|t| !t.trim().is_empty())
            .map(|t| match t.trim() {
                "i32" => ValType::I32,
                "i64" => ValType::I64,
                other => panic!("type {other}"),
            })
            .collect()
    };
    (list(p), list(r))
}

/// A module builder: imports from "wali", one shared memory (defined), a `_start` body.
pub struct ModBuilder {
    pub imports: Vec<(String, Vec<ValType>, Vec<ValType>)>,
    pub data: Vec<(u32, Vec<u8>)>,
    pub define_memory: bool,
}

impl ModBuilder {
    pub fn new() -> Self {
        ModBuilder {
            imports: vec![],
            data: vec![],
            define_memory: true,
        }
    }
    /// Add an import; returns its function index.
    pub fn import(&mut self, name: &str, sig: &str) -> u32 {
        let (p, r) = parse_sig(sig);
        self.imports.push((name.to_string(), p, r));
        (self.imports.len() - 1) as u32
    }
    pub fn func(&self, name: &str) -> u32 {
        self.imports
            .iter()
            .position(|i| i.0 == name)
            .expect("imported") as u32
    }
    /// Finish with `_start` whose body is `body` (instructions, no trailing End).
    pub fn build(&self, body: &[Instruction<'static>]) -> Vec<u8> {
        let mut m = Module::new();
        let mut types = TypeSection::new();
        for (_, p, r) in &self.imports {
            types.ty().function(p.clone(), r.clone());
        }
        types.ty().function(vec![], vec![]);
        m.section(&types);
        let mut imps = ImportSection::new();
        for (i, (n, _, _)) in self.imports.iter().enumerate() {
            imps.import("wali", n, EntityType::Function(i as u32));
        }
        let mt = MemoryType {
            minimum: 2,
            maximum: Some(32768),
            memory64: false,
            shared: true,
            page_size_log2: None,
        };
        if !self.define_memory {
            imps.import("env", "memory", mt);
        }
        m.section(&imps);
        let mut funcs = FunctionSection::new();
        funcs.function(self.imports.len() as u32);
        m.section(&funcs);
        if self.define_memory {
            let mut mems = MemorySection::new();
            mems.memory(mt);
            m.section(&mems);
        }
        let mut ex = ExportSection::new();
        ex.export("_start", ExportKind::Func, self.imports.len() as u32);
        if self.define_memory {
            ex.export("memory", ExportKind::Memory, 0);
        }
        m.section(&ex);
        if !self.data.is_empty() {
            m.section(&DataCountSection {
                count: self.data.len() as u32,
            });
        }
        let mut code = CodeSection::new();
        let mut f = Function::new(vec![(4, ValType::I64), (4, ValType::I32)]);
        for ins in body {
            f.instruction(ins);
        }
        f.instruction(&Instruction::End);
        code.function(&f);
        m.section(&code);
        if !self.data.is_empty() {
            let mut d = DataSection::new();
            for (off, bytes) in &self.data {
                d.active(0, &ConstExpr::i32_const(*off as i32), bytes.iter().copied());
            }
            m.section(&d);
        }
        m.finish()
    }
}

pub fn write_module(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// Build the C program `src` with wali-cc into `dir` as `NAME.wasm`.
pub fn build_c(dir: &Path, name: &str, src: &str) -> PathBuf {
    let c = dir.join(format!("{name}.c"));
    std::fs::write(&c, src).unwrap();
    let out = dir.join(format!("{name}.wasm"));
    let o = Command::new(repo().join("toolchain/wali-cc"))
        .args(["-O1", "-o"])
        .arg(&out)
        .arg(&c)
        .output()
        .expect("wali-cc (run ./build.sh first)");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A box file's index, parsed (docs/box-format.md, version 3) for tests that change it.
pub struct BoxIndex {
    pub index_off: usize,
    /// The settings' TOML text.
    pub settings: String,
    /// Each entry: (path, where its fields start in the file: offset, stored, length,
    /// codec follow at +13, +21, +29, +37 of it).
    pub entries: Vec<(String, usize)>,
}

pub fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

pub fn box_index(b: &[u8]) -> BoxIndex {
    assert_eq!(&b[8..12], &3u32.to_le_bytes(), "not a version 3 box");
    let index_off = u64_at(b, 16) as usize;
    let mut at = index_off;
    let n = u32::from_le_bytes(b[at..at + 4].try_into().unwrap()) as usize;
    let settings = String::from_utf8(b[at + 4..at + 4 + n].to_vec()).unwrap();
    at += 4 + n;
    let count = u32::from_le_bytes(b[at..at + 4].try_into().unwrap());
    at += 4;
    let mut entries = Vec::new();
    for _ in 0..count {
        let plen = u16::from_le_bytes(b[at..at + 2].try_into().unwrap()) as usize;
        let path = String::from_utf8_lossy(&b[at + 2..at + 2 + plen]).into_owned();
        at += 2 + plen;
        entries.push((path, at));
        at += 70;
    }
    assert_eq!(at, b.len(), "index parsed to its end");
    BoxIndex {
        index_off,
        settings,
        entries,
    }
}

impl BoxIndex {
    /// Where entry `path`'s fields start.
    pub fn entry(&self, path: &str) -> usize {
        self.entries
            .iter()
            .find(|e| e.0 == path)
            .unwrap_or_else(|| panic!("no {path} in the box"))
            .1
    }
}

/// The header's hash made to match a changed index again (a consistent box that lies).
pub fn reseal(b: &mut [u8]) {
    use sha2::Digest;
    let index_off = u64_at(b, 16) as usize;
    let mut h = sha2::Sha256::new();
    h.update(&b[..32]);
    h.update(&b[index_off..]);
    let seal: [u8; 32] = h.finalize().into();
    b[32..64].copy_from_slice(&seal);
}

/// The box with its settings' text changed by `f` (the index resized, the header fixed
/// and resealed).
pub fn with_settings(b: &[u8], f: impl FnOnce(&str) -> String) -> Vec<u8> {
    let ix = box_index(b);
    let new = f(&ix.settings);
    let mut out = b[..ix.index_off].to_vec();
    out.extend_from_slice(&(new.len() as u32).to_le_bytes());
    out.extend_from_slice(new.as_bytes());
    out.extend_from_slice(&b[ix.index_off + 4 + ix.settings.len()..]);
    let len = (out.len() - ix.index_off) as u64;
    out[24..32].copy_from_slice(&len.to_le_bytes());
    reseal(&mut out);
    out
}

/// A number in the settings' TOML: `key = N` in table `[table]`.
pub fn setting(settings: &str, table: &str, key: &str) -> u64 {
    let t: toml::Table = toml::from_str(settings).unwrap();
    t[table][key].as_integer().unwrap() as u64
}

/// The same box written as version 1 (no snapshot) or 2 (a snapshot), everything
/// stored as is, as wali-run wrote boxes before compression: to check that those still
/// read. (`scratch`: a file to open the box from.)
pub fn as_old_version(b: &[u8], scratch: &Path) -> Vec<u8> {
    use sha2::Digest;
    use wali_syscalls::vfs::boxfile::{self, BoxImage};
    std::fs::write(scratch, b).unwrap();
    let img = BoxImage::open(std::fs::File::open(scratch).unwrap()).unwrap();
    let mut t: toml::Table = toml::from_str(std::str::from_utf8(&img.meta).unwrap()).unwrap();
    let expand = |tab: &toml::Value| -> Vec<u8> {
        let n = |k: &str| tab[k].as_integer().unwrap() as u64;
        let codec = match tab.get("compression") {
            Some(_) => boxfile::ZSTD,
            None => boxfile::STORED,
        };
        let h = tab["sha256"].as_str().unwrap();
        let sha: Vec<u8> = (0..32)
            .map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        let mut out = Vec::new();
        boxfile::expand(
            &img.file,
            n("offset"),
            tab.get("stored").map_or(n("length"), |_| n("stored")),
            n("length"),
            codec,
            &sha.try_into().unwrap(),
            &mut |d| {
                out.extend_from_slice(d);
                Ok(())
            },
        )
        .unwrap();
        out
    };
    let plain = |tab: &mut toml::Value, offset: usize| {
        let tab = tab.as_table_mut().unwrap();
        for k in ["stored", "compression", "stored_sha256"] {
            tab.remove(k);
        }
        tab.insert("offset".into(), toml::Value::Integer(offset as i64));
    };
    let module = expand(&t["module"]);
    let snap = t.get("snapshot").map(expand);
    let mut data = vec![0u8; 64];
    plain(t.get_mut("module").unwrap(), data.len());
    data.extend_from_slice(&module);
    let mut index_entries = Vec::new();
    for (i, e) in img.entries.iter().enumerate() {
        let (off, len) = if e.kind == boxfile::DIR {
            (0, 0)
        } else {
            let c = img.read(i as u32).unwrap();
            let at = data.len();
            data.extend_from_slice(&c);
            (at as u64, c.len() as u64)
        };
        index_entries.extend_from_slice(&(e.path.len() as u16).to_le_bytes());
        index_entries.extend_from_slice(&e.path);
        index_entries.push(e.kind);
        index_entries.extend_from_slice(&e.mode.to_le_bytes());
        index_entries.extend_from_slice(&e.mtime.to_le_bytes());
        index_entries.extend_from_slice(&off.to_le_bytes());
        index_entries.extend_from_slice(&len.to_le_bytes());
        index_entries.extend_from_slice(&e.sha256);
    }
    if let Some(s) = &snap {
        // Stored as is, a snapshot is page-aligned (its pages map from the box file).
        data.resize(data.len().next_multiple_of(4096), 0);
        plain(t.get_mut("snapshot").unwrap(), data.len());
        data.extend_from_slice(s);
    }
    let settings = toml::to_string(&t).unwrap();
    let mut index = Vec::new();
    index.extend_from_slice(&(settings.len() as u32).to_le_bytes());
    index.extend_from_slice(settings.as_bytes());
    index.extend_from_slice(&(img.entries.len() as u32).to_le_bytes());
    index.extend_from_slice(&index_entries);
    let version: u32 = if snap.is_some() { 2 } else { 1 };
    data[..8].copy_from_slice(b"WALIBOX\0");
    data[8..12].copy_from_slice(&version.to_le_bytes());
    let index_off = data.len() as u64;
    data[16..24].copy_from_slice(&index_off.to_le_bytes());
    data[24..32].copy_from_slice(&(index.len() as u64).to_le_bytes());
    let mut h = sha2::Sha256::new();
    h.update(&data[..32]);
    h.update(&index);
    let seal: [u8; 32] = h.finalize().into();
    data[32..64].copy_from_slice(&seal);
    data.extend_from_slice(&index);
    data
}
