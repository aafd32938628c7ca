//! Fixes findings with thunks: a new function of the type the pointer is called as, which
//! calls the real function adapting the difference as C's calling convention does natively
//! (a `void` function's missing result reads as 0, a result nobody reads is dropped, extra
//! arguments are ignored, missing ones are 0). The thunk goes into new table slots and the
//! constant at the finding becomes the thunk's slot: no other code or call changes.

use crate::scan::{Finding, Module};
use std::collections::HashMap;
use wasm_encoder::{Function, Instruction as I, ValType as E};
use wasmparser::{FuncType, Parser, Payload, ValType};

/// What became of a finding.
pub enum Outcome {
    /// Fixed: the thunk's table slot.
    Thunk(u32),
    /// Left as it is, with the reason.
    Left(String),
}

fn enc(t: ValType) -> Option<E> {
    Some(match t {
        ValType::I32 => E::I32,
        ValType::I64 => E::I64,
        ValType::F32 => E::F32,
        ValType::F64 => E::F64,
        _ => return None,
    })
}

fn zero(t: ValType) -> Option<I<'static>> {
    Some(match t {
        ValType::I32 => I::I32Const(0),
        ValType::I64 => I::I64Const(0),
        ValType::F32 => I::F32Const(0.0.into()),
        ValType::F64 => I::F64Const(0.0.into()),
        _ => return None,
    })
}

/// The thunk's body (`from`: the type it is called as; `to`: the real function's type),
/// or why none can be made: a parameter or result whose wasm type differs is a value the
/// callee would read differently (native too), not a convention difference.
fn thunk(target: u32, from: &FuncType, to: &FuncType) -> Result<Function, String> {
    let mut f = Function::new(vec![]);
    for (i, &want) in to.params().iter().enumerate() {
        match from.params().get(i) {
            Some(&have) if have == want => {
                f.instruction(&I::LocalGet(i as u32));
            }
            Some(_) => return Err(format!("parameter {} differs in type", i + 1)),
            None => {
                f.instruction(&zero(want).ok_or("a reference parameter")?);
            }
        }
    }
    f.instruction(&I::Call(target));
    match (from.results(), to.results()) {
        (a, b) if a == b => {}
        ([], [_]) => {
            f.instruction(&I::Drop);
        }
        ([r], []) => {
            f.instruction(&zero(*r).ok_or("a reference result")?);
        }
        _ => return Err("the results differ in type".into()),
    }
    for t in from.params().iter().chain(to.params()) {
        enc(*t).ok_or("a reference parameter")?;
    }
    f.instruction(&I::End);
    Ok(f)
}

