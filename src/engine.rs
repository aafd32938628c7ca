//! The wasmtime engine, module loading and the compiled-module cache. Knows no syscall:
//! import checking asks the syscall table for signatures.

use crate::rewrite;
use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;
use wasmtime::{Config, Engine, ExternType, MemoryType, Module, OptLevel, ValType};

/// Deepest wasm call stack allowed, and the host stack that guest threads get.
pub const MAX_WASM_STACK: usize = 16 << 20;
/// The largest module loaded (a handed one, a box's): far above any real module.
pub const MAX_MODULE: u64 = 1 << 30;
pub const THREAD_STACK: usize = MAX_WASM_STACK + (8 << 20);

/// A failure to load, with the exit status a shell would use for it.
#[derive(Debug)]
pub struct LoadError {
    pub status: i32,
    pub message: String,
}

fn bad(message: impl Into<String>) -> LoadError {
    LoadError {
        status: 126,
        message: message.into(),
    }
}

pub fn engine() -> wasmtime::Result<Engine> {
    let mut c = Config::new();
    c.wasm_threads(true)
        .shared_memory(true)
        .wasm_exceptions(true)
        // Guest signal handlers run at epoch checks in busy code (see deliver.rs).
        .epoch_interruption(true)
        .async_stack_size(MAX_WASM_STACK + (1 << 20))
        .max_wasm_stack(MAX_WASM_STACK)
        .cranelift_opt_level(OptLevel::Speed);
    // WALI_PROFILE=perfmap (or jitdump): wasm functions get their names in `perf report`.
    match std::env::var("WALI_PROFILE").as_deref() {
        Ok("perfmap") => {
            c.profiler(wasmtime::ProfilingStrategy::PerfMap);
        }
        Ok("jitdump") => {
            c.profiler(wasmtime::ProfilingStrategy::JitDump);
        }
        Ok(other) => {
            return Err(wasmtime::Error::msg(format!(
                "WALI_PROFILE={other}: expected perfmap or jitdump"
            )))
        }
        Err(_) => {}
    }
    let e = Engine::new(&c)?;
    wali_syscalls::deliver::set_engine(&e);
    Ok(e)
}

pub struct Loaded {
    pub module: Module,
    /// The memory import the process must provide: (module, name, type).
    pub memory: Option<(String, String, MemoryType)>,
    pub compiled: bool,
    pub compile_ms: f64,
    /// The data the memory starts with, when the module's initializer leaves it to us.
    pub image: Option<MemImage>,
    /// `wali` imports the module declares without the ABI's result (`SYS_exit` as
    /// `(i32) -> ()`): linked to a variant that discards it.
    pub dropped: Vec<String>,
}

/// A module's initial data (see `rewrite::memory_image`): the cache's image file, mapped
/// copy-on-write, or the bytes themselves when there is no cache to keep a file in.
pub enum MemImage {
    File {
        file: std::fs::File,
        at: u32,
        len: usize,
    },
    Bytes(rewrite::Image),
}

/// Image files: a page of header (magic, guest address, length), then the data, so that
/// the data starts page-aligned in the file and maps directly.
const IMAGE_MAGIC: &[u8; 8] = b"WALIIMG1";
pub const IMAGE_HEADER: usize = 4096;

fn write_image(path: &Path, image: Option<&rewrite::Image>) {
    let mut buf = vec![0u8; IMAGE_HEADER];
    buf[..8].copy_from_slice(IMAGE_MAGIC);
    if let Some(img) = image {
        buf[8..12].copy_from_slice(&img.at.to_le_bytes());
        buf[12..20].copy_from_slice(&(img.bytes.len() as u64).to_le_bytes());
        buf.extend_from_slice(&img.bytes);
    }
    write_atomically(path, &buf);
}

