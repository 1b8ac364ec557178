#!/usr/bin/env bash
# Installs what `make test-compose` needs to build and run the production (docker compose) stack on a
# Debian machine; idempotent and quick when done (each built binary carries a version stamp).
#   Debian:  docker.io (Docker Engine 20.10: dockerd, containerd, runc), debootstrap (the local base
#            image of tests/compose/local-images.sh, for engines that cannot pull)
#   buildx:  the BuildKit CLI plugin, built from its Go module with its version stamped at link time
#            (compose refuses an unversioned buildx; without buildx compose falls back to the classic
#            builder, which refuses `RUN --mount`); linked into ~/.docker/cli-plugins
#   compose: the Compose CLI (scripts/install-compose-tools.sh), linked as a CLI plugin too
# A Docker Engine that is already installed (docker-ce, Docker Desktop) is used as it is: nothing
# from Debian is installed then. This script starts no daemon: tests/compose/engine.sh does, when
# none answers. First run: about 4 minutes (buildx is a Go build; cached in ~/.cache/genolake/bin).
set -euo pipefail

BUILDX_MODULE="github.com/docker/buildx"
BUILDX_VERSION="v0.38.2"
BIN_DIR="${GENOLAKE_BIN_DIR:-$HOME/.cache/genolake/bin}"
PLUGIN_DIR="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"
APT_PACKAGES=(debootstrap)

log() { printf '[install-docker] %s\n' "$*" >&2; }
mkdir -p "$BIN_DIR" "$PLUGIN_DIR"

command -v dockerd >/dev/null || APT_PACKAGES+=(docker.io)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  log "apt-get install ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The compose CLI (and mc, hadolint) first: install-compose-tools.sh links compose as a plugin.
bash "$(dirname "${BASH_SOURCE[0]}")/install-compose-tools.sh"
if ! docker compose version >/dev/null 2>&1; then
  ln -sf "$BIN_DIR/docker-compose" "$PLUGIN_DIR/docker-compose"
fi

# buildx: a pinned module version built in a throwaway module (as install-compose-tools.sh builds
# compose); the version must be stamped or compose refuses it.
if ! { [ -x "$BIN_DIR/docker-buildx" ] && [ "$(cat "$BIN_DIR/docker-buildx.version" 2>/dev/null)" = "$BUILDX_VERSION" ]; }; then
  command -v go >/dev/null || { log "go is required to build buildx"; exit 1; }
  log "building buildx $BUILDX_VERSION (first time only; a few minutes)"
  work=$(mktemp -d)
  (cd "$work" && go mod init genolake-build-buildx >/dev/null 2>&1 \
     && go get "$BUILDX_MODULE/cmd/buildx@$BUILDX_VERSION" >"$work/get.log" 2>&1 \
     || { cat "$work/get.log" >&2; exit 1; })
  (cd "$work" && CGO_ENABLED=0 go build -trimpath \
     -ldflags "-s -w -X $BUILDX_MODULE/version.Version=$BUILDX_VERSION -X $BUILDX_MODULE/version.Package=$BUILDX_MODULE" \
     -o "$BIN_DIR/docker-buildx.partial" "$BUILDX_MODULE/cmd/buildx")
  mv "$BIN_DIR/docker-buildx.partial" "$BIN_DIR/docker-buildx"
  echo "$BUILDX_VERSION" > "$BIN_DIR/docker-buildx.version"
  rm -rf "$work"
fi
# Our pinned build, unless the engine's own packages put a buildx plugin in place.
if ! docker buildx version >/dev/null 2>&1 || [ -L "$PLUGIN_DIR/docker-buildx" ]; then
  ln -sf "$BIN_DIR/docker-buildx" "$PLUGIN_DIR/docker-buildx"
fi
log "ready: $(docker --version), $(docker buildx version), $(docker compose version)"
