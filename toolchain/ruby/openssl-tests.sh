#!/usr/bin/env bash
# OpenSSL's own test suite (test/run_tests.pl, as `make test` runs it) under wali-run and
# natively, side by side: the same Debian tarball and the same Configure options, built
# once for wasm32 (libs.sh's build tree, whose test programs this builds) and once
# natively (cached in ~/.cache/wali-run/openssl-native-<key>).
#   toolchain/ruby/openssl-tests.sh            the fixed subset below (CI)
#   toolchain/ruby/openssl-tests.sh all        every recipe (long: see the README)
#   toolchain/ruby/openssl-tests.sh test_x ... these recipes
# The test programs are wasm modules: the harness runs each through $EXE_SHELL, here
# OpenSSL's own wrapper (util/wrap.pl: it sets OPENSSL_CONF and friends) followed by
# wali-run with the sandbox off (the recipes write scratch files beside the tree).
# Native results are cached per recipe list. Prints one line per recipe and the totals.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${WALI_CACHE_DIR:-$HOME/.cache/wali-run}
jobs=${JOBS:-$(nproc)}

# A fixed subset that runs in minutes and covers each layer: containers and internals,
# bignums, digests, ciphers, MACs and KDFs (the evp_test vectors), RSA/EC/X.509/PEM,
# the DRBG (getrandom), threads, secure memory (mmap/mprotect), and TLS and DTLS
# (sslapitest: every protocol version, over memory BIOs and sockets).
subset="test_sanity test_stack test_lhash test_internal_bn test_internal_ec test_bioprint
  test_pem_reading test_hmac test_rand test_des test_bn test_exp test_rsa test_ec test_sha
  test_dgst test_enc test_kdf test_x509 test_verify test_evp test_aesgcm test_x509_time
  test_asn1_time test_wpacket test_cipherlist test_constant_time test_secmem test_threads
  test_async test_sslapi"
case "${1:-}" in
  "") tests=$(echo $subset) ;;
  all) tests="" ;;
  *) tests="$*" ;;
esac

libs=$("$here/libs.sh")
wasm=$(sed -n 's/^openssl=//p' <<<"$libs")/build
over=$(sed -n 's/^over=//p' "$here/libs.sh")
tarball=$cache/src/openssl_$over.orig.tar.gz

# The Configure line both builds share (libs.sh's), read from the wasm tree.
opts=$(perl -I"$wasm" -Mconfigdata -e 'print join(" ", grep { !/^(CC|AR|RANLIB|CFLAGS)=|^--(prefix|libdir)=/ } @{$config{perlargv}})')
opts=${opts#linux-generic32 }

native=$cache/openssl-native-$( { echo "$over $opts"; sha256sum "$tarball"; } | sha256sum | cut -c1-12)
if [ ! -f "$native/.complete" ]; then
  echo "== openssl-tests: building openssl $over natively (log: $native/build.log)" >&2
  rm -rf "$native"; mkdir -p "$native"
  tar -xzf "$tarball" -C "$native"; mv "$native/openssl-$over" "$native/build"
  (cd "$native/build" && ./Configure linux-x86_64 $opts && make -j"$jobs" build_libs) \
    >"$native/build.log" 2>&1 || { tail -20 "$native/build.log" >&2; exit 1; }
  touch "$native/.complete"
fi

# The programs the recipes run: all of them for the whole suite; for a subset, the
# openssl app and the test programs its recipes name (linking each is the slow part).
programs() { # programs <tree>
  if [ -z "$tests" ]; then echo build_programs; return; fi
  local all w t
  all=$(sed -n '/^PROGRAMS=/,/[^\\]$/p' "$1/Makefile" | tr -d '\\' | sed 's/^PROGRAMS=//' | tr ' ' '\n')
  echo apps/openssl util/wrap.pl
  for t in $tests; do
    for w in $(grep -ohE '"[a-z0-9_]+"' "$1"/test/recipes/[0-9][0-9]-$t.t | tr -d '"' | sort -u); do
      if grep -qx "test/$w" <<<"$all"; then echo "test/$w"; fi
    done
  done | sort -u
}
# The test programs' main() is in a static library (test/libtestutil.a). wali-cc's
# start file refers to main weakly (it is __main_argc_argv or main, whichever the
# program defines), and a weak reference does not pull a member out of an archive:
# linked as they are, the programs trap at start. -u names both so the linker does.
# (A fix for every program belongs in wali-cc, whose change rebuilds the sysroot.)
wasm_ld='-Wl,-u,__main_argc_argv -Wl,-u,__original_main'
tag=$(echo "$tests" | sha256sum | cut -c1-12)
for tree in "$wasm" "$native/build"; do
  if [ ! -f "$tree/.programs-u-$tag" ]; then
    echo "== openssl-tests: linking the test programs in $tree (log: $tree/programs.log)" >&2
    progs=$(programs "$tree")
    flags=(); if [ "$tree" = "$wasm" ]; then flags=(LDFLAGS="$wasm_ld"); (cd "$tree" && rm -f $(grep '^test/' <<<"$progs")); fi
    (cd "$tree" && make -j"$jobs" "${flags[@]}" $progs) >"$tree/programs.log" 2>&1 \
      || { grep -E "error" "$tree/programs.log" | tail -20 >&2; exit 1; }
    touch "$tree/.programs-u-$tag"
  fi
done

# run <tree> <log> [EXE_SHELL]: the harness over $tests, one line per recipe.
run() {
  (cd "$1" && env ${3:+EXE_SHELL="$3"} HARNESS_JOBS=1 make run_tests TESTS="$tests") >"$2" 2>&1 || true
}
nlog=$native/tests-$tag.log
[ -f "$nlog" ] || { echo "== openssl-tests: native run (log: $nlog)" >&2; run "$native/build" "$nlog"; }
wrap=$(mktemp -d)/wali-run-all
printf '#!/bin/sh\nexec %s --allow-all "$@"\n' "$repo/build/bin/wali-run" >"$wrap"; chmod +x "$wrap"
wlog=$wasm/tests-$tag.log
echo "== openssl-tests: wasm32 run under wali-run (log: $wlog)" >&2
t0=$(date +%s)
run "$wasm" "$wlog" "$wasm/util/wrap.pl $wrap"
secs=$(( $(date +%s) - t0 ))
rm -rf "$(dirname "$wrap")"

# Per recipe: "ok", "skipped: why" or "Failed n/m subtests", from each log.
verdicts() { perl -ne 'print "$1\t$2\n" if /^(\d\d-test_\S+)\.t \.+ (ok|skipped.*)$/;
  print "$1\tFAILED $3 of $2\n" if /^(\d\d-test_\S+)\.t\s+\(Wstat: .*Tests: (\d+) Failed: (\d+)\)/' "$1"; }
join -t $'\t' -a1 -a2 -e '-' -o 0,1.2,2.2 <(verdicts "$nlog" | sort) <(verdicts "$wlog" | sort) \
  | awk -F'\t' '{ printf "%-34s native: %-28s wasm: %s\n", $1, substr($2,1,28), $3 }'
summary() { grep -E "^Files=" "$1" | tail -1; }
echo "native: $(summary "$nlog")"
echo "wasm:   $(summary "$wlog") (${secs} s)"
# Fails when a recipe's verdict under wali-run differs from native's.
if ! cmp -s <(verdicts "$nlog" | sort) <(verdicts "$wlog" | sort); then
  echo "openssl-tests: wasm32 verdicts differ from native (logs: $nlog, $wlog)" >&2
  exit 1
fi
