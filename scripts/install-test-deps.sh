#!/usr/bin/env bash
# Installs the Debian packages the tests use that the machine image does not ship. Idempotent: does nothing when
# they are present. Needs root (the iptables tests create network namespaces, which needs root anyway).
set -euo pipefail
# golang-go + golang-github-aws-aws-sdk-go-dev: the aws-sdk-go v1 region client (test/sidecar/region-clients.ts), built offline.
packages=(iptables iproute2 mmdebstrap umoci podman runc catatonit awscli python3-boto3 golang-go golang-github-aws-aws-sdk-go-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "install-test-deps: missing Debian packages: ${missing[*]} (run as root, or apt-get install them)" >&2
  exit 1
fi
echo "install-test-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update -qq
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
