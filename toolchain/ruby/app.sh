#!/usr/bin/env bash
# An app's ruby.wasm: the base Ruby (toolchain/ruby/build.sh) with gems' C extensions
# linked in. wasm has no dlopen, so a gem's extension is compiled into the module:
#
#   toolchain/ruby/app.sh -o OUT GEM...
#
# GEM is a gem's directory (its lib/ and, for a C extension, ext/**/extconf.rb),
# NAME=DIR to name it, or a NAME from toolchain/ruby/gems.list (fetched from Debian's
# packages). For the extensions: a copy of the cached base Ruby build tree (the base cache
# is not touched), each gem's ext/ put in it as ext/gem-NAME/, and Ruby's own ext build
# run again: extmk.rb runs each extconf.rb with the native baseruby, compiles with
# wali-cc, and ext/extinit.c registers every Init_ under the feature name the gem's
# create_makefile gives ("puma/puma_http11"), so `require "puma/puma_http11"` finds it
# built in. Only the new extensions compile; Ruby relinks, then the same wasm-opt passes
# as build.sh. Cached in ~/.cache/wali-run/ruby-app-KEY (KEY: the base Ruby's key, the
# recipe number below, every file under each gem's ext/).
#
# --native also builds the same extensions for the native Ruby 3.3.8 (build/bin/ruby-native,
# the same tarball) into OUT/native/, with OUT/native/ruby running it on the same RUBYLIB
# and environment: the differential tests' baseline.
#
# OUT gets ruby.wasm, ruby.wasm.toml (RUBYLIB: the standard library, then each gem's
# lib), lib/ (the standard library), gems/NAME/ (each gem's lib/ and bin/), bin/ (the
# base Ruby's gem, bundle..., and ruby: this ruby.wasm) and MANIFEST (what is inside). A gem whose extension does not build: one line naming the gem and the
# first compiler error (or what its extconf.rb said), exit 1.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${WALI_CACHE_DIR:-$HOME/.cache/wali-run}
jobs=${JOBS:-$(nproc)}
abi=3.3.0
arch=wasm32-linux-musl
t0=$(date +%s)
stage() { echo "== app: $* ($(( $(date +%s) - t0 )) s)"; }
die() { echo "app.sh: $*" >&2; exit 1; }
usage() { echo "${1:+app.sh: $1; }usage: toolchain/ruby/app.sh [--native] -o OUT GEM... (GEM: DIR, NAME=DIR, or a name from toolchain/ruby/gems.list)" >&2; exit 2; }

out= ; specs=() ; native=
while [ $# -gt 0 ]; do
  case $1 in
    --native) native=1; shift ;;
    -o) [ $# -ge 2 ] || usage; out=$2; shift 2 ;;
    -o*) out=${1#-o}; shift ;;
    --gem) [ $# -ge 2 ] || usage; specs+=("$2"); shift 2 ;;
    -h|--help) usage ;;
    -*) usage "unknown option $1" ;;
    *) specs+=("$1"); shift ;;
  esac
done
[ -n "$out" ] || usage

# Ruby's makefiles hand paths to sh unquoted.
[[ $cache =~ ^[A-Za-z0-9_./+-]+$ ]] || die "the cache directory $cache has characters make cannot take (use letters, digits, _ . / + -)"
base=$(readlink -f "$repo/build/ruby" 2>/dev/null || true)
[ -n "$base" ] && [ -f "$base/.complete" ] && [ -d "$base/build" ] \
  || die "no base Ruby build at build/ruby: run ./build.sh (or toolchain/ruby/build.sh) first"

