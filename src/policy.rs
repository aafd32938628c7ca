//! Building a module's policy: a policy file (`--policy`), flags (`--dir`, `--allow-*`,
//! `--limit`), the module's own table (its manifest's `[needs]`) and the defaults. The
//! result is the syscall layer's `Policy`; nothing here is consulted at run time.

use crate::manifest::Needs;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use wali_syscalls::errno;
use wali_syscalls::policy::{Action, Limits, NetRule, Policy};
use wali_syscalls::sandbox::{MountSpec, Vfs};
use wali_syscalls::{Category, SYSCALLS};

/// What the command line says about the policy.
#[derive(Default, Clone)]
pub struct Flags {
    pub policy: Option<PathBuf>,
    pub dirs: Vec<String>,
    /// `None`: no flag; `Some(empty)`: all addresses; else these.
    pub allow_net: Option<Vec<String>>,
    pub allow_exec: bool,
    pub allow_signals: bool,
    pub allow_all: bool,
    pub limits: Vec<String>,
    /// Set by the runtime itself when it re-runs for an `execve`d module: the mounts
    /// are exactly `dirs` (no current directory, no defaults).
    pub exact: bool,
    /// Set with `exact`: the policy file's text, handed over by the exec'ing runtime in
    /// a sealed memfd (never re-read from a path the guest may have changed).
    pub policy_fd: Option<i32>,
    /// A policy file's text given by the runtime itself (a box's policy): (name, text).
    pub policy_text: Option<(String, String)>,
    /// A box's run: `module` is the box file, which the guest is not shown.
    pub boxed: bool,
}

