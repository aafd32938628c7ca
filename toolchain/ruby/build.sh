#!/usr/bin/env bash
# Build unmodified CRuby 3.3.8 for wali-run (route B of ../shared/notes/ruby.md):
#   1. fetch the Debian orig tarball (sha256-checked) into ~/.cache/wali-run/src
#   2. a native ruby from the same tarball: the cross build's baseruby and the native
#      baseline for benchmarks
#   3. the wasm32 cross build with wali-cc's sysroot: the generic (non-__wasm__) code
#      paths, exception-based setjmp, pthreads, fibers on pthreads, static extensions;
#      then binaryen: legacy EH -> exnref, and --spill-pointers so the conservative GC
#      sees every live VALUE on the shadow stack
# Outputs are cached under ~/.cache/wali-run/ruby-<key> (key: every input) and linked at
# build/ruby/; build/bin/ruby-wasm runs it. Stage times are printed.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${WALI_CACHE_DIR:-$HOME/.cache/wali-run}
jobs=${JOBS:-$(nproc)}
ver=3.3.8
abi=3.3.0
arch=wasm32-linux-musl
tarball=$cache/src/ruby3.3_$ver.orig.tar.xz
sha=e2e1233ad275b7623a05edf23a01192626d1da454bdfe353a28a87acd8ef015c
t0=$(date +%s)
stage() { echo "== ruby: $* ($(( $(date +%s) - t0 )) s)"; }

if [ ! -f "$tarball" ]; then
  stage "fetching ruby $ver source (Debian source package)"
  mkdir -p "$cache/src"
  # The deb-src entry comes from toolchain/build.sh, which runs first.
  (cd "$cache/src" && apt-get source --download-only -qq "ruby3.3=$ver-2" >/dev/null 2>&1) || true
fi
echo "$sha  $tarball" | sha256sum -c --quiet - || { echo "ruby: $tarball: missing or sha256 mismatch" >&2; exit 1; }
# zlib for the zlib extension, from its Debian source package too.
zver=1.3.1
ztarball=$cache/src/zlib_1.3.dfsg+really$zver.orig.tar.gz
zsha=60dd315c07f616887caa029408308a018ace66e3d142726a97db164b3b8f69fb
if [ ! -f "$ztarball" ]; then
  stage "fetching zlib $zver source (Debian source package)"
  (cd "$cache/src" && apt-get source --download-only -qq "zlib=1:1.3.dfsg+really$zver-1+deb13u1" >/dev/null 2>&1) || true
fi
echo "$zsha  $ztarball" | sha256sum -c --quiet - || { echo "ruby: $ztarball: missing or sha256 mismatch" >&2; exit 1; }

# --- native ruby ---------------------------------------------------------------------
# Keyed by the version and its configure line (bump "n1" when that changes).
native=$cache/ruby-native-$ver-n1
if [ ! -x "$native/build/ruby" ]; then
  stage "building native ruby $ver (log: $native/build.log)"
  rm -rf "$native"; mkdir -p "$native"
  tar -xJf "$tarball" -C "$native"
  mv "$native/ruby-$ver" "$native/build"
  (cd "$native/build" && ./configure --disable-install-doc --disable-jit-support --disable-shared \
      --prefix="$native/prefix" >"$native/build.log" 2>&1 && make -j"$jobs" main >>"$native/build.log" 2>&1) \
    || { tail -30 "$native/build.log" >&2; echo "ruby: native build failed" >&2; exit 1; }
fi
cat > "$native/baseruby" <<SH
#!/bin/sh
b=$native/build
exec "\$b/ruby" -I"\$b/lib" -I"\$b" -I"\$b/.ext/common" -I"\$b/.ext/x86_64-linux" "\$@"
SH
chmod +x "$native/baseruby"
# The native Ruby is run from its build tree, never installed: its default gems'
# specifications and command scripts go where an installed one has them (its prefix,
# which RubyGems' default directory names), and prefix/bin/ruby runs baseruby, so that
# `gem list`, `bundle exec ruby app.rb` and the like run natively as under wali-run (the
# tests' baseline, tests/ruby_gems.rs). Done once (its own mark).
if [ ! -f "$native/.gems-complete" ]; then
  rm -rf "$native/prefix"
  # The fake rbconfig (CROSS_COMPILING) keeps rbinstall.rb from replacing the load path
  # with lib/ alone (an uninstalled Ruby finds its extensions in .ext/).
  (cd "$native/build" && make x86_64-linux-fake.rb && "$native/baseruby" --disable=gems -r./x86_64-linux-fake ./tool/rbinstall.rb \
      --make=make --extout=.ext --ext-build-dir=./ext --gnumake \
      --data-mode=0644 --prog-mode=0755 --install=default-gems --install=bin-comm) >>"$native/build.log" 2>&1 \
    || { tail -20 "$native/build.log" >&2; echo "ruby: native rbinstall.rb (default gems) failed" >&2; exit 1; }
  cp "$native/baseruby" "$native/prefix/bin/ruby"
  touch "$native/.gems-complete"