/// The image file beside a cached module: `Some(None)` when the module has no image,
/// `None` when there is no usable file.
fn read_image(path: &Path) -> Option<Option<MemImage>> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).ok()?;
    let mut head = [0u8; 20];
    file.read_exact(&mut head).ok()?;
    if &head[..8] != IMAGE_MAGIC {
        return None;
    }
    let at = u32::from_le_bytes(head[8..12].try_into().ok()?);
    let len = u64::from_le_bytes(head[12..20].try_into().ok()?) as usize;
    if len == 0 {
        return Some(None);
    }
    let size = file.metadata().ok()?.len() as usize;
    if !at.is_multiple_of(4096) || !len.is_multiple_of(4096) || size != IMAGE_HEADER + len {
        return None;
    }
    Some(Some(MemImage::File { file, at, len }))
}

/// Write then rename, so a concurrent run never maps a half-written file.
fn write_atomically(path: &Path, bytes: &[u8]) {
    let Some(dir) = path.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    if std::fs::write(&tmp, bytes).is_ok() && std::fs::rename(&tmp, path).is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}

/// The cache directory: `$WALI_CACHE_DIR`, else `$XDG_CACHE_HOME/wali-run`, else `~/.cache/wali-run`.
pub fn cache_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("WALI_CACHE_DIR") {
        return Some(PathBuf::from(d));
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("wali-run"))
}

/// The cache file for a module whose bytes have SHA-256 `digest` (a box names its
/// module's digest, so its run finds the compilation without reading the module).
fn cache_path(engine: &Engine, digest: &[u8; 32]) -> Option<PathBuf> {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut h);
    let mut d = Sha256::new();
    d.update(digest);
    d.update(rewrite::VERSION.to_le_bytes());
    d.update(env!("CARGO_PKG_VERSION").as_bytes());
    d.update(h.finish().to_le_bytes());
    let key: String = d
        .finalize()
        .iter()
        .take(20)
        .map(|b| format!("{b:02x}"))
        .collect();
    Some(cache_dir()?.join("modules").join(format!("{key}.cwasm")))
}

/// Read, check, rewrite and compile a module, or load its cached compilation.
pub fn load(engine: &Engine, path: &Path, use_cache: bool) -> Result<Loaded, LoadError> {
    let shown = path.display();
    let wasm = std::fs::read(path).map_err(|e| LoadError {
        status: if e.kind() == std::io::ErrorKind::NotFound {
            127
        } else {
            126
        },
        message: format!("{shown}: {}", io_msg(&e)),
    })?;
    if wasm.starts_with(b"\x7fELF") {
        // A module compiled ahead of time (`wali-run compile`): mapped, not compiled.
        // SAFETY: a .cwasm is native code; wasmtime checks it was made by this engine
        // configuration. Running one is running a program, as with any executable.
        let module = unsafe { deserialize_high(engine, path) }.map_err(|e| {
            bad(format!(
                "{shown}: not a module compiled by this wali-run: {}",
                one_line(&e)
            ))
        })?;
        return finish(module, path, false, 0.0);
    }
    load_wasm(engine, &wasm, path, use_cache)
}

/// A module handed over by an `execve` in a guest (`--module-fd`): the bytes of the file
/// the guest's runtime opened and checked, read once from that descriptor. Only
/// WebAssembly is accepted here, compiled by this runtime (or found in its own cache by
/// the hash of these bytes): native code (a `.cwasm`) runs only from the operator's
/// command line, never from a file a guest could have written.
pub fn load_handed(
    engine: &Engine,
    fd: std::fs::File,
    name: &Path,
    use_cache: bool,
) -> Result<Loaded, LoadError> {
    use std::io::Read;
    // Limit what a hostile file can make the runtime hold.
    const MAX: u64 = MAX_MODULE;
    let mut wasm = Vec::new();
    fd.take(MAX + 1)
        .read_to_end(&mut wasm)
        .map_err(|e| bad(format!("{}: {}", name.display(), io_msg(&e))))?;
    if wasm.len() as u64 > MAX {
        return Err(bad(format!(
            "{}: larger than 1 GiB, not loaded",
            name.display()
        )));
    }
    if wasm.starts_with(b"\x7fELF") {
        return Err(bad(format!(
            "{}: a precompiled module (.cwasm) runs only from the command line, not through execve",
            name.display()
        )));
    }
    load_wasm(engine, &wasm, name, use_cache)
}

