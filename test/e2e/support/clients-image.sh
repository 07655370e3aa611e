#!/usr/bin/env bash
# Root filesystem of the e2e "app" container: Debian bookworm with the real AWS clients from Debian (awscli v2,
# python3-boto3) and iptables (to prove the app cannot change the rules). Node for the JavaScript SDK is not in it:
# the test mounts the image's Node binary and the project's @aws-sdk packages read-only. Cached by package list.
#   bash clients-image.sh <cache-dir>   -> prints the path of the rootfs tarball
set -euo pipefail
cache=${1:?usage: clients-image.sh <cache-dir>}
here=$(cd "$(dirname "$0")" && pwd)
packages=awscli,python3-boto3,iptables,libstdc++6
sources=/etc/apt/sources.list.d/debian.sources
[ -f "$sources" ] || sources=http://deb.debian.org/debian
key=$({ echo "$packages"; cat "$0" "$here/../../../emulator/image/dpkg-excludes.cfg"; cat "$sources" 2>/dev/null || true; } | sha256sum | cut -c1-16)
out=$cache/e2e-clients-$key.tar
if [ ! -f "$out" ]; then
  mkdir -p "$cache"
  SOURCE_DATE_EPOCH=0 mmdebstrap --quiet --mode=root --format=tar --variant=essential --include="$packages" \
    --dpkgopt="$here/../../../emulator/image/dpkg-excludes.cfg" bookworm "$out.$$.partial.tar" "$sources" >&2
  mv "$out.$$.partial.tar" "$out"
fi
echo "$out"
