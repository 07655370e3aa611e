#!/usr/bin/env bash
# Trims an installed Debian root filesystem to what the image needs at run time. Runs INSIDE the target root (a
# chroot from rootfs.sh, or the Dockerfile's rootfs stage), as root, after the packages of packages.txt are installed:
#   bash finalize.sh <packages.txt>
# Keeps the listed packages and their hard dependencies (Pre-Depends/Depends, first alternative), minus "!name"
# packages, which were needed only to configure; purges everything else — shells, coreutils, perl, apt — so nothing
# at run time can rely on a shell. The last step execs dpkg, because it removes the tools this script runs with.
set -euo pipefail
list=${1:?usage: finalize.sh <packages.txt>}

declare -A deps provider keep configure_only
while IFS=';' read -r pkg provides depends; do
  deps[$pkg]=$depends
  provider[$pkg]=$pkg
  IFS=',' read -ra names <<<"$provides"
  for name in "${names[@]}"; do
    name=${name%%(*}
    name=${name// /}
    if [ -n "$name" ]; then provider[$name]=${provider[$name]:-$pkg}; fi
  done
done <<<"$(dpkg-query -W -f='${Package};${Provides};${Pre-Depends}, ${Depends}\n')"

roots=()
while read -r line; do
  line=${line%%#*}
  line=${line//[[:space:]]/}
  case $line in
    '') ;;
    '!'*) configure_only[${line#!}]=1 ;;
    *) roots+=("$line") ;;
  esac
done <"$list"

visit() {
  local pkg=${provider[$1]:-}
  [ -n "$pkg" ] || { echo "finalize: $1 is not installed" >&2; exit 1; }
  if [ -n "${keep[$pkg]:-}" ] || [ -n "${configure_only[$pkg]:-}" ]; then return 0; fi
  keep[$pkg]=1
  local dep alternatives
  IFS=',' read -ra alternatives <<<"${deps[$pkg]}"
  for dep in "${alternatives[@]}"; do
    dep=${dep%%|*}
    dep=${dep%%(*}
    dep=${dep%%:*}
    dep=${dep// /}
    if [ -n "$dep" ]; then visit "$dep"; fi
  done
}
for root in "${roots[@]}"; do visit "$root"; done

drop=()
for pkg in "${!deps[@]}"; do
  if [ -z "${keep[$pkg]:-}" ] && [ "$pkg" != dpkg ]; then drop+=("$pkg"); fi
done
mapfile -t drop <<<"$(printf '%s\n' "${drop[@]}" | sort)"
echo "finalize: keeping $(printf '%s ' "${!keep[@]}" | tr ' ' '\n' | sort | tr '\n' ' ')"
echo "finalize: removing ${drop[*]}"

# The default non-root user of the image (DEVELOPERS.md: 65532:65532).
echo 'nonroot:x:65532:65532:nonroot:/nonexistent:/usr/sbin/nologin' >>/etc/passwd
echo 'nonroot:x:65532:' >>/etc/group
if [ -f /etc/shadow ]; then echo 'nonroot:*:19000:0:99999:7:::' >>/etc/shadow; fi

# The removal scripts of the dropped packages would need the shell that is being removed, and their side effects
# (diversions, alternatives of other tools) are irrelevant here: only the files and the dpkg database entries go.
for pkg in "${drop[@]}"; do
  rm -f "/var/lib/dpkg/info/$pkg.prerm" "/var/lib/dpkg/info/$pkg.postrm" \
    "/var/lib/dpkg/info/$pkg:"*.prerm "/var/lib/dpkg/info/$pkg:"*.postrm
done
rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/cache/debconf/*-old /var/log/apt /var/log/dpkg.log \
  /var/log/alternatives.log /var/cache/ldconfig/aux-cache "$list" "$0"
exec dpkg --log=/dev/null --purge --force-all --no-triggers "${drop[@]}"
