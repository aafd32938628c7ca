#!/usr/bin/env bash
# Every benchmark, one after the other on a quiet machine, native and wali-run side by
# side in each; prints the tables and writes them into README.md between the markers
# <!-- bench:begin --> and <!-- bench:end -->.
#   bench/run.sh            (run ./build.sh first; about 6 minutes)
#   bench/run.sh --no-readme
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=$(mktemp); trap 'rm -f "$out"' EXIT
section() { # title, command...
  local title=$1; shift
  echo "== $title" >&2
  { printf '\n%s\n\n```\n' "$title"; "$@"; printf '```\n'; } >> "$out"
}
{
  printf 'Measured by `bench/run.sh` on %s (%s, %s cores), %s.\n' \
    "$(hostname)" "$(uname -r)" "$(nproc)" "$(date -u +%Y-%m-%d)"
} > "$out"
section "Per-call cost (\`bench/syscalls.sh\`, ns per call, best of two interleaved medians)" "$here/bench/syscalls.sh"
section "Files (\`bench/io.sh\`: 1 GiB copy, 100 000-file walk: median of 5; Ruby's peak RSS)" "$here/bench/io.sh"
section "Start-up (\`bench/startup.sh\`, examples/hello.c)" "$here/bench/startup.sh"
section "Threads (\`bench/threads.sh\`, pthread_create + join)" "$here/bench/threads.sh"
section "Network (\`bench/net.sh\`)" "$here/bench/net.sh"
section "Ruby (\`bench/ruby.sh\`, native Ruby 3.3.8 and ruby.wasm)" "$here/bench/ruby.sh"
cat "$out"
if [ "${1:-}" != "--no-readme" ]; then
  python3 - "$here/README.md" "$out" <<'PY'
import sys
readme, new = sys.argv[1], open(sys.argv[2]).read()
text = open(readme).read()
b, e = "<!-- bench:begin -->", "<!-- bench:end -->"
if b not in text or e not in text:
    sys.exit("README.md has no bench markers")
head, rest = text.split(b, 1)
_, tail = rest.split(e, 1)
open(readme, "w").write(head + b + "\n" + new.strip() + "\n" + e + tail)
PY
  echo "== README.md updated" >&2
fi
