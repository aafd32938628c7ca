#!/usr/bin/env bash
# Ruby web servers, native Ruby 3.3.8 and ruby.wasm under wali-run, side by side in one run
# (the same app, the same gems; the wasm side under the default sandbox with only the
# server's address granted):
#   - Puma (-t 8:8) serving examples/ruby/rack/config.ru's "/": wrk with keep-alive
#     (-c CONNS), and ab with a new connection per request (-c 8)
#   - WEBrick serving bench/ruby/webrick_hello.rb: ab, a new connection per request
#     (WEBrick writes headers and body separately, so keep-alive there measures Nagle and
#     delayed ACKs, not Ruby)
#   bench/ruby_http.sh [RUNS] [SECONDS]      medians of RUNS (3) runs of SECONDS (5) each
#   CONNS=64: wrk's connections. Needs the app Ruby with native twins:
#   toolchain/ruby/app.sh --native -o build/app-ruby puma nio4r rack bcrypt webrick (test.sh builds it)
# Installs wrk and ab (apache2-utils) if missing. Servers run in a pids cgroup.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${1:-3}
secs=${2:-5}
conns=${CONNS:-64}
app=${APP_RUBY:-$repo/build/app-ruby}
[ -f "$app/ruby.wasm" ] && [ -x "$app/native/ruby" ] \
  || { echo "ruby_http.sh: no $app/ruby.wasm and $app/native/ruby (run ./test.sh, or toolchain/ruby/app.sh --native -o build/app-ruby puma nio4r rack bcrypt webrick)" >&2; exit 1; }
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v ab >/dev/null || need+=(apache2-utils)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
puma=$app/gems/puma/bin/puma
webrick_lib=$app/gems/webrick/lib
wali=$repo/build/bin/wali-run

server_pid=
stop() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
  fi
}
trap stop EXIT

# start SIDE KIND PORT: a server in the background; waits until it answers.
start() {
  local side=$1 kind=$2 port=$3 cmd=()
  if [ "$side" = native ]; then
    cmd=("$app/native/ruby")
  else
    cmd=("$wali" --allow-net="127.0.0.1:$port" "$app/ruby.wasm")
  fi
  case $kind in
    puma) (cd "$repo/examples/ruby/rack" && exec "$repo/tests/in-pids-cgroup" 256 \
            "${cmd[@]}" "$puma" -t 8:8 -b "tcp://127.0.0.1:$port" -e production config.ru) \
            >/tmp/ruby_http.$$.log 2>&1 &
          ;;
    webrick) (cd "$repo/bench/ruby" && exec "$repo/tests/in-pids-cgroup" 256 \
            "${cmd[@]}" -I"$webrick_lib" webrick_hello.rb "$port") >/tmp/ruby_http.$$.log 2>&1 &
          ;;
  esac
  server_pid=$!
  for _ in $(seq 600); do
    if curl -sf -o /dev/null "http://127.0.0.1:$port/"; then return 0; fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.2
  done
  echo "ruby_http.sh: $side $kind did not answer on port $port:" >&2
  tail -20 /tmp/ruby_http.$$.log >&2
  exit 1
}

wrk_rps() { wrk -t2 -c"$conns" -d"${secs}s" "http://127.0.0.1:$1/" | awk '/Requests\/sec/ {print int($2)}'; }
# ab runs for SECONDS (-t) with up to 10^6 requests (-n): a new connection per request.
ab_rps() { ab -q -t "$secs" -n 1000000 -c 8 "http://127.0.0.1:$1/" 2>/dev/null | awk '/Requests per second/ {print int($4)}'; }
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# measure KIND LOAD: the median req/s of RUNS runs, native and wasm alternating, each
# server started once per side (one warm-up run first: the first compile, Puma's boot).
declare -A result
measure() {
  local kind=$1 load=$2 side port vals
  for side in native wasm; do
    port=$((20000 + RANDOM % 20000))
    start "$side" "$kind" "$port"
    "${load}_rps" "$port" >/dev/null
    vals=""
    for _ in $(seq "$runs"); do vals="$vals $("${load}_rps" "$port")"; done
    result[$side]=$(echo "$vals" | median)
    stop
  done
}

printf '%-58s %10s %10s %7s\n' "server, load (req/s, median of $runs x ${secs}s)" native wasm ratio
row() {
  printf '%-58s %10s %10s %7.2f\n' "$1" "${result[native]}" "${result[wasm]}" \
    "$(echo "${result[wasm]} / ${result[native]}" | bc -l)"
}
measure puma wrk
row "Puma -t 8:8, Rack hello, wrk -c$conns keep-alive"
measure puma ab
row "Puma -t 8:8, Rack hello, ab -c8 new connection each"
measure webrick ab
row "WEBrick hello, ab -c8 new connection each"
