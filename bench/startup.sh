#!/usr/bin/env bash
# Start-up cost with and without the compiled-code cache: median of N runs each of
# `wali-run MODULE` with an empty cache (compiles) and with a warm one (deserializes),
# next to the same program built natively with musl-gcc.
#   bench/startup.sh [N]        (default 21; run ./build.sh first)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=${1:-21}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
src=$here/examples/hello.c
"$here/build/bin/wali-cc" -O2 "$src" -o "$tmp/m.wasm"
musl-gcc -static -O2 "$src" -o "$tmp/native"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(( (e - s) / 1000 )); }
cold=(); warm=(); nat=()
for _ in $(seq "$n"); do
  rm -rf "$tmp/cache"
  cold+=("$(ms env WALI_CACHE_DIR="$tmp/cache" "$here/build/bin/wali-run" "$tmp/m.wasm")")
  warm+=("$(ms env WALI_CACHE_DIR="$tmp/cache" "$here/build/bin/wali-run" "$tmp/m.wasm")")
  nat+=("$(ms "$tmp/native")")
done
c=$(printf '%s\n' "${cold[@]}" | median); w=$(printf '%s\n' "${warm[@]}" | median); v=$(printf '%s\n' "${nat[@]}" | median)
printf '%-34s %10s %8s\n' "examples/hello.c ($(stat -c %s "$tmp/m.wasm") B wasm)" "median us" "x native"
printf '%-34s %10d %8.1f\n' "wali-run, empty cache (compile)" "$c" "$(echo "$c / $v" | bc -l)"
printf '%-34s %10d %8.1f\n' "wali-run, warm cache" "$w" "$(echo "$w / $v" | bc -l)"
printf '%-34s %10d %8.1f\n' "native (musl-gcc -static)" "$v" 1
