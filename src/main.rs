//! wali-run's command line: what the `wali-run` binary (and the containerd shim) runs.

use crate::{boxes, engine, manifest, policy, run};

use clap::{Parser, ValueEnum};
use std::ffi::{CString, OsString};
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::sync::Arc;
use wali_syscalls::{ProcessConfig, Tracer, SYSCALLS};

#[derive(Clone, Copy, ValueEnum)]
enum ListFormat {
    Text,
    Markdown,
    Tsv,
}

/// Run a WebAssembly program that talks to Linux through WALI (the WebAssembly Linux Interface).
#[derive(Parser)]
#[command(
    name = "wali-run",
    version,
    override_usage = "wali-run [OPTIONS] MODULE [ARGS]...",
    after_help = "Examples:\n  wali-run hello.wasm world            run with argv = [hello.wasm, world]\n  wali-run --env-clear --env LANG=C prog.wasm\n  wali-run --strace prog.wasm          trace every syscall to stderr\n  wali-run -c prog.wasm                count calls, errors and time per syscall (strace -c)\n  wali-run --strace -T prog.wasm       each call with the time it took\n  wali-run --dir /srv/data:/data:ro prog.wasm   grant a host directory at /data, read-only\n  wali-run --allow-net=127.0.0.1:8080 server.wasm   the network, only this address\n  wali-run --policy app.toml prog.wasm  a policy file ([fs] [net] [process] [limits] [syscalls])\n  wali-run --list-syscalls             show the syscall table and support levels\n  wali-run compile prog.wasm -o prog.cwasm   compile ahead of time; run prog.cwasm directly\n  wali-run pack -f Dockerfile -o app.box .   a box: module, files, argv, env, policy in one file\n  wali-run app.box [ARGS]              run a box (docs/box.md); wali-run inspect app.box shows it\n\nLogs: WALI_LOG=debug. Compiled modules (and their initial-data images) are cached in\n$WALI_CACHE_DIR or ~/.cache/wali-run. A trap prints the wasm backtrace with function names;\nWASMTIME_BACKTRACE_DETAILS=1 adds file:line for modules built with -g."
)]
struct Cli {
    /// (Internal, `pack --preinit`) run the box to its snapshot point, write the snapshot here.
    #[arg(long, hide = true, value_name = "FILE")]
    preinit_out: Option<PathBuf>,
    /// Add KEY=VALUE to the guest's environment (repeatable), e.g. --env LANG=C.
    #[arg(long = "env", value_name = "KEY=VALUE")]
    env: Vec<String>,
    /// Add the KEY=VALUE lines of FILE to the guest's environment (repeatable; iwasm's
    /// flag, as the reference WALI test suite runs its engine). Empty lines and lines
    /// starting with # are skipped; any other line without KEY= is an error naming the
    /// file and line. Applied before --env, which wins for the same KEY.
    #[arg(long = "env-file", value_name = "FILE")]
    env_file: Vec<PathBuf>,
    /// Start the guest with an empty environment (before --env-file and --env additions).
    #[arg(long)]
    env_clear: bool,
    /// Print every syscall the guest makes, strace-style, to stderr.
    #[arg(long)]
    strace: bool,
    /// With --strace: the time spent in each call, e.g. `read(...) = 5 <0.000012>`.
    #[arg(short = 'T', long = "strace-time")]
    strace_time: bool,
    /// Count calls, errors and time per syscall; print the table at exit (strace -c).
    /// With --strace, the calls are printed as well.
    #[arg(short = 'c', long = "strace-summary")]
    strace_summary: bool,
    /// With --strace: write the trace to FILE instead of stderr.
    #[arg(long, value_name = "FILE")]
    strace_file: Option<PathBuf>,
    /// The guest's argv[0] (default: MODULE as given); execve of a module passes it on.
    #[arg(long, value_name = "NAME")]
    argv0: Option<OsString>,
    /// Grant a host directory (or file) to the guest: HOST[:GUEST][:ro], e.g.
    /// --dir /data:/mnt/data:ro (repeatable). The current directory is granted read-write
    /// unless a policy file says `[fs] cwd = false`.
    #[arg(long = "dir", value_name = "HOST[:GUEST][:ro]")]
    dirs: Vec<String>,
    /// Allow the network: all of it, or only these addresses (connect and bind), e.g.
    /// --allow-net=127.0.0.1:8080,example.org:443 (PORT may be * or A-B).
    #[arg(long, value_name = "HOST:PORT,...", num_args = 0..=1, require_equals = true, value_delimiter = ',', default_missing_value = "*")]
    allow_net: Option<Vec<String>>,
    /// Allow execve of host programs (they run outside the sandbox).
    #[arg(long)]
    allow_exec: bool,
    /// Allow signals to processes other than the guest and its children.
    #[arg(long)]
    allow_signals: bool,
    /// No sandbox: every syscall goes to the kernel as the reference engine does.
    #[arg(long)]
    allow_all: bool,
    /// A policy file (TOML: [fs], [net], [process], [limits], [syscalls]; see README).
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// A limit: threads=N, fds=N, memory=SIZE (e.g. 512M), processes=N, cpu=SECONDS
    /// (repeatable), e.g. --limit threads=64.
    #[arg(long = "limit", value_name = "KEY=VALUE")]
    limits: Vec<String>,
    /// (Internal) the policy is exactly these flags: used when an execve runs a module.
    #[arg(long, hide = true)]
    policy_exact: bool,
    /// (Internal) the sandbox's process counter, inherited across execve.
    #[arg(long, hide = true, value_name = "FD")]
    tree_fd: Option<i32>,
    /// (Internal) the sandbox's System V IPC registry, inherited across execve.
    #[arg(long, hide = true, value_name = "FD")]
    ipc_fd: Option<i32>,
    /// (Internal) an execve'd module: the file the exec'ing runtime opened and checked.
    /// MODULE is then only its name; the module is read from this descriptor, once.
    #[arg(long, hide = true, value_name = "FD")]
    module_fd: Option<i32>,
    /// (Internal) with --module-fd: the module's manifest, opened the same way.
    #[arg(long, hide = true, value_name = "FD", requires = "module_fd")]
    manifest_fd: Option<i32>,
    /// (Internal) the policy file's text as the first runtime read it (a sealed memfd).
    #[arg(long, hide = true, value_name = "FD", requires = "policy_exact")]
    policy_fd: Option<i32>,
    /// Compile the module even if a cached compilation exists (and do not cache it).
    #[arg(long)]
    no_cache: bool,
    /// Print the syscall table with each call's support level, then exit.
    #[arg(long)]
    list_syscalls: bool,
    /// Format for --list-syscalls.
    #[arg(long, value_enum, default_value = "text", requires = "list_syscalls")]
    format: ListFormat,
    /// The module to run (a .wasm file), then its arguments (argv[1..]): everything
    /// after MODULE goes to it, flags included (`prog.wasm --version` is the guest's).
    // One trailing positional: clap stops parsing flags at its first value. With MODULE
    // and ARGS apart, a wali-run flag right after MODULE (--version, -c) was taken.
    #[arg(trailing_var_arg = true, value_name = "MODULE [ARGS]")]
    command: Vec<OsString>,
}

