#!/usr/bin/env python3
"""The differential conformance runner.

Every conformance/cases/*.c is built twice, natively (musl-gcc -static) and for wasm
(wali-cc), and both run in fresh temporary directories. Each output line
"name: result" is one case; the runner compares them case by case, plus each program's
exit status (case "<program>.exit"). A case may be declared expected-to-differ in its
program with a line `// xfail: <case> <reason>`; it is then reported as XFAIL (or XPASS).

usage: run.py [--wali-run PATH] [--wali-cc PATH] [--report FILE] [--jobs N] [names...]
Prints one line per case and "N passed, N failed, N xfail"; exits 1 on any failure.
The report is TSV: case, syscalls (from `// syscalls:` in the program), result.
"""
import argparse, concurrent.futures as cf, difflib, os, re, subprocess, sys, tempfile

here = os.path.dirname(os.path.abspath(__file__))
repo = os.path.dirname(here)

ap = argparse.ArgumentParser()
ap.add_argument("--wali-run", default=os.environ.get("WALI_RUN", os.path.join(repo, "build/bin/wali-run")))
ap.add_argument("--wali-cc", default=os.path.join(repo, "toolchain/wali-cc"))
ap.add_argument("--report", default=os.environ.get("WALI_CONFORMANCE_REPORT",
                os.path.expanduser("~/.cache/wali-run/conformance-report.tsv")))
ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
# The file-system sandbox stays on (inside the working directory it must behave as
# Linux does); the cases also need the network, host programs and signals.
ap.add_argument("--flags", default="--allow-net --allow-exec --allow-signals",
                help="wali-run flags for the wasm side (default: %(default)s)")
ap.add_argument("names", nargs="*")
args = ap.parse_args()
args.wali_run = os.path.abspath(args.wali_run)
args.wali_cc = os.path.abspath(args.wali_cc)

def header(src, key):
    out = []
    for line in open(src):
        m = re.match(r"//\s*" + key + r":\s*(.*)", line)
        if m:
            out.append(m.group(1).strip())
    return out

def cases(text):
    res = {}
    for line in text.splitlines():
        if ": " in line:
            name, val = line.split(": ", 1)
            res.setdefault(name, val)
        elif line.endswith(":"):
            res.setdefault(line[:-1], "")
    return res

def run_one(src, work):
    name = os.path.basename(src)[:-2]
    d = os.path.join(work, name)
    os.makedirs(d)
    native, wasm = os.path.join(d, "native"), os.path.join(d, name + ".wasm")
    for cmd in (["musl-gcc", "-static", "-O2", "-o", native, src, "-lpthread"],
                [args.wali_cc, "-O2", "-o", wasm, src]):
        b = subprocess.run(cmd, capture_output=True, text=True)
        if b.returncode:
            return name, None, f"build failed: {' '.join(cmd[:1])}\n{b.stderr}"
    outs = []
    for sub, cmd in (("n", [native]), ("w", [args.wali_run] + args.flags.split() + [wasm])):
        cwd = os.path.join(d, sub)
        os.makedirs(cwd)
        env = {"PATH": "/usr/bin:/bin", "HOME": cwd, "LANG": "C"}
        env["WALI_CACHE_DIR"] = os.path.join(work, "cache")
        try:
            p = subprocess.run(["timeout", "-k", "5", "60"] + cmd, cwd=cwd, env=env,
                               capture_output=True, text=True, errors="replace")
            outs.append((p.stdout, p.returncode, p.stderr))
        except Exception as e:
            outs.append(("", -1, str(e)))
    return name, outs, None

srcs = sorted(os.path.join(here, "cases", f) for f in os.listdir(os.path.join(here, "cases")) if f.endswith(".c"))
if args.names:
    srcs = [s for s in srcs if os.path.basename(s)[:-2] in args.names]

passed = failed = xfailed = xpassed = 0
report = []
with tempfile.TemporaryDirectory(prefix="wali-conformance-") as work:
    with cf.ThreadPoolExecutor(args.jobs) as ex:
        results = list(ex.map(lambda s: (s, run_one(s, work)), srcs))
    for src, (name, outs, err) in results:
        sysc = " ".join(header(src, "syscalls"))
        xf = {}
        for x in header(src, "xfail"):
            case, _, why = x.partition(" ")
            xf[case] = why
        if err:
            print(f"FAIL {name}: {err.strip()}")
            failed += 1
            report.append((name, sysc, "fail"))
            continue
        (no, nrc, _), (wo, wrc, we) = outs
        nc, wc = cases(no), cases(wo)
        names = list(nc) + [k for k in wc if k not in nc]
        names.append(f"{name}.exit")
        nc[f"{name}.exit"], wc[f"{name}.exit"] = str(nrc), str(wrc)
        if 124 in (nrc, wrc):
            # A hung program proves nothing, even when both sides hang alike.
            wc[f"{name}.exit"] = f"{wrc} (timed out: native {nrc}, wasm {wrc})"
        for case in names:
            same = nc.get(case) == wc.get(case)
            if case in xf:
                if same:
                    xpassed += 1
                    print(f"XPASS {case} (declared: {xf[case]})")
                    report.append((case, sysc, "xpass"))
                else:
                    xfailed += 1
                    print(f"XFAIL {case} ({xf[case]})")
                    report.append((case, sysc, "xfail"))
            elif same:
                passed += 1
                print(f"PASS {case}")
                report.append((case, sysc, "pass"))
            else:
                failed += 1
                print(f"FAIL {case}\n  native: {nc.get(case, '(missing)')}\n  wasm:   {wc.get(case, '(missing)')}")
                report.append((case, sysc, "fail"))
        if no != wo and any(r[2] == "fail" and r[0].startswith(name) for r in report):
            diff = difflib.unified_diff(no.splitlines(), wo.splitlines(), "native", "wasm", lineterm="")
            print("\n".join("  " + l for l in list(diff)[:40]))
            if we.strip():
                print("  wasm stderr: " + we.strip().splitlines()[-1])

os.makedirs(os.path.dirname(args.report), exist_ok=True)
with open(args.report, "w") as f:
    f.write("case\tsyscalls\tresult\n")
    for r in report:
        f.write("\t".join(r) + "\n")
print(f"{passed} passed, {failed} failed, {xfailed} xfail, {xpassed} xpass (report: {args.report})")
sys.exit(1 if failed else 0)
