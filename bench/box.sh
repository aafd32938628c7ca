#!/usr/bin/env bash
# Start time of `ruby -e 'puts 1'`: native Ruby 3.3.8, the plain ruby.wasm under wali-run,
# and a box of ruby.wasm (no snapshot yet: issue 17 §2), medians of N runs each,
# alternating; the box's size and the time to open and check it.
#   bench/box.sh [N]        (default 21; ./build.sh first, Ruby included)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=${1:-21}
w=$here/build/bin/wali-run
ruby=$here/build/ruby/ruby.wasm
native=$here/build/bin/ruby-native
[ -x "$native" ] && [ -f "$ruby" ] || { echo "bench/box.sh: build Ruby first (./build.sh)" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf 'FROM %s\nENTRYPOINT ["ruby"]\n' "$ruby" > "$tmp/Dockerfile"
"$w" pack -f "$tmp/Dockerfile" -o "$tmp/ruby.box" "$tmp" 2>/dev/null
# Warm: the compiled module in the cache, the box's module check stamped.
"$w" "$tmp/ruby.box" -e 'puts 1' >/dev/null
"$w" "$ruby" -e 'puts 1' >/dev/null
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(( (e - s) / 1000 )); }
nat=(); box=(); plain=(); opened=()
cd "$tmp"
for _ in $(seq "$n"); do
  nat+=("$(ms "$native" -e 'puts 1')")
  box+=("$(ms "$w" "$tmp/ruby.box" -e 'puts 1')")
  plain+=("$(ms "$w" "$ruby" -e 'puts 1')")
  opened+=("$(WALI_LOG=wali_run=debug "$w" "$tmp/ruby.box" -e '1' 2>&1 | sed -n 's/.*box opened and checked ms=\([0-9.]*\).*/\1/p' | awk '{printf "%d\n", $1 * 1000}')")
done
v=$(printf '%s\n' "${nat[@]}" | median); b=$(printf '%s\n' "${box[@]}" | median)
p=$(printf '%s\n' "${plain[@]}" | median); o=$(printf '%s\n' "${opened[@]}" | median)
printf '%-44s %10s %8s\n' "ruby -e 'puts 1' (medians of $n)" "ms" "x native"
printf '%-44s %10.1f %8.2f\n' "native Ruby 3.3.8" "$(echo "$v / 1000" | bc -l)" 1
printf '%-44s %10.1f %8.2f\n' "wali-run ruby.wasm (plain)" "$(echo "$p / 1000" | bc -l)" "$(echo "$p / $v" | bc -l)"
printf '%-44s %10.1f %8.2f\n' "wali-run ruby.box (no snapshot)" "$(echo "$b / 1000" | bc -l)" "$(echo "$b / $v" | bc -l)"
printf '%-44s %10.2f\n' "  of which: open and check the box" "$(echo "$o / 1000" | bc -l)"
printf 'box: %s bytes (module %s bytes, standard library %s files)\n' \
  "$(stat -c %s "$tmp/ruby.box")" "$(stat -L -c %s "$ruby")" \
  "$("$w" inspect "$tmp/ruby.box" | sed -n 's/^totals: \([0-9]*\) files.*/\1/p')"