/// Check, rewrite and compile WebAssembly bytes, or load their cached compilation.
fn load_wasm(
    engine: &Engine,
    wasm: &[u8],
    path: &Path,
    use_cache: bool,
) -> Result<Loaded, LoadError> {
    let digest: [u8; 32] = Sha256::digest(wasm).into();
    load_keyed(
        engine,
        &digest,
        &mut || Ok(std::borrow::Cow::Borrowed(wasm)),
        path,
        use_cache,
    )
}

/// A module known by the SHA-256 of its bytes, `get` giving the bytes when they are
/// needed (not on a cache hit): a box's module.
pub fn load_keyed<'w>(
    engine: &Engine,
    digest: &[u8; 32],
    get: &mut dyn FnMut() -> Result<std::borrow::Cow<'w, [u8]>, LoadError>,
    path: &Path,
    use_cache: bool,
) -> Result<Loaded, LoadError> {
    let shown = path.display();
    let cached = if use_cache {
        cache_path(engine, digest)
    } else {
        None
    };
    let mut bytes: Option<std::borrow::Cow<'w, [u8]>> = None;
    let mut wasm_of = |bytes: &mut Option<std::borrow::Cow<'w, [u8]>>| -> Result<(), LoadError> {
        if bytes.is_none() {
            let w = get()?;
            if w.len() < 8 || &w[0..4] != b"\0asm" {
                return Err(bad(format!(
                    "{shown}: not a WebAssembly module (no \\0asm header)"
                )));
            }
            *bytes = Some(w);
        }
        Ok(())
    };
    if cached.is_none() {
        wasm_of(&mut bytes)?;
    }
    if let Some(cp) = &cached {
        if cp.exists() {
            // SAFETY: the file was written by `Module::serialize` of this same engine
            // configuration (the key includes its compatibility hash) into the user's cache.
            if let Ok(module) = unsafe { deserialize_high(engine, cp) } {
                let ip = cp.with_extension("img");
                let image = match read_image(&ip) {
                    Some(i) => i,
                    None => {
                        // Written before the module; gone since: made again (the same bytes).
                        wasm_of(&mut bytes)?;
                        let wasm = bytes.as_deref().unwrap_or_default();
                        let img =
                            rewrite::image_of(wasm).map_err(|e| bad(format!("{shown}: {e}")))?;
                        write_image(&ip, img.as_ref());
                        read_image(&ip).flatten().or(img.map(MemImage::Bytes))
                    }
                };
                let mut l = finish(module, path, false, 0.0)?;
                l.image = image;
                return Ok(l);
            }
        }
    }
    wasm_of(&mut bytes)?;
    let wasm = bytes.as_deref().unwrap_or_default();
    let mut features = wasmparser::WasmFeatures::default();
    features.remove(wasmparser::WasmFeatures::LEGACY_EXCEPTIONS);
    let mut v = wasmparser::Validator::new_with_features(features);
    if let Err(e) = v.validate_all(wasm) {
        let msg = e.message().to_string();
        let hint = if msg.contains("legacy exceptions") {
            " (translate it with `wasm-opt --translate-to-exnref`; wali-cc does this)"
        } else {
            ""
        };
        return Err(bad(format!(
            "{shown}: invalid WebAssembly module: {msg} at offset {:#x}{hint}",
            e.offset()
        )));
    }
    // The memory image needs a file to live in, so only cached modules leave their data
    // to it (a `.cwasm` made by `compile` or a `--no-cache` run copies as the module says).
    let (rewritten, image) =
        rewrite::rewrite(wasm, cached.is_some()).map_err(|e| bad(format!("{shown}: {e}")))?;
    let big = wasm.len() > (4 << 20);
    let t = Instant::now();
    // A large first compile takes seconds: on a terminal, a line that counts them.
    let progress = (big && std::io::stderr().is_terminal()).then(|| {
        Progress::start(format!(
            "compiling {shown} ({:.1} MB)",
            wasm.len() as f64 / 1e6
        ))
    });
    let module = compile(engine, &rewritten);
    if let Some(p) = progress {
        p.stop(module.is_ok(), cached.is_some());
    }
    let module = module.map_err(|e| bad(format!("{shown}: cannot compile: {}", one_line(&e))))?;
    let ms = t.elapsed().as_secs_f64() * 1e3;
    let mut l = finish(module, path, true, ms)?;
    if let Some(cp) = &cached {
        // The image first: a cached module without its image file finds it made again.
        let ip = cp.with_extension("img");
        write_image(&ip, image.as_ref());
        store_in_cache(&l.module, cp);
        // The file just written, to map; the bytes if it could not be written.
        l.image = read_image(&ip).flatten();
    }
    if l.image.is_none() {
        l.image = image.map(MemImage::Bytes);
    }
    Ok(l)
}

