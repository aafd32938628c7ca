//! Finds function pointers that reach an indirect call of another type.
//!
//! C code casts function pointers freely (`rb_protect((VALUE (*)(VALUE))void_fn, ...)`);
//! native calls through the wrong type work by the calling convention, wasm's typed
//! `call_indirect` traps. In a linked module a function pointer is a table slot, written as
//! an `i32.const`. The scan follows the common path such a pointer takes: a constant passed
//! as an argument of a direct call, into a parameter that the callee (or a function it
//! passes the parameter on to, unchanged) calls indirectly. Each such constant whose
//! function's type differs from the call's is a finding. Values are tracked only within
//! straight-line code and through locals assigned once, so what it finds is certain and
//! what it misses (pointers stored in memory first) is not reported.

use std::collections::{BTreeSet, HashMap};
use wasmparser::{
    BlockType, ContType, FrameKind, FuncType, Operator as O, Parser, Payload, RefType, SubType,
    TypeRef, ValType,
};

/// What the module holds, as far as the scan needs it.
pub struct Module<'a> {
    pub wasm: &'a [u8],
    pub types: Vec<SubType>,
    /// Type index of every function, imports first.
    pub func_types: Vec<u32>,
    pub imported_funcs: u32,
    pub tag_types: Vec<u32>,
    /// Table 0's slots: slot -> function index.
    pub table: HashMap<u32, u32>,
    /// Table 0's initial size; `None` when the module has no table 0 of its own.
    pub table_size: Option<u64>,
    /// Byte range of each defined function's body (without its size), in code order.
    pub bodies: Vec<std::ops::Range<usize>>,
    pub names: HashMap<u32, String>,
    /// A relocatable object (a `linking` section): its constants are relocations, which
    /// the linker resolves; only linked modules are scanned.
    pub relocatable: bool,
}

impl Module<'_> {
    pub fn func_type(&self, func: u32) -> Option<&FuncType> {
        self.type_at(*self.func_types.get(func as usize)?)
    }
    pub fn type_at(&self, ty: u32) -> Option<&FuncType> {
        match &self.types.get(ty as usize)?.composite_type.inner {
            wasmparser::CompositeInnerType::Func(f) => Some(f),
            _ => None,
        }
    }
    pub fn name(&self, func: u32) -> String {
        self.names
            .get(&func)
            .cloned()
            .unwrap_or_else(|| format!("function {func}"))
    }
}

fn err(e: wasmparser::BinaryReaderError) -> String {
    e.to_string()
}

