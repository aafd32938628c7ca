//! The OCI container as wali-run's flags. The run happens in the container's first
//! process after libcontainer has applied the spec (mounts, namespaces, cgroup,
//! rlimits, working directory), so what the spec asked for is read back from there:
//! each volume's mount point and read-only flag from /proc/self/mountinfo, the limits
//! from the cgroup and getrlimit. runwasi's context gives the args and the environment.

use anyhow::{bail, Result};
use std::ffi::OsString;

/// The spec's environment variable that narrows the guest's network (it is not passed
/// to the guest): `none`, or wali-run's `--allow-net` list (`127.0.0.1:8080,*:443`).
/// Without it the guest has the network the container has (the pod's network
/// namespace is the boundary, as for any container).
pub const ALLOW_NET: &str = "WALI_ALLOW_NET";

/// What the container gives, read inside it.
#[derive(Debug, Default, PartialEq)]
pub struct Found {
    /// Volume mount points with their read-only flag, outermost only (wali-run's grants
    /// may not nest, and a volume's sub-mounts are reachable through it).
    pub mounts: Vec<(String, bool)>,
    /// The cgroup's memory limit in bytes.
    pub memory: Option<u64>,
    /// The cgroup's task limit.
    pub pids: Option<u64>,
    /// RLIMIT_NOFILE's soft limit.
    pub nofile: Option<u64>,
    /// RLIMIT_CPU's soft limit in seconds.
    pub cpu: Option<u64>,
}

impl Found {
    /// Read from the running container; `host_cgroup` is the host's cgroup file system
    /// as the shim opened it (a container may have none mounted: ctr's default spec).
    pub fn here(host_cgroup: Option<String>) -> Found {
        let roots: Vec<String> = ["/sys/fs/cgroup".to_string()]
            .into_iter()
            .chain(host_cgroup)
            .collect();
        let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
        let own = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
        Found {
            mounts: volumes(&mountinfo),
            memory: cgroup_limit(
                &roots,
                &own,
                &[("", "memory.max"), ("memory", "memory.limit_in_bytes")],
            ),
            pids: cgroup_limit(&roots, &own, &[("", "pids.max"), ("pids", "pids.max")]),
            nofile: rlimit(libc::RLIMIT_NOFILE),
            cpu: rlimit(libc::RLIMIT_CPU),
        }
    }
}

/// The mount points under which the container runtime puts its own mounts (and /run,
/// the tmpfs containerd's default spec adds).
fn system_mount(p: &str) -> bool {
    p == "/"
        || p == "/run"
        || ["/proc", "/sys", "/dev"]
            .iter()
            .any(|s| p == *s || p.strip_prefix(s).is_some_and(|r| r.starts_with('/')))
        || ["/etc/hosts", "/etc/hostname", "/etc/resolv.conf"].contains(&p)
}

/// mountinfo escapes space, tab, newline and backslash as `\ooo`.
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 3 < b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            out.push((b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0'));
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The volumes in a mountinfo text: (mount point, read-only), outermost, in order.
pub fn volumes(mountinfo: &str) -> Vec<(String, bool)> {
    let mut all: Vec<(String, bool)> = Vec::new();
    for line in mountinfo.lines() {
        let f: Vec<&str> = line.split(' ').collect();
        if f.len() < 6 {
            continue;
        }
        let point = unescape(f[4]);
        if system_mount(&point) {
            continue;
        }
        let ro = f[5].split(',').any(|o| o == "ro");
        // A later mount on the same point hides the earlier one.
        all.retain(|(p, _)| *p != point);
        all.push((point, ro));
    }
    let inside = |p: &str, q: &str| p.strip_prefix(q).is_some_and(|r| r.starts_with('/'));
    all.iter()
        .filter(|(p, _)| !all.iter().any(|(q, _)| inside(p, q)))
        .cloned()
        .collect()
}

/// A cgroup limit: the first of `(v1 controller, file)` that reads as a number (v2's
/// unified hierarchy first, controller ""), in this process's own cgroup as `own` (the
/// text of /proc/self/cgroup) names it (cgroup v1 has no namespace: the container sees
/// the whole hierarchy), then at the mount's root (a cgroup namespace); "max" and v1's
/// near-2^63 mean none.
fn cgroup_limit(roots: &[String], own: &str, files: &[(&str, &str)]) -> Option<u64> {
    let paths: Vec<Option<&str>> = files.iter().map(|(ctl, _)| own_path(own, ctl)).collect();
    for root in roots {
        for ((ctl, file), path) in files.iter().zip(&paths) {
            let base = if ctl.is_empty() {
                root.clone()
            } else {
                format!("{root}/{ctl}")
            };
            let dirs = path
                .filter(|p| *p != "/")
                .map(|p| format!("{base}{p}"))
                .into_iter()
                .chain([base.clone()]);
            for dir in dirs {
                if let Ok(t) = std::fs::read_to_string(format!("{dir}/{file}")) {
                    let t = t.trim();
                    if t == "max" {
                        return None;
                    }
                    if let Ok(n) = t.parse::<u64>() {
                        return (n < 1 << 60).then_some(n);
                    }
                }
            }
        }
    }
    None
}

/// The cgroup path of v1 controller `ctl` (v2's hierarchy: "") in `own`, the text of
/// /proc/self/cgroup (`ID:CONTROLLERS:PATH` lines).
fn own_path<'a>(own: &'a str, ctl: &str) -> Option<&'a str> {
    own.lines().find_map(|l| {
        let mut f = l.splitn(3, ':');
        let (_, ctls, path) = (f.next()?, f.next()?, f.next()?);
        let mine = if ctl.is_empty() {
            ctls.is_empty()
        } else {
            ctls.split(',').any(|c| c == ctl)
        };
        mine.then_some(path)
    })
}

