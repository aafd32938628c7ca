#!/usr/bin/env bash
# Static libyaml and OpenSSL 3 for the wasm32 sysroot, for Ruby's psych and openssl
# extensions (called by toolchain/ruby/build.sh; runs alone too). Both come from Debian's
# pristine source packages (the orig tarballs, sha256-checked), unpatched, built with
# wali-cc. Each is cached in its own directory keyed by its inputs (this script, wali-cc,
# the sysroot), so a change to Ruby's recipe does not rebuild them:
#   ~/.cache/wali-run/libyaml-<key>/{include,lib}
#   ~/.cache/wali-run/openssl-<key>/{include,lib}   (+ build/: the build tree, whose
#                                                  test programs openssl-tests.sh runs)
# Prints two lines for the caller: "yaml=<dir>" and "openssl=<dir>".
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${WALI_CACHE_DIR:-$HOME/.cache/wali-run}
jobs=${JOBS:-$(nproc)}
export PATH=$repo/build/bin:$PATH
log() { echo "== libs: $*" >&2; }

fetch() { # fetch <tarball> <sha256> <apt source spec>
  if [ ! -f "$cache/src/$1" ]; then
    log "fetching $3 (Debian source package)"
    mkdir -p "$cache/src"
    # The deb-src entry comes from toolchain/build.sh, which runs first.
    (cd "$cache/src" && apt-get source --download-only -qq "$3" >/dev/null 2>&1) || true
  fi
  echo "$2  $cache/src/$1" | sha256sum -c --quiet - || { echo "libs: $cache/src/$1: missing or sha256 mismatch" >&2; exit 1; }
}

yver=0.2.5
ytar=libyaml_$yver.orig.tar.gz
fetch "$ytar" fa240dbf262be053f3898006d502d514936c818e422afdcf33921c63bed9bf2e "libyaml=$yver-1"
# OpenSSL 3.0, Debian 12's (the LTS branch this machine's distribution ships; Ruby 3.3's
# openssl extension supports 1.1.1 to 3.x).
over=3.0.20
otar=openssl_$over.orig.tar.gz
fetch "$otar" c80a01dfc70ece4dc21168932c37739042d404d46ccc81a5986dd75314ecda6f "openssl=$over-1~deb12u2"

sysroot=$(readlink -f "$repo/build/sysroot")
key=$( { cat "$here/libs.sh" "$repo/toolchain/wali-cc"; echo "$sysroot"; } | sha256sum | cut -c1-12)

# --- libyaml: CMake (the orig tarball is the git tree: no configure script) ------------
y=$cache/libyaml-$key
if [ ! -f "$y/.complete" ]; then
  log "building libyaml $yver (log: $y/build.log)"
  rm -rf "$y"; mkdir -p "$y/src"
  tar -xzf "$cache/src/$ytar" -C "$y/src" --strip-components=1
  (cmake -DCMAKE_TOOLCHAIN_FILE="$repo/toolchain/wali.cmake" -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_C_FLAGS_RELEASE=-O2 -DBUILD_TESTING=OFF -DCMAKE_INSTALL_PREFIX="$y" \
      -S "$y/src" -B "$y/out" && cmake --build "$y/out" -j"$jobs" && cmake --install "$y/out") \
    >"$y/build.log" 2>&1 || { tail -20 "$y/build.log" >&2; echo "libs: libyaml build failed" >&2; exit 1; }
  rm -rf "$y/src" "$y/out"
  touch "$y/.complete"
fi

# --- OpenSSL ---------------------------------------------------------------------------
# linux-generic32: the 32-bit Linux target with no assembler; no-asm: C only (wasm);
# no-shared, no-dso: modules are static and cannot load code; threads: pthreads.
# no-afalgeng: the AF_ALG engine hands work to the kernel's crypto sockets (and needs
# <linux/if_alg.h>, which the sysroot does not have).
# Entropy: OpenSSL's default seed source (os) calls getrandom(2) through syscall() on
# Linux (wasm has no __ELF__, so its weak getentropy path is skipped), the runtime's
# getrandom.
# --openssldir=/etc/ssl: certificates are looked up in /etc/ssl/certs (a hashed
# directory, as on Debian) and /etc/ssl/cert.pem, unless SSL_CERT_DIR/SSL_CERT_FILE say.
o=$cache/openssl-$key
if [ ! -f "$o/.complete" ]; then
  log "building openssl $over (log: $o/build.log)"
  rm -rf "$o"; mkdir -p "$o"
  tar -xzf "$cache/src/$otar" -C "$o"
  mv "$o/openssl-$over" "$o/build"
  (cd "$o/build" && ./Configure linux-generic32 no-asm no-shared no-dso threads no-afalgeng \
      --prefix="$o" --libdir=lib --openssldir=/etc/ssl \
      CC="$repo/toolchain/wali-cc" AR=llvm-ar-19 RANLIB=llvm-ranlib-19 CFLAGS=-O2 \
      && make -j"$jobs" build_libs && make install_dev) >"$o/build.log" 2>&1 \
    || { grep -E "error|Error" "$o/build.log" | tail -20 >&2; echo "libs: openssl build failed (log: $o/build.log)" >&2; exit 1; }
  touch "$o/.complete"
fi
echo "yaml=$y"
echo "openssl=$o"
