#!/usr/bin/env bash
# Thread create+join round trip under wali-run and natively, in microseconds: each run
# prints the median of N round trips; the table shows the median of R runs and the
# ratio to native. C: pthread_create+join (bench/thread_create.c, wali-cc vs musl-gcc
# -static). Ruby: Thread.new {}.join (bench/thread_create.rb, ruby.wasm vs native
# Ruby 3.3.8), when build/ruby is there.
#   bench/threads.sh [N] [R]     (defaults 500 and 5; run ./build.sh first)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=${1:-500}
runs=${2:-5}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$here/build/bin/wali-cc" -O2 "$here/bench/thread_create.c" -o "$tmp/t.wasm"
musl-gcc -static -O2 "$here/bench/thread_create.c" -o "$tmp/t" -lpthread
"$here/build/bin/wali-run" "$tmp/t.wasm" 1 >/dev/null   # fill the module cache
# The median of R runs of a command that prints one number.
median() {
    local v=()
    for _ in $(seq "$runs"); do v+=("$("$@")"); done
    printf '%s\n' "${v[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
row() { printf '%-44s %10s %9.2f\n' "$1" "$2" "$(echo "$2 / $3" | bc -l)"; }
printf '%-44s %10s %9s\n' "create+join (median of $runs runs of $n)" "us" "x native"
w=$(median "$here/build/bin/wali-run" "$tmp/t.wasm" "$n")
v=$(median "$tmp/t" "$n")
row "C pthread_create+join, wali-run" "$w" "$v"
row "C pthread_create+join, native (musl)" "$v" "$v"
rb="$here/bench/thread_create.rb"
if [ -e "$here/build/ruby/ruby.wasm" ] && [ -x "$here/build/bin/ruby-native" ]; then
    "$here/build/bin/ruby-wasm" "$rb" 1 >/dev/null
    w=$(median "$here/build/bin/ruby-wasm" "$rb" "$n")
    v=$(median "$here/build/bin/ruby-native" "$rb" "$n")
    row "Ruby Thread.new {}.join, ruby.wasm" "$w" "$v"
    row "Ruby Thread.new {}.join, native ruby 3.3.8" "$v" "$v"
fi
