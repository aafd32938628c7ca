//! Load-time rewrite: every guest thread is its own instance on one shared memory, so a
//! module's memory must be imported. A module that defines its memory (as the reference
//! binaries do) gets that definition turned into an import with the same limits; a
//! non-shared memory becomes shared (every instruction valid on one is valid on the other).
//! Every frame allocation is checked against the running thread's stack (`stack_check`):
//! linear memory has no guard page, and an overflow would run on into other memory.

use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasmparser::{Parser, Payload, TypeRef};

/// Where the rewritten module imports its memory from, when it defined its own.
pub const MEMORY_MODULE: &str = "wali-run";
pub const MEMORY_NAME: &str = "memory";
/// Exports added for the runtime: the function table (signal handlers are table
/// indices) and the shadow-stack pointer (signal frames go on the guest's stack).
pub const TABLE_EXPORT: &str = "wali-run:table";
pub const SP_EXPORT: &str = "wali-run:sp";
/// The stack check's globals (see `stack_check`): the running stack's low end, its size
/// (`sp - lo` above it traps), and the stack pointer a frame wanted when it trapped.
pub const STACK_LO_EXPORT: &str = "wali-run:stack_lo";
pub const STACK_SPAN_EXPORT: &str = "wali-run:stack_span";
pub const STACK_OVERFLOW_EXPORT: &str = "wali-run:stack_overflow";
/// Bumped whenever the rewrite changes, so cached compilations are not reused.
pub const VERSION: u32 = 9;
/// Prefix of the exports the rewrite adds for the module's other mutable globals.
pub const GLOBAL_EXPORT_PREFIX: &str = "wali-run:g";
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

/// The main thread's stack as wasm-ld lays it out: the stack pointer's initial value is
/// its top; its low end is the end of the highest data below that top (active segments,
/// and the copies and fills of a shared memory's start function: .data, .bss; a module
/// with a private memory has no segment for .bss, which the check then does not cover), or,
/// with `--stack-first` (no data below), the end of page 0, which stays a guard page as
/// below a Linux stack. `None` when the layout says nothing usable.
fn main_stack(wasm: &[u8], sp_init: u32) -> Result<Option<(u32, u32)>, String> {
    use wasmparser::{DataKind, Operator as O};
    let err = |e: wasmparser::BinaryReaderError| e.to_string();
    let mut regions: Vec<(u64, u64)> = vec![];
    let (mut start, mut func_imports, mut code_index) = (None, 0usize, 0usize);
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(err)? {
            Payload::ImportSection(r) => {
                for imp in r.into_imports() {
                    if let TypeRef::Func(_) = imp.map_err(err)?.ty {
                        func_imports += 1;
                    }
                }
            }
            Payload::StartSection { func, .. } => start = Some(func as usize),
            Payload::DataSection(r) => {
                for d in r {
                    let d = d.map_err(err)?;
                    if let DataKind::Active { offset_expr, .. } = d.kind {
                        if let Some(Ok(O::I32Const { value })) =
                            offset_expr.get_operators_reader().into_iter().next()
                        {
                            let a = value as u32 as u64;
                            regions.push((a, a + d.data.len() as u64));
                        }
                    }
                }
            }
            Payload::CodeSectionEntry(b) => {
                if Some(code_index + func_imports) == start {
                    // wasm-ld's __wasm_init_memory: `i32.const dst; i32.const src;
                    // i32.const len; memory.init/memory.fill`.
                    let mut consts: Vec<Option<u32>> = vec![];
                    for op in b.get_operators_reader().map_err(err)? {
                        match op.map_err(err)? {
                            O::I32Const { value } => consts.push(Some(value as u32)),
                            O::MemoryInit { .. } | O::MemoryFill { .. } => {
                                if let [.., Some(dst), _, Some(len)] = consts[..] {
                                    regions.push((dst as u64, dst as u64 + len as u64));
                                }
                                consts.clear();
                            }
                            _ => consts.push(None),
                        }
                    }
                }
                code_index += 1;
            }
            _ => {}
        }
    }
    let top = sp_init as u64;
    let below = regions
        .iter()
        .filter(|&&(a, b)| b > a && b <= top)
        .map(|r| r.1)
        .max();
    if regions.iter().any(|&(a, b)| b > a && a < top && b > top) {
        return Ok(None); // data across the stack's top: not a layout we know
    }
    let lo = match below {
        Some(end) => end.next_multiple_of(16),
        None => PAGE as u64,
    };
    Ok((lo < top).then_some((lo as u32, (top - lo) as u32)))
}