/// Check a policy file's text (`wali-run pack` checks the policy it puts in a box).
pub fn check_text(text: &str, name: &Path) -> Result<(), String> {
    crate::manifest::parse_toml::<File>(text, name).map(drop)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    fs: FsSection,
    #[serde(default)]
    net: NetSection,
    #[serde(default)]
    process: ProcessSection,
    #[serde(default)]
    limits: LimitsSection,
    #[serde(default)]
    syscalls: BTreeMap<String, String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FsSection {
    cwd: Option<bool>,
    /// A private temporary directory for the run (default true).
    tmp: Option<bool>,
    #[serde(default)]
    dirs: Vec<DirEntry>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct DirEntry {
    pub host: String,
    pub guest: Option<String>,
    #[serde(default)]
    pub ro: bool,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct NetSection {
    connect: Option<Vec<String>>,
    bind: Option<Vec<String>>,
    allow: Option<Vec<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ProcessSection {
    exec: Option<bool>,
    fork: Option<bool>,
    signals: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct LimitsSection {
    threads: Option<Cap>,
    fds: Option<u64>,
    memory: Option<toml::Value>,
    processes: Option<Cap>,
    cpu: Option<u64>,
}

/// A limit with a default (threads, processes): a number, or `"unlimited"` for none.
#[derive(Deserialize, Clone, Copy)]
#[serde(untagged)]
enum Cap {
    N(u32),
    Word(Unlimited),
}

#[derive(Deserialize, Clone, Copy)]
enum Unlimited {
    #[serde(rename = "unlimited")]
    Unlimited,
}

impl Cap {
    fn get(self) -> Option<u32> {
        match self {
            Cap::N(n) => Some(n),
            Cap::Word(Unlimited::Unlimited) => None,
        }
    }
}

/// Files a resolver needs once the network is granted (read-only, if present).
const NET_FILES: &[&str] = &[
    "/etc/hosts",
    "/etc/resolv.conf",
    "/etc/nsswitch.conf",
    "/etc/services",
    "/etc/protocols",
    "/etc/gai.conf",
];
/// The host's CA certificates, also granted read-only with the network when present: a
/// TLS client's trust store is public data, read where OpenSSL looks by default
/// (/etc/ssl/certs, whose hashed names link into /usr/share/ca-certificates on Debian,
/// and into /usr/local/share/ca-certificates for the CAs a site added).
const CA_DIRS: &[&str] = &[
    "/etc/ssl/certs",
    "/usr/share/ca-certificates",
    "/usr/local/share/ca-certificates",
];
/// Granted to every module unless a policy says `exact`.
const DEFAULT_FILES: &[(&str, bool)] = &[
    ("/dev/null", false),
    ("/dev/zero", false),
    ("/dev/full", false),
    ("/dev/random", true),
    ("/dev/urandom", true),
    ("/dev/tty", false),
    ("/etc/localtime", true),
];

/// The whole policy for a run, plus the flags an `execve`d module is re-run with.
pub struct Built {
    pub policy: Policy,
    pub exec_flags: Vec<String>,
    /// The run's private temporary directory: (host path, guest path).
    pub tmp: Option<(PathBuf, PathBuf)>,
    /// Where the sandbox's stand-in directories are (a box's mount points go there too).
    pub skeleton: Option<PathBuf>,
    /// Each grant's guest path and origin (a box's mount points may not overlap them).
    pub grants: Vec<(PathBuf, String)>,
}

/// The policy for a run, topic by topic: each step below is one function, in the order
/// the checks and the side effects (private directories, the sealed policy text) happen.
pub fn build(flags: &Flags, needs: &Needs, module: &Path) -> Result<Built, String> {
    if flags.allow_all {
        return allow_all(flags);
    }
    let (file, fname, fdir, text_fd) = policy_file(flags)?;
    let mut mounts = explicit_mounts(flags, &file, &fname, &fdir)?;
    let mut implicit: Vec<MountSpec> = cwd_mount(flags, &file)?.into_iter().collect();
    let tmp_host = tmp_dir(flags, &file, &mounts)?;
    let (connect, bind) = network(flags, &file, &fname)?;
    let net_granted = connect.as_ref().is_none_or(|c| !c.is_empty())
        || bind.as_ref().is_none_or(|b| !b.is_empty());
    let exec = flags.allow_exec || file.process.exec.unwrap_or(false);
    let signals = flags.allow_signals || file.process.signals.unwrap_or(false);
    let fork = file.process.fork.unwrap_or(true);
    module_needs(
        flags,
        needs,
        module,
        &mounts,
        &mut implicit,
        net_granted,
        exec,
    )?;
    if !flags.exact {
        defaults(net_granted, &mut implicit);
    }
    let cwd_note = add_implicit(&mut mounts, implicit);
    let tmp = match tmp_host {
        Some(host) => Some(place_tmp(&mut mounts, host)?),
        None => None,
    };
    let hidden = hidden_cache();
    let skeleton = skeleton(&tmp)?;
    let mut vfs = Vfs::new(&mounts, &hidden, &skeleton)?;
    if exec {
        vfs.program_dirs(program_dirs());
    }
    let skeleton_dir = Some(skeleton.clone());
    if cwd_note {
        // Only once the policy stands: an error is the one line printed.
        eprintln!("wali-run: note: the current directory is not granted: a --dir grant lies inside or around it (grants may not nest)");
    }
    let limits = parse_limits(&file.limits, &flags.limits)?;
    let actions = parse_actions(&file.syscalls, &fname)?;
    Ok(Built {
        policy: Policy {
            vfs: Some(Box::new(vfs)),
            actions,
            connect,
            bind,
            exec,
            fork,
            signals,
            limits,
        },
        exec_flags: exec_flags(flags, text_fd, &mounts),
        tmp,
        skeleton: skeleton_dir,
        grants: mounts
            .iter()
            .map(|m| (m.guest.clone(), m.origin.clone()))
            .collect(),
    })
}

/// `--allow-all`: the reference engine's pass-through, with the limits asked for.
fn allow_all(flags: &Flags) -> Result<Built, String> {
    let mut p = Policy::allow_all();
    p.limits = parse_limits(&LimitsSection::default(), &flags.limits)?;
    let mut exec_flags = vec!["--allow-all".to_string()];
    exec_flags.extend(flags.limits.iter().map(|l| format!("--limit={l}")));
    Ok(Built {
        policy: p,
        exec_flags,
        tmp: None,
        skeleton: None,
        grants: Vec::new(),
    })
}

/// The policy file: handed over by an exec'ing runtime, read from `--policy` (and its
/// text sealed for an execve'd module), or none. Returns the file, its name for
/// messages, its directory (relative grants are from there) and the sealed text's fd.
fn policy_file(flags: &Flags) -> Result<(File, String, PathBuf, Option<i32>), String> {
    Ok(match (&flags.policy, flags.policy_fd) {
        (_, Some(fd)) => {
            let text = handed_text(fd)?;
            let name = Path::new("the policy handed over by execve");
            let f: File = crate::manifest::parse_toml(&text, name)?;
            (f, name.display().to_string(), PathBuf::new(), Some(fd))
        }
        (Some(p), None) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| format!("--policy {}: {}", p.display(), e.kind()))?;
            let f: File = crate::manifest::parse_toml(&text, p)?;
            let dir = p.parent().map(Path::to_path_buf).unwrap_or_default();
            let fd = sealed_text(&text)?;
            (f, p.display().to_string(), dir, Some(fd))
        }
        (None, None) => match &flags.policy_text {
            Some((name, text)) => {
                let f: File = crate::manifest::parse_toml(text, Path::new(name))?;
                let fd = sealed_text(text)?;
                (f, name.clone(), PathBuf::new(), Some(fd))
            }
            None => (File::default(), String::new(), PathBuf::new(), None),
        },
    })
}

/// Mounts: the explicit grants (the file's `[fs] dirs`, then `--dir`), which may not
/// overlap (`Vfs::new` reports overlaps among these with both origins). The current
/// directory, the module's own and the defaults come later, each skipped where already
/// covered.
fn explicit_mounts(
    flags: &Flags,
    file: &File,
    fname: &str,
    fdir: &Path,
) -> Result<Vec<MountSpec>, String> {
    let mut mounts: Vec<MountSpec> = Vec::new();
    // Under --policy-exact the file's directories come as --dir flags already.
    for d in file.fs.dirs.iter().filter(|_| !flags.exact) {
        let host = fdir.join(&d.host);
        mounts.push(spec(
            &host,
            d.guest.as_deref(),
            d.ro,
            &format!("{fname} [fs] dirs"),
        )?);
    }
    for d in &flags.dirs {
        let m = parse_dir_flag(d)?;
        if flags.exact {
            adopt(&m.host);
        }
        mounts.push(m);
    }
    Ok(mounts)
}

/// The current directory, read-write, unless the policy says `cwd = false`.
fn cwd_mount(flags: &Flags, file: &File) -> Result<Option<MountSpec>, String> {
    if flags.exact || !file.fs.cwd.unwrap_or(true) {
        return Ok(None);
    }
    let cwd = std::env::current_dir()
        .map_err(|e| format!("cannot read the current directory: {}", e.kind()))?;
    Ok(Some(MountSpec {
        guest: cwd.clone(),
        host: cwd,
        ro: false,
        origin: "the current directory".into(),
    }))
}

/// /tmp: a private temporary directory, made now and placed once the other mounts stand
/// (`place_tmp`), unless the policy says `tmp = false` or grants /tmp itself.
fn tmp_dir(flags: &Flags, file: &File, mounts: &[MountSpec]) -> Result<Option<PathBuf>, String> {
    let tmp_granted = mounts.iter().any(|m| m.guest == Path::new("/tmp"));
    if !flags.exact && file.fs.tmp.unwrap_or(true) && !tmp_granted {
        Ok(Some(private_dir(&std::env::temp_dir(), "tmp")?))
    } else {
        Ok(None)
    }
}

/// The network: (connect, bind) rules from the file's `[net]` and `--allow-net`;
/// `None` is any address.
#[allow(clippy::type_complexity)]
fn network(
    flags: &Flags,
    file: &File,
    fname: &str,
) -> Result<(Option<Vec<NetRule>>, Option<Vec<NetRule>>), String> {
    let any_net = flags.allow_net.as_ref().is_some_and(Vec::is_empty);
    if any_net {
        return Ok((None, None));
    }
    let mut c = Vec::new();
    let mut b = Vec::new();
    let origin = format!("{fname} [net]");
    for r in file.net.allow.iter().flatten() {
        let rules = parse_net(r, &origin)?;
        c.extend(rules.iter().copied());
        b.extend(rules);
    }
    for r in file.net.connect.iter().flatten() {
        c.extend(parse_net(r, &origin)?);
    }
    for r in file.net.bind.iter().flatten() {
        b.extend(parse_net(r, &origin)?);
    }
    for r in flags.allow_net.iter().flatten() {
        let rules = parse_net(r, "--allow-net")?;
        c.extend(rules.iter().copied());
        b.extend(rules);
    }
    let all = |v: &Vec<NetRule>| v.contains(&NetRule::ANY);
    Ok((
        if all(&c) { None } else { Some(c) },
        if all(&b) { None } else { Some(b) },
    ))
}

/// The module's needs (its manifest's table): its own file, read-only (programs
/// re-execute themselves); read-only directories inside its own directory are granted;
/// anything more (other directories, the network, host programs) must be granted by
/// the operator, or the run stops here with what to add. Under `exact` (a module a
/// guest exec'd) the mounts are the exec'ing runtime's: its module's file among them,
/// and `module` is only the name the guest gave.
fn module_needs(
    flags: &Flags,
    needs: &Needs,
    module: &Path,
    mounts: &[MountSpec],
    implicit: &mut Vec<MountSpec>,
    net_granted: bool,
    exec: bool,
) -> Result<(), String> {
    let mname = crate::manifest::path_for(module).display().to_string();
    if let Some(m) = (!flags.exact && !flags.boxed)
        .then(|| std::fs::canonicalize(module).ok())
        .flatten()
    {
        implicit.push(MountSpec {
            guest: m.clone(),
            host: m,
            ro: true,
            origin: "the module".into(),
        });
    }
    for d in &needs.dirs {
        // Resolved first: `{dir}/../..` or a symlink must not pass for "inside".
        let host = std::fs::canonicalize(&d.host)
            .map_err(|e| format!("{mname}: asks for {}: {}", d.host, e.kind()))?;
        let inside = needs
            .module_dir
            .as_ref()
            .is_some_and(|m| host.starts_with(m));
        if !d.ro || !inside {
            let covered = covers(mounts, &host, d.ro) || covers(implicit, &host, d.ro);
            if !covered {
                return Err(format!(
                    "{mname} asks for {} {}, which the policy does not grant (add --dir {}{})",
                    if d.ro {
                        "read access to"
                    } else {
                        "write access to"
                    },
                    host.display(),
                    host.display(),
                    if d.ro { ":ro" } else { "" }
                ));
            }
            continue;
        }
        implicit.push(spec(&host, d.guest.as_deref(), true, &mname)?);
    }
    if needs.net && !net_granted {
        return Err(format!(
            "{mname} asks for the network, which the policy does not grant (add --allow-net)"
        ));
    }
    if needs.exec && !exec {
        return Err(format!(
            "{mname} asks to run host programs, which the policy does not grant (add --allow-exec)"
        ));
    }
    Ok(())
}

/// The defaults every module gets (device files, the time zone) and, with the network,
/// the resolver's files: those present on the host.
fn defaults(net_granted: bool, implicit: &mut Vec<MountSpec>) {
    for (f, ro) in DEFAULT_FILES {
        if Path::new(f).exists() {
            implicit.push(MountSpec {
                host: f.into(),
                guest: f.into(),
                ro: *ro,
                origin: "the defaults".into(),
            });
        }
    }
    if net_granted {
        for f in NET_FILES.iter().chain(CA_DIRS) {
            if Path::new(f).exists() {
                implicit.push(MountSpec {
                    host: f.into(),
                    guest: f.into(),
                    ro: true,
                    origin: "the network defaults".into(),
                });
            }
        }
    }
}

/// The implicit mounts join the explicit ones where they do not overlap them. True if
/// the current directory was left out that way (a note for the user).
fn add_implicit(mounts: &mut Vec<MountSpec>, implicit: Vec<MountSpec>) -> bool {
    let mut cwd_note = false;
    for mut m in implicit {
        // Compared as the kernel will see them (/etc/localtime is a symlink into /usr).
        let Ok(host) = std::fs::canonicalize(&m.host) else {
            continue;
        };
        m.host = host;
        if !overlaps(mounts, &m) {
            mounts.push(m);
        } else if m.origin == "the current directory" {
            cwd_note = true;
        }
    }
    cwd_note
}

/// The compiled-code cache is native code the runtime will load: never the guest's.
fn hidden_cache() -> Vec<PathBuf> {
    crate::engine::cache_dir()
        .and_then(|d| {
            // Made now if missing: it must be hidden before the first compile fills it.
            let _ = std::fs::create_dir_all(&d);
            std::fs::canonicalize(d).ok()
        })
        .into_iter()
        .collect()
}

/// The skeleton directory (mount points of the guest's tree): beside the private /tmp,
/// or a private directory of its own.
fn skeleton(tmp: &Option<(PathBuf, PathBuf)>) -> Result<PathBuf, String> {
    Ok(match tmp {
        Some((host, _)) => {
            let s = skeleton_of(host);
            sweep(&skeleton_base());
            cleanup_at_exit(&s);
            s
        }
        None => private_dir(&skeleton_base(), "root")?,
    })
}

/// Where a guest under `--allow-exec` may look host programs up by name: the absolute
/// directories of the runtime's own `PATH` as the operator started it (never the
/// guest's, which it may set to anything), else the usual `/usr/local/bin:/usr/bin:/bin`.
/// The lookup is `stat`/`access` of `DIR/NAME` for a host program there, nothing more.
fn program_dirs() -> Vec<Vec<u8>> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    path.as_bytes()
        .split(|&c| c == b':')
        .filter(|d| d.first() == Some(&b'/'))
        .map(|d| {
            let mut d = d.to_vec();
            while d.len() > 1 && d.ends_with(b"/") {
                d.pop();
            }
            d
        })
        .collect()
}

/// An execve'd module runs under exactly this policy: the same file and flags, and the
/// mounts as they stand (the file's directories among them).
fn exec_flags(flags: &Flags, text_fd: Option<i32>, mounts: &[MountSpec]) -> Vec<String> {
    let mut exec_flags = vec!["--policy-exact".to_string()];
    if let Some(fd) = text_fd {
        // The text as read at start, never the file again: it may be in a grant the
        // guest writes.
        exec_flags.push(format!("--policy-fd={fd}"));
    }
    for m in mounts {
        exec_flags.push(format!(
            "--dir={}:{}{}",
            m.host.display(),
            m.guest.display(),
            if m.ro { ":ro" } else { "" }
        ));
    }
    match &flags.allow_net {
        Some(v) if v.is_empty() => exec_flags.push("--allow-net".into()),
        Some(v) => exec_flags.push(format!("--allow-net={}", v.join(","))),
        None => {}
    }
    if flags.allow_exec {
        exec_flags.push("--allow-exec".into());
    }
    if flags.allow_signals {
        exec_flags.push("--allow-signals".into());
    }
    exec_flags.extend(flags.limits.iter().map(|l| format!("--limit={l}")));
    exec_flags
}

/// Place the run's private temporary directory `host`: at /tmp, with a mount point made
/// in it for every mount below /tmp (the current directory when run from under /tmp, a
/// module there): the guest's /tmp is then writable and private, and the current
/// directory is still at its own path inside it, as a mount is. Only where /tmp itself
/// is taken (a grant at /tmp, /, or the current directory being /tmp) does the private
/// directory show at its host path (inside that grant, when it is the current one).
fn place_tmp(mounts: &mut Vec<MountSpec>, host: PathBuf) -> Result<(PathBuf, PathBuf), String> {
    let canon = std::fs::canonicalize(&host)
        .map_err(|e| format!("cannot make {}: {}", host.display(), e.kind()))?;
    let slash_tmp = Path::new("/tmp");
    let spec = MountSpec {
        host: canon.clone(),
        guest: slash_tmp.into(),
        ro: false,
        origin: "the private /tmp".into(),
    };
    let taken = mounts.iter().any(|m| {
        slash_tmp.starts_with(&m.guest) || m.host.starts_with(&canon) || canon.starts_with(&m.host)
    });
    if taken {
        let at_host = MountSpec {
            guest: host.clone(),
            ..spec
        };
        if !overlaps(mounts, &at_host) {
            mounts.push(at_host);
        }
        return Ok((host.clone(), host));
    }
    for m in mounts.iter() {
        let Ok(rel) = m.guest.strip_prefix(slash_tmp) else {
            continue;
        };
        let point = canon.join(rel);
        let err = |e: std::io::Error| format!("cannot make {}: {e}", point.display());
        if m.host.is_dir() {
            std::fs::create_dir_all(&point).map_err(err)?;
        } else {
            if let Some(parent) = point.parent() {
                std::fs::create_dir_all(parent).map_err(err)?;
            }
            std::fs::File::create(&point).map_err(err)?;
        }
    }
    mounts.push(spec);
    Ok((host, slash_tmp.into()))
}

/// The text in a sealed memfd that an exec'd runtime inherits (`--policy-fd`): not
/// close-on-exec, kept high and out of the guest's reach (runtime_fds).
fn sealed_text(text: &str) -> Result<i32, String> {
    let fail = |what: &str| {
        format!(
            "cannot keep the policy for execve ({what}): {}",
            std::io::Error::last_os_error()
        )
    };
    // SAFETY: a valid name; the new descriptor is owned here.
    let fd = unsafe { libc::memfd_create(c"wali-policy".as_ptr(), libc::MFD_ALLOW_SEALING) };
    if fd < 0 {
        return Err(fail("memfd_create"));
    }
    // SAFETY: fd is ours; the buffer is valid for its length.
    let n = unsafe { libc::write(fd, text.as_ptr().cast(), text.len()) };
    if n != text.len() as isize {
        // SAFETY: closing our own descriptor.
        unsafe { libc::close(fd) };
        return Err(fail("write"));
    }
    // SAFETY: fcntl on our own descriptor.
    unsafe {
        libc::fcntl(
            fd,
            libc::F_ADD_SEALS,
            libc::F_SEAL_WRITE | libc::F_SEAL_GROW | libc::F_SEAL_SHRINK | libc::F_SEAL_SEAL,
        );
    }
    Ok(keep_inherited(fd))
}

/// Move `fd` high, without close-on-exec (an exec'd runtime gets it), and register it as
/// the runtime's own.
pub fn keep_inherited(fd: i32) -> i32 {
    // SAFETY: duplicating and closing our own descriptor.
    let high = unsafe { libc::fcntl(fd, libc::F_DUPFD, 1024) };
    let kept = if high >= 0 {
        // SAFETY: as above.
        unsafe { libc::close(fd) };
        high
    } else {
        fd
    };
    wali_syscalls::runtime_fds::hide(kept);
    kept
}

/// The text of a sealed memfd handed over by an exec'ing runtime. It stays open (and
/// the runtime's) for the next execve.
fn handed_text(fd: i32) -> Result<String, String> {
    use std::os::fd::FromRawFd;
    use std::os::unix::fs::FileExt;
    wali_syscalls::runtime_fds::hide(fd);
    // SAFETY: the descriptor was handed over for this; ManuallyDrop keeps it open.
    let f = std::mem::ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(fd) });
    // pread: the file offset is shared with every runtime that inherited the descriptor.
    let mut buf = vec![0u8; 1 << 20];
    let mut n = 0;
    loop {
        match f.read_at(&mut buf[n..], n as u64) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(format!("--policy-fd {fd}: {e}")),
        }
        if n == buf.len() {
            return Err(format!("--policy-fd {fd}: larger than 1 MiB"));
        }
    }
    buf.truncate(n);
    String::from_utf8(buf).map_err(|_| format!("--policy-fd {fd}: not UTF-8"))
}

