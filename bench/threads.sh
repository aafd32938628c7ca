#!/usr/bin/env bash
# Thread create+join round trip under wali-run and natively (median of N, microseconds).
#   bench/threads.sh [N]     (default 500; run ./build.sh first)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=${1:-500}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$here/build/bin/wali-cc" -O2 "$here/bench/thread_create.c" -o "$tmp/t.wasm"
musl-gcc -static -O2 "$here/bench/thread_create.c" -o "$tmp/t" -lpthread
"$here/build/bin/wali-run" "$tmp/t.wasm" 1 >/dev/null   # fill the module cache
w=$("$here/build/bin/wali-run" "$tmp/t.wasm" "$n"); v=$("$tmp/t" "$n")
printf '%-40s %12s %9s\n' "pthread_create+join (median of $n)" "us" "x native"
printf '%-40s %12s %9.1f\n' "wali-run" "$w" "$(echo "$w / $v" | bc -l)"
printf '%-40s %12s %9.1f\n' "native (musl-gcc -static)" "$v" 1
printf '%-40s %12s\n' "reference WALI engine (its paper)" "~555"
