#!/usr/bin/env python3
"""The sandbox escape corpus runner (see README.md).

Every conformance/escape/*.c is one attack. It is built with wali-cc and run three times,
each in a fresh pair of directories (INSIDE, the cwd, and OUTSIDE, argv[1]):

  default  no flags but the program's `// flags:`            must exit 1 (contained)
  policy   --policy FILE, a written policy equivalent to
           the default plus the program's `// flags:`         must exit 1 (contained)
  grant    the program's `// grant:` flags                    must exit 0 (escaped);
           `grant: none` runs with --allow-all and must still exit 1

After the default and policy runs the OUTSIDE tree must be unchanged (names, types,
contents, modes, owners, mtimes, symlink targets). A runtime crash (a signal, or status
134/139) is a failure in every mode. A program that declares `// stderr: limit` must
also make the runtime say "limit" on stderr when contained; `// status: any` accepts any
non-zero, non-crash end as contained (a process the runtime stopped cannot report).

usage: run.py [--wali-run PATH] [--wali-cc PATH] [--jobs N] [--modes default,policy,grant]
              [--presandbox] [-v] [names...]
Prints PASS/FAIL per program and mode and "N passed, N failed (P programs)"; exits 1 on
any failure. --presandbox is for a runtime without the sandbox flags: it runs only the
grant mode with every flag dropped (such a runtime is --allow-all), which checks that
each attack works when nothing stops it.
"""
import argparse, concurrent.futures as cf, hashlib, os, re, shutil, socket, stat, subprocess
import sys, tempfile, threading, time

here = os.path.dirname(os.path.abspath(__file__))
repo = os.path.dirname(os.path.dirname(here))

ap = argparse.ArgumentParser()
ap.add_argument("--wali-run", default=os.environ.get("WALI_RUN", os.path.join(repo, "build/bin/wali-run")))
ap.add_argument("--wali-cc", default=os.path.join(repo, "toolchain/wali-cc"))
ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
ap.add_argument("--modes", default="default,policy,grant")
ap.add_argument("--presandbox", action="store_true")
ap.add_argument("--timeout", type=int, default=60)
ap.add_argument("-v", "--verbose", action="store_true", help="print each run's output line")
ap.add_argument("names", nargs="*")
args = ap.parse_args()
args.wali_run = os.path.abspath(args.wali_run)
args.wali_cc = os.path.abspath(args.wali_cc)
modes = ["grant"] if args.presandbox else args.modes.split(",")
cache = os.path.expanduser("~/.cache/wali-run/escape")
os.makedirs(cache, exist_ok=True)


def headers(src):
    h = {}
    for line in open(src):
        m = re.match(r"//\s*(attack|grant|flags|stderr|status|cache|fixture|victim):\s*(.*)", line)
        if m:
            k, v = m.group(1), m.group(2).strip()
            h[k] = (h[k] + " " + v) if k in h and k == "attack" else v
        elif not line.startswith("//"):
            break
    return h


# ---------------------------------------------------------------- build

