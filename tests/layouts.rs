//! The libc's structs against the ABI's `layouts.txt`: every struct that crosses the
//! syscall boundary unchanged must have the listed size, alignment and field offsets.
//! The check is a C file of `_Static_assert`s compiled with `wali-cc`, so a drift in the
//! musl overlay fails here with the struct and field named.

mod common;
use common::*;
use std::process::Command;

/// Structs in layouts.txt that the libc deliberately lays out differently, with why.
const NOT_PASSED_THROUGH: &[(&str, &str)] = &[
    (
        "struct sigaction",
        "libc-only; the kernel-facing k_sigaction is what rt_sigaction sees",
    ),
    (
        "struct sysinfo",
        "32-bit longs in libc; sysinfo() converts from the 64-bit kernel struct, as on x32",
    ),
    (
        "struct stat",
        "128 bytes in libc (the reserved tail cut to 8 bytes, every field at its kernel offset), \
         as Rust's libc crate lays it out for wasm32-wali-linux-musl; fstatat copies from the \
         144-byte kernel struct kstat",
    ),
    (
        "struct epoll_event",
        "16 bytes in libc (natural layout, as Rust's libc crate has it for wasm32); \
         epoll_ctl/epoll_pwait convert to and from the kernel's packed 12 bytes",
    ),
    (
        "struct rusage",
        "32-bit longs in libc; getrusage() converts via SYS_getrusage_time64, as on x32",
    ),
];

/// Byte arrays the runtime reads bytewise: size matters, alignment does not.
const SIZE_ONLY: &[&str] = &["fd_set", "cpu_set_t"];

const HEADERS: &str = "#define _GNU_SOURCE
#include <stddef.h>
#include <time.h>
#include <sys/time.h>
#include <signal.h>
#include <dirent.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <utime.h>
#include <sys/utsname.h>
#include <sys/select.h>
#include <sched.h>
";

fn c_name(abi: &str) -> String {
    match abi {
        "stx_time" => "struct statx_timestamp".into(),
        s => s.into(),
    }
}

fn generate() -> (String, usize) {
    let text = std::fs::read_to_string(repo().join("syscalls/abi/layouts.txt")).unwrap();
    let mut c = String::from(HEADERS);
    let mut checks = 0;
    let mut cur: Option<String> = None;
    for line in text.lines() {
        if !line.starts_with(' ') {
            // `struct stat size=144 align=8` (optionally `packed`); the first line is a count.
            let Some((name, rest)) = line.split_once(" size=") else {
                continue;
            };
            let (size, rest) = rest.split_once(" align=").unwrap();
            let align = rest.split_whitespace().next().unwrap();
            if NOT_PASSED_THROUGH.iter().any(|(n, _)| *n == name) {
                cur = None;
                continue;
            }
            let ty = c_name(name);
            c += &format!("_Static_assert(sizeof({ty}) == {size}, \"{ty}: size\");\n");
            checks += 1;
            if !SIZE_ONLY.contains(&name) {
                c += &format!("_Static_assert(_Alignof({ty}) == {align}, \"{ty}: align\");\n");
                checks += 1;
                cur = Some(ty);
            } else {
                cur = None;
            }
            continue;
        }
        let Some(ty) = &cur else { continue };
        // `    +8    8   long tv_nsec`
        let words: Vec<&str> = line.split_whitespace().collect();
        let (off, field) = (words[0].trim_start_matches('+'), *words.last().unwrap());
        // Padding fields have private names in musl (__pad0, __unused...).
        if ["pad", "unused", "reserved", "spare"]
            .iter()
            .any(|p| field.contains(p))
        {
            continue;
        }
        c += &format!(
            "_Static_assert(offsetof({ty}, {field}) == {off}, \"{ty}.{field}: offset\");\n"
        );
        checks += 1;
    }
    (c, checks)
}

#[test]
fn libc_structs_match_the_abi_layouts() {
    let (c, checks) = generate();
    assert!(
        checks > 100,
        "only {checks} checks generated from layouts.txt"
    );
    let t = TempDir::new("layouts");
    let src = t.path().join("layouts.c");
    std::fs::write(&src, &c).unwrap();
    let o = Command::new(repo().join("toolchain/wali-cc"))
        .args(["-c", "-o"])
        .arg(t.path().join("layouts.o"))
        .arg(&src)
        .arg("-ferror-limit=0")
        .output()
        .expect("run wali-cc (run ./build.sh first)");
    let errors: Vec<String> = String::from_utf8_lossy(&o.stderr)
        .lines()
        .filter(|l| l.contains("error:"))
        .map(String::from)
        .collect();
    assert!(
        o.status.success(),
        "{} layout mismatches:\n{}",
        errors.len(),
        errors.join("\n")
    );
}