# --- the gems: a directory each ------------------------------------------------------
# fetch NAME: unpack gems.list's entry into $cache/gems/NAME-VERSION and print its path.
fetch() {
  local name=$1 line ver kind spec file sha dir tmp
  line=$(awk -v n="$name" '$1 == n && $1 !~ /^#/' "$here/gems.list")
  [ -n "$line" ] || die "gem $name: not a directory and not in toolchain/ruby/gems.list"
  read -r _ ver kind spec file sha _ <<<"$line"
  dir=$cache/gems/$name-$ver
  if [ ! -f "$dir/.complete" ]; then
    mkdir -p "$cache/src"
    if [ ! -f "$cache/src/$file" ]; then
      stage "fetching $name $ver (Debian $kind package $spec)" >&2
      # The deb-src entry comes from toolchain/build.sh. A source package's orig tarball
      # is all that is used (and checked); the rest of it may be missing from a mirror.
      if [ "$kind" = source ]; then
        (cd "$cache/src" && apt-get source --download-only -qq "$spec" >/dev/null 2>&1) || true
      else
        (cd "$cache/src" && apt-get download -qq "$spec" >/dev/null 2>&1) || true
      fi
    fi
    echo "$sha  $cache/src/$file" | sha256sum -c --quiet - >/dev/null 2>&1 \
      || die "gem $name: $cache/src/$file: missing or sha256 mismatch"
    rm -rf "$dir"; tmp=$(mktemp -d "$cache/gems.XXXXXX")
    if [ "$kind" = source ]; then
      mkdir -p "$tmp/g" && tar -xzf "$cache/src/$file" -C "$tmp/g" --strip-components=1
    else
      dpkg-deb -x "$cache/src/$file" "$tmp/deb"
      local g; g=$(find "$tmp/deb" -type d -path "*/gems/$name-$ver" | head -1)
      if [ -n "$g" ]; then mv "$g" "$tmp/g"
      # A package without the gem's directory installs its lib/ into vendor_ruby.
      elif [ -d "$tmp/deb/usr/lib/ruby/vendor_ruby" ]; then
        mkdir -p "$tmp/g"; mv "$tmp/deb/usr/lib/ruby/vendor_ruby" "$tmp/g/lib"
      else die "gem $name: no gems/$name-$ver or vendor_ruby directory in $file"
      fi
    fi
    mkdir -p "$cache/gems"; mv "$tmp/g" "$dir"; rm -rf "$tmp"
    touch "$dir/.complete"
  fi
  echo "$dir"
}