fn fail(status: i32, msg: impl std::fmt::Display) -> ! {
    eprintln!("wali-run: {msg}");
    std::process::exit(status);
}

fn cstring(s: &std::ffi::OsStr, what: &str) -> CString {
    CString::new(s.as_bytes())
        .unwrap_or_else(|_| fail(2, format!("{what} contains a NUL byte: {s:?}")))
}

fn list(format: ListFormat) {
    use wali_syscalls::aux::AUX;
    let mut out = std::io::stdout().lock();
    let full = SYSCALLS
        .iter()
        .filter(|s| s.level == wali_syscalls::Level::Full)
        .count();
    let partial = SYSCALLS
        .iter()
        .filter(|s| s.level == wali_syscalls::Level::Partial)
        .count();
    let _ = match format {
        ListFormat::Text => {
            let _ = writeln!(
                out,
                "{:<20} {:>4}  {:<8} {:<8} note",
                "syscall", "nr", "category", "level"
            );
            for s in SYSCALLS {
                let _ = writeln!(
                    out,
                    "{:<20} {:>4}  {:<8} {:<8} {}",
                    s.name,
                    s.nr,
                    s.category.name(),
                    s.level.name(),
                    s.note
                );
            }
            let _ = writeln!(out, "\n{:<26} level    note", "auxiliary import");
            for a in AUX {
                let _ = writeln!(out, "{:<26} {:<8} {}", a.name, a.level.name(), a.note);
            }
            writeln!(
                out,
                "{} syscalls: {full} full, {partial} partial, {} not implemented; {} auxiliary imports",
                SYSCALLS.len(),
                SYSCALLS.len() - full - partial,
                AUX.len()
            )
        }
        ListFormat::Tsv => {
            // args: name:Kind pairs (the fuzzer's table is generated from them);
            // flags: the table's flags column (restart, hex, pins).
            let _ = writeln!(
                out,
                "import\tnr\tsignature\tcategory\tlevel\tnote\targs\tflags"
            );
            for s in SYSCALLS {
                let args: Vec<String> = s
                    .params
                    .iter()
                    .map(|p| format!("{}:{:?}", p.name, p.kind))
                    .collect();
                let _ = writeln!(
                    out,
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    s.import(),
                    s.nr,
                    s.signature(),
                    s.category.name(),
                    s.level.name(),
                    s.note,
                    args.join(","),
                    s.flags.names()
                );
            }
            for a in AUX {
                let _ = writeln!(
                    out,
                    "{}\t-\t{}\taux\t{}\t{}\t-\t",
                    a.name,
                    a.signature(),
                    a.level.name(),
                    a.note
                );
            }
            Ok(())
        }
        ListFormat::Markdown => {
            let _ = writeln!(out, "# Syscall coverage\n\nGenerated by `wali-run --list-syscalls --format markdown` from the table in `syscalls/src/syscalls.rs`; do not edit.\n");
            let _ = writeln!(out, "{} syscalls: {full} full, {partial} partial, {} not implemented (they answer `-ENOSYS`).\n", SYSCALLS.len(), SYSCALLS.len() - full - partial);
            let _ = writeln!(out, "Flags: `restart`, restarted after a handler installed with `SA_RESTART` (any other call a handler interrupts answers `EINTR`); `hex`, the result is an address (`--strace` prints it in hex); `pins`, the call changes the calling thread's own kernel state that a new thread inherits from its creator (credentials, scheduling, affinity, namespaces), so the process stops reusing OS threads for new guest threads.\n");
            let _ = writeln!(out, "| syscall | nr | signature | category | level | flags | note |\n|---|---:|---|---|---|---|---|");
            for s in SYSCALLS {
                let _ = writeln!(
                    out,
                    "| `{}` | {} | `{}` | {} | {} | {} | {} |",
                    s.name,
                    s.nr,
                    s.signature(),
                    s.category.name(),
                    s.level.name(),
                    s.flags.names(),
                    s.note
                );
            }
            let _ = writeln!(out, "\n## Auxiliary imports\n\n| import | signature | level | note |\n|---|---|---|---|");
            for a in AUX {
                let _ = writeln!(
                    out,
                    "| `{}` | `{}` | {} | {} |",
                    a.name,
                    a.signature(),
                    a.level.name(),
                    a.note
                );
            }
            Ok(())
        }
    };
}

