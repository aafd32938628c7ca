#!/usr/bin/env bash
# Run every test: builds what is missing (cached under ~/.cache/wali-run), checks
# formatting and lints, then the Rust unit and integration tests (which include the
# C programs compared against native musl builds).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${WALI_CACHE_DIR:-$HOME/.cache/wali-run}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$cache/target}
cd "$here"
./build.sh --quiet
# tests/ruby_apps.rs: Puma, nio4r, Rack, bcrypt and Sinatra in an app ruby.wasm (C
# extensions linked in) and for the native Ruby; cached, so only the first run builds.
toolchain/ruby/app.sh --native -o build/app-ruby puma nio4r rack bcrypt sinatra \
  rack-protection mustermann ruby2_keywords tilt webrick >/dev/null
# tests/toolchain.rs cross-builds autotools and CMake projects with wali-cc; the shim
# (shim/) links libseccomp (libcontainer's seccomp) and needs protoc (containerd's gRPC API
# compiled by containerd-client's build script), and shim/tests/containerd.rs runs
# Debian's containerd (runc: the comparison in bench/shim.sh).
need_pkgs=()
for p in autoconf automake libtool cmake make gcc libseccomp-dev protobuf-compiler containerd runc; do
  dpkg -s "$p" >/dev/null 2>&1 || need_pkgs+=("$p")
done
if [ ${#need_pkgs[@]} -gt 0 ]; then
  echo "== installing ${need_pkgs[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy -D warnings"
cargo clippy --release --locked --workspace --all-targets -q -- -D warnings
echo "== cargo test (in a pids cgroup: a fork or thread bomb stops at 4096 tasks)"
# The integration tests fork and start threads by the thousand; a regression in fork or
# signal handling must not take the machine down with it. Bounded in time as well.
"$here/tests/in-pids-cgroup" 4096 timeout -k 30 4500 \
  cargo test --release --locked --workspace
echo "== OpenSSL's own test suite, the fixed subset, under wali-run and natively"
"$here/toolchain/ruby/openssl-tests.sh" | tail -2
