#!/usr/bin/env bash
# Base images for an engine that cannot pull (no registry reachable), made on this machine:
#   genolake-local/python:3.11-bookworm  Debian bookworm (debootstrap minbase) + python3,
#                                        ca-certificates, passwd, netbase (python:3.11.14-slim-bookworm)
#   genolake-local/uv:<v>                / uv and /uvx from the uv wheel on PyPI (ghcr.io/astral-sh/uv:<v>)
#   genolake-local/go:<v>-bookworm       the python base + this machine's Go toolchain (golang:<v>-bookworm)
#   genolake-local/busybox:<v>           Debian's busybox-static and its applets (busybox:1.37.0)
# Never an official name: on an engine that can pull, a local python:... would shadow the real one.
# Each image is made once (its tag names its version); REBUILD=1 makes them again.
# Prints the .env lines that point the Dockerfiles at them (build arguments, see .env.example).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SUITE=bookworm
# The uv version the Dockerfiles pin (ARG UV_IMAGE=ghcr.io/astral-sh/uv:<version>).
UV_VERSION=$(sed -n 's/^ARG UV_IMAGE=.*:\([0-9.]*\)$/\1/p' "$REPO/services/api/Dockerfile")
GO_VERSION=$(go env GOVERSION | sed 's/^go//')
PYTHON_TAG=genolake-local/python:3.11-$SUITE
UV_TAG=genolake-local/uv:$UV_VERSION
GO_TAG=genolake-local/go:$GO_VERSION-$SUITE
BUSYBOX_TAG=genolake-local/busybox:1.35.0
STD_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

log() { printf '[local-images] %s\n' "$*" >&2; }
have() { [ "${REBUILD:-0}" != 1 ] && docker image inspect "$1" >/dev/null 2>&1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! have "$PYTHON_TAG"; then
  log "$PYTHON_TAG: debootstrap $SUITE from $MIRROR (about 3 minutes)"
  debootstrap --variant=minbase --include=python3,ca-certificates,passwd,netbase \
    "$SUITE" "$work/rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 || { tail -30 "$work/debootstrap.log" >&2; exit 1; }
  rm -rf "$work/rootfs"/var/cache/apt/archives/*.deb "$work/rootfs"/var/lib/apt/lists/* "$work/rootfs"/var/log/*
  tar -C "$work/rootfs" --numeric-owner -c . | docker import \
    --change "ENV PATH=$STD_PATH" --change 'ENV LANG=C.UTF-8' --change 'CMD ["python3"]' \
    --message "debootstrap --variant=minbase $SUITE $MIRROR" - "$PYTHON_TAG" >/dev/null
  rm -rf "$work/rootfs"
fi

if ! have "$UV_TAG"; then
  log "$UV_TAG: uv and uvx from the uv==$UV_VERSION wheel"
  # uv installs its own wheel (no pip needed: under `uv run` python3 is a venv without pip).
  uv pip install --quiet --no-deps --only-binary :all: --target "$work/uvwheel" "uv==$UV_VERSION"
  mkdir -p "$work/uvroot"
  install -m 0755 "$work/uvwheel/bin/uv" "$work/uvwheel/bin/uvx" "$work/uvroot/"
  tar -C "$work/uvroot" --numeric-owner --owner=0 --group=0 -c uv uvx \
    | docker import --change 'ENTRYPOINT ["/uv"]' --message "uv $UV_VERSION from PyPI" - "$UV_TAG" >/dev/null
fi

if ! have "$GO_TAG"; then
  log "$GO_TAG: $PYTHON_TAG + the Go $GO_VERSION toolchain of this machine ($(go env GOROOT))"
  printf '%s\n' "FROM $PYTHON_TAG" "COPY . /usr/local/go" \
    "ENV GOPATH=/go PATH=/go/bin:/usr/local/go/bin:$STD_PATH GOTOOLCHAIN=local" "WORKDIR /go" > "$work/Dockerfile.go"
  docker build -q -t "$GO_TAG" -f "$work/Dockerfile.go" "$(go env GOROOT)" >/dev/null
fi

if ! have "$BUSYBOX_TAG"; then
  log "$BUSYBOX_TAG: Debian's busybox-static"
  (cd "$work" && apt-get download busybox-static >/dev/null 2>&1) || { log "apt-get download busybox-static failed"; exit 1; }
  dpkg-deb -x "$work"/busybox-static_*.deb "$work/bbdeb"
  root="$work/bbroot"
  mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/root" "$root/home"
  cp "$work/bbdeb/bin/busybox" "$root/bin/busybox"
  for applet in $("$root/bin/busybox" --list); do
    [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n' > "$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
  chmod 1777 "$root/tmp"
  tar -C "$root" --numeric-owner --owner=0 --group=0 -c . \
    | docker import --change "ENV PATH=$STD_PATH" --change 'CMD ["sh"]' --message "Debian busybox-static" - "$BUSYBOX_TAG" >/dev/null
fi

for tag in "$PYTHON_TAG" "$UV_TAG" "$GO_TAG" "$BUSYBOX_TAG"; do
  log "$tag $(docker image inspect -f '{{.Id}} {{.Size}}' "$tag" | awk '{printf "%s %.0f MB", substr($1, 8, 12), $2 / 1e6}')"
done
echo "PYTHON_IMAGE=$PYTHON_TAG"
echo "UV_IMAGE=$UV_TAG"
echo "GO_IMAGE=$GO_TAG"
echo "INIT_BASE_IMAGE=$BUSYBOX_TAG"
