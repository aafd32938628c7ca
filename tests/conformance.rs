//! The differential conformance suite (conformance/run.py: every case built natively
//! with musl-gcc and for wasm with wali-cc, outputs compared case by case) and the rule
//! that ties it to the syscall table: a syscall is "full" only when cases exercise it
//! and they all pass, and a "partial" one's note names what shows its limitation (a
//! declared difference of the suite, an escape program, or a test that fails when the
//! limitation goes away).

mod common;
use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

/// The table as `wali-run --list-syscalls --format tsv` prints it: name -> level.
fn table_levels() -> BTreeMap<String, String> {
    let o = Command::new(bin())
        .args(["--list-syscalls", "--format", "tsv"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8(o.stdout).unwrap();
    let head: Vec<&str> = text.lines().next().unwrap().split('\t').collect();
    let level = head.iter().position(|h| *h == "level").unwrap();
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            let name = c[0].strip_prefix("SYS_")?;
            Some((name.to_string(), c[level].to_string()))
        })
        .collect()
}

/// Every `partial` row of the table (syscalls and auxiliary imports) with what its note
/// names as evidence: `(shown by case NAME)`, `(shown by escape PROGRAM)` or
/// `(shown by test FILE::FUNCTION)`, as (import, kind, name); an import whose note names
/// nothing comes with an empty kind.
fn partial_evidence() -> Vec<(String, String, String)> {
    let o = Command::new(bin())
        .args(["--list-syscalls", "--format", "tsv"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8(o.stdout).unwrap();
    let head: Vec<&str> = text.lines().next().unwrap().split('\t').collect();
    let col = |n: &str| head.iter().position(|h| *h == n).unwrap();
    let (level, note) = (col("level"), col("note"));
    let mut out = vec![];
    for l in text.lines().skip(1) {
        let c: Vec<&str> = l.split('\t').collect();
        if c[level] != "partial" {
            continue;
        }
        let refs: Vec<(String, String)> = c[note]
            .split("shown by ")
            .skip(1)
            .filter_map(|r| {
                let (kind, rest) = r.split_once(' ')?;
                let name = rest.split([')', ';', ',', ' ']).next()?;
                Some((kind.to_string(), name.to_string()))
            })
            .collect();
        if refs.is_empty() {
            out.push((c[0].to_string(), String::new(), String::new()));
        }
        out.extend(refs.into_iter().map(|(k, n)| (c[0].to_string(), k, n)));
    }
    out
}

/// A partial note is a claim about a difference from Linux: it must name something that
/// shows it. A `case` is a declared difference (`// xfail:`) of the conformance suite
/// (the suite's test then requires it to still differ), an `escape` program is run by
/// tests/escape.rs in its three modes, a `test` is a test function in tests/.
#[test]
fn every_partial_note_names_its_evidence() {
    let cases = repo().join("conformance/cases");
    let mut xfails = BTreeSet::new();
    for e in std::fs::read_dir(&cases).unwrap() {
        let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
        for l in text.lines() {
            if let Some(x) = l.strip_prefix("// xfail: ") {
                xfails.insert(x.split(' ').next().unwrap().to_string());
            }
        }
    }
    let evidence = partial_evidence();
    assert!(evidence.len() >= 10, "{evidence:?}");
    let mut bad = vec![];
    for (import, kind, name) in &evidence {
        let ok = match kind.as_str() {
            "case" => xfails.contains(name),
            "escape" => repo()
                .join("conformance/escape")
                .join(format!("{name}.c"))
                .is_file(),
            "test" => name.split_once("::").is_some_and(|(file, func)| {
                std::fs::read_to_string(repo().join("tests").join(file))
                    .is_ok_and(|t| t.contains(&format!("#[test]\nfn {func}(")))
            }),
            _ => false,
        };
        if !ok {
            bad.push(format!("{import}: {kind:?} {name:?}"));
        }
    }
    assert!(
        bad.is_empty(),
        "partial notes must end with (shown by case NAME | escape PROGRAM | test FILE::FUNCTION), \
         naming a declared conformance difference (// xfail: NAME), an escape program or a \
         test that exists:\n{}",
        bad.join("\n")
    );
}

#[test]
fn conformance_suite_passes_and_backs_every_full_syscall() {
    let t = TempDir::new("conformance");
    let report = t.path().join("report.tsv");
    let o = Command::new("python3")
        .arg(repo().join("conformance/run.py"))
        .arg("--wali-run")
        .arg(bin())
        .arg("--report")
        .arg(&report)
        .output()
        .expect("python3");
    let out = String::from_utf8_lossy(&o.stdout);
    let failures: Vec<&str> = out
        .lines()
        .filter(|l| !l.starts_with("PASS ") && !l.starts_with("XFAIL "))
        .collect();
    assert!(
        o.status.success(),
        "conformance failures:\n{}\n{}",
        failures.join("\n"),
        stderr(&o)
    );
    let summary = out.lines().last().unwrap_or("");
    let passed: usize = summary
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(passed >= 300, "too few cases: {summary}");

    let levels = table_levels();
    let mut passing: BTreeSet<String> = BTreeSet::new();
    let mut failing: BTreeSet<String> = BTreeSet::new();
    let text = std::fs::read_to_string(&report).unwrap();
    for line in text.lines().skip(1) {
        let c: Vec<&str> = line.split('\t').collect();
        for s in c[1].split_whitespace() {
            assert!(
                levels.contains_key(s),
                "case {} names {s}, which is not in the syscall table",
                c[0]
            );
            // A declared difference (xfail) neither backs nor sinks a syscall.
            match c[2] {
                "pass" | "xpass" => passing.insert(s.to_string()),
                "fail" => failing.insert(s.to_string()),
                _ => false,
            };
        }
    }
    let unbacked: Vec<&String> = levels
        .iter()
        .filter(|(n, l)| *l == "full" && (!passing.contains(*n) || failing.contains(*n)))
        .map(|(n, _)| n)
        .collect();
    assert!(
        unbacked.is_empty(),
        "marked full in syscalls/src/syscalls.rs without passing conformance cases: {unbacked:?}"
    );

    // The differences partial notes name still differ: when one no longer does, the
    // limitation is gone and the note (and the xfail) must go with it.
    let results: BTreeMap<&str, &str> = text
        .lines()
        .skip(1)
        .filter_map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            Some((*c.first()?, *c.get(2)?))
        })
        .collect();
    let gone: Vec<String> = partial_evidence()
        .into_iter()
        .filter(|(_, kind, name)| kind == "case" && results.get(name.as_str()) != Some(&"xfail"))
        .map(|(import, _, name)| {
            format!("{import}: case {name} is {:?}", results.get(name.as_str()))
        })
        .collect();
    assert!(
        gone.is_empty(),
        "partial notes name differences the suite no longer shows (correct the note and the xfail): {gone:?}"
    );
}