/// The `wali-run` command with argv `args` (argv[0] first); never returns: the process
/// exits with the guest's status.
pub fn cli_main(args: Vec<OsString>) -> ! {
    // First, before any thread exists: helper threads must inherit "all blocked".
    let (initial_mask, ignored_signals) = wali_syscalls::deliver::init_host();
    if args.get(1).is_some_and(|a| a == "compile") {
        compile_command();
    }
    if args.get(1).is_some_and(|a| a == "pack") {
        pack_command();
    }
    if args.get(1).is_some_and(|a| a == "inspect") {
        inspect_command();
    }
    let cli = Cli::parse_from(&args);
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("WALI_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();

    if cli.list_syscalls {
        list(cli.format);
        std::process::exit(0);
    }
    let Some((module, args)) = cli.command.split_first() else {
        fail(
            2,
            "no module given; usage: wali-run [OPTIONS] MODULE.wasm [ARGS...] (see --help)",
        );
    };
    let module_path = PathBuf::from(module);
    let name = module_path.display().to_string();
    // A box (docs/box.md): its module, tree, argv, env, working directory and policy.
    let boxed = (cli.module_fd.is_none() && boxes::is_box(&module_path)).then(|| {
        let t = std::time::Instant::now();
        let b =
            boxes::format::open(&module_path).unwrap_or_else(|e| fail(126, format!("{name}: {e}")));
        tracing::debug!(
            ms = t.elapsed().as_secs_f64() * 1e3,
            "box opened and checked"
        );
        b
    });

    let mut argv = vec![cstring(cli.argv0.as_ref().unwrap_or(module), "argv[0]")];
    argv.extend(args.iter().map(|a| cstring(a, "an argument")));
    if let Some((_, meta)) = &boxed {
        let ep = meta.entrypoint;
        let mut words: Vec<OsString> = meta.argv[..ep].iter().map(OsString::from).collect();
        if cli.preinit_out.is_some() {
            // The snapshot holds what the ENTRYPOINT prepares; the CMD runs at each start.
        } else if args.is_empty() {
            words.extend(meta.argv[ep..].iter().map(OsString::from));
        } else {
            words.extend(args.iter().cloned());
        }
        if let Some(a0) = &cli.argv0 {
            if words.is_empty() {
                words.push(a0.clone());
            } else {
                words[0] = a0.clone();
            }
        }
        argv = words.iter().map(|a| cstring(a, "an argument")).collect();
    }
    let mut env: Vec<CString> = Vec::new();
    if let Some((_, meta)) = &boxed {
        // A box's environment is its own (ENV), not the host's; --env adds to it.
        for (k, v) in &meta.env {
            set_env(&mut env, k, &format!("{k}={v}"), "the box");
        }
    } else if !cli.env_clear {
        for (k, v) in std::env::vars_os() {
            let mut kv = k.as_bytes().to_vec();
            kv.push(b'=');
            kv.extend_from_slice(v.as_bytes());
            if let Ok(c) = CString::new(kv) {
                env.push(c);
            }
        }
    }
    // A module handed over by a guest's execve comes as descriptors, never by path.
    let handed = cli.module_fd.map(|fd| {
        let file = handed_file(fd);
        let dir = std::fs::read_link(format!("/proc/self/fd/{fd}"))
            .ok()
            .and_then(|p| p.parent().map(PathBuf::from))
            .unwrap_or_default();
        (file, dir)
    });
    // The module's own needs (a file beside it) come over the host's environment.
    let manifest = match (&handed, cli.manifest_fd) {
        (Some((_, dir)), Some(fd)) => {
            manifest::load_handed(handed_file(fd), &module_path, dir).unwrap_or_else(|e| fail(2, e))
        }
        (Some(_), None) => manifest::Manifest::default(),
        (None, _) if boxed.is_some() => manifest::Manifest::default(),
        (None, _) => manifest::load(&module_path).unwrap_or_else(|e| fail(2, e)),
    };
    for (k, v) in &manifest.env {
        set_env(&mut env, k, &format!("{k}={v}"), "the manifest");
    }
    let flags = policy::Flags {
        policy: cli.policy.clone(),
        dirs: cli.dirs.clone(),
        allow_net: cli.allow_net.as_ref().map(|v| {
            if v.iter().any(|r| r == "*") {
                Vec::new()
            } else {
                v.clone()
            }
        }),
        allow_exec: cli.allow_exec,
        allow_signals: cli.allow_signals,
        allow_all: cli.allow_all,
        limits: cli.limits.clone(),
        exact: cli.policy_exact,
        policy_fd: cli.policy_fd,
        policy_text: boxed
            .as_ref()
            .map(|(_, m)| (format!("{name} (its policy)"), m.policy.clone())),
        boxed: boxed.is_some(),
    };
    let built = policy::build(&flags, &manifest.needs, &module_path).unwrap_or_else(|e| fail(2, e));
    if let Some((_, guest)) = &built.tmp {
        // Temporary files go to the run's private directory.
        set_env(
            &mut env,
            "TMPDIR",
            &format!("TMPDIR={}", guest.display()),
            "the private /tmp",
        );
    }
    for f in &cli.env_file {
        for (k, kv) in read_env_file(f).unwrap_or_else(|e| fail(2, e)) {
            set_env(&mut env, &k, &kv, "--env-file");
        }
    }
    for kv in &cli.env {
        let Some((k, _)) = kv.split_once('=') else {
            fail(2, format!("--env wants KEY=VALUE, got {kv:?}"))
        };
        if k.is_empty() {
            fail(
                2,
                format!("--env wants KEY=VALUE with a non-empty KEY, got {kv:?}"),
            );
        }
        set_env(&mut env, k, kv, "--env");
    }
    let tracer = if cli.strace || cli.strace_file.is_some() || cli.strace_summary || cli.strace_time
    {
        let out: Box<dyn Write + Send> = match &cli.strace_file {
            Some(p) => {
                let f = std::fs::File::create(p).unwrap_or_else(|e| {
                    fail(
                        2,
                        format!("--strace-file {}: {}", p.display(), engine::io_msg(&e)),
                    )
                });
                // The runtime's, not the guest's: high and out of its reach.
                Box::new(std::fs::File::from(wali_syscalls::sandbox::keep_high(
                    f.into(),
                )))
            }
            None => Box::new(std::io::stderr()),
        };
        let lines =
            cli.strace || cli.strace_file.is_some() || cli.strace_time || !cli.strace_summary;
        let t = Arc::new(Tracer::with(
            out,
            lines,
            cli.strace_time,
            cli.strace_summary,
        ));
        if cli.strace_summary {
            // Printed however the process ends (exit from any thread runs exit hooks).
            let _ = SUMMARY.set(t.clone());
            // SAFETY: a plain function pointer, run at exit.
            unsafe { libc::atexit(print_summary) };
        }
        Some(t)
    } else {
        None
    };

    // How an execve of a module runs it: this runtime, with the flags that shape a run.
    let mut exec_runtime = vec![cstring(
        std::env::current_exe()
            .unwrap_or_else(|_| "/proc/self/exe".into())
            .as_os_str(),
        "the runtime path",
    )];
    if cli.strace && cli.strace_file.is_none() {
        exec_runtime.push(c"--strace".into());
    }
    if cli.no_cache {
        exec_runtime.push(c"--no-cache".into());
    }
    for f in &built.exec_flags {
        exec_runtime.push(cstring(std::ffi::OsStr::new(f), "a policy flag"));
    }
    let mut pol = built.policy;
    let mut box_module = None;
    let mut resume = None;
    if let Some((img, meta)) = boxed {
        // The box's mount points are its own: a grant at or above or below one would
        // nest mounts, which the sandbox refuses between grants too.
        for (guest, origin) in &built.grants {
            let first = guest.components().nth(1);
            for &t in &img.tops {
                let top = std::ffi::OsStr::from_bytes(&img.entries[t as usize].path[1..]);
                if first.is_none() || first.is_some_and(|c| c.as_os_str() == top) {
                    fail(
                        2,
                        format!(
                            "{origin}: the grant at {} overlaps the box's /{} (mounts may not nest)",
                            guest.display(),
                            top.to_string_lossy()
                        ),
                    );
                }
            }
        }
        if let Some(sk) = &built.skeleton {
            // The box's mount points, listed in the stand-in directories.
            for &t in &img.tops {
                let e = &img.entries[t as usize];
                let p = sk.join(std::ffi::OsStr::from_bytes(&e.path[1..]));
                let _ = if e.kind == boxes::format::DIR {
                    std::fs::create_dir(&p)
                } else {
                    std::fs::File::create(&p).map(drop)
                };
            }
        }
        let below = pol
            .vfs
            .take()
            .unwrap_or_else(|| Box::new(wali_syscalls::vfs::PassThrough));
        let digest = meta
            .digest()
            .unwrap_or_else(|e| fail(126, format!("{name}: {e}")));
        let file = img
            .file
            .try_clone()
            .map(|f| std::fs::File::from(wali_syscalls::sandbox::keep_high(f.into())))
            .unwrap_or_else(|e| fail(126, format!("{name}: {e}")));
        let check = (!boxes::stamp_ok(&img)).then(|| boxes::stamp(&img));
        if check.is_some() {
            // Once per box file, before the stamp says so: the snapshot against its hash.
            boxes::format::check_snapshot(&img, &meta)
                .unwrap_or_else(|e| fail(126, format!("{name}: {e}")));
        }
        if let (None, Some(s)) = (&cli.preinit_out, &meta.snapshot) {
            let Some((off, _, len, codec)) = s.placed(img.version) else {
                fail(126, format!("{name}: damaged box (bad snapshot location)"))
            };
            // Stored as is, the pages map from the box file; compressed, from the
            // cache's expansion (made here on the first run of the box file).
            let (f, base) = if codec == boxes::format::boxfile::STORED {
                (file.try_clone(), off)
            } else {
                let t = std::time::Instant::now();
                let f = boxes::snapcache::expanded(&img, &meta, check.is_some(), !cli.no_cache)
                    .unwrap_or_else(|e| fail(126, format!("{name}: {e}")));
                tracing::debug!(ms = t.elapsed().as_secs_f64() * 1e3, "snapshot ready");
                (Ok(f), 0)
            };
            // High and the runtime's, as the box file's other descriptor.
            let f = f
                .map(|f| std::fs::File::from(wali_syscalls::sandbox::keep_high(f.into())))
                .unwrap_or_else(|e| fail(126, format!("{name}: {e}")));
            let (state, data_at) = boxes::format::snapshot_head(
                &mut boxes::format::boxfile::At {
                    file: &f,
                    pos: base,
                    end: base + len,
                },
                len,
            )
            .unwrap_or_else(|e| fail(126, format!("{name}: {e}")));
            resume = Some((state, base + data_at, f));
        }
        let version = img.version;
        let b = wali_syscalls::vfs::boxfs::BoxFs::new(
            below,
            img,
            built.skeleton.as_deref(),
            meta.cwd.as_bytes(),
        )
        .unwrap_or_else(|e| fail(126, format!("{name}: {e}")));
        pol.vfs = Some(Box::new(b));
        box_module = Some((digest, file, check, version, meta));
    }
    match wali_syscalls::limits::apply(&pol.limits, cli.tree_fd) {
        Ok(Some(fd)) => exec_runtime.push(cstring(
            std::ffi::OsStr::new(&format!("--tree-fd={fd}")),
            "a flag",
        )),
        Ok(None) => {}
        Err((status, msg)) => fail(status, msg),
    }
    if pol.vfs.is_some() {
        // The IPC objects the sandbox created, shared by all its processes (ipc.rs).
        let fd = wali_syscalls::ipc::setup(cli.ipc_fd)
            .unwrap_or_else(|e| fail(70, format!("cannot set up System V IPC: {e}")));
        exec_runtime.push(cstring(
            std::ffi::OsStr::new(&format!("--ipc-fd={fd}")),
            "a flag",
        ));
    }

    let engine = engine::engine().unwrap_or_else(|e| {
        fail(
            70,
            format!("cannot start the engine: {}", engine::one_line(&e)),
        )
    });
    let loaded = match (handed, box_module) {
        (Some((file, _)), _) => engine::load_handed(&engine, file, &module_path, !cli.no_cache),
        (None, Some((digest, file, check, version, meta))) => {
            // Once per box file (then the stamp): a compressed module's stored bytes
            // against their hash (cheap); without a stored hash, below, decompressed.
            let mut checked = false;
            if check.is_some() {
                let t = std::time::Instant::now();
                checked = meta.module.placed(version).is_some_and(|p| {
                    boxes::format::check_stored(
                        &file,
                        p,
                        meta.module.stored_sha256.as_deref(),
                        "module",
                    )
                    .unwrap_or_else(|e| fail(126, format!("{name}: {e}")))
                });
                tracing::debug!(
                    ms = t.elapsed().as_secs_f64() * 1e3,
                    checked,
                    "the box's module's stored bytes checked"
                );
            }
            let bname = name.clone();
            // Read (decompressed) only on a compiled-module cache miss and for the
            // once-per-box-file check.
            let img_module = move || -> Result<Vec<u8>, engine::LoadError> {
                let t = std::time::Instant::now();
                let b = boxes::format::module_from(&file, version, &meta.module).map_err(|e| {
                    engine::LoadError {
                        status: 126,
                        message: format!("{bname}: {e}"),
                    }
                })?;
                tracing::debug!(
                    ms = t.elapsed().as_secs_f64() * 1e3,
                    "the box's module read and checked"
                );
                Ok(b)
            };
            let mut cache: Option<Vec<u8>> = None;
            if let Some(stamp) = check {
                // Once per box file (then the stamp): the module's bytes against the index.
                if !checked {
                    cache = Some(img_module().unwrap_or_else(|e| fail(e.status, e.message)));
                }
                boxes::write_stamp(stamp);
            }
            let mut get = || match cache.take() {
                Some(b) => Ok(std::borrow::Cow::Owned(b)),
                None => img_module().map(std::borrow::Cow::Owned),
            };
            engine::load_keyed(&engine, &digest, &mut get, &module_path, !cli.no_cache)
        }
        (None, None) => engine::load(&engine, &module_path, !cli.no_cache),
    }
    .unwrap_or_else(|e| fail(e.status, e.message));
    tracing::debug!(
        compiled = loaded.compiled,
        ms = loaded.compile_ms,
        "module ready"
    );
    raise_stack_limit();
    match run::run(
        &engine,
        loaded,
        &name,
        ProcessConfig {
            argv,
            env,
            tracer,
            ignored_signals,
            initial_mask,
            exec_runtime,
            policy: pol,
        },
        match (cli.preinit_out, resume) {
            (Some(out), _) => boxes::snapshot::Start::Capture(out),
            (None, Some((state, data_at, file))) => {
                boxes::snapshot::Start::Resume(Box::new(boxes::snapshot::Restore {
                    file,
                    data_at,
                    state,
                }))
            }
            (None, None) => boxes::snapshot::Start::Main,
        },
    ) {
        Ok(run::Outcome::Exit(code)) => std::process::exit(code),
        Ok(run::Outcome::Trap(msg)) => fail(134, format!("{name}: {msg}")),
        Err(msg) => fail(126, format!("{name}: {msg}")),
    }
}

/// The main guest thread runs on the host's main thread (so its tid is the pid, as on
/// Linux); make sure that stack can hold the deepest wasm stack wasmtime allows.
fn raise_stack_limit() {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: valid out-pointer, then a valid in-pointer.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_STACK, &mut r) == 0 {
            let want = engine::THREAD_STACK as libc::rlim_t;
            if r.rlim_cur != libc::RLIM_INFINITY && r.rlim_cur < want {
                r.rlim_cur = if r.rlim_max == libc::RLIM_INFINITY {
                    want
                } else {
                    want.min(r.rlim_max)
                };
                libc::setrlimit(libc::RLIMIT_STACK, &r);
            }
        }
    }
}

