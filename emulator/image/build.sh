#!/usr/bin/env bash
# `npm run image`: builds the imds-emulator image for amd64 and arm64 without a container daemon, from Debian and npm
# packages only, as one OCI image archive whose tag <version> is an image index of both architectures (push it with
# `skopeo copy --all oci-archive:<archive>:<version> docker://...`), plus one single-image archive per architecture
# (`podman load -i`). Run as root (mmdebstrap; arm64 on an amd64 machine needs the qemu-aarch64 binfmt handler that
# scripts/install-test-deps.sh enables).
#
#   layer 1  Debian bookworm, Essential set + packages.txt, trimmed by finalize.sh     (rootfs.sh, cached)
#   layer 2  Node + the compiled emulator with production dependencies               (bundle.sh)
#   config   ENTRYPOINT entrypoint.json (node, its flags, the CLI's script), user 65532:65532, PATH
#
# Reproducible: every time stamp is SOURCE_DATE_EPOCH (default: the last commit touching emulator/image), layers
# are sorted tarballs with numeric owners, so the same inputs give the same image digest.
# Environment: IMAGE_ARCHES (default "amd64 arm64"), IMAGE_OUTPUT (the index archive, default
# .cache/image/imds-emulator-<version>.oci.tar; the per-architecture archives are <IMAGE_OUTPUT without .oci.tar>-<arch>
# .oci.tar), IMAGE_CACHE (cache directory, default ~/.cache/imds-emulator), IMAGE_SKIP_COMPILE=1 (use emulator/lib
# as it is), IMAGE_UPDATE_PACKAGES=1 (`npm run image:update-packages`: rebuild the Debian layer and accept its
# package versions into packages.<arch>.lock, which a normal build checks them against).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=versions.env
. "$here/versions.env"
read -ra arches <<<"${IMAGE_ARCHES:-amd64 arm64}"
version=$(node -p "require('$repo/emulator/package.json').version")
cache=${IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/imds-emulator}
out=${IMAGE_OUTPUT:-$repo/.cache/image/imds-emulator-$version.oci.tar}
export IMAGE_CACHE=$cache

if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
  # The package locks are left out: updating one changes the Debian layer's content, not its definition.
  SOURCE_DATE_EPOCH=$(git -C "$repo" log -1 --format=%ct -- emulator/image ':!emulator/image/packages.*.lock' 2>/dev/null || true)
  [ -n "$SOURCE_DATE_EPOCH" ] || SOURCE_DATE_EPOCH=$(git -C "$repo" log -1 --format=%ct)
