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
pub const VERSION: u32 = 4;
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

/// The data a module's memory starts with: `bytes` go at guest address `at` (both
/// page-aligned), for the runtime to map copy-on-write before the first instance runs.
pub struct Image {
    pub at: u32,
    pub bytes: Vec<u8>,
}

const PAGE: u32 = 4096;
/// The largest image written (Ruby's is 4 MB).
const MAX_IMAGE: u64 = 256 << 20;

/// wasm-ld gives a module with a shared memory a start function, `__wasm_init_memory`,
/// that copies every data segment in once per process (`memory.init`, `memory.fill` for
/// .bss), guarded by an atomic flag so that later instances (threads) skip it. When the
/// start function is that and nothing else, its copies can come from an image instead:
/// each `memory.init` and `memory.fill` becomes three `drop`s and `nop`s to its length
/// (the same stack effect; no offset moves), the flag, the TLS base and the `data.drop`s
/// stay, and the data is returned laid out as the copies would have left it. Returns (index of the body in the code section, new body,
/// image); `None` for any other start function (the module then copies as it always did).
fn memory_image(wasm: &[u8]) -> Result<Option<(usize, Vec<u8>, Image)>, String> {
    use wasmparser::{DataKind, Operator as O};
    let err = |e: wasmparser::BinaryReaderError| e.to_string();
    let (mut start, mut func_imports, mut min_pages) = (None, 0usize, None);
    let mut segments: Vec<Option<&[u8]>> = vec![];
    let mut body = None;
    let mut code_index = 0usize;
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(err)? {
            Payload::ImportSection(r) => {
                for imp in r.into_imports() {
                    match imp.map_err(err)?.ty {
                        TypeRef::Func(_) => func_imports += 1,
                        TypeRef::Memory(m) => min_pages = Some(m.initial),
                        _ => {}
                    }
                }
            }
            Payload::MemorySection(r) => {
                for m in r {
                    min_pages = Some(m.map_err(err)?.initial);
                }
            }
            Payload::StartSection { func, .. } => start = Some(func as usize),
            Payload::DataSection(r) => {
                for d in r {
                    let d = d.map_err(err)?;
                    segments.push(matches!(d.kind, DataKind::Passive).then_some(d.data));
                }
            }
            Payload::CodeSectionEntry(b) => {
                if Some(code_index + func_imports) == start {
                    body = Some(b);
                }
                code_index += 1;
            }
            _ => {}
        }
    }
    let (Some(start), Some(body), Some(min_pages)) = (start, body, min_pages) else {
        return Ok(None);
    };
    let mut ops = body.get_operators_reader().map_err(err)?;
    let mut list = vec![];
    while !ops.eof() {
        list.push(ops.read_with_offset().map_err(err)?);
    }
    let end = body.range().end;
    // (operator's byte range, destination, length, the segment's bytes or None for a fill)
    type Copy<'a> = (std::ops::Range<usize>, u32, u32, Option<&'a [u8]>);
    let mut copies: Vec<Copy> = vec![];
    // The operand stack as far as constants go (straight-line code of known operators).
    let mut stack: Vec<Option<u32>> = vec![];
    for (i, (op, off)) in list.iter().enumerate() {
        let next = list.get(i + 1).map_or(end, |(_, o)| *o);
        let (pop, push) = match op {
            O::I32Const { value } => {
                stack.push(Some(*value as u32));
                continue;
            }
            O::MemoryInit { data_index, mem: 0 } => {
                let seg = segments.get(*data_index as usize).copied().flatten();
                let n = stack.len();
                match (seg, stack.get(n.wrapping_sub(3)..)) {
                    (Some(seg), Some(&[Some(dst), Some(0), Some(len)]))
                        if len as usize == seg.len() =>
                    {
                        copies.push((*off..next, dst, len, Some(seg)))
                    }
                    _ => return Ok(None),
                }
                (3, false)
            }
            O::MemoryFill { mem: 0 } => {
                let n = stack.len();
                match stack.get(n.wrapping_sub(3)..) {
                    Some(&[Some(dst), Some(0), Some(len)]) => {
                        copies.push((*off..next, dst, len, None))
                    }
                    _ => return Ok(None),
                }
                (3, false)
            }
            O::Block {
                blockty: wasmparser::BlockType::Empty,
            }
            | O::End
            | O::Br { .. }
            | O::DataDrop { .. } => (0, false),
            O::I64Const { .. } => (0, true),
            // wasm-opt's memory packing leaves `i32.const 0 if unreachable end` (a bounds
            // check it folded away).
            O::Unreachable => (0, false),
            O::If {
                blockty: wasmparser::BlockType::Empty,
            } => (1, false),
            O::GlobalSet { .. } | O::Drop | O::BrTable { .. } => (1, false),
            O::I32AtomicStore { .. } => (2, false),
            O::MemoryAtomicNotify { .. } => (2, true),
            O::I32AtomicRmwCmpxchg { .. } | O::MemoryAtomicWait32 { .. } => (3, true),
            _ => return Ok(None),
        };
        if stack.len() < pop {
            return Ok(None);
        }
        stack.truncate(stack.len() - pop);
        if push {
            stack.push(None);
        }
    }
    // The image spans the data segments' destinations; fills (.bss) matter only where
    // they fall inside it, the rest of a fresh memory being zero already. A span far
    // larger than any real module's data (a hostile module's sparse segments) is not
    // written out: the module then copies as it always did.
    let inits = copies.iter().filter(|c| c.3.is_some());
    let Some(lo) = inits.clone().map(|c| c.1 as u64).min() else {
        return Ok(None);
    };
    let lo = lo / PAGE as u64 * PAGE as u64;
    let hi = inits
        .map(|c| c.1 as u64 + c.2 as u64)
        .max()
        .unwrap_or(lo)
        .next_multiple_of(PAGE as u64);
    if hi > min_pages * 65536 || hi - lo > MAX_IMAGE {
        return Ok(None);
    }
    let mut bytes = vec![0u8; (hi - lo) as usize];
    for (_, dst, len, seg) in &copies {
        let (a, b) = ((*dst as u64).max(lo), (*dst as u64 + *len as u64).min(hi));
        if a >= b {
            continue;
        }
        let to = &mut bytes[(a - lo) as usize..(b - lo) as usize];
        match seg {
            Some(seg) => to.copy_from_slice(seg),
            None => to.fill(0),
        }
    }
    let range = body.range();
    let mut new_body = Vec::with_capacity(range.len());
    let mut pos = range.start;
    for (r, ..) in &copies {
        new_body.extend_from_slice(&wasm[pos..r.start]);
        // drop x3, then nops to the operator's length: every later byte keeps its offset
        // (DWARF line tables and backtraces count from the code section's start).
        new_body.extend_from_slice(&[0x1a, 0x1a, 0x1a]);
        new_body.resize(new_body.len() + r.len() - 3, 0x01);
        pos = r.end;
    }
    new_body.extend_from_slice(&wasm[pos..range.end]);
    Ok(Some((
        start - func_imports,
        new_body,
        Image {
            at: lo as u32,
            bytes,
        }, // lo < hi <= 4 GiB
    )))
}

