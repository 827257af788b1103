#!/usr/bin/env bash
# Prints the Debian packages a built binary needs at run time, one per line: the packages that
# own the shared libraries it loads (ldd), plus the data it reads (the PocketSphinx model, the
# digest's fonts) and what the container health check runs (curl). The image's runtime stage
# installs exactly these, so it never carries a compiler or a -dev package.
#   scripts/runtime-packages.sh build/src/app/reflexio
set -euo pipefail
binary="${1:?usage: scripts/runtime-packages.sh BINARY}"
[[ -x "$binary" ]] || { echo "runtime-packages: $binary is not an executable" >&2; exit 1; }

missing=$(ldd "$binary" | awk '/not found/ {print $1}')
[[ -z "$missing" ]] || { echo "runtime-packages: unresolved libraries: $missing" >&2; exit 1; }

libraries=$(ldd "$binary" | awk '$3 ~ /^\// {print $3}')
{
  for library in $libraries; do
    real=$(readlink -f "$library")
    # dpkg knows a library by the path it installed, which may be /lib or /usr/lib (merged /usr).
    dpkg-query -S "$library" 2>/dev/null || dpkg-query -S "$real" 2>/dev/null ||
      dpkg-query -S "/usr$library" 2>/dev/null || dpkg-query -S "${real#/usr}" 2>/dev/null ||
      { echo "runtime-packages: no package owns $library" >&2; exit 1; }
  done | sed 's/:.*//; s/,.*//' | tr -d ' '
  printf '%s\n' pocketsphinx-en-us fonts-dejavu-core curl ca-certificates
} | sed 's/:amd64$//; s/:arm64$//' | sort -u | grep -v '^libc6$' || true