/// The stack check: every `global.set __stack_pointer` (wasm-ld's frame allocation and
/// release, musl's switch to a thread's stack) becomes
///
/// ```text
/// local.tee $new  global.get $lo  i32.sub  global.get $span  i32.gt_u
/// if  local.get $new  global.set $overflow  unreachable  end
/// local.get $new  global.set $sp
/// ```
///
/// one unsigned compare per frame (below the low end, or wrapped past 0: both are
/// above `span`). `$lo`/`$span` start as the main thread's stack (`main_stack`); the
/// runtime sets each thread's before it runs, and an alternate signal stack's while a
/// handler runs there. A body gains one i32 local. Returns the new body, or None when
/// it has no such set.
fn stack_check(
    body: &wasmparser::FunctionBody,
    wasm: &[u8],
    params: u32,
    g: &CheckGlobals,
) -> Result<Option<Vec<u8>>, String> {
    use wasm_encoder::Encode;
    let err = |e: wasmparser::BinaryReaderError| e.to_string();
    if let Some(f) = g.call {
        // In place: `global.set` with wasm-ld's padded 5-byte index (6 bytes) becomes
        // `call $check` with a padded index (6 bytes), so no byte moves.
        let mut ops = body.get_operators_reader().map_err(err)?;
        let mut sites = vec![];
        while !ops.eof() {
            let (op, off) = ops.read_with_offset().map_err(err)?;
            if let wasmparser::Operator::GlobalSet { global_index } = op {
                if global_index == g.sp {
                    sites.push((off, ops.original_position() - off));
                }
            }
        }
        if sites.is_empty() {
            return Ok(None);
        }
        if sites.iter().all(|s| s.1 == 6) {
            let start = body.range().start;
            let mut out = wasm[body.range()].to_vec();
            for (off, _) in sites {
                let at = off - start;
                out[at] = 0x10;
                for i in 0..5 {
                    out[at + 1 + i] = ((f >> (7 * i)) & 0x7f) as u8 | if i < 4 { 0x80 } else { 0 };
                }
            }
            return Ok(Some(out));
        }
    }
    let mut locals = body.get_locals_reader().map_err(err)?;
    let mut decls: Vec<(u32, wasmparser::ValType)> = vec![];
    let mut n = params as u64;
    for _ in 0..locals.get_count() {
        let (c, t) = locals.read().map_err(err)?;
        n += c as u64;
        decls.push((c, t));
    }
    let tmp = u32::try_from(n).map_err(|_| "too many locals".to_string())?;
    let mut ops = body.get_operators_reader().map_err(err)?;
    let code_start = ops.original_position();
    let end = body.range().end;
    let mut sites = vec![];
    // The two operators before the current one: a frame's release, `i32.const N
    // i32.add` with N > 0, only moves the stack pointer up, back into the stack: not
    // checked (half the checks of a function with a frame).
    let (mut prev2, mut prev1) = (None, None);
    while !ops.eof() {
        let (op, off) = ops.read_with_offset().map_err(err)?;
        if let wasmparser::Operator::GlobalSet { global_index } = op {
            let release = matches!(
                (&prev2, &prev1),
                (
                    Some(wasmparser::Operator::I32Const { value }),
                    Some(wasmparser::Operator::I32Add)
                ) if *value > 0
            );
            if global_index == g.sp && !release {
                sites.push(off);
            }
        }
        prev2 = prev1.replace(op);
    }
    if sites.is_empty() {
        return Ok(None);
    }
    let mut out = vec![];
    ((decls.len() + 1) as u32).encode(&mut out);
    let mut re = RoundtripReencoder;
    for (c, t) in decls {
        c.encode(&mut out);
        re.val_type(t).map_err(|e| e.to_string())?.encode(&mut out);
    }
    1u32.encode(&mut out);
    wasm_encoder::ValType::I32.encode(&mut out);
    let mut check = vec![0x22]; // local.tee
    tmp.encode(&mut check);
    check.push(0x23);
    g.lo.encode(&mut check);
    check.push(0x6b);
    check.push(0x23);
    g.span.encode(&mut check);
    check.extend_from_slice(&[0x4b, 0x04, 0x40, 0x20]);
    tmp.encode(&mut check);
    check.push(0x24);
    g.overflow.encode(&mut check);
    check.extend_from_slice(&[0x00, 0x0b, 0x20]);
    tmp.encode(&mut check);
    let mut pos = code_start;
    for at in sites {
        out.extend_from_slice(&wasm[pos..at]);
        out.extend_from_slice(&check);
        pos = at;
    }
    out.extend_from_slice(&wasm[pos..end]);
    Ok(Some(out))
}