pub fn parse(wasm: &[u8]) -> Result<Module<'_>, String> {
    let mut m = Module {
        wasm,
        types: vec![],
        func_types: vec![],
        imported_funcs: 0,
        tag_types: vec![],
        table: HashMap::new(),
        table_size: None,
        bodies: vec![],
        names: HashMap::new(),
        relocatable: false,
    };
    let mut imported_tables = 0;
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(err)? {
            Payload::Version { encoding, .. } if encoding != wasmparser::Encoding::Module => {
                return Err("a component, not a core module".into());
            }
            Payload::TypeSection(r) => {
                for group in r {
                    m.types.extend(group.map_err(err)?.into_types());
                }
            }
            Payload::ImportSection(r) => {
                for imp in r.into_imports() {
                    match imp.map_err(err)?.ty {
                        TypeRef::Func(t) | TypeRef::FuncExact(t) => {
                            m.func_types.push(t);
                            m.imported_funcs += 1;
                        }
                        TypeRef::Table(_) => imported_tables += 1,
                        TypeRef::Tag(t) => m.tag_types.push(t.func_type_idx),
                        _ => {}
                    }
                }
            }
            Payload::FunctionSection(r) => {
                for t in r {
                    m.func_types.push(t.map_err(err)?);
                }
            }
            Payload::TableSection(r) => {
                for (i, t) in r.into_iter().enumerate() {
                    let t = t.map_err(err)?;
                    if imported_tables == 0 && i == 0 {
                        m.table_size = Some(t.ty.initial);
                    }
                }
            }
            Payload::TagSection(r) => {
                for t in r {
                    m.tag_types.push(t.map_err(err)?.func_type_idx);
                }
            }
            Payload::ElementSection(r) => {
                for e in r {
                    let e = e.map_err(err)?;
                    let wasmparser::ElementKind::Active {
                        table_index,
                        offset_expr,
                    } = e.kind
                    else {
                        continue;
                    };
                    if table_index.unwrap_or(0) != 0 {
                        continue;
                    }
                    let mut ops = offset_expr.get_operators_reader();
                    let Ok(O::I32Const { value }) = ops.read() else {
                        continue;
                    };
                    if let wasmparser::ElementItems::Functions(funcs) = e.items {
                        for (i, f) in funcs.into_iter().enumerate() {
                            m.table.insert(value as u32 + i as u32, f.map_err(err)?);
                        }
                    }
                }
            }
            Payload::CodeSectionEntry(body) => m.bodies.push(body.range()),
            Payload::CustomSection(c) => {
                if c.name() == "linking" || c.name().starts_with("reloc.") {
                    m.relocatable = true;
                }
                if let wasmparser::KnownCustom::Name(names) = c.as_known() {
                    for n in names {
                        // A malformed name section only costs the report its names.
                        if let Ok(wasmparser::Name::Function(map)) = n {
                            for naming in map.into_iter().flatten() {
                                m.names.insert(naming.index, naming.name.to_string());
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(m)
}

/// An abstract value on the operand stack.
#[derive(Clone, Copy, PartialEq, Debug)]
enum V {
    Unknown,
    /// The function's parameter, unchanged.
    Param(u32),
    /// `i32.const value`, at this offset in the file.
    Const(i32, usize),
}

/// What one function does with its parameters and constants.
#[derive(Default)]
struct Facts {
    /// (param, type): the parameter is called indirectly with that type.
    icalls: Vec<(u32, u32)>,
    /// (param, callee, callee's param): passed on unchanged.
    forwards: Vec<(u32, u32, u32)>,
    /// (const value, its offset, callee, callee's param), or callee `None` with the type
    /// index for a constant called indirectly right there.
    consts: Vec<(i32, usize, Use)>,
}

#[derive(Clone, Copy)]
enum Use {
    Arg { callee: u32, param: u32 },
    Called { ty: u32 },
}

struct Arity<'m, 'a>(&'m Module<'a>);

impl wasmparser::ModuleArity for Arity<'_, '_> {
    fn sub_type_at(&self, type_idx: u32) -> Option<&SubType> {
        self.0.types.get(type_idx as usize)
    }
    fn tag_type_arity(&self, at: u32) -> Option<(u32, u32)> {
        let t = self.0.type_at(*self.0.tag_types.get(at as usize)?)?;
        Some((t.params().len() as u32, t.results().len() as u32))
    }
    fn type_index_of_function(&self, function_idx: u32) -> Option<u32> {
        self.0.func_types.get(function_idx as usize).copied()
    }
    fn func_type_of_cont_type(&self, _: &ContType) -> Option<&FuncType> {
        None
    }
    fn sub_type_of_ref_type(&self, _: &RefType) -> Option<&SubType> {
        None
    }
    fn control_stack_height(&self) -> u32 {
        0
    }
    fn label_block(&self, _: u32) -> Option<(BlockType, FrameKind)> {
        None
    }
}

/// Control flow ends what the scan knows of the operand stack.
fn is_control(op: &O) -> bool {
    matches!(
        op,
        O::Block { .. }
            | O::Loop { .. }
            | O::If { .. }
            | O::Else
            | O::End
            | O::Br { .. }
            | O::BrIf { .. }
            | O::BrTable { .. }
            | O::Return
            | O::Unreachable
            | O::Try { .. }
            | O::Catch { .. }
            | O::CatchAll
            | O::Delegate { .. }
            | O::Rethrow { .. }
            | O::Throw { .. }
            | O::ThrowRef
            | O::TryTable { .. }
    )
}

fn read_local(
    pass: u32,
    nparams: u32,
    writes: &HashMap<u32, u32>,
    copies: &HashMap<u32, u32>,
    idx: u32,
) -> V {
    if pass == 0 {
        V::Unknown
    } else if idx < nparams {
        if writes.contains_key(&idx) {
            V::Unknown
        } else {
            V::Param(idx)
        }
    } else {
        copies.get(&idx).map_or(V::Unknown, |&p| V::Param(p))
    }
}

fn function_facts(m: &Module, func: u32, body: &std::ops::Range<usize>) -> Result<Facts, String> {
    let ty = m
        .func_type(func)
        .ok_or("a function without a function type")?;
    let nparams = ty.params().len() as u32;
    let reader = wasmparser::FunctionBody::new(wasmparser::BinaryReader::new(
        &m.wasm[body.clone()],
        body.start,
    ));
    // Pass 0 counts the writes to each local; pass 1 notes which locals are written once
    // with a parameter's entry value (a copy of it); pass 2 gathers the facts, reading a
    // parameter as itself only if it is never written, and a copy as the parameter.
    // Constants are not followed through locals: a rewritten constant must have one use.
    let mut writes: HashMap<u32, u32> = HashMap::new();
    let mut copies: HashMap<u32, u32> = HashMap::new();
    let mut facts = Facts::default();
    for pass in 0..3 {
        let mut stack: Vec<V> = vec![];
        let pop = |s: &mut Vec<V>| s.pop().unwrap_or(V::Unknown);
        let mut new_copies: HashMap<u32, u32> = HashMap::new();
        let mut ops = reader.get_operators_reader().map_err(err)?;
        while !ops.eof() {
            let (op, offset) = ops.read_with_offset().map_err(err)?;
            match op {
                O::LocalGet { local_index } => {
                    stack.push(read_local(pass, nparams, &writes, &copies, local_index))
                }
                O::LocalSet { local_index } | O::LocalTee { local_index } => {
                    let v = pop(&mut stack);
                    if pass == 0 {
                        *writes.entry(local_index).or_default() += 1;
                    }
                    if let (1, V::Param(p)) = (pass, v) {
                        if writes.get(&local_index) == Some(&1) && local_index >= nparams {
                            new_copies.insert(local_index, p);
                        }
                    }
                    if matches!(op, O::LocalTee { .. }) {
                        stack.push(v);
                    }
                }
                O::I32Const { value } => stack.push(V::Const(value, offset)),
                O::Call { function_index } => {
                    let callee = m
                        .func_type(function_index)
                        .ok_or("a call to a function without a type")?;
                    let n = callee.params().len();
                    let at = stack.len().saturating_sub(n);
                    let mut args: Vec<V> = stack.split_off(at);
                    while args.len() < n {
                        args.insert(0, V::Unknown);
                    }
                    if pass == 2 && function_index >= m.imported_funcs {
                        for (q, a) in args.iter().enumerate() {
                            let q = q as u32;
                            match *a {
                                V::Param(p) => facts.forwards.push((p, function_index, q)),
                                V::Const(k, off) => facts.consts.push((
                                    k,
                                    off,
                                    Use::Arg {
                                        callee: function_index,
                                        param: q,
                                    },
                                )),
                                V::Unknown => {}
                            }
                        }
                    }
                    stack.extend(callee.results().iter().map(|_| V::Unknown));
                }
                O::CallIndirect {
                    type_index,
                    table_index,
                } => {
                    let target = pop(&mut stack);
                    let t = m
                        .type_at(type_index)
                        .ok_or("call_indirect of a non-function type")?;
                    let at = stack.len().saturating_sub(t.params().len());
                    stack.truncate(at);
                    if pass == 2 && table_index == 0 {
                        match target {
                            V::Param(p) => facts.icalls.push((p, type_index)),
                            V::Const(k, off) => {
                                facts.consts.push((k, off, Use::Called { ty: type_index }))
                            }
                            V::Unknown => {}
                        }
                    }
                    stack.extend(t.results().iter().map(|_| V::Unknown));
                }
                ref o if is_control(o) => stack.clear(),
                o => match o.operator_arity(&Arity(m)) {
                    Some((pops, pushes)) => {
                        let at = stack.len().saturating_sub(pops as usize);
                        stack.truncate(at);
                        stack.extend((0..pushes).map(|_| V::Unknown));
                    }
                    None => stack.clear(),
                },
            }
        }
        if pass == 1 {
            copies = new_copies;
        }
    }
    Ok(facts)
}

/// One constant function pointer that reaches a call of another type.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The function the constant is written in, and the constant's offset in the file.
    pub in_func: u32,
    pub offset: usize,
    /// The table slot (the C function pointer's value) and its function.
    pub slot: u32,
    pub target: u32,
    /// The direct callee it is passed to (None: called right where it is written).
    pub via: Option<u32>,
    /// The types it is called with (type indices, one per distinct signature).
    pub called_as: Vec<u32>,
}

pub fn scan(m: &Module) -> Result<Vec<Finding>, String> {
    if m.relocatable {
        return Ok(vec![]);
    }
    let mut all: Vec<(u32, Facts)> = vec![];
    for (i, body) in m.bodies.iter().enumerate() {
        let func = m.imported_funcs + i as u32;
        all.push((func, function_facts(m, func, body)?));
    }
    // (function, param) -> types it is called as, through any chain of forwards.
    let mut reach: HashMap<(u32, u32), BTreeSet<u32>> = HashMap::new();
    for (f, facts) in &all {
        for &(p, t) in &facts.icalls {
            reach.entry((*f, p)).or_default().insert(t);
        }
    }
    loop {
        let mut changed = false;
        for (f, facts) in &all {
            for &(p, g, q) in &facts.forwards {
                let Some(from) = reach.get(&(g, q)).cloned() else {
                    continue;
                };
                let to = reach.entry((*f, p)).or_default();
                for t in from {
                    changed |= to.insert(t);
                }
            }
        }
        if !changed {
            break;
        }
    }
    let mut out = vec![];
    for (f, facts) in &all {
        for &(k, offset, u) in &facts.consts {
            let Some(&target) = m.table.get(&(k as u32)) else {
                continue;
            };
            let Some(sig) = m.func_type(target) else {
                continue;
            };
            let (via, types): (Option<u32>, Vec<u32>) = match u {
                Use::Arg { callee, param } => match reach.get(&(callee, param)) {
                    Some(ts) => (Some(callee), ts.iter().copied().collect()),
                    None => continue,
                },
                Use::Called { ty } => (None, vec![ty]),
            };
            // One entry per distinct signature.
            let mut called_as: Vec<u32> = vec![];
            for t in types {
                let ft = m.type_at(t);
                if !called_as.iter().any(|&c| m.type_at(c) == ft) {
                    called_as.push(t);
                }
            }
            if called_as.iter().all(|&t| m.type_at(t) == Some(sig)) {
                continue;
            }
            out.push(Finding {
                in_func: *f,
                offset,
                slot: k as u32,
                target,
                via,
                called_as,
            });
        }
    }
    out.sort_by_key(|x| x.offset);
    Ok(out)
}

/// A type as C would read it: `(i32, i32) -> i32`.
pub fn show(t: &FuncType) -> String {
    let list = |v: &[ValType]| {
        v.iter()
            .map(|t| t.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match t.results() {
        [] => format!("({}) -> void", list(t.params())),
        r => format!("({}) -> {}", list(t.params()), list(r)),
    }
}
