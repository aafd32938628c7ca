//! wali-fnptr: after the link, find the C function pointers that are called through
//! another function type (which wasm traps on, where native code runs) and give each a
//! thunk of the type it is called as. wali-cc runs it on every module it links.
//!
//!   wali-fnptr MODULE [-o OUT] [--report FILE|-] [--check]
//!
//! Without -o the module is rewritten in place (only if something was fixed).
//! --report appends a line per finding, fixed or not, to FILE (`-`: standard error);
//! --check changes nothing and exits 1 when there is any finding.

mod fix;
mod scan;

use std::io::Write;
use std::process::ExitCode;

fn usage() -> ExitCode {
    eprintln!("usage: wali-fnptr MODULE [-o OUT] [--report FILE|-] [--check]");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (mut input, mut output, mut report, mut check) = (None, None, None, false);
    while let Some(a) = args.next() {
        match a.as_str() {
            "-o" => match args.next() {
                Some(o) => output = Some(o),
                None => return usage(),
            },
            "--report" => match args.next() {
                Some(r) => report = Some(r),
                None => return usage(),
            },
            "--check" => check = true,
            s if s.starts_with('-') => return usage(),
            _ if input.is_some() => return usage(),
            _ => input = Some(a),
        }
    }
    let Some(input) = input else { return usage() };
    match run(&input, output.as_deref(), report.as_deref(), check) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("wali-fnptr: {input}: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(
    input: &str,
    output: Option<&str>,
    report: Option<&str>,
    check: bool,
) -> Result<ExitCode, String> {
    let wasm = std::fs::read(input).map_err(|e| e.to_string())?;
    let m = scan::parse(&wasm)?;
    let findings = scan::scan(&m)?;
    let (fixed, outcomes) = if check {
        (None, vec![])
    } else {
        let (bytes, outcomes) = fix::fix(&m, &findings)?;
        (Some(bytes), outcomes)
    };
    if let Some(r) = report {
        let mut text = String::new();
        for (i, f) in findings.iter().enumerate() {
            let sig = |t| m.type_at(t).map(scan::show).unwrap_or_default();
            let called: Vec<String> = f.called_as.iter().map(|&t| sig(t)).collect();
            let how = match f.via {
                Some(g) => format!(
                    "passed to {} which calls it as {}",
                    m.name(g),
                    called.join(" and ")
                ),
                None => format!("called as {}", called.join(" and ")),
            };
            let target_sig = m.func_type(f.target).map(scan::show).unwrap_or_default();
            let outcome = match outcomes.get(i) {
                Some(fix::Outcome::Thunk(s)) => format!("fixed: thunk at slot {s}"),
                Some(fix::Outcome::Left(why)) => format!("NOT FIXED: {why}"),
                None => "found".into(),
            };
            text += &format!(
                "{input}: {}: {} {} (slot {}) {}: {}\n",
                m.name(f.in_func),
                m.name(f.target),
                target_sig,
                f.slot,
                how,
                outcome
            );
        }
        // Appended: wali-cc links many modules (configure's probes too) with one report
        // file; a module with no findings adds nothing.
        if r == "-" {
            std::io::stderr()
                .write_all(text.as_bytes())
                .map_err(|e| e.to_string())?;
        } else if !text.is_empty() {
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(r)
                .map_err(|e| format!("{r}: {e}"))?;
            f.write_all(text.as_bytes())
                .map_err(|e| format!("{r}: {e}"))?;
        }
    }
    if check {
        return Ok(if findings.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    let out = output.unwrap_or(input);
    let changed = outcomes.iter().any(|o| matches!(o, fix::Outcome::Thunk(_)));
    if changed || out != input {
        let Some(bytes) = fixed else {
            return Err("nothing to write".into());
        };
        // Written beside and renamed: a failed write never leaves half a module.
        let tmp = format!("{out}.fnptr-tmp");
        std::fs::write(&tmp, &bytes).map_err(|e| format!("{tmp}: {e}"))?;
        std::fs::rename(&tmp, out).map_err(|e| format!("{out}: {e}"))?;
    }
    Ok(ExitCode::SUCCESS)
}