/// Global indices the stack check uses.
struct CheckGlobals {
    sp: u32,
    lo: u32,
    span: u32,
    overflow: u32,
    /// In a module with DWARF: the index of the added function `$check (param i32)`
    /// that checks and sets the stack pointer, called in place of `global.set`.
    call: Option<u32>,
    /// Its type's index.
    call_type: u32,
}

impl CheckGlobals {
    /// `$check`'s body: the inline check on its parameter.
    fn body(&self) -> wasm_encoder::Function {
        use wasm_encoder::Instruction as I;
        let mut f = wasm_encoder::Function::new([]);
        f.instruction(&I::LocalGet(0))
            .instruction(&I::GlobalGet(self.lo))
            .instruction(&I::I32Sub)
            .instruction(&I::GlobalGet(self.span))
            .instruction(&I::I32GtU)
            .instruction(&I::If(wasm_encoder::BlockType::Empty))
            .instruction(&I::LocalGet(0))
            .instruction(&I::GlobalSet(self.overflow))
            .instruction(&I::Unreachable)
            .instruction(&I::End)
            .instruction(&I::LocalGet(0))
            .instruction(&I::GlobalSet(self.sp))
            .instruction(&I::End);
        f
    }
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
    // For the stack check: each function's parameter count, and the stack pointer's
    // initial value (its global's index -> value).
    let mut type_params: Vec<Option<u32>> = vec![];
    let mut func_params: Vec<u32> = vec![];
    let mut global_inits: Vec<(u32, Option<u32>)> = vec![];
    let mut has_dwarf = false;
    let (mut has_types, mut has_funcs, mut func_imports) = (false, false, 0usize);

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
                        TypeRef::Func(_) => func_imports += 1,
                        _ => {}
                    }
                }
            }
            Payload::TableSection(reader) => has_table |= reader.count() > 0,
            Payload::GlobalSection(reader) => {
                for g in reader {
                    let g = g.map_err(|e| e.to_string())?;
                    let init = match g.init_expr.get_operators_reader().into_iter().next() {
                        Some(Ok(wasmparser::Operator::I32Const { value })) => Some(value as u32),
                        _ => None,
                    };
                    global_inits.push((globals.len() as u32, init));
                    globals.push(g.ty);
                }
            }
            Payload::TypeSection(reader) => {
                has_types = true;
                for rg in reader.into_iter_err_on_gc_types() {
                    let t = rg.map_err(|e| e.to_string())?;
                    type_params.push(Some(t.params().len() as u32));
                }
            }
            Payload::FunctionSection(reader) => {
                has_funcs = true;
                for f in reader {
                    let f = f.map_err(|e| e.to_string())?;
                    let p = type_params.get(f as usize).copied().flatten();
                    func_params.push(p.ok_or("a function of an unknown type")?);
                }
            }
            Payload::CustomSection(c) => has_dwarf |= c.name().starts_with(".debug_"),
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
    // The stack check needs a defined stack pointer with a constant start (wasm-ld's).
    // In a module with DWARF no byte of code may move (its line tables count bytes from
    // the code section's start): there the check is a function called in place of each
    // `global.set` (see `stack_check`).
    let check = match sp.and_then(|sp| global_inits.iter().find(|g| g.0 == sp).map(|g| (sp, g.1))) {
        Some((sp, Some(init))) => {
            let (lo, span) = main_stack(wasm, init)?.unwrap_or((0, u32::MAX));
            let n = globals.len() as u32;
            let inplace = has_dwarf && has_types && has_funcs;
            Some((
                CheckGlobals {
                    sp,
                    lo: n,
                    span: n + 1,
                    overflow: n + 2,
                    call: inplace.then_some((func_imports + func_params.len()) as u32),
                    call_type: type_params.len() as u32,
                },
                lo,
                span,
            ))
        }
        _ => None,
    };
    let extra_exports = |sec: &mut wasm_encoder::ExportSection| {
        if has_table {
            sec.export(TABLE_EXPORT, wasm_encoder::ExportKind::Table, 0);
        }
        if let Some(g) = sp {
            sec.export(SP_EXPORT, wasm_encoder::ExportKind::Global, g);
        }
        // Every other mutable global (wasm-ld's __tls_base...), for a snapshot to read and
        // restore (`wali-run pack --preinit`): a module's own globals are not reachable
        // from the host otherwise.
        for (i, g) in globals.iter().enumerate() {
            if g.mutable && Some(i as u32) != sp {
                sec.export(
                    &format!("{GLOBAL_EXPORT_PREFIX}{i}"),
                    wasm_encoder::ExportKind::Global,
                    i as u32,
                );
            }
        }
        if let Some((g, ..)) = &check {
            sec.export(STACK_LO_EXPORT, wasm_encoder::ExportKind::Global, g.lo);
            sec.export(STACK_SPAN_EXPORT, wasm_encoder::ExportKind::Global, g.span);
            sec.export(
                STACK_OVERFLOW_EXPORT,
                wasm_encoder::ExportKind::Global,
                g.overflow,
            );
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
                    if let (1, Some((g, ..))) = (id, &check) {
                        if g.call.is_some() {
                            let mut sec = wasm_encoder::TypeSection::new();
                            let reader = wasmparser::TypeSectionReader::new(
                                wasmparser::BinaryReader::new(&wasm[range.clone()], range.start),
                            )
                            .map_err(|e| e.to_string())?;
                            re.parse_type_section(&mut sec, reader)
                                .map_err(|e| e.to_string())?;
                            sec.ty().function([wasm_encoder::ValType::I32], []);
                            out.section(&sec);
                            continue;
                        }
                    }
                    if let (3, Some((g, ..))) = (id, &check) {
                        if g.call.is_some() {
                            let mut sec = wasm_encoder::FunctionSection::new();
                            let reader = wasmparser::FunctionSectionReader::new(
                                wasmparser::BinaryReader::new(&wasm[range.clone()], range.start),
                            )
                            .map_err(|e| e.to_string())?;
                            re.parse_function_section(&mut sec, reader)
                                .map_err(|e| e.to_string())?;
                            sec.function(g.call_type);
                            out.section(&sec);
                            continue;
                        }
                    }
                    if let (6, Some((_, lo, span))) = (id, &check) {
                        // The globals, and the stack check's three after them.
                        let mut sec = wasm_encoder::GlobalSection::new();
                        let reader = wasmparser::GlobalSectionReader::new(
                            wasmparser::BinaryReader::new(&wasm[range.clone()], range.start),
                        )
                        .map_err(|e| e.to_string())?;
                        re.parse_global_section(&mut sec, reader)
                            .map_err(|e| e.to_string())?;
                        let ty = wasm_encoder::GlobalType {
                            val_type: wasm_encoder::ValType::I32,
                            mutable: true,
                            shared: false,
                        };
                        // The overflow's "none": no frame wants the top address.
                        for v in [*lo, *span, u32::MAX] {
                            sec.global(ty, &wasm_encoder::ConstExpr::i32_const(v as i32));
                        }
                        out.section(&sec);
                        continue;
                    }
                    let start_index = init.as_ref().map(|(i, ..)| *i);
                    if id == 10 && (start_index.is_some() || check.is_some()) {
                        // The code section, with the start function's new body and the
                        // stack check in every body that moves the stack pointer.
                        let mut sec = wasm_encoder::CodeSection::new();
                        let reader = wasmparser::CodeSectionReader::new(
                            wasmparser::BinaryReader::new(&wasm[range.clone()], range.start),
                        )
                        .map_err(|e| e.to_string())?;
                        for (i, b) in reader.into_iter().enumerate() {
                            let b = b.map_err(|e| e.to_string())?;
                            if Some(i) == start_index {
                                sec.raw(&init.as_ref().expect("start body").1);
                                continue;
                            }
                            if let Some((g, ..)) = &check {
                                let params = func_params.get(i).copied().unwrap_or(0);
                                if let Some(new) = stack_check(&b, wasm, params, g)? {
                                    sec.raw(&new);
                                    continue;
                                }
                            }
                            sec.raw(&wasm[b.range()]);
                        }
                        if let Some((g, ..)) = check.as_ref().filter(|c| c.0.call.is_some()) {
                            sec.function(&g.body());
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

    /// wasm-ld's shape: `__stack_pointer` (global 0) starts at 64 KiB, data above it;
    /// `f` takes a 4 KiB frame and recurses forever, releasing it after the call.
    fn recursing() -> Vec<u8> {
        use wasm_encoder::{ExportKind, ExportSection, GlobalSection, GlobalType, ValType};
        let mut m = Module::new();
        let mut t = TypeSection::new();
        t.ty().function([], []);
        m.section(&t);
        let mut f = FunctionSection::new();
        f.function(0);
        m.section(&f);
        let mut mem = MemorySection::new();
        mem.memory(MemoryType {
            minimum: 2,
            maximum: Some(2),
            memory64: false,
            shared: false,
            page_size_log2: None,
        });
        m.section(&mem);
        let mut g = GlobalSection::new();
        let ty = GlobalType {
            val_type: ValType::I32,
            mutable: true,
            shared: false,
        };
        g.global(ty, &wasm_encoder::ConstExpr::i32_const(65536));
        m.section(&g);
        let mut e = ExportSection::new();
        e.export("f", ExportKind::Func, 0);
        m.section(&e);
        let mut body = Function::new([]);
        body.instruction(&I::GlobalGet(0))
            .instruction(&I::I32Const(4096))
            .instruction(&I::I32Sub)
            .instruction(&I::GlobalSet(0))
            .instruction(&I::GlobalGet(0))
            .instruction(&I::I32Const(7))
            .instruction(&I::I32Store(wasm_encoder::MemArg {
                offset: 0,
                align: 2,
                memory_index: 0,
            }))
            .instruction(&I::Call(0))
            .instruction(&I::GlobalGet(0))
            .instruction(&I::I32Const(4096))
            .instruction(&I::I32Add)
            .instruction(&I::GlobalSet(0))
            .instruction(&I::End);
        let mut c = CodeSection::new();
        c.function(&body);
        m.section(&c);
        let mut d = DataSection::new();
        d.active(0, &wasm_encoder::ConstExpr::i32_const(65536), *b"data");
        m.section(&d);
        m.finish()
    }

    #[test]
    fn a_frame_below_the_stack_traps_before_it_is_written() {
        let (out, _) = rewrite(&recursing(), false).unwrap();
        wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
            .validate_all(&out)
            .unwrap();
        let mut c = wasmtime::Config::new();
        c.wasm_threads(true).shared_memory(true);
        let engine = wasmtime::Engine::new(&c).unwrap();
        let module = wasmtime::Module::new(&engine, &out).unwrap();
        let mut store = wasmtime::Store::new(&engine, ());
        let mem = wasmtime::SharedMemory::new(&engine, wasmtime::MemoryType::shared(2, 2)).unwrap();
        let mut linker = wasmtime::Linker::new(&engine);
        linker
            .define(&store, MEMORY_MODULE, MEMORY_NAME, mem.clone())
            .unwrap();
        let inst = linker.instantiate(&mut store, &module).unwrap();
        let g = |s: &mut wasmtime::Store<()>, n| {
            inst.get_global(&mut *s, n)
                .unwrap()
                .get(&mut *s)
                .unwrap_i32() as u32
        };
        // Stack-first: the stack is [4096, 65536), page 0 below it the guard.
        assert_eq!(g(&mut store, STACK_LO_EXPORT), 4096);
        assert_eq!(g(&mut store, STACK_SPAN_EXPORT), 65536 - 4096);
        let f = inst.get_typed_func::<(), ()>(&mut store, "f").unwrap();
        assert!(f.call(&mut store, ()).is_err());
        // The frame that would have gone below the stack (at 0) trapped, unwritten.
        assert_eq!(g(&mut store, STACK_OVERFLOW_EXPORT), 0);
        assert_eq!(g(&mut store, SP_EXPORT), 4096);
        let data = mem.data();
        let word =
            |a: usize| u32::from_le_bytes(std::array::from_fn(|i| unsafe { *data[a + i].get() }));
        assert_eq!(word(0), 0, "page 0 untouched");
        assert_eq!(word(4096), 7, "the last frame in the stack");
        assert_eq!(&word(65536).to_le_bytes(), b"data");
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
