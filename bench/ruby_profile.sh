#!/usr/bin/env bash
# Where ruby.wasm's time goes, against native Ruby 3.3.8, for the CPU set of bench/ruby.sh
# (bench/ruby/set.txt): each benchmark under `perf record` (cpu-clock, call chains), wasm
# functions named through wasmtime's perf map (WALI_PROFILE=perfmap), samples classed by
# bench/ruby_profile.py. The shadow-stack spills are inline in every function, so they are
# measured apart: the time saved by the same build without --flatten --spill-pointers (a
# module the GC may lose roots in, timed only, built once from the cached pre-wasm-opt Ruby).
#   bench/ruby_profile.sh [NAME...]      (NAMEs: rows of bench/ruby/set.txt, default all)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
only=" $* "
ruby=$(readlink -f "$here/build/ruby")
wasm=${RUBY_WASM:-$ruby/ruby.wasm}
native=$here/build/bin/ruby-native
bm=$ruby/build/benchmark
command -v perf >/dev/null || { echo "ruby_profile.sh: perf missing (apt-get install linux-perf)" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/s"
# The spill-free twin, cached by the Ruby build it comes from.
twin=$HOME/.cache/wali-run/ruby-nospill-$(basename "$ruby")
if [ ! -f "$twin/ruby.wasm" ]; then
  mkdir -p "$twin"
  "$here/build/wasm-opt" --enable-threads --enable-bulk-memory --enable-mutable-globals \
    --enable-exception-handling --enable-sign-ext --enable-nontrapping-float-to-int \
    --translate-to-exnref -O3 -g --strip-dwarf "$ruby/build/ruby" -o "$twin/ruby.wasm.tmp"
  cp -a "$ruby/lib" "$twin/" && cp "$ruby/ruby.wasm.toml" "$twin/"
  mv "$twin/ruby.wasm.tmp" "$twin/ruby.wasm"
fi
run=("$here/build/bin/wali-run" --dir="$tmp/s:ro")
cd "$tmp"
. "$here/bench/ruby/lib.sh"
share() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(" | ".join("%4.1f" % d["share"][k] for k in sys.argv[2:]))' "$@"; }
printf '%s\n' "| benchmark | wasm/native | spills | wasm: malloc | gc | interp | runtime | other | native: malloc | gc | interp | kernel | other |"
printf '%s\n' "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
i=0
ruby_set "$bm" >"$tmp/set"
while IFS='|' read -r name src scale; do
  key=${name%% *}
  [ "$only" = "  " ] || [[ "$only" == *" $key "* ]] || continue
  i=$((i + 1))
  s=$tmp/s/$i-$(basename "$src")
  scaled "$src" "$scale" "$s"
  # CPU times: median of 3 each, interleaved.
  tn=; tw=; tt=
  for _ in 1 2 3; do
    tn+=" $(cpu "$native" "$s")"; tw+=" $(cpu "${run[@]}" "$wasm" "$s")"; tt+=" $( (cpu "${run[@]}" "$twin/ruby.wasm" "$s") 2>/dev/null || echo NA)"
  done
  tn=$(printf '%s\n' $tn | median); tw=$(printf '%s\n' $tw | median)
  # The twin can lose a GC root and trap (that is why spills exist): then no figure.
  case "$tt" in *NA*) spill=n/a ;; *) spill=$(printf '%.0f%%' "$(echo "100 * ($tw - $(printf '%s\n' $tt | median)) / $tw" | bc -l)") ;; esac
  perf record -q -e cpu-clock -F 999 -g -o "$tmp/n.data" "$native" "$s" </dev/null >/dev/null 2>&1
  touch "$tmp/stamp"
  WALI_PROFILE=perfmap perf record -q -e cpu-clock -F 999 -g -o "$tmp/w.data" "${run[@]}" "$wasm" "$s" </dev/null >/dev/null 2>&1
  perf script -i "$tmp/n.data" 2>/dev/null | python3 "$here/bench/ruby_profile.py" native >"$tmp/n.json"
  perf script -i "$tmp/w.data" 2>/dev/null | python3 "$here/bench/ruby_profile.py" wasm >"$tmp/w.json"
  find /tmp -maxdepth 1 -name 'perf-*.map' -newer "$tmp/stamp" -delete   # wasmtime's, this run's
  printf '| %s | %.2f | %s | %s | %s |\n' "$name" "$(echo "$tw / $tn" | bc -l)" "$spill" \
    "$(share "$tmp/w.json" malloc gc interp runtime other)" \
    "$(share "$tmp/n.json" malloc gc interp runtime other)"
  [ -z "${PROFILE_TOP:-}" ] || { echo "  wasm top: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["top"])' "$tmp/w.json")"; echo "  native top: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["top"])' "$tmp/n.json")"; }
done <"$tmp/set"