/// Where the skeleton of a run's file system goes: /dev/shm when it is there to write
/// (a tmpfs: the skeleton's dozen directories and stand-ins cost about 1 ms on a disk
/// file system, at every start and exit), else the temporary directory. The guest's
/// private /tmp stays in the temporary directory: its files may be large.
fn skeleton_base() -> PathBuf {
    let shm = Path::new("/dev/shm");
    // SAFETY: a valid NUL-terminated path.
    if unsafe { libc::access(c"/dev/shm".as_ptr(), libc::W_OK | libc::X_OK) } == 0 && shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    }
}

/// The skeleton that goes with private /tmp `host` (named after it, so that a run that
/// inherits the /tmp across an execve finds it, and a sweep finds it by the pid).
fn skeleton_of(host: &Path) -> PathBuf {
    skeleton_base().join(format!(
        "{}-root",
        host.file_name().unwrap_or_default().to_string_lossy()
    ))
}

/// A fresh directory of the run's (its private /tmp, the skeleton of its file system),
/// removed when the run ends.
fn private_dir(base: &Path, what: &str) -> Result<PathBuf, String> {
    use std::os::unix::fs::DirBuilderExt;
    sweep(base);
    for i in 0..100u32 {
        let d = base.join(format!("wali-run-{what}-{}-{i}", std::process::id()));
        match std::fs::DirBuilder::new().mode(0o700).create(&d) {
            Ok(()) => {
                let d = std::fs::canonicalize(&d).unwrap_or(d);
                cleanup_at_exit(&d);
                return Ok(d);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(format!(
                    "cannot make a private temporary directory in {}: {e}",
                    base.display()
                ))
            }
        }
    }
    Err(format!(
        "cannot make a private temporary directory in {}",
        base.display()
    ))
}

