#!/usr/bin/env bash
# File copy of 1 GiB, a walk over 100 000 files, and the peak RSS of Ruby's hello world:
# native and wali-run (under its default sandbox) side by side, interleaved, median of 5.
#   bench/io.sh        (run ./build.sh first)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
wr=$here/build/bin/wali-run
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wali-bench-io.XXXXXX"); trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
musl-gcc -static -O2 "$here/bench/io.c" -o native
"$here/build/bin/wali-cc" -O2 "$here/bench/io.c" -o io.wasm
"$wr" io.wasm >/dev/null 2>&1 || true   # warm the compiled-module cache
head -c $((1 << 30)) /dev/zero | tr '\0' 'x' > src
python3 - <<'PY'
import os
for d in range(100):
    p = f"tree/d{d:03}"
    os.makedirs(p)
    for f in range(1000):
        open(f"{p}/f{f:04}", "w").close()
PY
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -a cn cw wn ww
# Each timed copy starts with no dirty pages (sync), and the two sides take turns going
# first: the run after a large write otherwise pays for its write-back.
copy() { sync; ms "$@" copy src dst; rm -f dst; }
sync
for i in 1 2 3 4 5; do
  if [ $((i % 2)) = 1 ]; then
    cn+=("$(copy ./native)"); cw+=("$(copy "$wr" io.wasm)")
  else
    cw+=("$(copy "$wr" io.wasm)"); cn+=("$(copy ./native)")
  fi
  wn+=("$(ms ./native walk tree)")
  ww+=("$(ms "$wr" io.wasm walk tree)")
done
row() { printf '%-36s %10s %10s %8.2f\n' "$1" "$2" "$3" "$(echo "$3 / $2" | bc -l)"; }
printf '%-36s %10s %10s %8s\n' "benchmark" "native" "wasm" "ratio"
c1=$(printf '%s\n' "${cn[@]}" | median); c2=$(printf '%s\n' "${cw[@]}" | median)
w1=$(printf '%s\n' "${wn[@]}" | median); w2=$(printf '%s\n' "${ww[@]}" | median)
row "copy 1 GiB, 1 MiB read+write (ms)" "$c1" "$c2"
row "walk 100 000 files + 100 dirs (ms)" "$w1" "$w2"
if [ -x "$here/build/bin/ruby-native" ] && [ -f "$here/build/ruby/ruby.wasm" ]; then
  rss() { python3 -c '
import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)' "$@"; }
  "$wr" "$here/build/ruby/ruby.wasm" -e 'puts 1' >/dev/null
  r1=$(rss "$here/build/bin/ruby-native" -e 'puts 1')
  r2=$(rss "$wr" "$here/build/ruby/ruby.wasm" -e 'puts 1')
  row "peak RSS, Ruby -e 'puts 1' (MiB)" "$r1" "$r2"
fi
