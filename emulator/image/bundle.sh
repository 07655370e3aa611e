#!/usr/bin/env bash
# Stages the application part of the image — Node and the compiled emulator with its production dependencies — as a
# directory tree to lay over the Debian root filesystem. Shared by `npm run image` and emulator/Dockerfile:
#   bash bundle.sh <out-dir> [amd64|arm64]
# Needs the compiled emulator (npm run build) and the installed node_modules: the production dependencies are the
# exact installed (lockfile) versions `npm ls --omit=dev` reports for the emulator workspace, nothing of the root's
# dev tooling. Node is the official binary from the npm package node-linux-<arch>, checked against versions.env
# (node-tarball.sh).
#
# Result:  usr/local/bin/node                   Node 22
#          usr/local/bin/imds-emulator          launcher for exec hooks and `kubectl exec` (#!/usr/local/bin/node
#                                               --disable-sigusr1: no shell, no /usr/bin/env); containers start
#                                               through the image's ENTRYPOINT (entrypoint.json) instead
#          usr/local/lib/imds-emulator/         package.json, bin/, lib/cli.js (the bundle), node_modules/
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${1:?usage: bundle.sh <out-dir> [amd64|arm64]}
arch=${2:-amd64}
[ -f "$repo/emulator/lib/cli.js" ] || { echo "bundle: emulator/lib is missing: run 'npm run build' first" >&2; exit 2; }

rm -rf "$out"
app=$out/usr/local/lib/imds-emulator
mkdir -p "$app/node_modules" "$out/usr/local/bin" "$out/usr/local/share/doc/node"

# Node: the npm tarball, cached and verified against the pinned integrity.
tgz=$(bash "$here/node-tarball.sh" "$arch")
tar -xzf "$tgz" -C "$out/usr/local/bin" --strip-components=2 package/bin/node
tar -xzf "$tgz" -C "$out/usr/local/share/doc/node" --strip-components=1 package/LICENSE

# The emulator: package.json, the bin shim and lib/cli.js, one bundled file of the compiled CLI (app-bundle.js says why).
cp "$repo/emulator/package.json" "$app/"
node "$here/app-bundle.js" "$app"

# Production dependencies, at the installed paths relative to node_modules. Packages nested under another package's
# node_modules are listed separately by npm ls, so each package is copied without its own node_modules.
mapfile -t paths < <(cd "$repo" && npm ls --omit=dev --workspace=@imds-emulator/emulator --all --parseable 2>/dev/null |
  sed -n "s|^$repo/||p" | grep -v '^node_modules/@imds-emulator/' | sort -u)
[ ${#paths[@]} -gt 0 ] || { echo "bundle: npm ls found no production dependencies: run 'npm ci' first" >&2; exit 2; }
for path in "${paths[@]}"; do
  case $path in
    node_modules/*) rel=${path#node_modules/} ;;
    emulator/node_modules/*) rel=${path#emulator/node_modules/} ;;
    *) echo "bundle: unexpected dependency location $path" >&2; exit 1 ;;
  esac
  if [ -e "$app/node_modules/$rel/package.json" ]; then
    echo "bundle: two versions of $rel would land at the same path; adjust the bundle layout" >&2
    exit 1
  fi
  mkdir -p "$app/node_modules/$rel"
  tar -C "$repo/$path" --exclude=./node_modules -cf - . | tar -C "$app/node_modules/$rel" -xf -
done

# Type declarations, source maps and docs are not needed to run.
find "$app" -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' -o -name '*.md' \
  -o -name '.npmignore' -o -name 'tsconfig*.json' \) -delete
find "$app" -type d -empty -delete

# --disable-sigusr1 (Node >= 22.14): SIGUSR1 must not open the inspector, not even while the CLI is loading. A shebang
# passes one argument, so the ENTRYPOINT's other Node flags (entrypoint.json) are not here: they only pay off in the
# long-running servers, which start through the ENTRYPOINT.
printf '#!/usr/local/bin/node --disable-sigusr1\nrequire("/usr/local/lib/imds-emulator/bin/imds-emulator.js");\n' \
  >"$out/usr/local/bin/imds-emulator"
chmod -R u=rwX,go=rX "$out"
chmod 0755 "$out/usr/local/bin/node" "$out/usr/local/bin/imds-emulator"