/// A descriptor an exec'ing runtime handed over (`--module-fd`, `--manifest-fd`): taken
/// over, and closed once read.
fn handed_file(fd: i32) -> std::fs::File {
    use std::os::fd::FromRawFd;
    // SAFETY: F_GETFD only asks whether the number is open.
    if fd < 0 || unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0 {
        fail(
            2,
            format!("descriptor {fd} handed over by execve is not open"),
        );
    }
    // SAFETY: the descriptor was handed to this process for this use alone.
    unsafe { std::fs::File::from_raw_fd(fd) }
}

/// `--env-file FILE`: its `KEY=VALUE` lines as (KEY, line), in order. Empty lines and
/// `#` comments are skipped; a line without `=` or with an empty KEY is an error that
/// names the file and the line.
fn read_env_file(path: &std::path::Path) -> Result<Vec<(String, String)>, String> {
    let shown = path.display();
    let bytes =
        std::fs::read(path).map_err(|e| format!("--env-file {shown}: {}", engine::io_msg(&e)))?;
    let text =
        String::from_utf8(bytes).map_err(|_| format!("--env-file {shown}: not UTF-8 text"))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match line.split_once('=') {
            Some((k, _)) if !k.is_empty() => out.push((k.to_string(), line.to_string())),
            _ => {
                return Err(format!(
                    "--env-file {shown}:{}: expected KEY=VALUE, got {line:?}",
                    i + 1
                ))
            }
        }
    }
    Ok(out)
}

