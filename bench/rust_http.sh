#!/usr/bin/env bash
# The Rust mio HTTP server (examples/rust/http: one epoll loop per worker thread) under
# wrk, native build vs wali-run build of the same source, side by side in one run:
# alternating native and wasm runs, median of N (default 3) of each, ratio printed.
#   bench/rust_http.sh [RUNS] [SECONDS]      (run ./build.sh first; installs wrk if missing)
#   WORKERS=2 CONNS=64 THREADS=2: the server's worker threads, wrk's connections and threads
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${1:-3} secs=${2:-5}
workers=${WORKERS:-2} conns=${CONNS:-64} threads=${THREADS:-2}
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
cache=${WALI_CACHE_DIR:-$HOME/.cache/wali-run}
cd "$here/examples/rust"
# Own target dirs: never the caller's CARGO_TARGET_DIR (wali-run's).
env -u CARGO_TARGET_DIR "$here/toolchain/wali-cargo" build --release --locked -q -p http
wasm=$(env -u CARGO_TARGET_DIR "$here/toolchain/wali-cargo" --print-target-dir)/release/http.wasm
CARGO_TARGET_DIR=$cache/rust-examples-native cargo build --release --locked -q -p http
native=$cache/rust-examples-native/release/http
port=$((20000 + RANDOM % 20000))
run=("$here/build/bin/wali-run" --allow-net=127.0.0.1:$port "$wasm")
srv=
cleanup() { [ -n "$srv" ] && kill "$srv" 2>/dev/null; true; }
trap cleanup EXIT
rps() {
  "$@" "$port" "$workers" >/dev/null & srv=$!
  for _ in $(seq 100); do
    (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break
    sleep 0.1
  done
  wrk -t"$threads" -c"$conns" -d"${secs}s" "http://127.0.0.1:$port/" | awk '/Requests\/sec/ {print int($2)}'
  kill "$srv"; wait "$srv" 2>/dev/null || true; srv=
}
# Warm wali-run's compiled-module cache so compilation is not measured.
rps "${run[@]}" >/dev/null
ns=() ws=()
for _ in $(seq "$runs"); do
  ns+=("$(rps "$native")")
  ws+=("$(rps "${run[@]}")")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
n=$(median "${ns[@]}") w=$(median "${ws[@]}")
echo "native runs (req/s): ${ns[*]}"
echo "wasm runs   (req/s): ${ws[*]}"
printf '%-52s %10s %10s %7s\n' "benchmark" "native" "wali-run" "ratio"
printf '%-52s %10s %10s %7.2f\n' "Rust mio HTTP, $workers workers, wrk -t$threads -c$conns ${secs}s (req/s)" "$n" "$w" "$(echo "$w / $n" | bc -l)"
