#!/usr/bin/env bash
# Installs the build tools of emulator/Dockerfile's bundle stage under <prefix>: Node (the same npm package and
# version as the image's, for the build machine's architecture) and npm (NPM_VERSION), both integrity-checked.
# Debian's own nodejs is too old for the project (bookworm: 18; package.json needs >= 20.16).
#   bash toolchain.sh <prefix> [amd64|arm64]   -> <prefix>/bin/node, <prefix>/bin/npm
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
prefix=${1:?usage: toolchain.sh <prefix> [amd64|arm64]}
arch=${2:-amd64}
# shellcheck source=versions.env
. "$here/versions.env"

mkdir -p "$prefix/bin" "$prefix/lib/node_modules/npm"
tar -xzf "$(bash "$here/node-tarball.sh" "$arch")" -C "$prefix/bin" --strip-components=2 package/bin/node
tar -xzf "$(bash "$here/registry-tarball.sh" npm "$NPM_VERSION" "$NPM_INTEGRITY")" \
  -C "$prefix/lib/node_modules/npm" --strip-components=1
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$prefix/bin/npm"
"$prefix/bin/node" --version >/dev/null
