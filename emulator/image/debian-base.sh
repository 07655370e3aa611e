#!/usr/bin/env bash
# The DEBIAN_IMAGE for emulator/Dockerfile where no registry is reachable (no debian:bookworm-slim to pull): a
# bookworm minbase root filesystem (apt included) made with mmdebstrap from the machine's apt sources, cached by
# everything that goes into it. Import it with `podman import <tar> <name>` and pass --build-arg DEBIAN_IMAGE=<name>.
#   bash debian-base.sh <cache-dir> [amd64|arm64]   -> prints the path of the rootfs tarball
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${1:?usage: debian-base.sh <cache-dir> [amd64|arm64]}
arch=${2:-amd64}
# shellcheck source=versions.env
. "$here/versions.env"
sources=${IMAGE_APT_SOURCES:-/etc/apt/sources.list.d/debian.sources}
[ -f "$sources" ] || sources=http://deb.debian.org/debian
key=$({ cat "$0"; echo "$DEBIAN_SUITE $arch"; cat "$sources" 2>/dev/null || true; } | sha256sum | cut -c1-16)
out=$cache/debian-base-$DEBIAN_SUITE-$arch-$key.tar
if [ ! -f "$out" ]; then
  mkdir -p "$cache"
  SOURCE_DATE_EPOCH=0 mmdebstrap --quiet --mode=root --format=tar --variant=minbase --architectures="$arch" \
    "$DEBIAN_SUITE" "$out.$$.partial" "$sources" >&2
  mv "$out.$$.partial" "$out"
fi
echo "$out"
