#!/usr/bin/env bash
# The long run of the syscall fuzzer (conformance/fuzz/fuzz.c): seed after seed, each a
# fresh wali-run process of ITERATIONS calls in a fresh temporary directory, until
# SECONDS have passed. Prints the executions, calls per second, and every failure with
# the seed and the last call (from a -v replay) to reproduce it.
#
#   bench/fuzz.sh [SECONDS] [ITERATIONS]        defaults: 600 s, 20000 calls per seed
#   FUZZ_SEED=N      first seed (default: the time)
#   FUZZ_ARGS=...    extra fuzzer flags (e.g. --no-shared-maps)
#   WALI_RUN=path    the runtime (default build/bin/wali-run)
#
# Without the runtime's sandbox (no --allow-all in `wali-run --help`) the fuzzer runs with
# --no-paths. As root, each run drops to nobody (setpriv): a sandbox hole then cannot
# reach root's files. Failure logs are kept in ~/.cache/wali-run/fuzz-failures/.
set -uo pipefail
dur=${1:-600}
iters=${2:-20000}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
wali_run=${WALI_RUN:-$repo/build/bin/wali-run}
seed=${FUZZ_SEED:-$(date +%s)}
extra=(${FUZZ_ARGS:-})
keep=${HOME}/.cache/wali-run/fuzz-failures

work=$(mktemp -d /tmp/wali-fuzz.XXXXXX)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT

# The fuzzer's syscall table comes from the runtime's (as the libc's imports do).
mkdir -p "$work/gen"
"$wali_run" --list-syscalls --format tsv | python3 "$repo/conformance/fuzz/gen-table.py" > "$work/gen/fuzz-table.h" || {
  echo "fuzz.sh: cannot generate the fuzzer's syscall table" >&2
  exit 2
}
"$repo/build/bin/wali-cc" -O1 -I "$work/gen" "$repo/conformance/fuzz/fuzz.c" -o "$work/fuzz.wasm" || {
  echo "fuzz.sh: cannot build the fuzzer" >&2
  exit 2
}
if ! "$wali_run" --help | grep -q -- --allow-all; then
  extra+=(--no-paths)
  echo "no sandbox in $wali_run: fuzzing with --no-paths"
fi
bin=$wali_run
drop=()
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$work/bin"
  cp "$(readlink -f "$wali_run")" "$work/bin/wali-run"
  chmod 755 "$work/bin" "$work/bin/wali-run"
  chmod 644 "$work/fuzz.wasm"
  bin=$work/bin/wali-run
  drop=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi
mkdir -p "$work/cache" "$work/tmp" "$work/sentinel"
echo "do not touch" > "$work/sentinel/file"
chmod 777 "$work/sentinel"
chmod 666 "$work/sentinel/file"
[ "$(id -u)" = 0 ] && chown 65534:65534 "$work/cache" "$work/tmp"
sentinel() { (find "$work/sentinel" -printf '%p %m %u %s %T@\n' | sort && cat "$work/sentinel/file") | md5sum; }
before=$(sentinel)

# run SEED [flags]: one fuzzer process in a fresh directory; sets rc, out, err.
run() {
  local s=$1
  shift
  rm -rf "$work/run"
  mkdir "$work/run"
  [ "$(id -u)" = 0 ] && chown 65534:65534 "$work/run"
  # The inner shell reaps the fuzzer, so its "Segmentation fault" notice goes to /dev/null.
  (cd "$work/run" && bash -c '"$@" </dev/null >"$0/out" 2>"$0/err"' "$work" \
    setsid timeout 300 "${drop[@]}" env HOME="$work" WALI_CACHE_DIR="$work/cache" TMPDIR="$work/tmp" \
    "$bin" "$work/fuzz.wasm" "${extra[@]}" "$@" "$s" "$iters") 2>/dev/null
  rc=$?
}

start=$(date +%s)
deadline=$((start + dur))
total=0 seeds=0 failed=0
failures=()
echo "fuzzing for ${dur} s from seed $seed, $iters calls per seed (${extra[*]:-no extra flags})"
while [ "$(date +%s)" -lt $deadline ]; do
  run $seed
  n=$(sed -n 's/^executions: //p' "$work/out")
  seeds=$((seeds + 1))
  total=$((total + ${n:-0}))
  why=
  if [ $rc -ne 0 ]; then
    if [ $rc -gt 128 ] && [ $rc -lt 160 ]; then
      why="exit $rc (SIG$(kill -l $((rc - 128))))"
    elif [ $rc = 124 ]; then
      why="hang (timeout 300 s)"
    else
      why="exit $rc"
    fi
  elif [ -z "$n" ]; then
    why="no executions line"
  fi
  grep -q panicked "$work/err" "$work/run/fz.err" 2>/dev/null && why="${why:+$why, }panicked"
  if [ "$(sentinel)" != "$before" ]; then
    why="${why:+$why, }SENTINEL CHANGED"
    before=$(sentinel)
  fi
  if [ -n "$why" ]; then
    failed=$((failed + 1))
    mkdir -p "$keep/seed-$seed"
    cp "$work/err" "$keep/seed-$seed/stderr" 2>/dev/null
    cp "$work/run/fz.err" "$keep/seed-$seed/guest-fd2" 2>/dev/null
    # Replay with -v: the last call printed before the end is the culprit.
    run $seed -v
    cp "$work/err" "$keep/seed-$seed/replay-v" 2>/dev/null
    last=$(grep -a -E '^[0-9]+ [a-z_0-9]+\(' "$work/err" | tail -1)
    msg=$(grep -a -v -E '^([0-9]+ [a-z_0-9]+\(|  = )' "$keep/seed-$seed/stderr" | grep -a -m1 .)
    failures+=("seed $seed: $why; last call: ${last:-?}${msg:+; $msg}")
    echo "FAIL seed $seed: $why; last call: ${last:-?}"
  fi
  seed=$((seed + 1))
done
secs=$(($(date +%s) - start))
echo
echo "seeds:       $seeds ($iters calls each)"
echo "executions:  $total"
echo "seconds:     $secs"
echo "calls/s:     $((total / (secs > 0 ? secs : 1)))"
echo "failures:    $failed"
for f in "${failures[@]}"; do echo "  $f"; done
[ $failed = 0 ] || echo "(logs in $keep)"
[ $failed = 0 ]