/// After an execve, the runtime that made this process's private directories is gone
/// (execve runs no exit hooks): the new one removes them at exit.
fn adopt(host: &Path) {
    let mine = format!("wali-run-tmp-{}-", std::process::id());
    if host
        .file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with(&mine))
    {
        cleanup_at_exit(host);
        cleanup_at_exit(&skeleton_of(host));
    }
}

/// Remove `d` when this process exits (not when a forked child does).
fn cleanup_at_exit(d: &Path) {
    let mut v = TMP.lock().unwrap_or_else(|e| e.into_inner());
    if v.is_empty() {
        // SAFETY: a plain function pointer, run at exit.
        unsafe { libc::atexit(remove_tmp) };
    }
    v.push((std::process::id(), d.to_path_buf()));
}

/// Remove private directories whose runs are gone without their exit hooks (killed by a
/// signal): their names carry the pid.
fn sweep(base: &Path) {
    static SWEPT: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());
    {
        let mut done = SWEPT.lock().unwrap_or_else(|e| e.into_inner());
        if done.iter().any(|d| d == base) {
            return;
        }
        done.push(base.to_path_buf());
    }
    {
        let Ok(rd) = std::fs::read_dir(base) else {
            return;
        };
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(rest) = name
                .strip_prefix("wali-run-tmp-")
                .or_else(|| name.strip_prefix("wali-run-root-"))
            else {
                continue;
            };
            let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<i32>().ok()) else {
                continue;
            };
            // SAFETY: signal 0 only asks whether the process exists.
            let gone = unsafe { libc::kill(pid, 0) } != 0
                && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH);
            if gone {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
}

