#!/usr/bin/env bash
# ruby.wasm with the entry points `wali-run pack --preinit` calls (toolchain/ruby/preinit.c):
# the base Ruby's objects (toolchain/ruby/build.sh's cached tree, not touched) linked again
# with preinit.o, then the same wasm-opt passes as build.sh. No Ruby source compiles again.
#
#   toolchain/ruby/preinit.sh      -> build/ruby-preinit/ (ruby.wasm, its manifest, and
#                                     the base Ruby's lib/ and bin/ beside it)
#
# Cached in ~/.cache/wali-run/ruby-preinit-KEY (KEY: the base Ruby's key, this script and
# the two C files).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${WALI_CACHE_DIR:-$HOME/.cache/wali-run}
t0=$(date +%s)
stage() { echo "== ruby-preinit: $* ($(( $(date +%s) - t0 )) s)"; }
die() { echo "preinit.sh: $*" >&2; exit 1; }
base=$(readlink -f "$repo/build/ruby" 2>/dev/null || true)
[ -n "$base" ] && [ -f "$base/.complete" ] && [ -d "$base/build" ] \
  || die "no base Ruby build at build/ruby: run ./build.sh first"
key=$( { basename "$base"; cat "$here/preinit.sh" "$here/preinit.c" "$repo/toolchain/preinit/wali_preinit.c"; } | sha256sum | cut -c1-12)
work=$cache/ruby-preinit-$key
if [ ! -f "$work/.complete" ]; then
  rm -rf "$work"; mkdir -p "$work"
  b=$base/build
  cc=$repo/toolchain/wali-cc
  stage "compiling preinit.c and linking ruby (log: $work/build.log)"
  "$cc" -O2 -U__wasm__ -g0 -I"$b/.ext/include/wasm32-linux-musl" -I"$b/include" \
    -c "$here/preinit.c" -o "$work/preinit.o" >"$work/build.log" 2>&1 \
    || { cat "$work/build.log" >&2; die "preinit.c did not compile"; }
  # The base link line (make's, in the base tree, with the extensions' libraries), with
  # preinit.o added and the output here.
  line=$(cd "$b" && make -s -f exts.mk -n ruby 2>/dev/null | grep -E -- ' -o ruby$' | tail -1)
  [ -n "$line" ] || die "no link line for ruby in $b (make -f exts.mk -n ruby)"
  line=${line/ main.o / main.o $work/preinit.o }
  # The encodings (make's dry run leaves them out; the real link has them: without
  # encinit.o, Encoding::UTF_8 and the other constants are never defined).
  [[ $line == *enc/encinit.o* ]] || line=${line/ ext\/extinit.o / ext\/extinit.o enc\/encinit.o enc\/libenc.a enc\/libtrans.a }
  line="$cc ${line#* }"
  # preinit.c's resume skips two of ruby_options' one-time steps (it says why).
  line="$line -Wl,--wrap=rb_call_builtin_inits -Wl,--wrap=Init_ext -Wl,--wrap=Init_enc"
  line="${line% -o ruby} -o $work/ruby"
  (cd "$b" && WALI_LEGACY_EH=1 eval "$line") >>"$work/build.log" 2>&1 \
    || { tail -20 "$work/build.log" >&2; die "the link failed"; }
  stage "wasm-opt --flatten --spill-pointers (as toolchain/ruby/build.sh)"
  "$repo/build/wasm-opt" --enable-threads --enable-bulk-memory --enable-mutable-globals \
    --enable-exception-handling --enable-sign-ext --enable-nontrapping-float-to-int \
    --flatten --spill-pointers --translate-to-exnref -O3 -g --strip-dwarf \
    "$work/ruby" -o "$work/ruby.wasm" >>"$work/build.log" 2>&1 \
    || { tail -20 "$work/build.log" >&2; die "wasm-opt failed"; }
  rm -f "$work/ruby" "$work/preinit.o"
  touch "$work/.complete"
fi
out=$repo/build/ruby-preinit
mkdir -p "$out"
ln -sfn "$base/lib" "$out/lib"
cp "$here/ruby.wasm.toml" "$out/ruby.wasm.toml"
ln -f "$work/ruby.wasm" "$out/ruby.wasm" 2>/dev/null || cp "$work/ruby.wasm" "$out/ruby.wasm"
# bin/ as the base Ruby's, but bin/ruby is this module (a child `ruby` is the same Ruby,
# and a box stores it once: the same bytes as its module).
rm -rf "$out/bin" && mkdir -p "$out/bin"
find "$base/bin" -mindepth 1 -maxdepth 1 ! -name ruby -exec cp -a {} "$out/bin/" \;
ln -f "$out/ruby.wasm" "$out/bin/ruby" 2>/dev/null || cp "$out/ruby.wasm" "$out/bin/ruby"
chmod 755 "$out/bin/ruby"
stage "ready: build/ruby-preinit/ruby.wasm"
