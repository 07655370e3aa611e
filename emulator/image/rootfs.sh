#!/usr/bin/env bash
# Builds the Debian layer of the image with mmdebstrap, no container daemon:
#   bash rootfs.sh <out.tar> [arch]    -> <out.tar>, and <out.tar>.packages: "name version" of every package
#                                         installed before finalize.sh trimmed them (what build.sh checks against
#                                         the committed packages.<arch>.lock)
# A minimal bookworm (the Essential set plus packages.txt), trimmed by finalize.sh, as a reproducible tarball:
# mmdebstrap clamps file times to SOURCE_DATE_EPOCH and sorts entries. The apt mirror is the machine's own
# (IMAGE_APT_SOURCES, default /etc/apt/sources.list.d/debian.sources, else deb.debian.org).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: rootfs.sh <out.tar> [arch]}
arch=${2:-amd64}
# shellcheck source=versions.env
. "$here/versions.env"
: "${SOURCE_DATE_EPOCH:?set SOURCE_DATE_EPOCH (build.sh does)}"
export SOURCE_DATE_EPOCH

sources=${IMAGE_APT_SOURCES:-/etc/apt/sources.list.d/debian.sources}
[ -f "$sources" ] || sources=http://deb.debian.org/debian
include=$(sed -e 's/#.*//' -e 's/^!//' "$here/packages.txt" | tr -s '[:space:]' ',' | sed 's/^,//;s/,$//')

# usr-is-merged: bookworm's init-system-helpers otherwise pulls usrmerge and, with it, all of perl.
mmdebstrap --quiet --mode=root --format=tar --variant=essential --architectures="$arch" \
  --include="usr-is-merged,$include" \
  --dpkgopt="$here/dpkg-excludes.cfg" \
  --customize-hook="chroot \"\$1\" dpkg-query -W -f='\${Package} \${Version}\n' | LC_ALL=C sort >'$out.packages'" \
  --customize-hook="cp '$here/finalize.sh' '$here/packages.txt' \"\$1/tmp/\"" \
  --customize-hook='chroot "$1" bash /tmp/finalize.sh /tmp/packages.txt' \
  --customize-hook='rm -f "$1/tmp/finalize.sh" "$1/tmp/packages.txt" "$1/etc/dpkg/dpkg.cfg.d/99mmdebstrap" "$1/etc/apt/sources.list"' \
  "$DEBIAN_SUITE" "$out" "$sources"
