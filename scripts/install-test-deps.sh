#!/usr/bin/env bash
# Installs the Debian packages the tests use that the machine image does not ship, and registers qemu-user for
# arm64 binaries (the arm64 image is built with mmdebstrap and smoke-tested under emulation). Idempotent: does
# nothing when everything is present. Needs root (the iptables tests create network namespaces, which needs root
# anyway).
set -euo pipefail
# golang-go + golang-github-aws-aws-sdk-go-dev: the aws-sdk-go v1 region client (test/sidecar/region-clients.ts), built offline.
packages=(iptables iproute2 mmdebstrap umoci podman runc catatonit awscli python3-boto3 qemu-user-static binfmt-support arch-test skopeo golang-go golang-github-aws-aws-sdk-go-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
binfmt=/proc/sys/fs/binfmt_misc
if [ ${#missing[@]} -eq 0 ] && [ -e "$binfmt/qemu-aarch64" ] && grep -qx enabled "$binfmt/qemu-aarch64"; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "install-test-deps: missing Debian packages (${missing[*]:-none}) or the qemu-aarch64 binfmt handler (run as root)" >&2
  exit 1
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-test-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The kernel has binfmt_misc built in; it is mounted once per boot. update-binfmts registers qemu-aarch64 with the
# F flag (the interpreter is opened now), so it also works inside containers and chroots.
if [ ! -e "$binfmt/register" ]; then mount -t binfmt_misc binfmt_misc "$binfmt"; fi
update-binfmts --enable qemu-aarch64
grep -qx enabled "$binfmt/qemu-aarch64" || { echo "install-test-deps: qemu-aarch64 binfmt is not enabled" >&2; exit 1; }