/// Compile on rayon's threads when the host gives them, else on this thread alone: under a
/// full pids cgroup the compile is slower, never rayon's panic over its global pool
/// (wasmtime's parallel compilation uses the pool it runs in: this one).
fn compile(engine: &Engine, wasm: &[u8]) -> wasmtime::Result<Module> {
    let pool = rayon::ThreadPoolBuilder::new()
        .thread_name(|i| format!("wali-compile-{i}"))
        .build()
        .or_else(|_| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .use_current_thread()
                .build()
        })
        .map_err(|e| wasmtime::Error::msg(format!("no thread to compile on: {e}")))?;
    pool.install(|| Module::new(engine, wasm))
}

/// `wali-run: <what>... 1.5 s` on stderr, redrawn until `stop`.
struct Progress {
    done: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// None when the host refused the thread: no progress line then.
    thread: Option<std::thread::JoinHandle<()>>,
    what: String,
    start: Instant,
}

impl Progress {
    fn start(what: String) -> Progress {
        use std::sync::atomic::Ordering;
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (d, w, start) = (done.clone(), what.clone(), Instant::now());
        let thread = std::thread::Builder::new()
            .name("wali-progress".into())
            .spawn(move || {
                while !d.load(Ordering::Relaxed) {
                    eprint!("\rwali-run: {w}... {:.1} s", start.elapsed().as_secs_f64());
                    std::thread::sleep(std::time::Duration::from_millis(200));
                }
            })
            .ok();
        Progress {
            done,
            thread,
            what,
            start,
        }
    }

    fn stop(self, ok: bool, cached: bool) {
        self.done.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread {
            let _ = t.join();
        }
        if ok {
            eprintln!(
                "\rwali-run: {} in {:.1} s{}",
                self.what,
                self.start.elapsed().as_secs_f64(),
                if cached {
                    "; later runs use the cache"
                } else {
                    ""
                }
            );
        } else {
            eprintln!();
        }
    }
}

fn store_in_cache(module: &Module, cp: &Path) {
    let Ok(bytes) = module.serialize() else {
        return;
    };
    write_atomically(cp, &bytes);
    tracing::debug!(path = %cp.display(), bytes = bytes.len(), "cached compiled module");
}

