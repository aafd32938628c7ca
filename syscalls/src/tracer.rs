//! The `--strace` tracer: where lines go, `-T` timing, the `-c` counts. Data at the
//! bottom (the context holds one); decoding a call from the table is `trace.rs`, an
//! `impl Tracer` above the table.

use std::fmt::Write as _;
use std::io::Write;
use std::sync::Mutex;

pub struct Tracer {
    pub(crate) out: Mutex<Box<dyn Write + Send>>,
    /// Print each call (off for a summary alone, like `strace -c`).
    pub(crate) lines: bool,
    /// `-T`: the time spent in each call.
    pub(crate) timing: bool,
    /// `-c`: per syscall, calls, errors and time, printed at exit.
    pub(crate) summary: Option<Mutex<std::collections::BTreeMap<&'static str, Count>>>,
}

/// See `Tracer::hold`.
pub struct TraceHold<'a> {
    summary: Option<std::sync::MutexGuard<'a, std::collections::BTreeMap<&'static str, Count>>>,
    _out: std::sync::MutexGuard<'a, Box<dyn Write + Send>>,
}

impl TraceHold<'_> {
    /// In a forked child: its table starts empty.
    pub fn forked(&mut self) {
        if let Some(s) = &mut self.summary {
            s.clear();
        }
    }
}

#[derive(Default, Clone, Copy)]
pub(crate) struct Count {
    pub(crate) calls: u64,
    pub(crate) errors: u64,
    pub(crate) nanos: u128,
}

impl Tracer {
    pub fn new(out: Box<dyn Write + Send>) -> Tracer {
        Tracer::with(out, true, false, false)
    }

    /// `lines`: each call; `timing`: with its duration; `summary`: a table at exit.
    pub fn with(out: Box<dyn Write + Send>, lines: bool, timing: bool, summary: bool) -> Tracer {
        Tracer {
            out: Mutex::new(out),
            lines,
            timing,
            summary: summary.then(|| Mutex::new(Default::default())),
        }
    }

    /// Print the `-c` table (strace's layout), once.
    pub fn print_summary(&self) {
        let Some(m) = &self.summary else { return };
        let rows = std::mem::take(&mut *m.lock().unwrap_or_else(|e| e.into_inner()));
        if rows.is_empty() {
            return;
        }
        let mut v: Vec<(&str, Count)> = rows.into_iter().collect();
        v.sort_by(|a, b| b.1.nanos.cmp(&a.1.nanos).then(b.1.calls.cmp(&a.1.calls)));
        let total: u128 = v.iter().map(|r| r.1.nanos).sum();
        let rule = "------ ----------- ----------- --------- --------- ----------------";
        let mut t = format!("% time     seconds  usecs/call     calls    errors syscall\n{rule}\n");
        for (name, c) in &v {
            let pct = if total == 0 {
                0.0
            } else {
                c.nanos as f64 * 100.0 / total as f64
            };
            let errs = if c.errors == 0 {
                String::new()
            } else {
                c.errors.to_string()
            };
            let _ = writeln!(
                t,
                "{pct:6.2} {:11.6} {:11} {:9} {errs:>9} {name}",
                c.nanos as f64 / 1e9,
                (c.nanos / 1000) / u128::from(c.calls.max(1)),
                c.calls
            );
        }
        let calls: u64 = v.iter().map(|r| r.1.calls).sum();
        let errors: u64 = v.iter().map(|r| r.1.errors).sum();
        let _ = writeln!(
            t,
            "{rule}\n100.00 {:11.6} {:11} {calls:9} {errors:>9} total",
            total as f64 / 1e9,
            (total / 1000) / u128::from(calls.max(1))
        );
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let _ = out.write_all(t.as_bytes());
        let _ = out.flush();
    }

    /// The tracer's locks, held by `process::fork` across the host fork (another thread
    /// may be printing); in the child, `forked` empties the `-c` counts so each process's
    /// table counts its own calls.
    pub fn hold(&self) -> TraceHold<'_> {
        TraceHold {
            summary: self
                .summary
                .as_ref()
                .map(|m| m.lock().unwrap_or_else(|e| e.into_inner())),
            _out: self.out.lock().unwrap_or_else(|e| e.into_inner()),
        }
    }

    /// A line of its own, for calls that do not return (execve).
    pub fn note(&self, line: &str) {
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }
}
