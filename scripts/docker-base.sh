#!/usr/bin/env bash
# Makes the Debian 12 base image the Reflexio image builds on, without an image registry:
# debootstrap (minbase) from the Debian mirror apt already uses, imported as IMAGE.
#   scripts/docker-base.sh [IMAGE]     default reflexio-base:debian12; kept if it exists
#   scripts/docker-base.sh --rebuild [IMAGE]
# Users with a registry can skip this: build with --build-arg BASE_IMAGE=debian:12-slim.
# Needs root (debootstrap), debootstrap, and a running Docker engine (DOCKER_HOST is honoured).
set -euo pipefail

rebuild=0
if [[ "${1:-}" == "--rebuild" ]]; then rebuild=1; shift; fi
if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0; fi
image="${1:-reflexio-base:debian12}"

if ((rebuild == 0)) && docker image inspect "$image" >/dev/null 2>&1; then
  echo "docker-base: $image already exists (--rebuild to make it again)"
  exit 0
fi
command -v debootstrap >/dev/null || { echo "docker-base: debootstrap is missing (apt-get install debootstrap)" >&2; exit 1; }
[[ $EUID -eq 0 ]] || { echo "docker-base: debootstrap needs root" >&2; exit 1; }

# The first deb URI apt is configured with (deb822 or one-line sources), else Debian's own.
sources=(/etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources)
mirror=$(cat "${sources[@]}" 2>/dev/null | grep -oE '^(URIs:|deb) +https?://[^ ]+/debian/?$' |
         head -1 | awk '{print $2}' || true)
mirror="${mirror:-http://deb.debian.org/debian}"

root=$(mktemp -d /var/tmp/reflexio-base.XXXXXX)
trap 'rm -rf "$root"' EXIT
echo "docker-base: debootstrap bookworm from $mirror into $root"
start=$SECONDS
debootstrap --variant=minbase --include=ca-certificates bookworm "$root" "$mirror" >"$root.log" 2>&1 ||
  { tail -20 "$root.log" >&2; rm -f "$root.log"; echo "docker-base: debootstrap failed" >&2; exit 1; }
rm -f "$root.log"
# What debian:12-slim trims: package caches and lists, docs are kept (licences).
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
echo "deb $mirror bookworm main" >"$root/etc/apt/sources.list"
echo "deb $mirror bookworm-updates main" >>"$root/etc/apt/sources.list"
tar -C "$root" -c . | docker import --change 'CMD ["/bin/bash"]' - "$image" >/dev/null
echo "docker-base: imported $image in $((SECONDS - start)) s ($(docker image inspect -f '{{.Size}}' "$image" | numfmt --to=iec))"