names=() ; dirs=() ; envs=()
for s in "${specs[@]}"; do
  if [[ $s == *=* ]]; then n=${s%%=*}; d=${s#*=}
  elif [ -d "$s" ]; then n=$(basename "$(readlink -f "$s")"); n=${n%%-[0-9]*}; d=$s
  else n=$s; d=$(fetch "$s")
    # gems.list's ENV columns (past the sixth) go to the manifest's [env].
    for e in $(awk -v n="$s" '$1 == n { for (i = 7; i <= NF; i++) print $i }' "$here/gems.list"); do envs+=("$e"); done
  fi
  [ -d "$d" ] || die "gem $n: $d: no such directory"
  [[ $n =~ ^[A-Za-z0-9_.-]+$ ]] || die "gem $n: a gem name is letters, digits, '_', '.', '-'"
  for o in "${names[@]}"; do [ "$o" != "$n" ] || die "gem $n: named twice"; done
  [ -d "$d/lib" ] || [ -d "$d/ext" ] || die "gem $n: $d has neither lib/ nor ext/"
  names+=("$n"); dirs+=("$(readlink -f "$d")")
done

# --- the module: base Ruby + the extensions --------------------------------------------
# Every file under a gem's ext/ (its extconf.rb, C files, bundled libraries), in order.
ext_hash() { (cd "$1" && find ext -type f -print0 2>/dev/null | LC_ALL=C sort -z | xargs -0r sha256sum) | sha256sum | cut -c1-16; }
exts=()
for i in "${!names[@]}"; do
  if [ -n "$(find "${dirs[$i]}/ext" -name extconf.rb 2>/dev/null | head -1)" ]; then exts+=("$i"); fi
done
# The module's key: the base Ruby (its key covers build.sh, wali-cc and the sysroot), the
# recipe below (bump `recipe` when its steps change) and every extension's files.
recipe=3
key=$( { basename "$base"; echo "recipe $recipe"; for i in "${exts[@]}"; do echo "${names[$i]} $(ext_hash "${dirs[$i]}")"; done; } | sha256sum | cut -c1-12)
if [ ${#exts[@]} -eq 0 ]; then
  mod=$base/ruby.wasm; work=
else
  work=$cache/ruby-app-$key; mod=$work/ruby.wasm
fi
if [ -n "$work" ] && [ ! -f "$work/.complete" ]; then
  stage "copying the base Ruby build tree ($(basename "$base"))"
  rm -rf "$work"; mkdir -p "$work"
  b=$work/build
  cp -a "$base/build" "$b"
  # Its makefiles name the base tree: point them here, keeping their times (make must not
  # see them as new, or every extension is configured again).
  grep -rlF "$base/build" "$b" --include=Makefile --include='*.mk' --include=config.status \
    --include=rbconfig.rb | while read -r f; do
      touch -r "$f" "$work/.t"; sed -i "s|$base/build|$b|g" "$f"; touch -r "$work/.t" "$f"
    done
  rm -f "$work/.t"
  # A failed build keeps its log beside the cache, not its 240 MB tree.
  log=$cache/ruby-app-$key.log
  fail() { cp "$work/build.log" "$log" 2>/dev/null || true; rm -rf "$work"; die "$* (log: $log)"; }
  for i in "${exts[@]}"; do
    mkdir -p "$b/ext/gem-${names[$i]}"
    cp -a "${dirs[$i]}/ext/." "$b/ext/gem-${names[$i]}/"
  done
  # exts.mk, ext/configure-ext.mk and ext/extinit.c list the extensions: made again.
  rm -f "$b/exts.mk" "$b/ext/configure-ext.mk" "$b/ext/extinit.c" "$b/ext/extinit.o"
  stage "building the extensions of: $(for i in "${exts[@]}"; do printf '%s ' "${names[$i]}"; done)(log: $work/build.log)"
  # No host pkg-config: its answers (an x86_64 openssl.pc) are not the sysroot's.
  rc=0
  # The extensions' libraries (-lssl -lcrypto ...) go first on the link line, not last:
  # wasm-ld 19 lets a *static* function in an earlier archive member stand as a lazy
  # definition of a global of the same name (fixed upstream by llvm PR 104876, in LLVM
  # 20), so bcrypt's static BF_set_key hid OpenSSL's and its callers called function 0.
  # In the Makefile, not on make's command line: that would reach every sub-make and
  # extconf.rb's shell too.
  sed -i 's/^XLDFLAGS = .*/& $(EXTLIBS)/' "$b/Makefile"
  (cd "$b" && PKG_CONFIG_LIBDIR=$work/no-pkgconfig PKG_CONFIG_PATH= WALI_LEGACY_EH=1 \
     make -j"$jobs" main >"$work/build.log" 2>&1) || rc=$?
  # Every extconf.rb of every gem must have given its library; the first compiler error
  # (or the extconf's own complaint) names what went wrong.
  for i in "${exts[@]}"; do
    n=${names[$i]}
    while read -r c; do
      e=$(dirname "$c"); e=${e#"$b/"}
      # No library: extconf.rb stopped or the compiler did. A Makefile that builds
      # nothing (a stub for another platform) and a clean make add nothing: skipped.
      if ! ls "$b/$e"/*.a >/dev/null 2>&1; then
        # extmk.rb writes a dummy Makefile where extconf.rb failed.
        if [ ! -f "$b/$e/Makefile" ] || head -1 "$b/$e/Makefile" | grep -q 'DUMMY MAKEFILE'; then
          # extconf.rb stopped: what it said after extmk's "configuring" line (its abort
          # message), else the last check it made.
          msg=$(awk -v c="configuring ${e#ext/}" '$0 == c { on = 1; next }
                on && /^(make|configuring|generating)/ { exit }
                on && !/^checking / && NF { print; exit }' "$work/build.log")
          [ -n "$msg" ] || msg=$(grep "^checking " "$b/$e/mkmf.log" 2>/dev/null | tail -1 || true)
          err="extconf.rb failed: ${msg:-see $e/mkmf.log}"
        else
          err=$(grep -m1 -E ": (fatal )?error:" "$work/build.log" || true)
        fi
        [ -n "$err" ] || [ $rc -ne 0 ] || continue
        [ -n "$err" ] || err=$(grep -m1 -E "error:|Error [0-9]" "$work/build.log" || echo "make failed")
        fail "gem $n: extension ${e#ext/gem-$n/} did not build: $err"
      fi
    done < <(find "$b/ext/gem-$n" -name extconf.rb)
  done
  [ $rc -eq 0 ] || fail "the relink failed: $(grep -m1 -E "error:|Error [0-9]" "$work/build.log" || echo "see the log")"
  stage "wasm-opt --flatten --spill-pointers (as toolchain/ruby/build.sh)"
  "$repo/build/wasm-opt" --enable-threads --enable-bulk-memory --enable-mutable-globals \
    --enable-exception-handling --enable-sign-ext --enable-nontrapping-float-to-int \
    --flatten --spill-pointers --translate-to-exnref -O3 -g --strip-dwarf \
    "$b/ruby" -o "$work/ruby.wasm" >>"$work/build.log" 2>&1 \
    || fail "wasm-opt failed"
  # What extinit registered, for the manifest.
  grep -o 'init([A-Za-z0-9_]*, "[^"]*")' "$b/ext/extinit.c" >"$work/extinit.txt"
  # The tree is 240 MB; keep only what a rebuild of the same key would not redo.
  rm -rf "$b"
  touch "$work/.complete"
fi

# --- OUT --------------------------------------------------------------------------------
stage "writing $out"
mkdir -p "$out"
out=$(readlink -f "$out")
rm -rf "$out/gems" "$out/lib"
cp "$mod" "$out/ruby.wasm.tmp" && mv "$out/ruby.wasm.tmp" "$out/ruby.wasm"
cp -a "$base/lib" "$out/lib"
rubylib="{dir}/lib/ruby/$abi:{dir}/lib/ruby/$abi/$arch"
for i in "${!names[@]}"; do
  n=${names[$i]}; d=${dirs[$i]}
  mkdir -p "$out/gems/$n"
  for sub in lib bin exe; do [ ! -d "$d/$sub" ] || cp -a "$d/$sub" "$out/gems/$n/"; done
  [ ! -d "$d/lib" ] || rubylib="$rubylib:{dir}/gems/$n/lib"
done
{
  echo "# Written by toolchain/ruby/app.sh: Ruby's standard library, then each gem's lib/."
  echo "[env]"
  echo "RUBYLIB = \"$rubylib\""
  echo "# The base Ruby is configured --disable-rubygems; gems call Gem.ruby, Gem::Version,"
  echo "# Gem.win_platform? (Puma, nio4r): the Gem module is loaded (0.2 s), the gems still"
  echo "# come from RUBYLIB."
  echo "RUBYOPT = \"-rrubygems\""
  echo "# Threads' machine stacks and PATH ({dir}/bin: ruby, gem, bundle) as the base"
  echo "# ruby.wasm.toml's (see there why 8 MiB)."
  echo "RUBY_THREAD_MACHINE_STACK_SIZE = \"8388608\""
  echo "PATH = \"{dir}/bin:/usr/local/bin:/usr/bin:/bin\""
  for e in ${envs[@]+"${envs[@]}"}; do echo "${e%%=*} = \"${e#*=}\""; done
  echo
  echo "# Read the standard library, the gems and bin/ (inside the module's own directory)."
  echo "[needs]"
  echo "dirs = [{ host = \"{dir}/lib\", ro = true }, { host = \"{dir}/gems\", ro = true }, { host = \"{dir}/bin\", ro = true }]"
} >"$out/ruby.wasm.toml"
# bin/ as the base Ruby's (gem, bundle, ...), with bin/ruby this app's ruby.wasm (a hard
# link, as in build.sh) and its manifest one level down.
rm -rf "$out/bin" && mkdir -p "$out/bin"
[ ! -d "$base/bin" ] || cp -a "$base/bin/." "$out/bin/"
rm -f "$out/bin/ruby" "$out/bin/ruby.toml"
chmod 755 "$out/ruby.wasm"
ln -f "$out/ruby.wasm" "$out/bin/ruby" 2>/dev/null || cp "$out/ruby.wasm" "$out/bin/ruby"
sed 's|{dir}/|{dir}/../|g' "$out/ruby.wasm.toml" > "$out/bin/ruby.toml"
{
  echo "ruby.wasm: Ruby 3.3.8, base $(basename "$base"), app build $( [ -n "$work" ] && basename "$work" || echo "none (no C extensions)")"
  echo "sha256 $(sha256sum "$out/ruby.wasm" | cut -d' ' -f1)"
  for i in "${!names[@]}"; do
    n=${names[$i]}; d=${dirs[$i]}
    echo "gem $n: $d"
    if [ -n "$work" ]; then
      # The Init functions of this gem's extensions (the built-in feature names).
      for c in $(find "$d/ext" -name extconf.rb 2>/dev/null); do
        t=$(grep -oE "create_makefile[( ]*['\"][^'\"]+" "$c" | sed -E "s/.*['\"]//" | tail -1)
        [ -z "$t" ] || grep -F "\"$t\")" "$work/extinit.txt" | sed 's/^/  built in: /' || true
      done
    fi
  done
} >"$out/MANIFEST"
stage "ready: $out/ruby.wasm ($(du -h "$out/ruby.wasm" | cut -f1)); run: wali-run $out/ruby.wasm ..."

# --- OUT/native: the same gems for the native Ruby --------------------------------------
# Keyed like the module, plus the gems' lib/ (the native ones read the same copies).
nkey=$key
if [ -n "$native" ] && [ "$(cat "$out/native/.key" 2>/dev/null)" = "$nkey" ]; then
  stage "native extensions up to date: $out/native/ruby"
elif [ -n "$native" ]; then
  nb=$(dirname "$(readlink -f "$repo/build/bin/ruby-native")")/build
  [ -x "$nb/ruby" ] || die "no native Ruby at build/bin/ruby-native: run toolchain/ruby/build.sh"
  stage "building the extensions for the native Ruby ($out/native)"
  rm -rf "$out/native"; mkdir -p "$out/native/lib" "$out/native/build"
  for i in "${exts[@]}"; do
    n=${names[$i]}
    while read -r c; do
      rel=${c#"${dirs[$i]}/ext/"}; w=$out/native/build/$n/$(dirname "$rel")
      mkdir -p "$w"
      # The native Ruby is not installed: its headers are in its build tree.
      (cd "$w" && "$repo/build/bin/ruby-native" "$c" --with-opt-include="$nb/.ext/include/x86_64-linux" --with-opt-lib="$nb" && make V=1 hdrdir="$nb/include" \
         arch_hdrdir="$nb/.ext/include/x86_64-linux") >"$w/build.log" 2>&1 \
        || die "gem $n: native extension $(dirname "$rel") did not build: $(grep -m1 -E "error:" "$w/build.log" || tail -1 "$w/build.log")"
      t=$(sed -n 's/^target_prefix *= *\/*//p' "$w/Makefile")
      for so in "$w"/*.so; do [ -f "$so" ] || continue; mkdir -p "$out/native/lib/$t"; cp "$so" "$out/native/lib/$t"; done
    done < <(find "${dirs[$i]}/ext" -name extconf.rb)
  done
  {
    echo "#!/bin/sh"
    echo "# The native Ruby with the same gems and environment as ruby.wasm (app.sh --native)."
    echo "d=\$(cd \"\$(dirname \"\$0\")/..\" && pwd)"
    for e in ${envs[@]+"${envs[@]}"}; do echo "export ${e%%=*}='${e#*=}'"; done
    printf 'exec "%s" -I"$d/native/lib"' "$(readlink -f "$repo/build/bin/ruby-native")"
    for i in "${!names[@]}"; do [ ! -d "${dirs[$i]}/lib" ] || printf ' -I"$d/gems/%s/lib"' "${names[$i]}"; done
    echo ' "$@"'
  } >"$out/native/ruby"
  chmod +x "$out/native/ruby"
  echo "$nkey" >"$out/native/.key"
  stage "ready: $out/native/ruby"
fi
