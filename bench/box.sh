#!/usr/bin/env bash
# Boxes and pre-initialised snapshots against native Ruby 3.3.8, side by side in one run
# (medians of N runs each, the variants alternating):
#   1. ruby -e 'puts 1': native, the plain ruby.wasm, a box without and with a snapshot
#   2. a Sinatra hello app on WEBrick (bench/box/boot.rb): process start to the first
#      HTTP response, and peak RSS, native vs the box without and with a snapshot
#   3. the boxes' sizes (and what zstd -19 makes of them, if zstd is installed)
#   4. M instances of the hello app started at once: memory per instance (PSS: shared
#      pages counted once across them) and the time until all answered, native vs box
#   bench/box.sh [N] [M]      (default 15 and 100; ./build.sh first, Ruby included)
# Runs in a pids cgroup with a timeout (tests/in-pids-cgroup): M processes at once.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=${1:-15}
m=${2:-100}
w=$here/build/bin/wali-run
ruby=$here/build/ruby/ruby.wasm
rp=$here/build/ruby-preinit/ruby.wasm
native=$here/build/bin/ruby-native
fr=$here/bench/box/first_response.py
[ -x "$native" ] && [ -f "$ruby" ] && [ -f "$rp" ] || { echo "bench/box.sh: build Ruby first (./build.sh)" >&2; exit 1; }
if [ -z "${WALI_BENCH_IN_CGROUP:-}" ]; then
  WALI_BENCH_IN_CGROUP=1 exec "$here/tests/in-pids-cgroup" 4096 timeout -k 10 3600 "$0" "$@"
fi
# The app's gems, pure Ruby: app.sh fetches them (Debian's packages) and links nothing.
gemlist="rack sinatra rack-protection mustermann ruby2_keywords tilt webrick"
# shellcheck disable=SC2086
"$here/toolchain/ruby/app.sh" -o "$here/build/app-ruby-pure" $gemlist >/dev/null
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/ctx/app"
cp -aL "$here/build/app-ruby-pure/gems" "$tmp/ctx/app/gems"
cp "$here/bench/box/boot.rb" "$tmp/ctx/app/"
inc=(); ninc=()
for g in $gemlist; do inc+=("\"-I/app/gems/$g/lib\", "); ninc+=("-I$tmp/ctx/app/gems/$g/lib"); done
printf 'FROM %s\nENTRYPOINT ["ruby"]\n' "$rp" > "$tmp/ctx/Ruby.dockerfile"
printf 'FROM %s\nCOPY app /app\nWORKDIR /app\nENTRYPOINT ["ruby", %s"-r./boot"]\nCMD ["-e", "serve"]\n' \
  "$rp" "$(printf '%s' "${inc[@]}")" > "$tmp/ctx/Hello.dockerfile"
pk() { "$w" pack "$@" 2>&1 | sed -n 's/^wali-run: packed .* in \([0-9.]*\) s$/\1/p'; }
t_ruby=$(pk -f "$tmp/ctx/Ruby.dockerfile" -o "$tmp/ruby.box" "$tmp/ctx")
t_ruby_s=$(pk --preinit -f "$tmp/ctx/Ruby.dockerfile" -o "$tmp/ruby-snap.box" "$tmp/ctx")
t_hello=$(pk -f "$tmp/ctx/Hello.dockerfile" -o "$tmp/hello.box" "$tmp/ctx")
t_hello_s=$(pk --preinit -f "$tmp/ctx/Hello.dockerfile" -o "$tmp/hello-snap.box" "$tmp/ctx")
# Warm: compiled modules in the cache, the boxes' checks stamped, the page cache.
for b in ruby.box ruby-snap.box; do "$w" "$tmp/$b" -e 'puts 1' >/dev/null; done
"$w" "$ruby" -e 'puts 1' >/dev/null
net=(--allow-net=127.0.0.1:{PORT} --env PORT={PORT})  # a box's environment is its own
hello_native=(env -C "$tmp/ctx/app" "$native" "${ninc[@]}" -r./boot -e serve)
"$fr" one "$w" "${net[@]}" "$tmp/hello.box" >/dev/null
"$fr" one "$w" "${net[@]}" "$tmp/hello-snap.box" >/dev/null
"$fr" one "${hello_native[@]}" >/dev/null

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
us() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(( (e - s) / 1000 )); }
nat=(); plain=(); box=(); snap=(); hn=(); hb=(); hs=(); rn=(); rb=(); rs=()
for _ in $(seq "$n"); do
  nat+=("$(us "$native" -e 'puts 1')")
  plain+=("$(us "$w" "$ruby" -e 'puts 1')")
  box+=("$(us "$w" "$tmp/ruby.box" -e 'puts 1')")
  snap+=("$(us "$w" "$tmp/ruby-snap.box" -e 'puts 1')")
  read -r a b < <("$fr" one "${hello_native[@]}"); hn+=("$a"); rn+=("$b")
  read -r a b < <("$fr" one "$w" "${net[@]}" "$tmp/hello.box"); hb+=("$a"); rb+=("$b")
  read -r a b < <("$fr" one "$w" "${net[@]}" "$tmp/hello-snap.box"); hs+=("$a"); rs+=("$b")
