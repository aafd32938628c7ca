#!/usr/bin/env bash
# Build the wasm32 C toolchain: pristine musl 1.2.5 + our wasm32 overlay -> a sysroot
# under ~/.cache/wali-run, keyed by its inputs (an unchanged sysroot is not rebuilt),
# linked as <repo>/build/sysroot for wali-cc. Installs what it lacks.
#   WALI_MUSL_TARBALL=/path/musl-1.2.5.tar.gz   use a tarball you downloaded yourself
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
cache=${WALI_CACHE_DIR:-$HOME/.cache/wali-run}
musl_sha=a9a118bbe84d8764da0ea0d28b3ab3fae8477fc7e4085d90102b8596fc7c75e4
binaryen_version=132.0.0
mkdir -p "$cache/src" "$repo/build"
log=$cache/toolchain-build.log

need_pkgs=()
for p in clang-19 lld-19 llvm-19 libclang-rt-19-dev-wasm32 musl-tools wabt; do
  dpkg -s "$p" >/dev/null 2>&1 || need_pkgs+=("$p")
done
if [ ${#need_pkgs[@]} -gt 0 ]; then
  echo "== installing ${need_pkgs[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi

# binaryen from npm: Debian's is too old for --translate-to-exnref.
wasm_opt=$cache/npm/node_modules/binaryen/bin/wasm-opt
if [ ! -x "$wasm_opt" ]; then
  echo "== installing binaryen $binaryen_version (npm)"
  mkdir -p "$cache/npm"
  npm install --no-save --silent --prefix "$cache/npm" "binaryen@$binaryen_version" >/dev/null
fi

# The musl tarball: the user's, or Debian's source package.
if [ -n "${WALI_MUSL_TARBALL:-}" ]; then
  tarball=$WALI_MUSL_TARBALL
  echo "$musl_sha  $tarball" | sha256sum -c --quiet - || { echo "toolchain: $tarball: sha256 mismatch" >&2; exit 1; }
else
  tarball=$("$here/fetch-src.sh" musl=1.2.5-3.1~deb13u1 musl_1.2.5.orig.tar.gz "$musl_sha")
fi

# The sysroot key: every input that shapes it.
# The libc's imports come from the runtime's syscall table (the one source): import,
# number and signature of every syscall wali-run links.
wali_run=${WALI_RUN:-$repo/build/bin/wali-run}
[ -x "$wali_run" ] || { echo "toolchain: no wali-run at $wali_run (build it first, or set WALI_RUN)" >&2; exit 1; }
table=$cache/syscall-table.tsv
"$wali_run" --list-syscalls --format tsv | awk -F'\t' 'NR == 1 || $2 != "-"' | cut -f1-3 > "$table.tmp"
mv "$table.tmp" "$table"
key=$( { echo "$musl_sha"; cat "$here/build.sh" "$here/gen-syscalls.py" "$here/wali-cc" "$table";
         (cd "$here/musl-overlay" && find . -type f | LC_ALL=C sort | xargs cat); } | sha256sum | cut -c1-16)
sysroot=$cache/sysroot-$key
if [ ! -f "$sysroot/.complete" ]; then
  echo "== building musl for wasm32 (log: $log)"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  tar -xzf "$tarball" -C "$work"
  m=$work/musl-1.2.5
  # The wasm32 arch: x32's ILP32-over-x86-64 types, x86-64 syscall numbers, IEEE quad
  # long double, and `long` addresses (clang's wasm32 size_t is unsigned long).
  cp -r "$m/arch/x32" "$m/arch/wasm32"
  rm -f "$m/arch/wasm32/syscall_arch.h" "$m/arch/wasm32/crt_arch.h" "$m/arch/wasm32/pthread_arch.h" "$m/arch/wasm32/reloc.h" "$m/arch/wasm32/bits/io.h"
  cp "$m/arch/x86_64/bits/syscall.h.in" "$m/arch/wasm32/bits/syscall.h.in"
  cp "$m/arch/aarch64/bits/float.h" "$m/arch/wasm32/bits/float.h"
  # What each other header copied from x32 tells programs, checked against wasm32:
  #   fenv.h      FALSE: x87/SSE exception flags and four rounding modes. Wasm has no
  #               status flags and rounds to nearest only; the x32 header made
  #               fetestexcept/feraiseexcept/fesetround(FE_DOWNWARD) "succeed" and do
  #               nothing. Replaced by musl's generic one (FE_TONEAREST only, no
  #               exception macros), as on FPU-less targets: code that checks
  #               `#ifdef FE_DOWNWARD` now takes its fallback, and libm its soft paths.
  #   fcntl.h, socket.h, stat.h, statfs.h, ipc.h, msg.h, sem.h, shm.h, ioctl_fix.h:
  #               true: x86-64 kernel flag values and the kernel's layouts with 64-bit
  #               time_t and explicit pads (long long aligns to 8 on wasm32 as on x32),
  #               which the WALI ABI passes through (layouts.txt).
  #   signal.h    true for numbers, flags, MINSIGSTKSZ/SIGSTKSZ and the ucontext layout
  #               the runtime builds for SA_SIGINFO handlers; its x86-64 registers and
  #               FP state are always zero there (wasm exposes no registers).
  #   stdint.h, posix.h, limits.h (PAGESIZE 4096), setjmp.h (a buffer larger than the
  #               wasm setjmp record): true for ILP32 wasm32 with 64-bit off_t.
  #   mman.h      MAP_32BIT: meaningless (every guest address is 32-bit); harmless.
  #   reg.h, user.h, ptrace.h: x86-64 register sets. They describe the host kernel's
  #               view of native processes (ptrace), never a wasm program's own state.
  cp "$m/arch/generic/bits/fenv.h" "$m/arch/wasm32/bits/fenv.h"
  sed -i 's/^#define _Addr int$/#define _Addr long/' "$m/arch/wasm32/bits/alltypes.h.in"
  cp -r "$here/musl-overlay/." "$m/"
  # Public structs the WALI ABI passes to the x86-64 kernel unchanged (layouts.txt):
  # msghdr/cmsghdr padded where x86-64 has 8-byte fields. (epoll_event keeps its
  # natural 16-byte layout, as Rust's libc crate has it: src/linux/wasm32/epoll.c
  # converts to and from the kernel's packed one.) Each sed must hit, or the header changed under us.
  patch_hdr() { grep -q "$2" "$m/include/$1" || { echo "toolchain: include/$1: no '$2'" >&2; exit 1; }
                sed -i "s/$2/$3/" "$m/include/$1"; }
  # The reference libc's SIG_IGN is -2: table index 1 may be a real handler.
  patch_hdr signal.h '^#define SIG_IGN  ((void (\*)(int)) 1)$' '#define SIG_IGN  ((void (*)(int)) -2)'
  # Control messages aligned to 8 as the x86-64 kernel lays them out.
  patch_hdr sys/socket.h '^#define __CMSG_LEN(cmsg) (((cmsg)->cmsg_len + sizeof(long) - 1) \& ~(long)(sizeof(long) - 1))$' \
    '#define __CMSG_LEN(cmsg) (((cmsg)->cmsg_len + 8 - 1) \& ~(long)(8 - 1))'
  patch_hdr sys/socket.h '^#define CMSG_ALIGN(len) (((len) + sizeof (size_t) - 1) \& (size_t) ~(sizeof (size_t) - 1))$' \
    '#define CMSG_ALIGN(len) (((len) + 8 - 1) \& (size_t) ~(8 - 1))'
  patch_hdr sys/socket.h '^#if __LONG_MAX > 0x7fffffff \&\& __BYTE_ORDER == __LITTLE_ENDIAN$' \
    '#if (__LONG_MAX > 0x7fffffff || defined(__wasm32__)) \&\& __BYTE_ORDER == __LITTLE_ENDIAN'
  python3 "$here/gen-syscalls.py" "$table" "$m/arch/x86_64/bits/syscall.h.in" > "$m/arch/wasm32/wali_syscalls.h"
  cat > "$m/config.mak" <<MAK
ARCH = wasm32
prefix = $sysroot
includedir = \$(prefix)/include
libdir = \$(prefix)/lib
CC = clang-19 --target=wasm32-unknown-unknown
AR = llvm-ar-19
RANLIB = llvm-ranlib-19
CFLAGS = -O2 -matomics -mbulk-memory -mmutable-globals -mexception-handling -mllvm -wasm-enable-sjlj -D__linux__ -Wno-unused-command-line-argument
CFLAGS_AUTO = -std=c99 -nostdinc -ffreestanding -fexcess-precision=standard -frounding-math -fno-strict-aliasing -Wa,--noexecstack -D_XOPEN_SOURCE=700 -pipe -fomit-frame-pointer -fno-unwind-tables -fno-asynchronous-unwind-tables -ffunction-sections -fdata-sections -w
CFLAGS_C99FSE = -std=c99 -nostdinc -ffreestanding -fexcess-precision=standard -frounding-math
CFLAGS_MEMOPS =
LDFLAGS =
LIBCC =
SHARED_LIBS =
ALL_TOOLS =
TOOL_LIBS =
MAK
  rm -f "$m/configure"
  if ! (cd "$m" && make -j"$(nproc)" lib/libc.a install-headers install-libs SHARED_LIBS= ALL_TOOLS= >"$log" 2>&1); then
    tail -30 "$log" >&2
    echo "toolchain: musl build failed (full log: $log)" >&2
    exit 1
  fi
  cp /usr/lib/llvm-19/lib/clang/19/lib/wasi/libclang_rt.builtins-wasm32.a "$sysroot/lib/"
  for l in m pthread rt dl util crypt xnet resolv; do
    [ -f "$sysroot/lib/lib$l.a" ] || llvm-ar-19 rc "$sysroot/lib/lib$l.a"
  done
  touch "$sysroot/.complete"
fi
ln -sfn "$sysroot" "$repo/build/sysroot"
ln -sfn "$wasm_opt" "$repo/build/wasm-opt"

# The cross tools under the names configure looks for with --host=wasm32-unknown-linux-musl
# (AC_CHECK_TOOL tries HOST-ar before ar), so that with build/bin on PATH a plain
# `./configure --host=wasm32-unknown-linux-musl` finds wasm-capable ones and not the
# host's binutils. The LLVM tools pick their mode from the name they are called by
# (...-ranlib is llvm-ar as ranlib, ...-strip is llvm-objcopy as strip).
triple=wasm32-unknown-linux-musl
mkdir -p "$repo/build/bin"
for t in gcc cc clang; do
  ln -sfn "$here/wali-cc" "$repo/build/bin/$triple-$t"
done
for t in ar ranlib nm strip objcopy objdump size strings; do
  ln -sfn "/usr/bin/llvm-$t-19" "$repo/build/bin/$triple-$t"
done
ln -sfn "$here/wali-ld" "$repo/build/bin/$triple-ld"
# libtool looks for HOST-file too; the host's file(1) knows wasm modules.
if command -v file >/dev/null; then ln -sfn "$(command -v file)" "$repo/build/bin/$triple-file"; fi
echo "== sysroot: $sysroot"
