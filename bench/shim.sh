#!/usr/bin/env bash
# The containerd shim against runc, both run by `ctr` on a containerd of our own (its
# root, state and socket in a temporary directory; killed at the end):
#   - pod start to first output: from `ctr run --rm` to the first stdout line of
#     `ruby -e 'puts RUBY_VERSION'`, median and min of N runs each, alternating;
#       wali: a box of build/ruby/ruby.wasm (Ruby 3.3.8) under io.containerd.wali.v1
#             (its first run, with the shim's module cache empty, is shown apart)
#       runc: the native Ruby 3.3.8 built by ./build.sh (same version and stdlib) in a
#             minimal rootfs (the binary, its shared libraries, its lib/ tree) under
#             io.containerd.runc.v2. No registry here, so no Debian Ruby image: this is
#             the same interpreter natively, in a container as small as it can be.
#   - memory per running pod: K pods of each sleeping in Ruby; per pod the PSS of the
#     container's processes plus that of its shim process (/proc/PID/smaps_rollup).
#   bench/shim.sh [N] [K]   (default 11 and 5; root; ./build.sh first; installs
#                            containerd and runc if missing)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=${1:-11} k=${2:-5}
[ "$(id -u)" = 0 ] || { echo "bench/shim.sh: needs root (containerd)" >&2; exit 1; }
for p in containerd runc; do
  command -v "$p" >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$p" >/dev/null
