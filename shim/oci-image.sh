#!/usr/bin/env bash
# Make an OCI image tarball (for `ctr image import`) that runs a WALI module or box under
# the io.containerd.wali.v1 runtime: one plain layer holding the file at /NAME, and the
# image's Entrypoint ["/NAME"] (runwasi's convention for a module in the rootfs: the
# shim runs args[0]). No registry, no Docker: tar and sha256sum.
#   shim/oci-image.sh -o hello.tar [-n IMAGE-NAME] [-e K=V]... prog.wasm|app.box [CMD-ARG...]
#   shim/oci-image.sh -o ruby.tar -d ROOTFS-DIR [-n ...] /usr/bin/ruby [CMD-ARG...]
# With -d the layer is a whole directory and the entrypoint a path in it (for a native
# image to compare with, under runc).
# The platform is this machine's linux/ARCH: a WALI module speaks Linux's syscalls and
# the shim is a Linux program, so the image is pulled and unpacked like any other.
set -euo pipefail
usage() { echo "usage: $0 -o OUT.tar [-n IMAGE-NAME] [-e K=V]... [-d ROOTFS-DIR] MODULE|ENTRYPOINT [CMD-ARG...]" >&2; exit 2; }
out="" name="" envs=() rootdir=""
while getopts "o:n:e:d:h" o; do
  case "$o" in
    o) out=$OPTARG ;;
    d) rootdir=$OPTARG ;;
    n) name=$OPTARG ;;
    e) envs+=("$OPTARG") ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ -n "$out" ] && [ $# -ge 1 ] || usage
module=$1; shift
if [ -n "$rootdir" ]; then
  [ -d "$rootdir" ] && [ -e "$rootdir/$module" ] || { echo "$0: $rootdir$module: no such file" >&2; exit 2; }
else
  [ -f "$module" ] || { echo "$0: $module: no such file" >&2; exit 2; }
fi
base=$(basename "$module")
name=${name:-wali/${base%.*}:latest}
case "$(uname -m)" in
  x86_64) arch=amd64 ;;
  aarch64) arch=arm64 ;;
  *) arch=$(uname -m) ;;
esac

# A JSON string: backslash, quote and control characters escaped.
js() {
  local s=$1 out="" c i
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case "$c" in
      '\') out+='\\' ;;
      '"') out+='\"' ;;
      $'\n') out+='\n' ;;
      $'\t') out+='\t' ;;
      *) if [[ "$c" < ' ' ]]; then out+=$(printf '\\u%04x' "'$c"); else out+=$c; fi ;;
    esac
  done
  printf '"%s"' "$out"
}
jarr() { local first=1 a; printf '['; for a in "$@"; do [ $first = 1 ] || printf ','; first=0; js "$a"; done; printf ']'; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/root" "$tmp/img/blobs/sha256"
# Reproducible: same input, same digests.
if [ -n "$rootdir" ]; then
  entry=$module
  tar -C "$rootdir" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$tmp/layer.tar" .
else
  entry=/$base
  cp "$module" "$tmp/root/$base"
  tar -C "$tmp/root" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$tmp/layer.tar" "$base"
fi
blob() { # file -> digest, stored as a blob
  local d; d=$(sha256sum "$1" | cut -d' ' -f1)
  cp "$1" "$tmp/img/blobs/sha256/$d"
  echo "$d"
}
layer=$(blob "$tmp/layer.tar")
lsize=$(stat -c %s "$tmp/layer.tar")
printf '{"architecture":"%s","os":"linux","config":{"Entrypoint":%s,"Cmd":%s,"Env":%s,"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
  "$arch" "$(jarr "$entry")" "$(jarr "$@")" "$(jarr "${envs[@]}")" "$layer" >"$tmp/config.json"
config=$(blob "$tmp/config.json")
csize=$(stat -c %s "$tmp/config.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%d}]}' \
  "$config" "$csize" "$layer" "$lsize" >"$tmp/manifest.json"
manifest=$(blob "$tmp/manifest.json")
msize=$(stat -c %s "$tmp/manifest.json")
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"platform":{"architecture":"%s","os":"linux"},"annotations":{"io.containerd.image.name":%s,"org.opencontainers.image.ref.name":%s}}]}' \
  "$manifest" "$msize" "$arch" "$(js "$name")" "$(js "${name##*:}")" >"$tmp/img/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' >"$tmp/img/oci-layout"
outabs=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
tar -C "$tmp/img" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$outabs" oci-layout index.json blobs
echo "$out: $name (linux/$arch, $entry)"