def toolchain_id():
    """Changes when wali-cc or the sysroot's libc changes."""
    parts = []
    for p in (args.wali_cc, os.path.join(repo, "build/sysroot/lib/libc.a"),
              os.path.join(repo, "build/sysroot/lib/crt1.o")):
        try:
            st = os.stat(p)
            parts.append(f"{p}:{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            parts.append(p)
    return "\n".join(parts)


TOOLCHAIN = toolchain_id()
HEADER = b"".join(open(os.path.join(here, f), "rb").read() for f in ("escape.h", "../errname.h"))


def build(src):
    h = hashlib.sha256(open(src, "rb").read() + HEADER + TOOLCHAIN.encode()).hexdigest()[:24]
    wasm = os.path.join(cache, f"{os.path.basename(src)[:-2]}-{h}.wasm")
    if os.path.exists(wasm):
        return wasm, None
    tmp = wasm + f".{os.getpid()}.tmp"
    b = subprocess.run([args.wali_cc, "-O1", "-Wall", "-Werror=implicit-function-declaration",
                        "-o", tmp, src], capture_output=True, text=True)
    if b.returncode:
        return None, b.stderr
    os.replace(tmp, wasm)
    return wasm, None


def cwasm_fixture():
    """fixtures/escaped.c compiled ahead of time (`wali-run compile`): a .cwasm, native
    code, that exits 0 saying it ran. Programs with `// fixture: cwasm` find it in the
    cwd as payload.cwasm; no guest may ever get the runtime to load it."""
    src = os.path.join(here, "fixtures", "escaped.c")
    st = os.stat(args.wali_run)
    key = open(src, "rb").read() + TOOLCHAIN.encode() + f"{st.st_size}:{st.st_mtime_ns}".encode()
    out = os.path.join(cache, "escaped-" + hashlib.sha256(key).hexdigest()[:24] + ".cwasm")
    if not os.path.exists(out):
        wasm = out[:-6] + ".wasm"
        for cmd in ([args.wali_cc, "-O1", "-o", wasm, src],
                    [args.wali_run, "compile", wasm, "-o", out + ".tmp"]):
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode:
                raise SystemExit(f"fixture: {' '.join(cmd)} failed:\n{r.stderr}")
        os.replace(out + ".tmp", out)
    return out


# ---------------------------------------------------------------- listeners

def free_port(kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def accept_forever(srv):
    while True:
        try:
            c, _ = srv.accept()
            c.close()
        except OSError:
            return


def listen_tcp():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(128)
    threading.Thread(target=accept_forever, args=(s,), daemon=True).start()
    return s, s.getsockname()[1]


tcp1, PORT = listen_tcp()
tcp2, PORT2 = listen_tcp()
FREEPORT = free_port()
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("127.0.0.1", 0))
UDPPORT = udp.getsockname()[1]
abstract = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
abstract.bind(f"\0wali-escape-{PORT}")
abstract.listen(128)
threading.Thread(target=accept_forever, args=(abstract,), daemon=True).start()


def drain_udp():
    while True:
        try:
            udp.recv(65536)
        except OSError:
            return


threading.Thread(target=drain_udp, daemon=True).start()

# ---------------------------------------------------------------- the two directories

SECRET = "WALI-ESCAPE-SECRET-7f3a9c"


def make_dirs():
    """A fresh base with INSIDE (the cwd) and OUTSIDE = INSIDE + "-outside" (so a
    prefix check without a separator is also tested by every absolute-path attack)."""
    base = tempfile.mkdtemp(prefix="wali-escape-")
    inside = os.path.join(base, "box")
    outside = inside + "-outside"
    os.mkdir(inside)
    os.mkdir(outside)
    with open(os.path.join(outside, "secret"), "w") as f:
        f.write(SECRET + "\n")
    os.chmod(os.path.join(outside, "secret"), 0o644)
    os.mkdir(os.path.join(outside, "sub"))
    with open(os.path.join(outside, "sub", "inner"), "w") as f:
        f.write("inner\n")
    os.symlink("../secret", os.path.join(outside, "sub", "uplink"))
    os.mkdir(os.path.join(outside, "empty"))
    os.symlink("secret", os.path.join(outside, "link"))
    ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    ls.bind(os.path.join(outside, "listen.sock"))
    ls.listen(16)
    # Directory mtimes settle before the snapshot.
    return base, inside, outside, ls


def snapshot(root):
    """Everything an attack could change, except access times."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in [""] + sorted(dirnames + filenames):
            p = os.path.join(dirpath, name) if name else dirpath
            rel = os.path.relpath(p, root)
            try:
                st = os.lstat(p)
            except OSError as e:
                out[rel] = f"lstat error {e.errno}"
                continue
            d = (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid,
                 st.st_mtime_ns, st.st_nlink)
            if stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    d += (st.st_size, hashlib.sha256(f.read()).hexdigest())
            elif stat.S_ISLNK(st.st_mode):
                d += (os.readlink(p),)
            out[rel] = d
    return out


def diff_snap(a, b):
    lines = []
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            lines.append(f"{k}: {a.get(k, '(absent)')} -> {b.get(k, '(absent)')}")
    return lines


# ---------------------------------------------------------------- flags and policies

def expand(text, inside, outside):
    return (text.replace("{outside}", outside).replace("{inside}", inside)
            .replace("{port}", str(PORT)).replace("{port2}", str(PORT2))
            .replace("{freeport}", str(FREEPORT)).replace("{udpport}", str(UDPPORT)))


def toml_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def policy_for(flags):
    """A policy file equivalent to the default plus these command-line flags."""
    dirs, limits, connect, bind = [], [], None, None
    exec_, signals = "false", "false"
    it = iter(flags)
    for f in it:
        if f == "--dir" or f.startswith("--dir="):
            spec = next(it) if f == "--dir" else f[6:]
            parts = spec.split(":")
            ro = parts[-1] == "ro" and len(parts) > 1
            if ro:
                parts = parts[:-1]
            host = parts[0]
            guest = parts[1] if len(parts) > 1 else host
            dirs.append(f"  {{ host = {toml_str(host)}, guest = {toml_str(guest)}, ro = {'true' if ro else 'false'} }},")
        elif f == "--limit" or f.startswith("--limit="):
            k, _, v = (next(it) if f == "--limit" else f[8:]).partition("=")
            limits.append(f"{k} = {v if v.isdigit() else toml_str(v)}")
        elif f == "--allow-net":
            connect = bind = ['"*"']
        elif f.startswith("--allow-net="):
            connect = bind = [toml_str(a) for a in f[12:].split(",")]
        elif f == "--allow-exec":
            exec_ = "true"
        elif f == "--allow-signals":
            signals = "true"
        else:
            raise ValueError(f"no policy form for flag {f}")
    t = ["# Written by conformance/escape/run.py: the default policy, spelled out.",
         "[fs]", "cwd = true"]
    if dirs:
        t += ["dirs = ["] + dirs + ["]"]
    t += ["", "[net]", f"connect = [{', '.join(connect or [])}]", f"bind = [{', '.join(bind or [])}]",
          "", "[process]", f"exec = {exec_}", "fork = true", f"signals = {signals}"]
    if limits:
        t += ["", "[limits]"] + limits
    return "\n".join(t) + "\n"


def split_flags(s):
    # Flags are simple: whitespace-separated, no quoting needed.
    return s.split() if s else []


# ---------------------------------------------------------------- the victim

# A process the guest did not create (`// victim: yes`): in a session and process group
# of its own, it notes every signal it gets in INSIDE/.victim-hit, where the program
# looks. With `// victim: tty` it also holds a pty as its controlling terminal (it is the
# foreground group) and the runtime's stdin is the same pty (its slave end).
VICTIM_SRC = r"""
import os, signal, sys, time
flag = sys.argv[1]
def hit(sig, frame):
    with open(flag, "a") as f:
        f.write("%d\n" % sig)
for s in (signal.SIGUSR1, signal.SIGUSR2, signal.SIGURG, signal.SIGIO, signal.SIGWINCH,
          signal.SIGHUP, signal.SIGCONT, signal.SIGINT, signal.SIGTERM):
    signal.signal(s, hit)
if len(sys.argv) > 2:
    # A session leader without a terminal: opening one makes it ours, and us its
    # foreground process group.
    os.open(sys.argv[2], os.O_RDWR)
print("ready", flush=True)
end = time.time() + 120
while time.time() < end:
    time.sleep(0.05)
"""


def start_victim(inside, tty):
    """The victim process and the runtime's stdin (a pty slave, or None)."""
    args_ = [sys.executable, "-c", VICTIM_SRC, os.path.join(inside, ".victim-hit")]
    master = slave = None
    if tty:
        master, slave = os.openpty()
        args_.append(os.ttyname(slave))
    v = subprocess.Popen(args_, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         start_new_session=True)
    v.stdout.readline()  # "ready"
    return v, master, slave


# ---------------------------------------------------------------- System V objects

# `// fixture: sysv`: objects the guest did not create, made by the harness (another
# process, as a database's or an X server's would be): a shared memory segment holding
# the secret, a message queue holding it as a message, and a semaphore set. Their keys
# are SYSV_KEY + 0, 1, 2 (the program computes them from PORT); their ids are in
# INSIDE/.sysv ("shmid msqid semid"). A guest that reads the secret through any of them,
# or changes or removes one, escaped.
SYSV_KEY = 0x57a10000 | (PORT & 0xfff) << 4


def sysv_libc():
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.shmat.restype = ctypes.c_void_p
    libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
    libc.shmdt.argtypes = [ctypes.c_void_p]
    return libc, ctypes


def sysv_make(inside):
    libc, ctypes = sysv_libc()
    sysv_remove()
    secret = SECRET.encode()
    shm = libc.shmget(SYSV_KEY, 4096, 0o1000 | 0o2000 | 0o600)
    msq = libc.msgget(SYSV_KEY + 1, 0o1000 | 0o2000 | 0o600)
    sem = libc.semget(SYSV_KEY + 2, 1, 0o1000 | 0o2000 | 0o600)
    if min(shm, msq, sem) < 0:
        raise SystemExit(f"fixture: sysv objects: errno {ctypes.get_errno()}")
    p = libc.shmat(shm, None, 0)
    ctypes.memmove(p, secret, len(secret))
    libc.shmdt(p)
    buf = ctypes.create_string_buffer(8 + len(secret))
    ctypes.memmove(ctypes.addressof(buf), (1).to_bytes(8, "little"), 8)
    ctypes.memmove(ctypes.addressof(buf) + 8, secret, len(secret))
    libc.msgsnd(msq, buf, len(secret), 0)
    libc.semctl(sem, 0, 16, 7)  # SETVAL 7
    with open(os.path.join(inside, ".sysv"), "w") as f:
        f.write(f"{shm} {msq} {sem}\n")
    return shm, msq, sem


def sysv_intact(ids):
    """What an attack could have changed: each object's existence, mode and contents."""
    libc, ctypes = sysv_libc()
    shm, msq, sem = ids
    problems = []
    p = libc.shmat(shm, None, 0)
    if p in (None, 2**64 - 1):
        problems.append("the harness's shared memory segment is gone")
    else:
        if ctypes.string_at(p, len(SECRET)) != SECRET.encode():
            problems.append("the harness's shared memory segment was written")
        libc.shmdt(p)
    ds = ctypes.create_string_buffer(128)
    if libc.msgctl(msq, 2, ds) < 0:
        problems.append("the harness's message queue is gone")
    elif int.from_bytes(ds.raw[80:88], "little") != 1:
        problems.append("the harness's message was taken")
    elif int.from_bytes(ds.raw[20:24], "little") & 0o777 != 0o600:
        problems.append("the harness's message queue changed mode")
    if libc.semctl(sem, 0, 12) != 7:  # GETVAL
        problems.append("the harness's semaphore changed or is gone")
    return problems


def sysv_remove():
    libc, _ = sysv_libc()
    for i, get, ctl in ((0, libc.shmget, libc.shmctl), (1, libc.msgget, libc.msgctl)):
        ident = get(SYSV_KEY + i, 0, 0) if i == 0 else get(SYSV_KEY + i, 0)
        if ident >= 0:
            ctl(ident, 0, None)
    ident = libc.semget(SYSV_KEY + 2, 0, 0)
    if ident >= 0:
        libc.semctl(ident, 0, 0)


# ---------------------------------------------------------------- one run

CRASH = (134, 139)


def run_mode(name, wasm, h, mode):
    base, inside, outside, ls = make_dirs()
    try:
        extra = split_flags(expand(h.get("flags", ""), inside, outside))
        grant = h.get("grant", "none").strip()
        if mode == "default":
            flags, want = extra, 1
        elif mode == "policy":
            pol = os.path.join(base, "policy.toml")
            with open(pol, "w") as f:
                f.write(policy_for(extra))
            flags, want = ["--policy", pol], 1
        else:
            if grant == "none":
                flags, want = ["--allow-all"], 1
            else:
                flags, want = split_flags(expand(grant, inside, outside)), 0
        if args.presandbox:
            flags = []
        if h.get("fixture") == "cwasm":
            shutil.copy(cwasm_fixture(), os.path.join(inside, "payload.cwasm"))
        sysv = sysv_make(inside) if h.get("fixture") == "sysv" else None
        before = snapshot(outside)
        cmd = [args.wali_run] + flags + [wasm, outside, str(PORT), str(PORT2), str(FREEPORT), str(UDPPORT)]
        victim = master = slave = None
        if h.get("victim"):
            victim, master, slave = start_victim(inside, h["victim"] == "tty")
            cmd.append(str(victim.pid))
        env = {"PATH": "/usr/bin:/bin", "HOME": inside, "LANG": "C",
               "WALI_CACHE_DIR": os.path.join(cache, "modules")}
        if h.get("cache") == "inside":
            env["WALI_CACHE_DIR"] = os.path.join(inside, ".cache", "wali-run")
        t0 = time.time()
        p = subprocess.Popen(cmd, cwd=inside, env=env,
                             stdin=slave if slave is not None else subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        try:
            so, se = p.communicate(timeout=args.timeout)
            rc = p.returncode
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, 9)  # our own new session: the runtime and its children
            so, se = p.communicate()
            rc = "timeout"
        finally:
            if victim is not None:
                victim.kill()  # by its pid: the harness started it
                victim.wait()
                victim.stdout.close()
                for f in (master, slave):
                    if f is not None:
                        os.close(f)
        dt = time.time() - t0
        so = so.decode(errors="replace")
        se = se.decode(errors="replace")
        after = snapshot(outside)
        problems = []
        if rc == "timeout":
            problems.append(f"timed out after {args.timeout} s")
        elif rc < 0 or rc in CRASH:
            problems.append(f"runtime crashed (status {rc})")
        elif rc != want:
            ok_any = (want == 1 and h.get("status") == "any" and rc != 0
                      and (mode != "grant" or grant == "none"))
            if not ok_any:
                what = {0: "ESCAPED", 1: "contained"}.get(rc, f"status {rc} (neither 0 nor 1)")
                problems.append(f"expected {'escape' if want == 0 else 'containment'}, got {what}")
        if want == 1 and mode != "grant" and h.get("stderr") == "limit" and "limit" not in se.lower():
            problems.append("contained, but the runtime said nothing about the limit on stderr")
        if mode != "grant" or grant == "none":
            d = diff_snap(before, after)
            if d:
                problems.append("OUTSIDE changed: " + "; ".join(d[:5]))
            if sysv is not None:
                problems += sysv_intact(sysv)
        return problems, rc, so, se, flags, dt
    finally:
        if h.get("fixture") == "sysv":
            sysv_remove()
        ls.close()
        shutil.rmtree(base, ignore_errors=True)


def run_program(src):
    name = os.path.basename(src)[:-2]
    h = headers(src)
    if "attack" not in h or "grant" not in h:
        return name, [("all", ["missing // attack: or // grant: header"], None, "", "", [], 0)]
    wasm, err = build(src)
    if err:
        return name, [("build", ["build failed:\n" + err.strip()], None, "", "", [], 0)]
    res = []
    for m in modes:
        problems, rc, so, se, flags, dt = run_mode(name, wasm, h, m)
        res.append((m, problems, rc, so, se, flags, dt))
    return name, res


def main():
    srcs = sorted(os.path.join(here, f) for f in os.listdir(here) if f.endswith(".c"))
    if args.names:
        srcs = [s for s in srcs if os.path.basename(s)[:-2] in args.names]
    if not os.access(args.wali_run, os.X_OK):
        print(f"no runtime at {args.wali_run} (run ./build.sh)")
        return 1
    if not args.presandbox:
        helptext = subprocess.run([args.wali_run, "--help"], capture_output=True, text=True).stdout
        if "--policy" not in helptext or "--dir" not in helptext:
            print(f"note: {args.wali_run} has no sandbox flags (--dir/--policy); "
                  "expect failures, or use --presandbox")
    passed = failed = 0
    with cf.ThreadPoolExecutor(args.jobs) as ex:
        for name, res in ex.map(run_program, srcs):
            for mode, problems, rc, so, se, flags, dt in res:
                line = (so.strip().splitlines() or ["(no output)"])[-1]
                if problems:
                    failed += 1
                    print(f"FAIL {name} [{mode}]: {'; '.join(problems)}")
                    if rc is not None:
                        print(f"  flags: {' '.join(flags) or '(none)'}")
                        print(f"  stdout: {line}")
                        if se.strip():
                            for l in se.strip().splitlines()[-3:]:
                                print(f"  stderr: {l}")
                else:
                    passed += 1
                    print(f"PASS {name} [{mode}]" + (f" ({dt:.1f}s) {line}" if args.verbose else ""))
            sys.stdout.flush()
    print(f"{passed} passed, {failed} failed ({len(srcs)} programs)")
    return 1 if failed else 0


sys.exit(main())