/// Put `kv` (`KEY=VALUE`) in `env` in place of any earlier `KEY=`.
fn set_env(env: &mut Vec<CString>, key: &str, kv: &str, what: &str) {
    let prefix = format!("{key}=");
    env.retain(|e| !e.as_bytes().starts_with(prefix.as_bytes()));
    env.push(cstring(std::ffi::OsStr::new(kv), what));
}

static SUMMARY: std::sync::OnceLock<Arc<Tracer>> = std::sync::OnceLock::new();

extern "C" fn print_summary() {
    if let Some(t) = SUMMARY.get() {
        t.print_summary();
    }
}

/// Compile a module ahead of time.
#[derive(Parser)]
#[command(
    name = "wali-run compile",
    after_help = "Example:\n  wali-run compile ruby.wasm -o ruby.cwasm && wali-run ruby.cwasm -e 'puts 1'\n\nA .cwasm is native code for this wali-run and this machine: run only your own."
)]
struct CompileCli {
    /// The module to compile (a .wasm file).
    #[arg(value_name = "MODULE")]
    module: PathBuf,
    /// Where to write the compiled module (default: MODULE with the extension .cwasm).
    #[arg(short = 'o', value_name = "OUT")]
    out: Option<PathBuf>,
}

fn compile_command() -> ! {
    let c = CompileCli::parse_from(std::env::args_os().skip(1));
    let out = c
        .out
        .clone()
        .unwrap_or_else(|| c.module.with_extension("cwasm"));
    let engine = engine::engine().unwrap_or_else(|e| {
        fail(
            70,
            format!("cannot start the engine: {}", engine::one_line(&e)),
        )
    });
    let t = std::time::Instant::now();
    match engine::compile_to(&engine, &c.module, &out) {
        Ok(n) => {
            eprintln!(
                "wali-run: compiled {} to {} ({:.1} MB) in {:.1} s",
                c.module.display(),
                out.display(),
                n as f64 / 1e6,
                t.elapsed().as_secs_f64()
            );
            std::process::exit(0)
        }
        Err(e) => fail(e.status, e.message),
    }
}

