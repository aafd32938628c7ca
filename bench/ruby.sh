#!/usr/bin/env bash
# Native Ruby 3.3.8 against ruby.wasm on wali-run, same scripts, side by side in one run:
# a CPU set, start-up with the compiled module cached and uncached, and a threaded TCP
# echo under load. Medians of N runs (default 5); run ./build.sh first.
#   bench/ruby.sh [N]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=${1:-5}
wasm=$here/build/ruby/ruby.wasm
native=$here/build/bin/ruby-native
# Sandboxed as a user runs it: the scripts read-only, the echo test's loopback port.
run=("$here/build/bin/wali-run" --dir="$here/bench/ruby:ro" --allow-net=127.0.0.1)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
row() { # name, native ms list, wasm ms list
  local a b; a=$(printf '%s\n' $2 | median); b=$(printf '%s\n' $3 | median)
  printf '| %-34s | %8d | %8d | %5.2f |\n' "$1" "$a" "$b" "$(echo "$b / $a" | bc -l)"
}
printf '| %-34s | %8s | %8s | %5s |\n' "benchmark (median of $n, ms)" native wasm ratio
printf '|%s|%s|%s|%s|\n' "------------------------------------" "----------" "----------" "-------"
for s in fib hash_string alloc; do
  nat=; was=
  for _ in $(seq "$n"); do
    nat+=" $(ms "$native" "$here/bench/ruby/$s.rb")"
    was+=" $(ms "${run[@]}" "$wasm" "$here/bench/ruby/$s.rb")"
  done
  row "$s.rb" "$nat" "$was"
done
nat=; was=; cold=
for _ in $(seq "$n"); do
  nat+=" $(ms "$native" -e 'puts 1')"
  was+=" $(ms "${run[@]}" "$wasm" -e 'puts 1')"
done
row "start-up -e 'puts 1', cached" "$nat" "$was"
c=$(ms env WALI_CACHE_DIR="$tmp/cache" "${run[@]}" "$wasm" -e 'puts 1')
row "start-up, first run (compiles)" "$(printf '%s\n' $nat | median)" "$c"
nat=; was=
for _ in $(seq "$n"); do
  nat+=" $(ms "$native" "$here/bench/ruby/echo_load.rb")"
  was+=" $(ms "${run[@]}" "$wasm" "$here/bench/ruby/echo_load.rb")"
done
row "threaded TCP echo, 16x500 x 1 KiB" "$nat" "$was"
