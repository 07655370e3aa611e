#!/usr/bin/env bash
# Checks the Debian packages a build of the Debian layer installed (rootfs.sh's <out>.packages) against the committed
# packages.<arch>.lock, so a rebuild months later gives the same layer or says which package moved:
#   bash packages-lock.sh <installed> <lock>    exit 1 with the differences if they differ
# With IMAGE_UPDATE_PACKAGES=1 (`npm run image:update-packages`) it writes the lock instead.
set -euo pipefail
installed=${1:?usage: packages-lock.sh <installed> <lock>}
lock=${2:?usage: packages-lock.sh <installed> <lock>}
header="# Debian packages (name version) installed into the image's Debian layer before finalize.sh trims them.
# Checked by every build; regenerate with \`npm run image:update-packages\` and review the diff."

if [ "${IMAGE_UPDATE_PACKAGES:-}" = 1 ]; then
  { echo "$header"; cat "$installed"; } >"$lock"
  echo "image: wrote $lock ($(wc -l <"$installed") packages)"
  exit 0
fi
[ -f "$lock" ] || { echo "image: $lock is missing: run npm run image:update-packages" >&2; exit 1; }
if ! changes=$(diff <(grep -v '^#' "$lock") "$installed"); then
  echo "image: the Debian packages differ from $lock (< pinned, > now installed):" >&2
  echo "$changes" | grep '^[<>]' >&2
  echo "image: the mirror moved on; if the new versions are wanted, run npm run image:update-packages and commit $lock" >&2
  exit 1
fi