/// Build a box.
#[derive(Parser)]
#[command(
    name = "wali-run pack",
    after_help = "Examples:\n  wali-run pack -f Dockerfile -o app.box .\n  wali-run pack -f box.toml -o app.box .\n  wali-run app.box [ARGS]\n\nDockerfile subset: FROM (a module such as build/ruby/ruby.wasm, or a box), COPY, WORKDIR,\nENV, EXPOSE (-> the network grant), CMD and ENTRYPOINT (exec form). See docs/box.md."
)]
struct PackCli {
    /// The spec: a Dockerfile (subset) or a TOML spec (a name ending in .toml).
    #[arg(
        short = 'f',
        long = "file",
        value_name = "SPEC",
        default_value = "Dockerfile"
    )]
    file: PathBuf,
    /// The box to write.
    #[arg(short = 'o', value_name = "OUT")]
    out: PathBuf,
    /// A policy file to put in the box (its [fs] [net] [process] [limits] [syscalls]).
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// The context: COPY sources and FROM are relative to it (default: the spec's directory).
    #[arg(value_name = "CONTEXT")]
    context: Option<PathBuf>,
    /// Pre-initialise: run the box's ENTRYPOINT to the module's snapshot point
    /// (wali_preinit) and keep the snapshot in the box; runs start from it (docs/box.md).
    #[arg(long)]
    preinit: bool,
}

