//! The sandbox escape corpus (conformance/escape/run.py): every attack program runs under
//! the default policy, under a written policy equal to the default, and with the flags
//! that legitimately allow it; contained in the first two, escaped (or, for attacks no
//! flag may allow, still contained under --allow-all) in the third, with the outside
//! directory untouched and no runtime crash.

mod common;
use common::*;
use std::process::Command;

#[test]
fn escape_corpus_is_contained() {
    let o = Command::new("python3")
        .arg(repo().join("conformance/escape/run.py"))
        .arg("--wali-run")
        .arg(bin())
        .output()
        .expect("python3");
    let out = String::from_utf8_lossy(&o.stdout);
    let failures: Vec<&str> = out.lines().filter(|l| !l.starts_with("PASS ")).collect();
    assert!(
        o.status.success(),
        "escape corpus failures:\n{}\n{}",
        failures.join("\n"),
        stderr(&o)
    );
    // "N passed, N failed (P programs)"
    let summary = out.lines().last().unwrap_or("");
    let programs: usize = summary
        .rsplit_once('(')
        .and_then(|(_, p)| p.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(programs >= 40, "too few attack programs ran: {summary}");
    let passed: usize = summary
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert_eq!(
        passed,
        programs * 3,
        "every program runs in three modes: {summary}"
    );
}
