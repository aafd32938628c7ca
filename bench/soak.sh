#!/usr/bin/env bash
# Load and soak (a benchmark: figures, no assertions). For each server, 1,000 concurrent
# connections held for SECONDS (default 60), each echoing a 32-byte line a second; and
# 10,000 pthread create/join cycles. The server's descriptor count, thread count and RSS
# (MiB) after all connected (start), at the middle and at the end; then the echoes that
# came back right, errors, connections the server dropped, and whether it survived.
#   bench/soak.sh [SECONDS]      (run ./build.sh first)
# Everything runs inside a pids cgroup (tests/in-pids-cgroup) with a time bound.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
secs=${1:-60}
conns=${SOAK_CONNS:-1000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
musl-gcc -static -O2 "$here/bench/soak/epoll_echo.c" -o "$tmp/epoll_echo"
musl-gcc -static -O2 "$here/bench/soak/threads.c" -o "$tmp/threads" -lpthread
"$here/build/bin/wali-cc" -O2 "$here/bench/soak/epoll_echo.c" -o "$tmp/epoll_echo.wasm"
"$here/build/bin/wali-cc" -O2 "$here/bench/soak/threads.c" -o "$tmp/threads.wasm"
wr="$here/build/bin/wali-run"
ruby="$here/build/ruby/ruby.wasm"
port() { echo $((20000 + RANDOM % 20000)); }
soak=("$here/tests/in-pids-cgroup" 4096 timeout -k 10 $((secs * 3 + 300)) python3 "$here/bench/soak/soak.py")
# Warm the compiled-module cache so start-up is not part of the figures.
"$wr" "$tmp/threads.wasm" 2 >/dev/null
echo "Soak: $conns connections for $secs s; 10,000 pthread create+join cycles"
echo
printf '%-34s %19s | %19s | %19s | %7s %4s %4s %s\n' "" "start" "middle" "end" "" "" "" ""
printf '%-34s %5s %5s %7s | %5s %5s %7s | %5s %5s %7s | %7s %4s %4s %s\n' "run" fds thr "RSS MiB" fds thr "RSS MiB" fds thr "RSS MiB" echoes err drop alive
p=$(port); "${soak[@]}" server "C epoll echo, native" "$secs" "$conns" "$p" -- "$tmp/epoll_echo" "$p"
p=$(port); "${soak[@]}" server "C epoll echo, wali-run" "$secs" "$conns" "$p" -- "$wr" --allow-net=127.0.0.1:"$p" "$tmp/epoll_echo.wasm" "$p"
if [ -x "$here/build/bin/ruby-native" ] || [ -e "$ruby" ]; then
  if [ -x "$here/build/bin/ruby-native" ]; then
    p=$(port); "${soak[@]}" server "Ruby thread/conn echo, native" "$secs" "$conns" "$p" -- "$here/build/bin/ruby-native" "$here/bench/soak/ruby_echo.rb" "$p"
  fi
  p=$(port); (cd "$here/bench/soak" && "${soak[@]}" server "Ruby thread/conn echo, wali-run" "$secs" "$conns" "$p" -- "$wr" --allow-net=127.0.0.1:"$p" --limit threads=$((conns + 64)) "$ruby" ruby_echo.rb "$p")
fi
echo
printf '%-34s %19s | %19s | %19s |\n' "" "start" "middle" "end"
"${soak[@]}" threads "pthread create+join x10000, native" -- "$tmp/threads" 10000
"${soak[@]}" threads "pthread create+join x10000, wali-run" -- "$wr" "$tmp/threads.wasm" 10000