fn pack_command() -> ! {
    let c = PackCli::parse_from(std::env::args_os().skip(1));
    let text = std::fs::read_to_string(&c.file)
        .unwrap_or_else(|e| fail(2, format!("{}: {}", c.file.display(), engine::io_msg(&e))));
    let shown = c.file.display().to_string();
    let (steps, mut table) = if c.file.extension().is_some_and(|e| e == "toml") {
        boxes::pack::parse_toml(&text, &c.file).unwrap_or_else(|e| fail(2, e))
    } else {
        (
            boxes::pack::parse_dockerfile(&text, &shown).unwrap_or_else(|e| fail(2, e)),
            None,
        )
    };
    if let Some(p) = &c.policy {
        let t = std::fs::read_to_string(p).unwrap_or_else(|e| {
            fail(
                2,
                format!("--policy {}: {}", p.display(), engine::io_msg(&e)),
            )
        });
        policy::check_text(&t, p).unwrap_or_else(|e| fail(2, e));
        let parsed: toml::Table =
            toml::from_str(&t).unwrap_or_else(|e| fail(2, format!("{}: {e}", p.display())));
        match &mut table {
            Some(tb) => tb.extend(parsed),
            None => table = Some(parsed),
        }
    }
    let context = c.context.clone().unwrap_or_else(|| {
        c.file
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("."))
    });
    let t = std::time::Instant::now();
    match boxes::pack::pack(steps, table, &context, &c.out, c.preinit) {
        Ok(n) => {
            eprintln!(
                "wali-run: packed {} ({:.1} MB) in {:.2} s",
                c.out.display(),
                n as f64 / 1e6,
                t.elapsed().as_secs_f64()
            );
            std::process::exit(0)
        }
        Err(e) => fail(if e.starts_with("--preinit") { 1 } else { 2 }, e),
    }
}

/// Show what a box holds.
#[derive(Parser)]
#[command(name = "wali-run inspect")]
struct InspectCli {
    /// The box.
    #[arg(value_name = "BOX")]
    file: PathBuf,
}

fn inspect_command() -> ! {
    let c = InspectCli::parse_from(std::env::args_os().skip(1));
    match boxes::inspect::inspect(&c.file) {
        Ok(()) => std::process::exit(0),
        Err(e) => fail(126, format!("{}: {e}", c.file.display())),
    }
}
