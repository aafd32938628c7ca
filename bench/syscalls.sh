#!/usr/bin/env bash
# Per-call cost of common syscalls under wali-run and natively (bench/syscalls.c, median
# ns per call over 15 batches), side by side, interleaved: native, wasm, native, wasm;
# each column shows the lower of its two medians.
#   bench/syscalls.sh        (run ./build.sh first)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
musl-gcc -static -O2 "$here/bench/syscalls.c" -o native -lpthread
"$here/build/bin/wali-cc" -O2 "$here/bench/syscalls.c" -o bench.wasm
"$here/build/bin/wali-run" bench.wasm >/dev/null   # warm the compiled-module cache
./native > n1; "$here/build/bin/wali-run" bench.wasm > w1
./native > n2; "$here/build/bin/wali-run" bench.wasm > w2
printf '%-24s %10s %10s %10s %8s\n' "call" "native ns" "wasm ns" "overhead" "ratio"
python3 - n1 n2 w1 w2 <<'PY'
import sys, statistics
def load(p):
    out = {}
    for line in open(p):
        name, ns = line.rstrip("\n").rsplit(" ", 1)
        out[name.strip()] = float(ns)
    return out
n1, n2, w1, w2 = map(load, sys.argv[1:5])
for k in n1:
    n = min(n1[k], n2[k]); w = min(w1[k], w2[k])
    print(f"{k:<24} {n:>10.0f} {w:>10.0f} {w - n:>+10.0f} {w / n:>8.2f}")
PY
