#!/usr/bin/env bash
# Build everything from a fresh Debian 12 machine: the C toolchain (musl sysroot and
# wali-cc), the wali-run runtime, then compile and run an example.
#   ./build.sh            build, then run examples/hello.c and a threaded Ruby TCP server
#   ./build.sh --quiet    build only (used by test.sh)
#   ./build.sh --no-ruby  skip Ruby (its cold build takes about 8 minutes; cached after)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${WALI_CACHE_DIR:-$HOME/.cache/wali-run}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$cache/target}
quiet=0 ruby=1
for a in "$@"; do
  case "$a" in
    --quiet) quiet=1 ;;
    --no-ruby) ruby=0 ;;
    *) echo "build.sh: unknown option $a (known: --quiet, --no-ruby)" >&2; exit 2 ;;
  esac
done

echo "== building wali-run (cargo, target dir $CARGO_TARGET_DIR)"
cargo build --release --locked --quiet --manifest-path "$here/Cargo.toml" -p wali-run -p wali-fnptr || { echo "build.sh: cargo build failed" >&2; exit 1; }
mkdir -p "$here/build/bin"
ln -sf "$CARGO_TARGET_DIR/release/wali-run" "$here/build/bin/wali-run"
ln -sf "$here/toolchain/wali-cc" "$here/build/bin/wali-cc"
ln -sf "$CARGO_TARGET_DIR/release/wali-fnptr" "$here/build/bin/wali-fnptr"
ln -sf "$here/toolchain/wali-cargo" "$here/build/bin/wali-cargo"

# The libc declares its imports from wali-run's syscall table, so it comes second.
WALI_RUN="$here/build/bin/wali-run" "$here/toolchain/build.sh"
echo "== ready: build/bin/wali-run and build/bin/wali-cc (add $here/build/bin to PATH)"
if [ $ruby = 1 ]; then
  "$here/toolchain/ruby/build.sh"
  # ruby.wasm with the snapshot entry points (pack --preinit): a relink, cached.
  "$here/toolchain/ruby/preinit.sh"
fi

if [ $quiet = 0 ]; then
  echo "== example: wali-cc -O2 examples/hello.c -o build/hello.wasm && wali-run build/hello.wasm"
  "$here/build/bin/wali-cc" -O2 "$here/examples/hello.c" -o "$here/build/hello.wasm"
  "$here/build/bin/wali-run" "$here/build/hello.wasm" from wali-run
fi
if [ $quiet = 0 ] && [ $ruby = 1 ]; then
  # Under the default sandbox: its own directory, and exactly the server's address.
  port=$((20000 + RANDOM % 20000))
  echo "== example: cd examples/ruby && wali-run --allow-net=127.0.0.1:$port ../../build/ruby/ruby.wasm tcp_server.rb $port"
  (cd "$here/examples/ruby" && "$here/build/bin/wali-run" --allow-net="127.0.0.1:$port" \
    "$here/build/ruby/ruby.wasm" tcp_server.rb "$port")
fi