/// The image `rewrite(wasm, true)` returns, without rewriting (for a cached module whose
/// image file went missing).
pub fn image_of(wasm: &[u8]) -> Result<Option<Image>, String> {
    Ok(memory_image(wasm)?.map(|(.., img)| img))
}

/// Rewrite `wasm` so that memory 0 is an imported shared memory. Returns the bytes
/// unchanged in substance otherwise (sections are copied raw). With `image`, wasm-ld's
/// memory initializer leaves its copies to the returned image (see `memory_image`).
pub fn rewrite(wasm: &[u8], image: bool) -> Result<(Vec<u8>, Option<Image>), String> {
    let init = if image { memory_image(wasm)? } else { None };
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
                    if let (10, Some((index, body, _))) = (id, &init) {
                        // The code section, with the start function's new body.
                        let mut sec = wasm_encoder::CodeSection::new();
                        let reader = wasmparser::CodeSectionReader::new(
                            wasmparser::BinaryReader::new(&wasm[range.clone()], range.start),
                        )
                        .map_err(|e| e.to_string())?;
                        for (i, b) in reader.into_iter().enumerate() {
                            let b = b.map_err(|e| e.to_string())?;
                            if i == *index {
                                sec.raw(body);
                            } else {
                                sec.raw(&wasm[b.range()]);
                            }
                        }
                        out.section(&sec);
                        continue;
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
    Ok((out.finish(), init.map(|(_, _, img)| img)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_encoder::{
        CodeSection, DataCountSection, DataSection, Function, FunctionSection, Instruction as I,
        MemorySection, MemoryType, Module, StartSection, TypeSection,
    };

    /// A module whose start function copies `segs` (destination, bytes) in, as wasm-ld's
    /// memory initializer does, with a memory of `pages`.
    fn module(pages: u64, segs: &[(u32, &[u8])]) -> Vec<u8> {
        let mut m = Module::new();
        let mut t = TypeSection::new();
        t.ty().function([], []);
        m.section(&t);
        let mut f = FunctionSection::new();
        f.function(0);
        m.section(&f);
        let mut mem = MemorySection::new();
        mem.memory(MemoryType {
            minimum: pages,
            maximum: Some(65536),
            memory64: false,
            shared: true,
            page_size_log2: None,
        });
        m.section(&mem);
        m.section(&StartSection { function_index: 0 });
        m.section(&DataCountSection {
            count: segs.len() as u32,
        });
        let mut body = Function::new([]);
        for (i, (dst, bytes)) in segs.iter().enumerate() {
            body.instruction(&I::I32Const(*dst as i32))
                .instruction(&I::I32Const(0))
                .instruction(&I::I32Const(bytes.len() as i32))
                .instruction(&I::MemoryInit {
                    mem: 0,
                    data_index: i as u32,
                })
                .instruction(&I::DataDrop(i as u32));
        }
        body.instruction(&I::End);
        let mut c = CodeSection::new();
        c.function(&body);
        m.section(&c);
        let mut d = DataSection::new();
        for (_, bytes) in segs {
            d.passive(bytes.iter().copied());
        }
        m.section(&d);
        m.finish()
    }

    #[test]
    fn the_image_holds_the_segments_where_the_copies_put_them() {
        let wasm = module(256, &[(8 << 20, b"hello"), ((8 << 20) + 5000, b"world")]);
        let img = image_of(&wasm).unwrap().expect("an image");
        assert_eq!(img.at, 8 << 20);
        assert_eq!(img.bytes.len(), 8192);
        assert_eq!(&img.bytes[..5], b"hello");
        assert_eq!(&img.bytes[5000..5005], b"world");
        assert!(img.bytes[5..5000].iter().all(|&b| b == 0));
        // The rewritten start function copies nothing and still validates.
        let (out, _) = rewrite(&wasm, true).unwrap();
        wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
            .validate_all(&out)
            .unwrap();
        assert_eq!(out.len(), rewrite(&wasm, false).unwrap().0.len());
    }

    #[test]
    fn no_image_for_sparse_segments_or_data_past_the_initial_memory() {
        // 300 MiB between two bytes: the module copies them itself.
        let sparse = module(5000, &[(0, b"a"), (300 << 20, b"b")]);
        assert!(image_of(&sparse).unwrap().is_none());
        let beyond = module(1, &[(70000, b"x")]);
        assert!(image_of(&beyond).unwrap().is_none());
    }
}
