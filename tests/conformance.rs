//! The differential conformance suite (conformance/run.py: every case built natively
//! with musl-gcc and for wasm with wali-cc, outputs compared case by case) and the rule
//! that ties it to the syscall table: a syscall is "full" only when cases exercise it
//! and they all pass.

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
}