static TMP: std::sync::Mutex<Vec<(u32, PathBuf)>> = std::sync::Mutex::new(Vec::new());

/// At exit of the process that made them (not of forked children).
extern "C" fn remove_tmp() {
    let v = TMP.lock().unwrap_or_else(|e| e.into_inner());
    for (pid, d) in v.iter() {
        if *pid == std::process::id() {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

fn spec(host: &Path, guest: Option<&str>, ro: bool, origin: &str) -> Result<MountSpec, String> {
    if !host.exists() {
        return Err(format!(
            "{origin}: cannot grant {}: no such file or directory",
            host.display()
        ));
    }
    let canon = std::fs::canonicalize(host)
        .map_err(|e| format!("{origin}: cannot grant {}: {}", host.display(), e.kind()))?;
    let guest = match guest {
        Some(g) => PathBuf::from(g),
        None => canon.clone(),
    };
    if !guest.is_absolute() {
        return Err(format!(
            "{origin}: the guest path {} must be absolute",
            guest.display()
        ));
    }
    Ok(MountSpec {
        host: canon,
        guest,
        ro,
        origin: origin.to_string(),
    })
}

/// `HOST[:GUEST][:ro]` (or `:rw`).
fn parse_dir_flag(s: &str) -> Result<MountSpec, String> {
    let origin = format!("--dir {s}");
    if s.is_empty() {
        return Err("--dir wants HOST[:GUEST][:ro], got an empty value".into());
    }
    let mut parts: Vec<&str> = s.split(':').collect();
    let mut ro = false;
    if parts.len() > 1 {
        match *parts.last().expect("non-empty") {
            "ro" => {
                ro = true;
                parts.pop();
            }
            "rw" => {
                parts.pop();
            }
            _ => {}
        }
    }
    let (host, guest) = match parts.as_slice() {
        [h] => (*h, None),
        [h, g] => (*h, Some(*g)),
        _ => {
            return Err(format!(
                "{origin}: wants HOST[:GUEST][:ro] (a path with ':' needs a policy file)"
            ))
        }
    };
    if host.is_empty() || guest.is_some_and(str::is_empty) {
        return Err(format!("{origin}: wants HOST[:GUEST][:ro]"));
    }
    spec(Path::new(host), guest, ro, &origin)
}

fn covers(mounts: &[MountSpec], host: &Path, ro: bool) -> bool {
    let h = std::fs::canonicalize(host).unwrap_or_else(|_| host.to_path_buf());
    mounts
        .iter()
        .any(|m| h.starts_with(&m.host) && (ro || !m.ro) && m.guest == m.host)
}

/// `m` would nest with (or repeat) one of `mounts`, on either side.
fn overlaps(mounts: &[MountSpec], m: &MountSpec) -> bool {
    mounts.iter().any(|o| {
        o.host.starts_with(&m.host)
            || m.host.starts_with(&o.host)
            || o.guest.starts_with(&m.guest)
            || m.guest.starts_with(&o.guest)
    })
}

/// `HOST:PORT`, `[V6]:PORT`, `*:PORT`, `HOST` (any port), `*`; PORT may be `*` or `A-B`.
fn parse_net(s: &str, origin: &str) -> Result<Vec<NetRule>, String> {
    let bad = |why: &str| format!("{origin}: bad address {s:?}: {why}");
    let s = s.trim();
    if s == "*" {
        return Ok(vec![NetRule::ANY]);
    }
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (h, p) = rest.split_once(']').ok_or_else(|| bad("missing ]"))?;
        (h, p.strip_prefix(':'))
    } else {
        match s.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        }
    };
    let ports = match port {
        None | Some("*") => (0, u16::MAX),
        Some(p) => match p.split_once('-') {
            Some((a, b)) => {
                let a: u16 = a.parse().map_err(|_| bad("port must be 0-65535"))?;
                let b: u16 = b.parse().map_err(|_| bad("port must be 0-65535"))?;
                if a > b {
                    return Err(bad("empty port range"));
                }
                (a, b)
            }
            None => {
                let n: u16 = p
                    .parse()
                    .map_err(|_| bad("port must be 0-65535, * or A-B"))?;
                (n, n)
            }
        },
    };
    if host == "*" {
        return Ok(vec![NetRule { ip: None, ports }]);
    }
    if host.is_empty() {
        return Err(bad("no host"));
    }
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![NetRule {
            ip: Some(ip),
            ports,
        }]);
    }
    let addrs: Vec<SocketAddr> = (host, 0)
        .to_socket_addrs()
        .map_err(|e| bad(&format!("cannot resolve {host}: {e}")))?
        .collect();
    if addrs.is_empty() {
        return Err(bad(&format!("{host} has no address")));
    }
    Ok(addrs
        .into_iter()
        .map(|a| NetRule {
            ip: Some(a.ip()),
            ports,
        })
        .collect())
}

