#!/usr/bin/env bash
# Verifies the systemd units in deploy/systemd/ (and the user units in deploy/systemd/user/) with `systemd-analyze verify`, their ExecStart
# pointed at BINARY (verify checks that the program exists), the worker template through an
# instance. Any complaint fails it, warnings included ("Unknown key …, ignoring" exits 0 on its
# own). It first proves the check fires: a copy with one misspelt key must be refused.
#   scripts/check-systemd-units.sh BINARY
set -euo pipefail
binary=$(realpath "${1:?usage: check-systemd-units.sh BINARY}")
units="$(cd "$(dirname "$0")/.." && pwd)/deploy/systemd"
command -v systemd-analyze >/dev/null || { echo "check-systemd-units: systemd-analyze is missing (package systemd)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# verify DIR: the units of DIR, made runnable here; prints the complaints, fails on any.
verify() {
  local from=$1 to to_verify=() unit name complaints
  to=$(mktemp -d -p "$work")
  for unit in "$from"/*.service; do
    name=$(basename "$unit")
    sed "s|/usr/local/bin/reflexio|$binary|g" "$unit" > "$to/$name"
    if [[ "$name" == *@.service ]]; then
      ln -s "$name" "$to/${name/@.service/@01.service}"
      to_verify+=("$to/${name/@.service/@01.service}")
    else
      to_verify+=("$to/$name")
    fi
  done
  ((${#to_verify[@]} > 0)) || { echo "no units in $from"; return 1; }
  if ! complaints=$(systemd-analyze verify "${to_verify[@]}" 2>&1) || [[ -n "$complaints" ]]; then
    echo "${complaints:-systemd-analyze verify failed without a word}"
    return 1
  fi
  echo "${#to_verify[@]} unit(s) verified"
}

broken="$work/broken"
mkdir "$broken"
sed 's/^NoNewPrivileges=/NoNewPrivilege=/' "$units/reflexio.service" > "$broken/reflexio.service"
if verify "$broken" >/dev/null; then
  echo "check-systemd-units: a unit with a misspelt key passed, so this check proves nothing" >&2
  exit 1
fi
for dir in "$units" "$units/user"; do
  if ! report=$(verify "$dir"); then
    echo "check-systemd-units: systemd-analyze verify complains about $dir:" >&2
    echo "$report" >&2
    exit 1
  fi
  echo "check-systemd-units: $report ($(cd "$dir" && ls -- *.service | tr '\n' ' '))"
done
