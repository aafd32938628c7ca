#!/usr/bin/env bash
# Ruby's own tests, file by file, native Ruby 3.3.8 and ruby.wasm side by side, with the
# tarball's runner (tool/test/runner.rb), each file under a time limit.
#   tests/ruby_suite.sh [PATH...]    paths under the tarball's test/, files or directories;
#                                    default: ruby socket net/http io psych openssl zlib
# Env: TIMEOUT per file and side in seconds (600), RUBY_WASM (another ruby.wasm; the
# default is build/ruby/ruby.wasm), JOBS (files run at once, 1).
# Prints a row per file (tests, passes, failures+errors, skips; native then wasm) and the
# total of passes; the rows also go to ~/.cache/wali-run/ruby-suite/<wasm key>.tsv.
# Native logs are cached (native Ruby does not change); wasm logs are kept beside them.
# Runs with the sandbox off (--allow-all), as tests/ruby.rs runs Ruby's tests: they write
# to /tmp, spawn Ruby through sh and signal their children. Loops of forks and threads in
# them run inside a pids cgroup (tests/in-pids-cgroup).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${WALI_CACHE_DIR:-$HOME/.cache/wali-run}
timeout=${TIMEOUT:-600}
jobs=${JOBS:-1}
wasm=${RUBY_WASM:-$repo/build/ruby/ruby.wasm}
native=$repo/build/bin/ruby-native
tree=$(readlink -f "$repo/build/ruby")/build
[ -f "$wasm" ] || { echo "ruby_suite: no $wasm (run ./build.sh)" >&2; exit 1; }
[ -x "$native" ] || { echo "ruby_suite: no $native (run ./build.sh)" >&2; exit 1; }
[ -f "$tree/tool/test/runner.rb" ] || { echo "ruby_suite: no Ruby build tree at $tree" >&2; exit 1; }
key=$(sha256sum "$wasm" | cut -c1-12)
out=$cache/ruby-suite
mkdir -p "$out/native" "$out/wasm-$key"

# The runner hands the interpreter's path to sh unquoted: a plain path of our own.
wrap=$(mktemp -d /tmp/ruby-suite-XXXXXX)
trap 'rm -rf "$wrap"' EXIT
cat > "$wrap/ruby-wasm" <<SH
#!/bin/sh
exec $repo/build/bin/wali-run --allow-all --argv0 ruby $wasm "\$@"
SH
chmod +x "$wrap/ruby-wasm"

paths=("$@")
[ ${#paths[@]} = 0 ] && paths=(ruby socket net/http io psych openssl zlib)
files=()
for p in "${paths[@]}"; do
  if [ -d "$tree/test/$p" ]; then
    while IFS= read -r f; do files+=("${f#"$tree"/}"); done \
      < <(find "$tree/test/$p" -name 'test_*.rb' | LC_ALL=C sort)
  elif [ -f "$tree/test/$p" ]; then
    files+=("test/$p")
  else
    echo "ruby_suite: no test/$p in the tarball" >&2; exit 2
  fi
done

# run SIDE RUBY FILE LOG: the runner on one file, its output in LOG.
run() {
  local ruby=$2 file=$3 log=$4
  (cd "$tree" && RUBY=$ruby RUBY_TEST_TIMEOUT_SCALE=10 \
    "$repo/tests/in-pids-cgroup" 512 timeout -k 10 "$timeout" \
    "$ruby" --disable-gems tool/test/runner.rb --base-directory=test -q "$file") \
    >"$log" 2>&1 </dev/null || true
}

# counts LOG: "tests passes fails skips known", or "- - - - -" when the runner printed no
# summary (a crash, a hang killed by the time limit). "known" counts the failures with a
# written reason: the tests need `continuation` (callcc jumps into frames that returned,
# which exception-based setjmp cannot do) or GC compaction (its read barrier is mprotect
# and SIGSEGV, which linear memory cannot do).
counts() {
  local line known
  line=$(grep -E '^[0-9]+ tests, [0-9]+ assertions, [0-9]+ failures, [0-9]+ errors, [0-9]+ skips' "$1" | tail -1 || true)
  if [ -z "$line" ]; then echo "- - - - -"; return; fi
  known=$(awk '/^ *[0-9]+\) (Error|Failure):/ { getline m; getline m2;
      if ((m m2) ~ /cannot load such file -- continuation|compact.*(unimplemented|not supported)|GC\.compact/) k++ }
      END { print k + 0 }' "$1")
  echo "$line" | awk -F'[ ,]+' -v k="$known" '{t=$1; f=$5+$7; s=$9; print t, t-f-s, f, s, k}'
}

one() {
  local file=$1 name
  name=$(echo "$file" | tr '/' '_')
  local nlog=$out/native/$name.log wlog=$out/wasm-$key/$name.log
  [ -s "$nlog" ] || run native "$native" "$file" "$nlog"
  [ -s "$wlog" ] || run wasm "$wrap/ruby-wasm" "$file" "$wlog"
  printf '%s\t%s\t%s\n' "$file" "$(counts "$nlog")" "$(counts "$wlog")"
}
export -f run counts one
export out key tree repo timeout native wrap

tsv=$out/wasm-$key.tsv
printf '%s\n' "${files[@]}" | xargs -P "$jobs" -I{} bash -c 'one "$@"' _ {} > "$tsv.part"
LC_ALL=C sort "$tsv.part" > "$tsv" && rm -f "$tsv.part"

printf '%-44s %28s   %34s\n' "" "native: tests pass fail skip" "wasm: tests pass fail skip known"
awk -F'\t' '{
  split($2, n, " "); split($3, w, " ");
  printf "%-44s %10s %5s %5s %5s   %10s %5s %5s %5s %5s\n", $1, n[1], n[2], n[3], n[4], w[1], w[2], w[3], w[4], w[5];
  if (n[2] != "-") np += n[2]; if (w[2] != "-") { wp += w[2]; wk += w[5] }
  if (w[1] == "-") crashed++;
} END {
  printf "passes: native %d, wasm %d (%.1f%%), wasm failures with a written reason %d; files without a summary under wasm: %d\n", np, wp, np ? 100*wp/np : 0, wk, crashed
}' "$tsv"
echo "rows: $tsv; logs: $out/native, $out/wasm-$key"
