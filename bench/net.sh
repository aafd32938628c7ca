#!/usr/bin/env bash
# Network throughput and request rate, native build vs wasm build of the same C
# programs, side by side in one run:
#   - bench/echo.c: 64 KiB-message echo over loopback (MB/s, median of 3 runs)
#   - bench/http.c: a small HTTP responder under wrk, 64 connections (requests/s)
#   bench/net.sh            (run ./build.sh first; installs wrk if missing)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
tmp=$(mktemp -d)
cleanup() { [ -n "${srv:-}" ] && kill "$srv" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
cc() { musl-gcc -static -O2 "$here/bench/$1.c" -o "$tmp/$1" -lpthread; "$here/build/bin/wali-cc" -O2 "$here/bench/$1.c" -o "$tmp/$1.wasm"; }
cc echo; cc http
run=("$here/build/bin/wali-run" --allow-net=127.0.0.1)
# Warm the compiled-module cache so start-up is not measured.
"${run[@]}" "$tmp/echo.wasm" 0.1 >/dev/null; timeout 3 "${run[@]}" "$tmp/http.wasm" 18081 >/dev/null 2>&1 || true
median3() { sort -n | sed -n 2p; }
en=$(for _ in 1 2 3; do "$tmp/echo" 3; done | median3)
ew=$(for _ in 1 2 3; do "${run[@]}" "$tmp/echo.wasm" 3; done | median3)
rps() {
  "$@" 18080 >/dev/null & srv=$!
  sleep 0.5
  wrk -t2 -c64 -d5s http://127.0.0.1:18080/ | awk '/Requests\/sec/ {print int($2)}'
  kill $srv; wait $srv 2>/dev/null || true; srv=
}
hn=$(rps "$tmp/http"); hw=$(rps "${run[@]}" "$tmp/http.wasm")
printf '%-44s %12s %12s %8s\n' "benchmark" "native" "wasm" "ratio"
printf '%-44s %12s %12s %8.2f\n' "64 KiB echo over loopback (MB/s, median/3)" "$en" "$ew" "$(echo "$ew / $en" | bc -l)"
printf '%-44s %12s %12s %8.2f\n' "HTTP responder, wrk -c64 -t2 5s (req/s)" "$hn" "$hw" "$(echo "$hw / $hn" | bc -l)"
