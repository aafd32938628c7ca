//! Load-time rewrite: every guest thread is its own instance on one shared memory, so a
//! module's memory must be imported. A module that defines its memory (as the reference
//! binaries do) gets that definition turned into an import with the same limits; a
//! non-shared memory becomes shared (every instruction valid on one is valid on the other).

use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasmparser::{Parser, Payload, TypeRef};

/// Where the rewritten module imports its memory from, when it defined its own.
pub const MEMORY_MODULE: &str = "wali-run";
pub const MEMORY_NAME: &str = "memory";
/// Exports added for the runtime: the function table (signal handlers are table
/// indices) and the shadow-stack pointer (signal frames go on the guest's stack).
pub const TABLE_EXPORT: &str = "wali-run:table";
pub const SP_EXPORT: &str = "wali-run:sp";
/// Bumped whenever the rewrite changes, so cached compilations are not reused.
pub const VERSION: u32 = 2;
/// The largest 32-bit memory, in wasm pages: the maximum given to memories without one.
const MAX_PAGES: u64 = 65536;

fn shared(mut m: wasmparser::MemoryType) -> Result<wasmparser::MemoryType, String> {
    if m.memory64 {
        return Err("64-bit memories are not supported".into());
    }
    if m.page_size_log2.is_some_and(|p| p != 16) {
        return Err("custom page sizes are not supported".into());
    }
    m.shared = true;
    m.maximum = Some(m.maximum.unwrap_or(MAX_PAGES).min(MAX_PAGES));
    Ok(m)
}

/// Rewrite `wasm` so that memory 0 is an imported shared memory. Returns the bytes
/// unchanged in substance otherwise (sections are copied raw).
pub fn rewrite(wasm: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = wasm_encoder::Module::new();
    let mut defined: Option<wasmparser::MemoryType> = None;
    let mut imported_memories = 0;
    let mut imports_done = false;
    let mut pending_imports: Option<wasm_encoder::ImportSection> = None;
    let mut re = RoundtripReencoder;
    let mut has_table = false;
    let mut globals: Vec<wasmparser::GlobalType> = vec![];
    let mut sp_export: Option<u32> = None;

    // First pass: the memory section comes after the sections that must follow the
    // imports, so learn about memories before writing anything.
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(|e| e.to_string())? {
            Payload::ImportSection(reader) => {
                for imp in reader.into_imports() {
                    match imp.map_err(|e| e.to_string())?.ty {
                        TypeRef::Memory(_) => imported_memories += 1,
                        TypeRef::Table(_) => has_table = true,
                        TypeRef::Global(g) => globals.push(g),
                        _ => {}
                    }
                }
            }
            Payload::TableSection(reader) => has_table |= reader.count() > 0,
            Payload::GlobalSection(reader) => {
                for g in reader {
                    globals.push(g.map_err(|e| e.to_string())?.ty);
                }
            }
            Payload::ExportSection(reader) => {
                for e in reader {
                    let e = e.map_err(|e| e.to_string())?;
                    if e.name == "__stack_pointer" && e.kind == wasmparser::ExternalKind::Global {
                        sp_export = Some(e.index);
                    }
                }
            }
            Payload::MemorySection(reader) => {
                for m in reader {
                    let m = m.map_err(|e| e.to_string())?;
                    if defined.is_some() || imported_memories > 0 {
                        return Err("modules with more than one memory are not supported".into());
                    }
                    defined = Some(shared(m)?);
                }
            }
            _ => {}
        }
    }
    if imported_memories > 1 {
        return Err("modules with more than one memory are not supported".into());
    }
    // wasm-ld makes __stack_pointer global 0; reference binaries also export it.
    let sp = sp_export.or_else(|| {
        globals
            .first()
            .filter(|g| g.mutable && g.content_type == wasmparser::ValType::I32)
            .map(|_| 0)
    });
    let extra_exports = |sec: &mut wasm_encoder::ExportSection| {
        if has_table {
            sec.export(TABLE_EXPORT, wasm_encoder::ExportKind::Table, 0);
        }
        if let Some(g) = sp {
            sec.export(SP_EXPORT, wasm_encoder::ExportKind::Global, g);
        }
    };
    let mut exports_done = false;

    let emit_imports = |out: &mut wasm_encoder::Module,
                        sec: Option<wasm_encoder::ImportSection>,
                        defined: Option<wasmparser::MemoryType>|
     -> Result<(), String> {
        let mut sec = sec.unwrap_or_default();
        if let Some(m) = defined {
            let ty = RoundtripReencoder
                .memory_type(m)
                .map_err(|e| e.to_string())?;
            sec.import(MEMORY_MODULE, MEMORY_NAME, ty);
        }
        if !sec.is_empty() {
            out.section(&sec);
        }
        Ok(())
    };

    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(|e| e.to_string())?;
        match payload {
            Payload::Version { encoding, .. } => {
                if encoding != wasmparser::Encoding::Module {
                    return Err("a component, not a core module".into());
                }
            }
            Payload::ImportSection(reader) => {
                let mut sec = wasm_encoder::ImportSection::new();
                for imp in reader.into_imports() {
                    let imp = imp.map_err(|e| e.to_string())?;
                    let ty = match imp.ty {
                        TypeRef::Memory(m) => TypeRef::Memory(shared(m)?),
                        t => t,
                    };
                    let ty = re.entity_type(ty).map_err(|e| e.to_string())?;
                    sec.import(imp.module, imp.name, ty);
                }
                pending_imports = Some(sec);
            }
            // Replaced by the import written with the other imports.
            Payload::MemorySection(_) | Payload::End(_) => {}
            Payload::ExportSection(reader) => {
                if !imports_done {
                    emit_imports(&mut out, pending_imports.take(), defined)?;
                    imports_done = true;
                }
                let mut sec = wasm_encoder::ExportSection::new();
                for e in reader {
                    let e = e.map_err(|e| e.to_string())?;
                    sec.export(
                        e.name,
                        re.export_kind(e.kind).map_err(|e| e.to_string())?,
                        e.index,
                    );
                }
                extra_exports(&mut sec);
                out.section(&sec);
                exports_done = true;
            }
            other => {
                if let Some((id, range)) = other.as_section() {
                    // A module without exports gets an export section before start (8),
                    // elements (9), data count (12), code (10) or data (11).
                    if !exports_done && [8, 9, 10, 11, 12].contains(&id) {
                        if !imports_done {
                            emit_imports(&mut out, pending_imports.take(), defined)?;
                            imports_done = true;
                        }
                        let mut sec = wasm_encoder::ExportSection::new();
                        extra_exports(&mut sec);
                        out.section(&sec);
                        exports_done = true;
                    }
                    // Imports (2) and memories (5) are written in order before any later section.
                    if !imports_done && id != 1 && id != 0 {
                        emit_imports(&mut out, pending_imports.take(), defined)?;
                        imports_done = true;
                    }
                    out.section(&wasm_encoder::RawSection {
                        id,
                        data: &wasm[range],
                    });
                }
            }
        }
    }
    if !imports_done {
        emit_imports(&mut out, pending_imports.take(), defined)?;
    }
    if !exports_done {
        let mut sec = wasm_encoder::ExportSection::new();
        extra_exports(&mut sec);
        out.section(&sec);
    }
    Ok(out.finish())
}
