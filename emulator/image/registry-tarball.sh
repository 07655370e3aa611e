#!/usr/bin/env bash
# Prints the path of a package tarball from the npm registry, downloading it into the cache first if needed and
# checking it against the pinned integrity (npm's dist.integrity). Needs only curl and openssl, not npm, so the
# Dockerfile can fetch Node and npm themselves with it:
#   bash registry-tarball.sh <package> <version> <sha512-integrity>
set -euo pipefail
name=${1:?usage: registry-tarball.sh <package> <version> <integrity>}
version=${2:?usage: registry-tarball.sh <package> <version> <integrity>}
integrity=${3:?usage: registry-tarball.sh <package> <version> <integrity>}
cache=${IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/imds-emulator}
registry=${NPM_CONFIG_REGISTRY:-https://registry.npmjs.org}

tgz=$cache/$name-$version.tgz
if [ ! -f "$tgz" ]; then
  mkdir -p "$cache"
  curl -fsSL --retry 3 -o "$tgz.$$.partial" "${registry%/}/$name/-/$name-$version.tgz"
  mv "$tgz.$$.partial" "$tgz"
fi
actual="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
if [ "$actual" != "$integrity" ]; then
  echo "registry-tarball: $tgz does not match the pinned integrity of $name@$version (got $actual); delete it to download again" >&2
  exit 1
fi
echo "$tgz"