done
med() { printf '%s\n' "$@" | median; }
v=$(med "${nat[@]}"); p=$(med "${plain[@]}"); b=$(med "${box[@]}"); s=$(med "${snap[@]}")
row() { printf '%-46s %9.1f %8.2f\n' "$1" "$2" "$3"; }
printf '%-46s %9s %8s\n' "ruby -e 'puts 1' (wall, medians of $n)" "ms" "x native"
row "native Ruby 3.3.8" "$(echo "$v / 1000" | bc -l)" 1
row "wali-run ruby.wasm (plain)" "$(echo "$p / 1000" | bc -l)" "$(echo "$p / $v" | bc -l)"
row "wali-run ruby.box (no snapshot)" "$(echo "$b / 1000" | bc -l)" "$(echo "$b / $v" | bc -l)"
row "wali-run ruby.box (snapshot)" "$(echo "$s / 1000" | bc -l)" "$(echo "$s / $v" | bc -l)"
echo
v=$(med "${hn[@]}"); b=$(med "${hb[@]}"); s=$(med "${hs[@]}")
printf '%-46s %9s %8s %12s\n' "Sinatra hello: start to first response" "ms" "x native" "peak RSS MB"
mbk() { echo "$1 / 1024" | bc -l; }
printf '%-46s %9.1f %8.2f %12.1f\n' "native Ruby 3.3.8" "$v" 1 "$(mbk "$(med "${rn[@]}")")"
printf '%-46s %9.1f %8.2f %12.1f\n' "wali-run hello.box (no snapshot)" "$b" "$(echo "$b / $v" | bc -l)" "$(mbk "$(med "${rb[@]}")")"
printf '%-46s %9.1f %8.2f %12.1f\n' "wali-run hello.box (snapshot)" "$s" "$(echo "$s / $v" | bc -l)" "$(mbk "$(med "${rs[@]}")")"
echo
printf '%-46s %9s %9s %10s\n' "box sizes" "MB" "zstd -19" "pack s"
for x in "ruby.box:$t_ruby" "ruby-snap.box:$t_ruby_s" "hello.box:$t_hello" "hello-snap.box:$t_hello_s"; do
  f=${x%%:*}; z=-
  if command -v zstd >/dev/null; then z=$(zstd -19 -T2 -q -c "$tmp/$f" | wc -c | awk '{printf "%.1f", $1 / 1e6}'); fi
  printf '%-46s %9.1f %9s %10s\n' "$f" "$(stat -c %s "$tmp/$f" | awk '{print $1 / 1e6}')" "$z" "${x#*:}"
done
"$w" inspect "$tmp/hello-snap.box" | sed -n 's/^snapshot: \([^(]*\)(memory \([^,]*\), \([^ ]* MB\) stored.*/  hello snapshot: \1, of a \2 memory (\3 stored)/p'
echo
printf '%-46s %9s %9s %9s\n' "$m hello apps at once (until all answered)" "s" "PSS MB/1" "RSS MB/1"
read -r t pss rss < <("$fr" many "$m" "${hello_native[@]}")
printf '%-46s %9.1f %9.1f %9.1f\n' "native Ruby 3.3.8" "$t" "$(echo "$pss / 1024 / $m" | bc -l)" "$(echo "$rss / 1024 / $m" | bc -l)"
read -r t pss rss < <("$fr" many "$m" "$w" "${net[@]}" "$tmp/hello-snap.box")
printf '%-46s %9.1f %9.1f %9.1f\n' "wali-run hello.box (snapshot)" "$t" "$(echo "$pss / 1024 / $m" | bc -l)" "$(echo "$rss / 1024 / $m" | bc -l)"