fn finish(
    module: Module,
    path: &Path,
    compiled: bool,
    compile_ms: f64,
) -> Result<Loaded, LoadError> {
    let shown = path.display();
    let mut memory = None;
    let mut dropped = Vec::new();
    for imp in module.imports() {
        match imp.ty() {
            ExternType::Memory(m) => {
                memory = Some((imp.module().to_string(), imp.name().to_string(), m))
            }
            ExternType::Func(f) if imp.module() == "wali" => {
                if check_wali_import(imp.name(), &f).map_err(|m| bad(format!("{shown}: {m}")))? {
                    dropped.push(imp.name().to_string());
                }
            }
            _ => {
                return Err(bad(format!(
                    "{shown}: unknown import {}.{}: wali-run provides only the \"wali\" module",
                    imp.module(),
                    imp.name()
                )))
            }
        }
    }
    if !module.exports().any(|e| e.name() == "_start") {
        return Err(bad(format!(
            "{shown}: the module exports no _start function"
        )));
    }
    Ok(Loaded {
        module,
        memory,
        compiled,
        compile_ms,
        image: None,
        dropped,
    })
}

fn sig_of(f: &wasmtime::FuncType) -> String {
    let t = |v: ValType| match v {
        ValType::I32 => "i32".to_string(),
        ValType::I64 => "i64".to_string(),
        ValType::F32 => "f32".to_string(),
        ValType::F64 => "f64".to_string(),
        other => other.to_string(),
    };
    let ps: Vec<String> = f.params().map(t).collect();
    let rs: Vec<String> = f.results().map(t).collect();
    format!("({}) -> ({})", ps.join(","), rs.join(","))
}

/// Whether a `wali` import matches the ABI: `Ok(false)` exactly, `Ok(true)` when its only
/// difference is a dropped result (the host discards the answer, as a C declaration
/// `void f(int)` of a call that returns `long` does), an error otherwise.
fn check_wali_import(name: &str, f: &wasmtime::FuncType) -> Result<bool, String> {
    let want = if let Some(sc) = wali_syscalls::by_import(name) {
        sc.signature()
    } else if let Some(aux) = wali_syscalls::aux::AUX.iter().find(|a| a.name == name) {
        aux.signature()
    } else {
        return Err(format!(
            "unknown import wali.{name}: no such WALI call (see `wali-run --list-syscalls`)"
        ));
    };
    let have = sig_of(f);
    if have == want {
        return Ok(false);
    }
    let no_result = |s: &str| s.split_once(" -> ").map(|(p, _)| format!("{p} -> ()"));
    if !want.ends_with(" -> ()") && no_result(&want).as_deref() == Some(have.as_str()) {
        return Ok(true);
    }
    Err(format!(
        "import wali.{name} has signature {have}, but the WALI ABI defines {want}"
    ))
}

pub fn io_msg(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// An error chain flattened to one line.
pub fn one_line(e: &wasmtime::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in e.chain() {
        let s = c.to_string();
        if !parts.iter().any(|p| p.contains(s.trim())) {
            parts.push(s.trim().replace('\n', " "));
        }
    }
    parts.join(": ")
}

/// `wali-run compile MODULE -o OUT`: check, rewrite and compile MODULE, and write the
/// native code to OUT (a `.cwasm` that `wali-run OUT` runs without compiling).
pub fn compile_to(engine: &Engine, path: &Path, out: &Path) -> Result<usize, LoadError> {
    let loaded = load(engine, path, false)?;
    let bytes = loaded.module.serialize().map_err(|e| {
        bad(format!(
            "{}: cannot serialize: {}",
            path.display(),
            one_line(&e)
        ))
    })?;
    std::fs::write(out, &bytes).map_err(|e| LoadError {
        status: 1,
        message: format!("{}: {}", out.display(), io_msg(&e)),
    })?;
    Ok(bytes.len())
}

/// `Module::deserialize_file`, with the descriptor wasmtime keeps for the mapping moved
/// out of the guest's way: the guest expects the lowest free numbers to be its own (a
/// program that closes fd 6 on exec must find it closed in the new program).
///
/// # Safety
/// As `Module::deserialize_file`: the file must be a module this engine serialized.
unsafe fn deserialize_high(engine: &Engine, path: &Path) -> wasmtime::Result<Module> {
    let f = wali_syscalls::sandbox::keep_high(std::fs::File::open(path)?.into());
    // SAFETY: the caller's promise.
    unsafe { Module::deserialize_open_file(engine, f.into()) }
}