/// The fixed module, and what became of each finding.
pub fn fix(m: &Module, findings: &[Finding]) -> Result<(Vec<u8>, Vec<Outcome>), String> {
    let Some(table_size) = m.table_size else {
        let why = "the module imports its table".to_string();
        return Ok((
            m.wasm.to_vec(),
            findings
                .iter()
                .map(|_| Outcome::Left(why.clone()))
                .collect(),
        ));
    };
    // (target, type index) -> (thunk's function index, its slot)
    let mut thunks: Vec<(u32, Function)> = vec![];
    let mut made: HashMap<(u32, u32), u32> = HashMap::new();
    let mut outcomes = vec![];
    // offset of an i32.const -> the slot it becomes
    let mut patches: HashMap<usize, u32> = HashMap::new();
    let nfuncs = m.func_types.len() as u32;
    for f in findings {
        if f.called_as.len() > 1 {
            outcomes.push(Outcome::Left("called as more than one type".into()));
            continue;
        }
        let ty = f.called_as[0];
        let (Some(from), Some(to)) = (m.type_at(ty), m.func_type(f.target)) else {
            outcomes.push(Outcome::Left("not a function type".into()));
            continue;
        };
        let slot = match made.get(&(f.target, ty)) {
            Some(&s) => s,
            None => match thunk(f.target, from, to) {
                Ok(body) => {
                    let s = table_size as u32 + thunks.len() as u32;
                    thunks.push((ty, body));
                    made.insert((f.target, ty), s);
                    s
                }
                Err(why) => {
                    outcomes.push(Outcome::Left(why));
                    continue;
                }
            },
        };
        patches.insert(f.offset, slot);
        outcomes.push(Outcome::Thunk(slot));
    }
    if thunks.is_empty() {
        return Ok((m.wasm.to_vec(), outcomes));
    }
    let first_thunk = nfuncs;
    let n = thunks.len() as u64;

    let mut out = wasm_encoder::Module::new();
    let mut code_index = 0usize;
    let mut elements_seen = false;
    let new_segment = |sec: &mut wasm_encoder::ElementSection| {
        let funcs: Vec<u32> = (0..n as u32).map(|i| first_thunk + i).collect();
        sec.active(
            None,
            &wasm_encoder::ConstExpr::i32_const(table_size as i32),
            wasm_encoder::Elements::Functions(funcs.into()),
        );
    };
    let e = |e: wasmparser::BinaryReaderError| e.to_string();
    for payload in Parser::new(0).parse_all(m.wasm) {
        let payload = payload.map_err(e)?;
        match payload {
            Payload::FunctionSection(r) => {
                let mut sec = wasm_encoder::FunctionSection::new();
                for t in r {
                    sec.function(t.map_err(e)?);
                }
                for (ty, _) in &thunks {
                    sec.function(*ty);
                }
                out.section(&sec);
            }
            Payload::TableSection(r) => {
                let mut sec = wasm_encoder::TableSection::new();
                for (i, t) in r.into_iter().enumerate() {
                    let t = t.map_err(e)?;
                    if !matches!(t.init, wasmparser::TableInit::RefNull) {
                        return Err("a table with an initializer expression".into());
                    }
                    let mut ty = wasm_encoder::TableType {
                        element_type: wasm_encoder::RefType::FUNCREF,
                        table64: t.ty.table64,
                        minimum: t.ty.initial,
                        maximum: t.ty.maximum,
                        shared: t.ty.shared,
                    };
                    if t.ty.element_type != wasmparser::RefType::FUNCREF {
                        return Err("a table of other references than functions".into());
                    }
                    if i == 0 {
                        ty.minimum += n;
                        ty.maximum = ty.maximum.map(|x| x.max(ty.minimum));
                    }
                    sec.table(ty);
                }
                out.section(&sec);
            }
            Payload::ElementSection(r) => {
                let mut sec = wasm_encoder::ElementSection::new();
                for el in r {
                    let el = el.map_err(e)?;
                    sec.raw(&m.wasm[el.range.clone()]);
                }
                new_segment(&mut sec);
                elements_seen = true;
                out.section(&sec);
            }
            Payload::CodeSectionEntry(_) => {}
            Payload::End(_) => {}
            other => {
                let Some((id, range)) = other.as_section() else {
                    continue;
                };
                if id == 10 {
                    let mut sec = wasm_encoder::CodeSection::new();
                    for body in &m.bodies {
                        let mut bytes = m.wasm[body.clone()].to_vec();
                        let mut at: Vec<(usize, u32)> = patches
                            .iter()
                            .filter(|(off, _)| body.contains(off))
                            .map(|(o, s)| (*o, *s))
                            .collect();
                        // From the end, so earlier offsets stay valid.
                        at.sort_by_key(|p| std::cmp::Reverse(p.0));
                        for (off, slot) in at {
                            let rel = off - body.start;
                            let old_len = 1 + sleb_len(&bytes[rel + 1..])?;
                            if bytes[rel] != 0x41 {
                                return Err(format!("no i32.const at offset {off}"));
                            }
                            // Padded to the old length where it fits (LEB128 allows it), so
                            // every code offset, and the DWARF that points at them, stays.
                            let mut new = vec![0x41];
                            sleb(slot as i64, old_len - 1, &mut new);
                            bytes.splice(rel..rel + old_len, new);
                        }
                        sec.raw(&bytes);
                        code_index += 1;
                    }
                    for (_, f) in &thunks {
                        sec.function(f);
                    }
                    out.section(&sec);
                    continue;
                }
                // Elements (9) come before data count (12) and code (10).
                if !elements_seen && (id == 12 || id == 10) {
                    let mut sec = wasm_encoder::ElementSection::new();
                    new_segment(&mut sec);
                    elements_seen = true;
                    out.section(&sec);
                }
                out.section(&wasm_encoder::RawSection {
                    id,
                    data: &m.wasm[range],
                });
            }
        }
    }
    debug_assert_eq!(code_index, m.bodies.len());
    Ok((out.finish(), outcomes))
}

fn sleb_len(b: &[u8]) -> Result<usize, String> {
    b.iter()
        .position(|x| x & 0x80 == 0)
        .map(|i| i + 1)
        .ok_or_else(|| "a truncated i32.const".to_string())
}

/// Signed LEB128 of `v`, at least `min` bytes long.
fn sleb(mut v: i64, min: usize, out: &mut Vec<u8>) {
    let mut n = 0;
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        n += 1;
        let done = n >= min && ((v == 0 && byte & 0x40 == 0) || (v == -1 && byte & 0x40 != 0));
        out.push(if done { byte } else { byte | 0x80 });
        if done {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sleb_round_trips() {
        for v in [0i64, 1, 63, 64, 127, 128, 8191, 8192, 100_000, -1, -64, -65] {
            for min in 0..5 {
                let mut b = vec![];
                super::sleb(v, min, &mut b);
                assert!(b.len() >= min);
                assert_eq!(super::sleb_len(&b).unwrap(), b.len());
                let mut r = wasmparser::BinaryReader::new(&b, 0);
                assert_eq!(r.read_var_i64().unwrap(), v);
            }
        }
    }
}