fn parse_size(v: &str, what: &str) -> Result<u64, String> {
    let v = v.trim();
    let (num, mul) = match v.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((i, _)) => {
            let m = match v[i..]
                .to_ascii_uppercase()
                .trim_end_matches("IB")
                .trim_end_matches('B')
            {
                "" => 1,
                "K" => 1 << 10,
                "M" => 1 << 20,
                "G" => 1 << 30,
                _ => return Err(format!("{what}: bad size {v:?} (use e.g. 512M or 2G)")),
            };
            (&v[..i], m)
        }
        None => (v, 1),
    };
    let n: u64 = num
        .trim()
        .parse()
        .map_err(|_| format!("{what}: bad size {v:?} (use e.g. 512M or 2G)"))?;
    n.checked_mul(mul)
        .ok_or_else(|| format!("{what}: {v:?} is too large"))
}

fn parse_limits(file: &LimitsSection, flags: &[String]) -> Result<Limits, String> {
    // threads and processes: Some(None) is "unlimited", None "not said" (the default).
    let (mut threads, mut processes) = (file.threads.map(Cap::get), file.processes.map(Cap::get));
    let mut l = Limits {
        threads: None,
        fds: file.fds,
        memory: match &file.memory {
            None => None,
            Some(toml::Value::Integer(n)) if *n > 0 => Some(*n as u64),
            Some(toml::Value::String(s)) => Some(parse_size(s, "[limits] memory")?),
            Some(v) => {
                return Err(format!(
                    "[limits] memory: bad value {v} (use e.g. \"512M\")"
                ))
            }
        },
        processes: None,
        cpu: file.cpu,
    };
    for f in flags {
        let Some((k, v)) = f.split_once('=') else {
            return Err(format!(
                "--limit wants KEY=VALUE (threads, fds, memory, processes, cpu), got {f:?}"
            ));
        };
        let num = |v: &str| -> Result<u64, String> {
            v.parse::<u64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("--limit {k}: wants a positive number, got {v:?}"))
        };
        let cap = |v: &str| -> Result<Option<u32>, String> {
            if v == "unlimited" {
                return Ok(None);
            }
            Ok(Some(num(v)?.min(u32::MAX as u64) as u32))
        };
        match k {
            "threads" => threads = Some(cap(v)?),
            "fds" => l.fds = Some(num(v)?),
            "memory" => l.memory = Some(parse_size(v, "--limit memory")?),
            "processes" => processes = Some(cap(v)?),
            "cpu" => l.cpu = Some(num(v)?),
            _ => {
                return Err(format!(
                    "--limit: unknown limit {k:?} (threads, fds, memory, processes, cpu)"
                ))
            }
        }
    }
    l.threads = threads.unwrap_or(Some(Limits::DEFAULT_THREADS));
    l.processes = processes.unwrap_or(Some(Limits::DEFAULT_PROCESSES));
    Ok(l)
}