fi
export SOURCE_DATE_EPOCH
created=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
# The exec-form ENTRYPOINT, one --config.entrypoint per element (emulator/Dockerfile restates it; a test compares).
mapfile -t entrypoint < <(node -e 'for (const arg of require(process.argv[1])) console.log(arg)' "$here/entrypoint.json")
[ ${#entrypoint[@]} -ge 2 ] || { echo "image: no ENTRYPOINT read from $here/entrypoint.json" >&2; exit 2; }
for tool in mmdebstrap umoci; do
  command -v "$tool" >/dev/null || { echo "image: $tool is missing (bash scripts/install-test-deps.sh)" >&2; exit 2; }
done

step_start=$(date +%s%N)
step() {
  local now
  now=$(date +%s%N)
  printf 'image: %-40s %6d ms\n' "$1" $(((now - step_start) / 1000000))
  step_start=$now
}

work=$(mktemp -d "${TMPDIR:-/tmp}/imds-image.XXXXXX")
trap 'rm -rf "$work"' EXIT

if [ "${IMAGE_SKIP_COMPILE:-}" != 1 ]; then
  npm --prefix "$repo" run --silent build -w contract -w emulator >"$work/compile.log" 2>&1 ||
    { cat "$work/compile.log" >&2; echo "image: compiling the emulator failed" >&2; exit 1; }
  step "compile emulator"
fi

# pack <dir> <archive> <member>: a reproducible tarball (sorted, fixed times, numeric owner 0), written whole or not
# at all.
pack() {
  mkdir -p "$(dirname "$2")"
  tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner --format=posix \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime -C "$1" -cf "$2.$$.partial" "$3"
  mv "$2.$$.partial" "$2"
}

sources=${IMAGE_APT_SOURCES:-/etc/apt/sources.list.d/debian.sources}
layout=$work/oci
umoci init --layout "$layout"
for arch in "${arches[@]}"; do
  # Layer 1, cached under a key of everything that goes into it.
  key=$(
    {
      cat "$here/packages.txt" "$here/dpkg-excludes.cfg" "$here/finalize.sh" "$here/rootfs.sh"
      echo "$DEBIAN_SUITE $arch $SOURCE_DATE_EPOCH"
      if [ -f "$sources" ]; then cat "$sources"; fi
    } | sha256sum | cut -c1-16
  )
  rootfs=$cache/rootfs-$DEBIAN_SUITE-$arch-$key.tar
  if [ ! -f "$rootfs" ] || [ ! -f "$rootfs.packages" ] || [ "${IMAGE_UPDATE_PACKAGES:-}" = 1 ]; then
    mkdir -p "$cache"
    # Concurrent builds each write their own partial file; the rename makes the cached layer appear whole.
    partial=$rootfs.$$.partial
    bash "$here/rootfs.sh" "$partial" "$arch" >"$work/rootfs.log" 2>&1 ||
      { cat "$work/rootfs.log" >&2; rm -f "$partial" "$partial.packages"; exit 1; }
    mv "$partial.packages" "$rootfs.packages"
    mv "$partial" "$rootfs"
    # Only the current definition's layer is worth keeping.
    find "$cache" -maxdepth 1 \( -name "rootfs-$DEBIAN_SUITE-$arch-*.tar" -o -name "rootfs-$DEBIAN_SUITE-$arch-*.tar.packages" \) \
      ! -path "$rootfs" ! -path "$rootfs.packages" -delete
    step "$arch: debian layer (mmdebstrap)"
  else
    step "$arch: debian layer (cached)"
  fi
  bash "$here/packages-lock.sh" "$rootfs.packages" "$here/packages.$arch.lock"

  # Layer 2.
  bash "$here/bundle.sh" "$work/app-$arch" "$arch"
  pack "$work/app-$arch" "$work/app-$arch.tar" usr
  step "$arch: app layer (node + emulator)"

  image="$layout:$version-$arch"
  umoci new --image "$image"
  umoci raw add-layer --image "$image" --history.created="$created" \
    --history.created_by="emulator/image/rootfs.sh (mmdebstrap $DEBIAN_SUITE + packages.txt)" "$rootfs"
  umoci raw add-layer --image "$image" --history.created="$created" \
    --history.created_by="emulator/image/bundle.sh (node $NODE_VERSION + @imds-emulator/emulator $version)" \
    "$work/app-$arch.tar"
  umoci config --image "$image" --no-history --created="$created" --architecture="$arch" --os=linux \
    "${entrypoint[@]/#/--config.entrypoint=}" --config.user=65532:65532 --config.workingdir=/ \
    --config.env=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --config.env=NODE_ENV=production \
    --config.label=org.opencontainers.image.title=imds-emulator \
    --config.label=org.opencontainers.image.version="$version" \
    --config.label=org.opencontainers.image.licenses=Apache-2.0
  umoci gc --layout "$layout"
  # The single-architecture archive: this image alone, tagged <version> as before.
  single=$work/oci-$arch
  rm -rf "$single"
  cp -a "$layout" "$single"
  node "$here/oci-index.js" single "$single" "$version" "$arch"
  umoci gc --layout "$single"
  pack "$single" "${out%.oci.tar}-$arch.oci.tar" .
  rm -rf "$single"
  step "$arch: pack OCI archive (umoci)"
done

# The image index of all architectures, tagged <version>; the per-architecture tags stay for `skopeo copy`.
node "$here/oci-index.js" index "$layout" "$version" "${arches[@]}"
pack "$layout" "$out" .
step "pack OCI image index"

node "$here/describe.js" "$layout" "$version" "$out"
