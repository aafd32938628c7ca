#!/usr/bin/env bash
# Boxes and pre-initialised snapshots against native Ruby 3.3.8, side by side in one run
# (medians of N runs each, the variants alternating):
#   1. ruby -e 'puts 1': native, the plain ruby.wasm, a box without and with a snapshot
#   2. a Sinatra hello app on WEBrick (bench/box/boot.rb): process start to the first
#      HTTP response, and peak RSS, native vs the box without and with a snapshot
#   3. the boxes' sizes (format 3: contents zstd-compressed), and what they would be
#      with every content stored as is (inspect's "uncompressed")
#   4. the first run of a box file (its module decompressed and hashed, its snapshot
#      expanded into the cache) against later runs, and a 100 KB .rb file read in a
#      box (decompressed at open) against the same file under --dir
#   5. M instances of the hello app started at once: memory per instance (PSS: shared
#      pages counted once across them) and the time until all answered, native vs box
#   bench/box.sh [N] [M]      (default 15 and 100; ./build.sh first, Ruby included)
#   WALI_RUN=path/to/wali-run bench/box.sh ...   another wali-run than build/bin's
# Runs in a pids cgroup with a timeout (tests/in-pids-cgroup): M processes at once.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=${1:-15}
m=${2:-100}
w=${WALI_RUN:-$here/build/bin/wali-run}
ruby=$here/build/ruby/ruby.wasm
rp=$here/build/ruby-preinit/ruby.wasm
native=$here/build/bin/ruby-native
fr=$here/bench/box/first_response.py
[ -x "$native" ] && [ -f "$ruby" ] && [ -f "$rp" ] || { echo "bench/box.sh: build Ruby first (./build.sh)" >&2; exit 1; }
if [ -z "${WALI_BENCH_IN_CGROUP:-}" ]; then
  WALI_BENCH_IN_CGROUP=1 exec "$here/tests/in-pids-cgroup" 4096 timeout -k 10 3600 "$0" "$@"
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# The app's gems, pure Ruby: app.sh fetches them (Debian's packages, cached) and links
# nothing; its output goes to the temporary directory (build/ may be another tree's).
gemlist="rack sinatra rack-protection mustermann ruby2_keywords tilt webrick"
# shellcheck disable=SC2086
"$here/toolchain/ruby/app.sh" -o "$tmp/app-ruby-pure" $gemlist >/dev/null
mkdir -p "$tmp/ctx/app"
cp -aL "$tmp/app-ruby-pure/gems" "$tmp/ctx/app/gems"
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
printf '%-46s %9s %9s %10s\n' "box sizes (format 3, zstd)" "MB" "as is MB" "pack s"
for x in "ruby.box:$t_ruby" "ruby-snap.box:$t_ruby_s" "hello.box:$t_hello" "hello-snap.box:$t_hello_s"; do
  f=${x%%:*}
  z=$("$w" inspect "$tmp/$f" | sed -n 's/^uncompressed: \([0-9.]*\) MB.*/\1/p')
  printf '%-46s %9.1f %9s %10s\n' "$f" "$(stat -c %s "$tmp/$f" | awk '{print $1 / 1e6}')" "$z" "${x#*:}"
done
"$w" inspect "$tmp/hello-snap.box" | sed -n 's/^snapshot: \([^(]*\)(stored \([^ ]* MB\) zstd[^;]*; memory \([^,]*\), \([^ ]* MB\) of pages.*/  hello snapshot: \1(\2 compressed), of a \3 memory (\4 of pages)/p'
"$w" inspect "$tmp/hello-snap.box" | sed -n 's/^uncompressed: [^(]*(\(.*\))/  hello-snap.box as is: \1/p'
echo

# The first run of a box file: a copy is a new file, so its once-per-file check runs
# (the module decompressed and hashed; the snapshot decompressed, hashed and written to
# the cache), against later runs of the same copy.
first=(); later=(); firsts=(); laters=()
for i in $(seq "$n"); do
  cp "$tmp/ruby.box" "$tmp/first-$i.box"; cp "$tmp/ruby-snap.box" "$tmp/firsts-$i.box"
  first+=("$(us "$w" "$tmp/first-$i.box" -e 'puts 1')")
  firsts+=("$(us "$w" "$tmp/firsts-$i.box" -e 'puts 1')")
  later+=("$(us "$w" "$tmp/first-$i.box" -e 'puts 1')")
  laters+=("$(us "$w" "$tmp/firsts-$i.box" -e 'puts 1')")
  rm -f "$tmp/first-$i.box" "$tmp/firsts-$i.box"
done
printf '%-46s %9s %9s\n' "first run of a box file vs later (ms, medians)" "first" "later"
printf '%-46s %9.1f %9.1f\n' "ruby.box -e 'puts 1'" "$(echo "$(med "${first[@]}") / 1000" | bc -l)" "$(echo "$(med "${later[@]}") / 1000" | bc -l)"
printf '%-46s %9.1f %9.1f\n' "ruby-snap.box -e 'puts 1'" "$(echo "$(med "${firsts[@]}") / 1000" | bc -l)" "$(echo "$(med "${laters[@]}") / 1000" | bc -l)"
# One file read 200 times by the guest: in the box (decompressed and hashed at each
# open) against the same bytes on the host under --dir.
rb=/opt/ruby/lib/ruby/3.3.0/net/http.rb
loop='f=ARGV[0]; File.read(f); t=Process.clock_gettime(Process::CLOCK_MONOTONIC); 200.times { File.read(f) }; puts ((Process.clock_gettime(Process::CLOCK_MONOTONIC)-t)/200*1e6).round(1)'
size=$(stat -Lc %s "$here/build/ruby-preinit/lib/ruby/3.3.0/net/http.rb")
ib=(); id=()
for _ in $(seq "$n"); do
  ib+=("$("$w" "$tmp/ruby.box" -e "$loop" "$rb")")
  id+=("$("$w" --dir "$here/build/ruby-preinit/lib:/data:ro" "$tmp/ruby.box" -e "$loop" /data/ruby/3.3.0/net/http.rb)")
done
printf '%-46s %9s\n' "File.read of net/http.rb ($((size / 1024)) KB), us each" "median"
printf '%-46s %9.1f\n' "in the box (zstd, decompressed at open)" "$(med "${ib[@]}")"
printf '%-46s %9.1f\n' "the same file under --dir" "$(med "${id[@]}")"
echo
printf '%-46s %9s %9s %9s\n' "$m hello apps at once (until all answered)" "s" "PSS MB/1" "RSS MB/1"
read -r t pss rss < <("$fr" many "$m" "${hello_native[@]}")
printf '%-46s %9.1f %9.1f %9.1f\n' "native Ruby 3.3.8" "$t" "$(echo "$pss / 1024 / $m" | bc -l)" "$(echo "$rss / 1024 / $m" | bc -l)"
read -r t pss rss < <("$fr" many "$m" "$w" "${net[@]}" "$tmp/hello-snap.box")
printf '%-46s %9.1f %9.1f %9.1f\n' "wali-run hello.box (snapshot)" "$t" "$(echo "$pss / 1024 / $m" | bc -l)" "$(echo "$rss / 1024 / $m" | bc -l)"