fi
stage "native ruby ready: $native/baseruby"

# --- wasm32 ruby -----------------------------------------------------------------------
# libyaml and OpenSSL (psych, openssl): built and cached by libs.sh; their directories
# (named by their own keys) are part of this build's key.
libs=$(JOBS=$jobs "$here/libs.sh") || { echo "ruby: libs.sh failed" >&2; exit 1; }
yaml_dir=$(sed -n 's/^yaml=//p' <<<"$libs"); ssl_dir=$(sed -n 's/^openssl=//p' <<<"$libs")
sysroot=$(readlink -f "$repo/build/sysroot")
key=$( { cat "$here/build.sh" "$repo/toolchain/wali-cc" "$repo"/toolchain/fnptr/src/*.rs; echo "$sysroot $libs"; } | sha256sum | cut -c1-12)
out=$cache/ruby-$key
if [ ! -f "$out/.complete" ]; then
  stage "configuring ruby $ver for wasm32 (log: $out/build.log)"
  rm -rf "$out"; mkdir -p "$out"
  tar -xJf "$tarball" -C "$out"
  mv "$out/ruby-$ver" "$out/build"
  b=$out/build
  # A static libz for the wasm32 sysroot, private to this Ruby build.
  z=$out/zlib
  mkdir -p "$z/src" "$z/lib" "$z/include"
  tar -xzf "$ztarball" -C "$z/src" --strip-components=1
  (cd "$z/src" && CC="$repo/toolchain/wali-cc" CFLAGS="-O2" AR=llvm-ar-19 RANLIB=llvm-ranlib-19 \
      ./configure --static --prefix="$z" && make -j"$jobs" libz.a) >"$out/zlib.log" 2>&1 \
    || { tail -20 "$out/zlib.log" >&2; echo "ruby: zlib build failed" >&2; exit 1; }
  cp "$z/src/libz.a" "$z/lib/" && cp "$z/src/zlib.h" "$z/src/zconf.h" "$z/include/"
  # Bundled gems' C extensions build only as shared objects; WALI modules are static.
  rm -rf "$b"/.bundle/gems/*/ext
  # time.c keeps Integers (Bignums too) in 64-bit "wide values" where VALUE is 32 bits;
  # --spill-pointers (below) spills only pointer-sized (i32) locals for the GC's stack
  # scan, so a Bignum held in one was freed under Time#+ (about one test_time.rb run in
  # 30). One line: wide values become plain VALUEs, time.c's layout on 64-bit hosts.
  wide='#if defined(HAVE_UINT64_T) \&\& SIZEOF_LONG\*2 <= SIZEOF_UINT64_T$'
  grep -q "$wide" "$b/time.c" || { echo "ruby: time.c no longer has the wide-value test to patch" >&2; exit 1; }
  sed -i "s/$wide/& \&\& !defined(__wali__)/" "$b/time.c"
  # Where VALUE is 32 bits, Ruby keeps a Float's or String's shape id in the global table
  # of generic instance variables, and rb_generic_shape_id looks the object up there even
  # when it has none: every Float made (heap objects here, no flonums) is frozen and so
  # looked up twice, 39% of so_nbody's time in rb_st_lookup (bench/ruby_profile.sh).
  # One line: look only when the object has generic ivars (FL_EXIVAR, set whenever an
  # entry is added, as rb_ivar_lookup already checks).
  gen='if (global_iv_table \&\& st_lookup(global_iv_table, obj, (st_data_t \*)\&ivtbl)) {'
  grep -q "$gen" "$b/variable.c" || { echo "ruby: variable.c no longer has rb_generic_shape_id's lookup to patch" >&2; exit 1; }
  sed -i "s/$gen/if (FL_TEST_RAW(obj, FL_EXIVAR) \&\& global_iv_table \&\& st_lookup(global_iv_table, obj, (st_data_t *)\&ivtbl)) {/" "$b/variable.c"
  # Stack overflow: Ruby raises SystemStackError when a C call finds less than
  # STACKFRAME_FOR_CALL_CFUNC VALUEs (2048: 8 KiB here, 16 KiB on 64-bit hosts) left on
  # the machine stack; native Ruby also catches the guard page's SIGSEGV, linear memory
  # has none. --flatten and --spill-pointers make C frames 6-10x native's (a nested
  # Array#inspect level takes about 6 KiB of shadow stack where native takes under 1),
  # so a call path runs past 8 KiB between two checks and the runtime's stack check
  # (src/rewrite.rs) stops the process instead. One line: a 128 KiB margin (32768 VALUEs).
  mark='^#define STACKFRAME_FOR_CALL_CFUNC 2048$'
  grep -q "$mark" "$b/gc.c" || { echo "ruby: gc.c no longer has STACKFRAME_FOR_CALL_CFUNC 2048 to patch" >&2; exit 1; }
  sed -i "s/$mark/#define STACKFRAME_FOR_CALL_CFUNC 32768/" "$b/gc.c"
  # -U__wasm__: Ruby's own wasm port (asyncify, no threads) keys on __wasm__; without it
  # Ruby takes its generic POSIX paths, which this runtime provides.
  # No GC compaction: its read barrier is mprotect plus a SIGSEGV handler, and linear
  # memory cannot fault (Ruby's WASI build turns it off the same way).
  # ac_cv_func_qsort_r=no: Ruby's own introsort (util.c), not musl's qsort_r, a smoothsort
  # that took 6.8x native's time on Array#sort (native Ruby gets glibc's merge sort).
  # continuation is left out: callcc longjmps into frames that have returned, which
  # exception-based setjmp cannot do (Ruby's own wasm port leaves it out too).
  cflags="-O2 -U__wasm__ -g0"
  # The main thread's machine stack: 64 MiB (wali-cc's default is 8 MiB, native Ruby's
  # the 8 MiB RLIMIT_STACK) for native's recursion depths with the larger frames. It is
  # address space at the bottom of linear memory; only the pages a deep recursion
  # touches take memory. Threads' stacks: RUBY_THREAD_MACHINE_STACK_SIZE in
  # ruby.wasm.toml.
  stack="-Wl,-z,stack-size=67108864"
  (cd "$b" && ./configure --host=wasm32-unknown-linux-musl --build=x86_64-pc-linux-gnu \
      CC="$repo/toolchain/wali-cc" CFLAGS="$cflags" CPPFLAGS="-U__wasm__ -DGC_CAN_COMPILE_COMPACTION=0" LDFLAGS="-O2 $stack" \
      AR=llvm-ar-19 RANLIB=llvm-ranlib-19 NM=llvm-nm-19 \
      --with-baseruby="$native/baseruby" \
      --prefix=/usr/local --disable-shared --with-static-linked-ext \
      --with-thread=pthread --with-setjmp-type=setjmp --with-coroutine=pthread \
      --disable-jit-support --disable-install-doc --disable-rubygems \
      --without-gmp --with-zlib-dir="$z" --with-libyaml-dir="$yaml_dir" --with-openssl-dir="$ssl_dir" --with-out-ext='-test-/*,continuation,fiddle,pty,syslog,readline,win32,win32ole' \
      rb_cv_binary_elf=yes ac_cv_header_elf_h=no ac_cv_header_elf_abi_h=no \
      rb_cv_stack_grow_dir_wasm32=-1 ac_cv_func_qsort_r=no >"$out/build.log" 2>&1) \
    || { tail -30 "$out/build.log" >&2; echo "ruby: wasm configure failed" >&2; exit 1; }
  stage "building ruby $ver for wasm32"
  # wali-cc's wali-fnptr lists the function pointers it gave thunks in fnptr.txt (one:
  # zlib.c passes a void function to rb_protect).
  (cd "$b" && WALI_LEGACY_EH=1 WALI_FNPTR_REPORT="$out/fnptr.txt" make -j"$jobs" main >>"$out/build.log" 2>&1) \
    || { grep -E "error|Error" "$out/build.log" | tail -20 >&2; echo "ruby: wasm build failed (log: $out/build.log)" >&2; exit 1; }
  stage "wasm-opt --flatten --spill-pointers (conservative GC sees locals)"
  # --spill-pointers stores i32 locals live across a call to the shadow stack, where the
  # GC's stack scan sees them; --flatten first turns values the code keeps on the operand
  # stack across a nested call (`f(g(), h())`) into locals, or they are missed (a Bignum
  # freed under Time.local with GC.stress). --flatten takes only the legacy exception
  # instructions (setjmp/longjmp): the module is linked with them (WALI_LEGACY_EH=1 above)
  # and translated to the standard form after. -g keeps the name section (backtraces).
  # -O3, not -O1, after the spills: 17-22% less time on pentomino, nbody, hash_string and
  # alloc, the same first compile in wali-run (16 s CPU both), a 1% smaller module.
  "$repo/build/wasm-opt" --enable-threads --enable-bulk-memory --enable-mutable-globals \
    --enable-exception-handling --enable-sign-ext --enable-nontrapping-float-to-int \
    --flatten --spill-pointers --translate-to-exnref -O3 -g --strip-dwarf \
    "$b/ruby" -o "$out/ruby.wasm" >>"$out/build.log" 2>&1 \
    || { tail -20 "$out/build.log" >&2; echo "ruby: wasm-opt failed" >&2; exit 1; }
  # The standard library beside the module, laid out as an installed Ruby's, and the
  # manifest that points the module at it (wali-run reads <module>.toml).
  lib=$out/lib/ruby/$abi
  mkdir -p "$lib/$arch"
  cp -a "$b/lib/." "$b/.ext/common/." "$lib/"
  cp -a "$b/.ext/$arch/." "$b/rbconfig.rb" "$lib/$arch/"
  touch "$out/.complete"
fi
# RubyGems and Bundler laid out as an installed Ruby has them (`make install` itself
# would install into the prefix): the default gems' specifications
# (lib/ruby/gems/3.3.0/specifications/default: `gem list`, and Bundler's own spec that
# `bundle exec` and bundler/setup look up) and the command scripts (bin/gem,
# bin/bundle, bin/bundler, bin/irb, ...), by Ruby's own tool/rbinstall.rb run with the
# native baseruby into a staging directory. Done once per build (its own mark).
if [ ! -f "$out/.gems-complete" ]; then
  stage "default gems' specifications and bin/ (rbinstall.rb)"
  inst=$out/install
  rm -rf "$inst" "$out/lib/ruby/gems" "$out/bin"
  (cd "$out/build" && "$native/baseruby" --disable=gems -I. -r"./$arch-fake" -I./lib ./tool/rbinstall.rb \
      --make=make --dest-dir="$inst" --extout=.ext --ext-build-dir=./ext --gnumake \
      --data-mode=0644 --prog-mode=0755 --install=default-gems --install=bin-comm) >>"$out/build.log" 2>&1 \
    || { tail -20 "$out/build.log" >&2; echo "ruby: rbinstall.rb (default gems) failed" >&2; exit 1; }
  mv "$inst/usr/local/lib/ruby/gems" "$out/lib/ruby/gems"
  mkdir -p "$out/bin" && cp -a "$inst/usr/local/bin/." "$out/bin/" && rm -rf "$inst"
  # `ruby` by name (`bundle exec ruby app.rb`, `system("ruby ...")`): bin/ruby is
  # ruby.wasm itself, a hard link (an execve'd module must be executable; a symlink out
  # of bin/ is not followed to the module by the sandbox), with its own manifest below.
  chmod 755 "$out/ruby.wasm"
  ln -f "$out/ruby.wasm" "$out/bin/ruby" 2>/dev/null || cp "$out/ruby.wasm" "$out/bin/ruby"
  touch "$out/.gems-complete"
fi
# The module's manifest (its environment and its own policy table) is not part of the
# build: copied each time, so editing it does not rebuild Ruby. bin/ruby's is the same
# with {dir} (bin/) one level down.
cp "$here/ruby.wasm.toml" "$out/ruby.wasm.toml"
sed 's|{dir}/|{dir}/../|g' "$here/ruby.wasm.toml" > "$out/bin/ruby.toml"
mkdir -p "$repo/build/bin"
ln -sfn "$out" "$repo/build/ruby"
cat > "$repo/build/bin/ruby-wasm" <<SH
#!/bin/sh
# Ruby $ver under wali-run (the standard library comes from build/ruby/ruby.wasm.toml).
exec "$repo/build/bin/wali-run" --argv0 ruby "$repo/build/ruby/ruby.wasm" "\$@"
SH
ln -sfn "$native/baseruby" "$repo/build/bin/ruby-native"
chmod +x "$repo/build/bin/ruby-wasm"
stage "ready: build/bin/ruby-wasm ($(du -h "$out/ruby.wasm" | cut -f1))"
