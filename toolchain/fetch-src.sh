#!/usr/bin/env bash
# Fetch an upstream tarball from Debian's source packages into the source cache
# (~/.cache/wali-run/src, or $WALI_CACHE_DIR/src) unless it is there, check its sha256,
# and print its path:
#   toolchain/fetch-src.sh SRCPKG=DEBIAN_VERSION FILE SHA256
#   toolchain/fetch-src.sh hello=2.10-3 hello_2.10.orig.tar.gz 31e0...
# No host is named here: the deb-src entry is derived from the machine's own apt
# sources (their first stanza, the main archive).
set -euo pipefail
[ $# = 3 ] || { echo "usage: $0 SRCPKG=VERSION FILE SHA256" >&2; exit 2; }
pkg=$1 file=$2 sha=$3
cache=${WALI_CACHE_DIR:-$HOME/.cache/wali-run}
mkdir -p "$cache/src"
tarball=$cache/src/$file
if [ ! -f "$tarball" ]; then
  echo "== fetching $file (Debian source package $pkg)" >&2
  if ! grep -rqs '^Types: deb-src' /etc/apt/sources.list.d/ /etc/apt/sources.list 2>/dev/null; then
    awk 'BEGIN{RS="";ORS="\n\n"} NR==1' /etc/apt/sources.list.d/debian.sources |
      sed -e 's/^Types: deb$/Types: deb-src/' -e 's/^Suites: .*/Suites: bookworm trixie/' \
      > /etc/apt/sources.list.d/wali-run-src.sources
    apt-get update -qq
  fi
  # The download goes to a scratch directory first: an interrupted one leaves no
  # partial tarball under the cached name.
  tmp=$(mktemp -d "$cache/src/.fetch.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && apt-get source --download-only -qq "$pkg" >/dev/null 2>&1) ||
    { echo "fetch-src: apt-get source --download-only $pkg failed" >&2; exit 1; }
  [ -f "$tmp/$file" ] || { echo "fetch-src: $pkg has no $file" >&2; exit 1; }
  mv "$tmp/$file" "$tarball"
fi
echo "$sha  $tarball" | sha256sum -c --quiet - >&2 || { echo "fetch-src: $tarball: sha256 mismatch" >&2; exit 1; }
echo "$tarball"