done
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-${WALI_CACHE_DIR:-$HOME/.cache/wali-run}/target}
cargo build --release --locked --quiet --manifest-path "$here/Cargo.toml" -p containerd-shim-wali
w=$here/build/bin/wali-run
ruby=$here/build/ruby/ruby.wasm
nb=${WALI_CACHE_DIR:-$HOME/.cache/wali-run}/ruby-native-3.3.8-n1/build
[ -f "$ruby" ] && [ -x "$nb/ruby" ] || { echo "bench/shim.sh: build Ruby first (./build.sh)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/wali-shim-bench.XXXXXX)
ns=bench$$
cd_pid=""
cleanup() {
  set +e
  for p in $(grep -l -- "$tmp/c.sock" /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3); do
    [ "$p" != "$cd_pid" ] && kill -9 "$p" 2>/dev/null
  done
  [ -n "$cd_pid" ] && kill "$cd_pid" 2>/dev/null && sleep 1 && kill -9 "$cd_pid" 2>/dev/null
  grep -o " $tmp[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m"; done
  rm -rf "$tmp" "/run/containerd/wali/$ns"
}
trap cleanup EXIT
mkdir -p "$tmp/bin"
ln -s "$CARGO_TARGET_DIR/release/containerd-shim-wali-v1" "$tmp/bin/"
cat >"$tmp/config.toml" <<CFG
version = 2
root = "$tmp/root"
state = "$tmp/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$tmp/c.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$tmp/opt"
CFG
# The shim's compiled-module cache starts empty: the first wali pod compiles Ruby.
mkdir -p "$tmp/cache"
WALI_CACHE_DIR=$tmp/cache PATH=$tmp/bin:$PATH containerd --config "$tmp/config.toml" >"$tmp/containerd.log" 2>&1 &
cd_pid=$!
ctr() { command ctr --address "$tmp/c.sock" -n "$ns" "$@"; }
for _ in $(seq 100); do ctr version >/dev/null 2>&1 && break; sleep 0.1; done
ctr version >/dev/null

# The images.
printf 'FROM %s\nENTRYPOINT ["ruby"]\n' "$ruby" >"$tmp/Dockerfile"
"$w" pack -f "$tmp/Dockerfile" -o "$tmp/ruby.box" "$tmp" 2>/dev/null
"$here/shim/oci-image.sh" -o "$tmp/wali.tar" -n bench/wali-ruby:1 "$tmp/ruby.box" >/dev/null
r=$tmp/rootfs
mkdir -p "$r/ruby/ext" "$r/tmp"
cp "$nb/ruby" "$nb/rbconfig.rb" "$r/ruby/"
cp -r "$nb/lib" "$r/ruby/lib"
cp -r "$nb/.ext/common" "$nb/.ext/x86_64-linux" "$r/ruby/ext/"
for l in $(ldd "$nb/ruby" | grep -o '/[^ ]*'); do
  mkdir -p "$r$(dirname "$l")"; cp -L "$l" "$r$l"
done
"$here/shim/oci-image.sh" -o "$tmp/native.tar" -n bench/native-ruby:1 -d "$r" /ruby/ruby \
  -I/ruby/lib -I/ruby -I/ruby/ext/common -I/ruby/ext/x86_64-linux >/dev/null
ctr images import "$tmp/wali.tar" >/dev/null
ctr images import "$tmp/native.tar" >/dev/null
echo "images: wali $(du -k "$tmp/wali.tar" | cut -f1) KiB (one layer: the box), runc $(du -k "$tmp/native.tar" | cut -f1) KiB (the minimal rootfs)"

prog='puts RUBY_VERSION'
run_wali() { ctr run --rm --runtime io.containerd.wali.v1 bench/wali-ruby:1 "$1" /ruby.box -e "$prog"; }
run_runc() { ctr run --rm --runtime io.containerd.runc.v2 bench/native-ruby:1 "$1" /ruby/ruby \
  -I/ruby/lib -I/ruby -I/ruby/ext/common -I/ruby/ext/x86_64-linux -e "$prog"; }
# Milliseconds from the start of `ctr run` to its first line of output.
first_ms() {
  local s; s=$(date +%s%N)
  "$@" | { IFS= read -r line; e=$(date +%s%N); cat >/dev/null; [ "$line" = 3.3.8 ] || { echo "bad output: $line" >&2; exit 1; }; echo $(( (e - s) / 1000000 )); }
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
min() { sort -n | head -1; }
cold=$(first_ms run_wali cold)
first_ms run_runc warm >/dev/null
ws=(); rs=()
for i in $(seq "$n"); do
  ws+=("$(first_ms run_wali "w$i")")
  rs+=("$(first_ms run_runc "r$i")")
done
echo "pod start to first output (ms, $n runs each): wali shim median $(printf '%s\n' "${ws[@]}" | median) min $(printf '%s\n' "${ws[@]}" | min); runc native median $(printf '%s\n' "${rs[@]}" | median) min $(printf '%s\n' "${rs[@]}" | min); wali's first run (empty module cache: Ruby compiled) $cold"

# Memory: K sleeping pods of each.
sleeper='puts "ready"; $stdout.flush; sleep 600'
for i in $(seq "$k"); do
  ctr run -d --runtime io.containerd.wali.v1 bench/wali-ruby:1 "mw$i" /ruby.box -e "$sleeper" >/dev/null
  ctr run -d --runtime io.containerd.runc.v2 bench/native-ruby:1 "mr$i" /ruby/ruby \
    -I/ruby/lib -I/ruby -I/ruby/ext/common -I/ruby/ext/x86_64-linux -e "$sleeper" >/dev/null
done
sleep 3
pss() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
# A task's processes: its pid and descendants; its shim: the one started with -id ID.
shim_of() {
  local f
  for f in /proc/[0-9]*/cmdline; do
    tr '\0' ' ' 2>/dev/null <"$f" | grep -q -- "-id $1 .*$tmp/c.sock" && { echo "$f" | cut -d/ -f3; return; }
  done
  echo 0
}
tree() { local p=$1; echo "$p"; for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do tree "$c"; done; }
per_pod() {
  local prefix=$1 tot_c=0 tot_s=0 cnt=0
  while read -r id pid _; do
    case "$id" in "$prefix"*) ;; *) continue ;; esac
    for p in $(tree "$pid"); do tot_c=$((tot_c + $(pss "$p"))); done
    shim=$(shim_of "$id")
    tot_s=$((tot_s + $(pss "$shim")))
    cnt=$((cnt + 1))
  done < <(ctr task ls | tail -n +2)
  echo "$((tot_c / cnt / 1024)) MiB in the container + $((tot_s / cnt / 1024)) MiB shim = $(((tot_c + tot_s) / cnt / 1024)) MiB ($cnt pods)"
}
echo "memory per running pod (PSS): wali $(per_pod mw); runc $(per_pod mr)"
for i in $(seq "$k"); do
  for id in "mw$i" "mr$i"; do
    ctr task kill -s SIGKILL "$id" >/dev/null 2>&1 || true
  done
done
sleep 2
for i in $(seq "$k"); do
  for id in "mw$i" "mr$i"; do
    ctr task delete "$id" >/dev/null 2>&1 || true
    ctr container delete "$id" >/dev/null 2>&1 || true
  done
done