fn rlimit(which: libc::__rlimit_resource_t) -> Option<u64> {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: a valid out-pointer.
    let ok = unsafe { libc::getrlimit(which, &mut r) } == 0;
    (ok && r.rlim_cur != libc::RLIM_INFINITY).then_some(r.rlim_cur)
}

/// wali-run's command line for the container: `module` is the file to run (the spec's
/// args[0], or a memfd's path for an image's wasm layer), `args` and `envs` the spec's
/// process args and environment.
pub fn wali_argv(
    module: OsString,
    args: &[String],
    envs: &[String],
    found: &Found,
) -> Result<Vec<OsString>> {
    let mut argv: Vec<OsString> = vec!["wali-run".into(), "--env-clear".into()];
    let mut net = Some(String::new());
    for kv in envs {
        match kv.split_once('=') {
            Some((ALLOW_NET, "none")) => net = None,
            Some((ALLOW_NET, list)) if !list.is_empty() => net = Some(list.to_string()),
            Some((ALLOW_NET, _)) => bail!("{ALLOW_NET}: wants none or HOST:PORT,..."),
            Some((k, _)) if !k.is_empty() => argv.push(format!("--env={kv}").into()),
            // Not KEY=VALUE: the guest could not have it either.
            _ => {}
        }
    }
    match net {
        Some(l) if l.is_empty() => argv.push("--allow-net".into()),
        Some(l) => argv.push(format!("--allow-net={l}").into()),
        None => {}
    }
    for (p, ro) in &found.mounts {
        let ro = if *ro { ":ro" } else { "" };
        argv.push(format!("--dir={p}:{p}{ro}").into());
    }
    let limits = [
        ("memory", found.memory),
        ("processes", found.pids),
        ("fds", found.nofile),
        ("cpu", found.cpu),
    ];
    for (k, v) in limits {
        if let Some(n) = v.filter(|n| *n > 0) {
            argv.push(format!("--limit={k}={n}").into());
        }
    }
    let from_file = args.first().is_some_and(|a0| module == OsString::from(a0));
    if !from_file {
        // A wasm layer runs from a memfd: argv[0] is still the image's.
        if let Some(a0) = args.first() {
            argv.push(format!("--argv0={a0}").into());
        }
    }
    argv.push(module);
    argv.extend(args.iter().skip(1).map(OsString::from));
    Ok(argv)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOUNTINFO: &str = "\
620 540 0:53 / / rw,relatime - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w
621 620 0:56 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw
622 620 0:57 / /dev rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755
623 622 0:58 / /dev/pts rw,nosuid,noexec,relatime - devpts devpts rw
626 620 0:61 / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs ro
630 620 8:1 /srv/data /data ro,relatime - ext4 /dev/sda1 rw
631 630 8:1 /srv/data/x /data/x rw,relatime - ext4 /dev/sda1 rw
632 620 8:1 /srv/my\\040dir /my\\040dir rw,relatime - ext4 /dev/sda1 rw
633 620 8:1 /h /etc/hosts rw,relatime - ext4 /dev/sda1 rw
634 621 0:5 /null /proc/kcore rw,nosuid - tmpfs tmpfs rw
";

    #[test]
    fn volumes_are_the_mounts_outside_the_runtime_own_outermost_first() {
        assert_eq!(
            volumes(MOUNTINFO),
            vec![("/data".to_string(), true), ("/my dir".to_string(), false)]
        );
    }

    fn strs(v: &[OsString]) -> Vec<&str> {
        v.iter().map(|s| s.to_str().unwrap()).collect()
    }

    #[test]
    fn the_spec_becomes_wali_run_flags() {
        let found = Found {
            mounts: vec![("/data".into(), true), ("/out".into(), false)],
            memory: Some(256 << 20),
            pids: Some(100),
            nofile: Some(1024),
            cpu: None,
        };
        let argv = wali_argv(
            "/app.wasm".into(),
            &["/app.wasm".into(), "-v".into()],
            &["PATH=/bin".into(), "A=b=c".into(), "junk".into()],
            &found,
        )
        .unwrap();
        assert_eq!(
            strs(&argv),
            [
                "wali-run",
                "--env-clear",
                "--env=PATH=/bin",
                "--env=A=b=c",
                "--allow-net",
                "--dir=/data:/data:ro",
                "--dir=/out:/out",
                "--limit=memory=268435456",
                "--limit=processes=100",
                "--limit=fds=1024",
                "/app.wasm",
                "-v"
            ]
        );
    }

    #[test]
    fn cgroup_limits_from_the_own_cgroup_then_the_root_v2_first() {
        let t = std::env::temp_dir().join(format!("wali-shim-cgroup-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&t);
        let put = |p: &str, v: &str| {
            let f = t.join(p);
            std::fs::create_dir_all(f.parent().unwrap()).unwrap();
            std::fs::write(f, v).unwrap();
        };
        // v1: the memory controller shares a hierarchy with cpu; pids has only a root
        // limit; v1's "no limit" is near 2^63.
        put("v1/memory/pod/c1/memory.limit_in_bytes", "268435456\n");
        put("v1/memory/memory.limit_in_bytes", "9223372036854771712\n");
        put("v1/pids/pids.max", "100\n");
        let v1 = vec![t.join("v1").display().to_string()];
        let own = "12:pids:/pod/c1\n4:memory,cpu:/pod/c1\n0::/\n";
        let mem = [("", "memory.max"), ("memory", "memory.limit_in_bytes")];
        let pids = [("", "pids.max"), ("pids", "pids.max")];
        assert_eq!(cgroup_limit(&v1, own, &mem), Some(256 << 20));
        assert_eq!(cgroup_limit(&v1, own, &pids), Some(100));
        assert_eq!(cgroup_limit(&v1, "4:memory:/\n", &mem), None);
        // v2: "max" is none; the first root that answers wins.
        put("v2/pod/c1/memory.max", "max\n");
        put("v2/pod/c1/pids.max", "64\n");
        let v2 = vec![
            t.join("none").display().to_string(),
            t.join("v2").display().to_string(),
        ];
        let own = "0::/pod/c1\n";
        assert_eq!(cgroup_limit(&v2, own, &mem), None);
        assert_eq!(cgroup_limit(&v2, own, &pids), Some(64));
        assert_eq!(cgroup_limit(&v2, "", &pids), None);
        let _ = std::fs::remove_dir_all(&t);
    }

    #[test]
    fn the_network_narrows_with_wali_allow_net_and_a_layer_keeps_argv0() {
        let f = Found::default();
        let argv = wali_argv(
            "/proc/self/fd/9".into(),
            &["app.wasm".into()],
            &["WALI_ALLOW_NET=127.0.0.1:8080".into()],
            &f,
        )
        .unwrap();
        assert_eq!(
            strs(&argv),
            [
                "wali-run",
                "--env-clear",
                "--allow-net=127.0.0.1:8080",
                "--argv0=app.wasm",
                "/proc/self/fd/9"
            ]
        );
        let argv = wali_argv(
            "/a".into(),
            &["/a".into()],
            &["WALI_ALLOW_NET=none".into()],
            &f,
        )
        .unwrap();
        assert_eq!(strs(&argv), ["wali-run", "--env-clear", "/a"]);
        assert!(wali_argv("/a".into(), &[], &["WALI_ALLOW_NET=".into()], &f).is_err());
    }
}