fn parse_action(v: &str) -> Option<Action> {
    Some(match v {
        "allow" => Action::Allow,
        "log" => Action::Log,
        "trap" => Action::Trap,
        "deny" => Action::Deny(errno::EPERM),
        _ => {
            let e = v.strip_prefix("deny:")?;
            let n = (1..134).find(|n| errno::name(*n) == Some(e))?;
            Action::Deny(errno::Errno(n))
        }
    })
}

fn parse_actions(t: &BTreeMap<String, String>, fname: &str) -> Result<Vec<Action>, String> {
    if t.is_empty() {
        return Ok(Vec::new());
    }
    let mut actions = vec![Action::Allow; SYSCALLS.len()];
    // Categories first, then single syscalls, whatever the file's order.
    for pass in 0..2 {
        for (k, v) in t {
            let a = parse_action(v).ok_or_else(|| {
                format!("{fname} [syscalls] {k} = {v:?}: the action must be allow, deny, deny:ERRNO (e.g. deny:ENOSYS), log or trap")
            })?;
            let cat = Category::by_name(k);
            match (pass, cat) {
                (0, Some(c)) => {
                    for (i, s) in SYSCALLS.iter().enumerate() {
                        if s.category == c {
                            actions[i] = a;
                        }
                    }
                }
                (1, None) => {
                    let i = SYSCALLS.iter().position(|s| s.name == k).ok_or_else(|| {
                        format!("{fname} [syscalls]: unknown syscall or category {k:?} (see wali-run --list-syscalls)")
                    })?;
                    actions[i] = a;
                }
                _ => {}
            }
        }
    }
    Ok(actions)
}
