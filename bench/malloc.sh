#!/usr/bin/env bash
# The C allocator alone: ns per malloc+free pair (bench/malloc.c, Ruby-like sizes), for
# wali-cc's musl (mallocng) under wali-run, the same musl natively (musl-gcc -static), and
# glibc natively (what native Ruby uses); 1 thread and 2 threads. Median of N runs.
#   bench/malloc.sh [N]     (default 5; run ./build.sh first)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=${1:-5}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$here/build/bin/wali-cc" -O2 "$here/bench/malloc.c" -o "$tmp/m.wasm"
musl-gcc -static -O2 "$here/bench/malloc.c" -o "$tmp/m-musl" -lpthread
gcc -O2 "$here/bench/malloc.c" -o "$tmp/m-glibc" -lpthread
"$here/build/bin/wali-run" "$tmp/m.wasm" 1 1 >/dev/null   # fill the module cache
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '| %-44s | %9s | %9s |\n' "malloc+free pair, ns (median of $n)" "1 thread" "2 threads"
printf '|%s|%s|%s|\n' "----------------------------------------------" "-----------" "-----------"
for v in "wasm, musl mallocng (wali-run)|$here/build/bin/wali-run $tmp/m.wasm" \
         "native, musl mallocng (musl-gcc -static)|$tmp/m-musl" \
         "native, glibc malloc (native Ruby's)|$tmp/m-glibc"; do
  IFS='|' read -r name cmd <<<"$v"
  one=$(for _ in $(seq "$n"); do $cmd 2000000 1; done | median)
  two=$(for _ in $(seq "$n"); do $cmd 1000000 2; done | median)
  printf '| %-44s | %9s | %9s |\n' "$name" "$one" "$two"
done
