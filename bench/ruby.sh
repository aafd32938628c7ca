#!/usr/bin/env bash
# Native Ruby 3.3.8 against ruby.wasm on wali-run, same scripts, side by side in one run:
# start-up with the compiled module cached and uncached, a threaded TCP echo under load,
# then a CPU set: the standard benchmarks of the Ruby tarball's own benchmark/ directory
# (scaled where noted to about a second natively: the same code, a smaller size) and
# three of ours; the geometric mean of the CPU set's ratios is printed last.
# Medians of N runs (default 5); run ./build.sh first.
#   bench/ruby.sh [N] [NAME...]      (NAMEs: only those rows of the CPU set)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=${1:-5}; shift || true
only=" $* "
wasm=${RUBY_WASM:-$here/build/ruby/ruby.wasm}   # RUBY_WASM: another build to compare
native=$here/build/bin/ruby-native
bm=$here/build/ruby/build/benchmark
[ -d "$bm" ] || { echo "bench/ruby.sh: $bm missing: run ./build.sh first" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/s"
# Sandboxed as a user runs it: the scripts read-only, the echo test's loopback port.
run=("$here/build/bin/wali-run" --dir="$here/bench/ruby:ro" --dir="$tmp/s:ro" --allow-net=127.0.0.1)
cd "$tmp"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
. "$here/bench/ruby/lib.sh"
ratios=()
row() { # name, native ms list, wasm ms list
  local a b r; a=$(printf '%s\n' $2 | median); b=$(printf '%s\n' $3 | median)
  r=$(echo "$b / $a" | bc -l)
  printf '| %-34s | %8d | %8d | %5.2f |\n' "$1" "$a" "$b" "$r"
  last_ratio=$r
}
both() { # how (ms|cpu), name, args...: N runs of each, interleaved (both see one machine)
  local how=$1 name=$2 nat= was=; shift 2
  for _ in $(seq "$n"); do
    nat+=" $($how "$native" "$@")"
    was+=" $($how "${run[@]}" "$wasm" "$@")"
  done
  row "$name" "$nat" "$was"
}
# The CPU set (shared with bench/ruby_profile.sh).
mapfile -t set_rows < <(ruby_set "$bm")
printf '| %-34s | %8s | %8s | %5s |\n' "benchmark (median of $n, ms)" native wasm ratio
printf '|%s|%s|%s|%s|\n' "------------------------------------" "----------" "----------" "-------"
if [ "$only" = "  " ]; then
  both ms "start-up -e 'puts 1', cached" -e 'puts 1'
  nat=$(for _ in $(seq "$n"); do ms "$native" -e 'puts 1'; done | median)
  c=$(ms env WALI_CACHE_DIR="$tmp/cache" "${run[@]}" "$wasm" -e 'puts 1')
  row "start-up, first run (compiles)" "$nat" "$c"
  both ms "threaded TCP echo, 16x500 x 1 KiB" "$here/bench/ruby/echo_load.rb"
fi
i=0
for r in "${set_rows[@]}"; do
  IFS='|' read -r name src scale <<<"$r"
  key=${name%% *}
  [ "$only" = "  " ] || [[ "$only" == *" $key "* ]] || continue
  i=$((i + 1))
  s=$tmp/s/$i-$(basename "$src")
  scaled "$src" "$scale" "$s"
  both cpu "$name" "$s"
  ratios+=("$last_ratio")
done
geo=$(printf '%s\n' "${ratios[@]}" | awk '{s += log($1)} END {printf "%.2f", exp(s / NR)}')
printf '| %-34s | %8s | %8s | %5s |\n' "geometric mean of the ${#ratios[@]} above" "" "" "$geo"
