#!/usr/bin/env bash
# Installs what the native stack and the tests need on a Debian machine; idempotent and quick when done.
#   Debian: bcftools, plink2, tabix (peers in tests and benchmarks), PostgreSQL 15 (Dagster storage)
#   Go:     MinIO (object storage) and FerretDB v1 (MongoDB wire protocol), built from pinned sources
#   uv:     the Python package manager, then `uv sync --locked`
set -euo pipefail

MINIO_MODULE="github.com/minio/minio"
MINIO_VERSION="v0.0.0-20260212201848-7aac2a2c5b7c"   # last commit of the archived community repo
FERRETDB_MODULE="github.com/FerretDB/FerretDB"
FERRETDB_VERSION="v1.24.2"
UV_VERSION="0.13.9"
BIN_DIR="${GENOLAKE_BIN_DIR:-$HOME/.cache/genolake/bin}"
APT_PACKAGES=(bcftools plink2 tabix postgresql pgbouncer)

log() { printf '[install-native] %s\n' "$*" >&2; }
mkdir -p "$BIN_DIR"

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

# Build a Go command from a pinned module version in a throwaway module (go install pkg@version
# also asks the proxy for the module's version list, which it refuses for some modules).
go_build() {  # name module version package
  local name=$1 module=$2 version=$3 package=$4 stamp="$BIN_DIR/$1.version"
  if [ -x "$BIN_DIR/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; then return; fi
  command -v go >/dev/null || { log "go is required to build $name"; exit 1; }
  log "building $name $version (first time only; a few minutes)"
  local work; work=$(mktemp -d)
  (cd "$work" && go mod init "genolake-build-$name" >/dev/null 2>&1 \
     && go get "$package@$version" >/dev/null 2>&1 \
     && CGO_ENABLED=0 go build -trimpath -o "$BIN_DIR/$name.partial" "$package")
  mv "$BIN_DIR/$name.partial" "$BIN_DIR/$name"
  echo "$version" > "$stamp"
  rm -rf "$work"
}
go_build minio "$MINIO_MODULE" "$MINIO_VERSION" "$MINIO_MODULE"

# FerretDB embeds build/version/version.txt, which its module zip leaves empty: build from a
# writable copy of the pinned module source with that file filled in.
ferretdb_build() {
  local stamp="$BIN_DIR/ferretdb.version"
  if [ -x "$BIN_DIR/ferretdb" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$FERRETDB_VERSION" ]; then return; fi
  log "building ferretdb $FERRETDB_VERSION (first time only)"
  local work; work=$(mktemp -d)
  (cd "$work" && go mod init genolake-build-ferretdb >/dev/null 2>&1 \
     && go get "$FERRETDB_MODULE/cmd/ferretdb@$FERRETDB_VERSION" >/dev/null 2>&1)
  local src; src=$(cd "$work" && go list -m -f '{{.Dir}}' "$FERRETDB_MODULE")
  cp -r "$src" "$work/src" && chmod -R u+w "$work/src"
  echo "$FERRETDB_VERSION" > "$work/src/build/version/version.txt"
  (cd "$work/src" && CGO_ENABLED=0 go build -trimpath -o "$BIN_DIR/ferretdb.partial" ./cmd/ferretdb)
  mv "$BIN_DIR/ferretdb.partial" "$BIN_DIR/ferretdb"
  echo "$FERRETDB_VERSION" > "$stamp"
  rm -rf "$work"
}
ferretdb_build

# Compose CLI (renders docker-compose.yaml in tests), mc and hadolint: see the script.
bash "$(dirname "${BASH_SOURCE[0]}")/install-compose-tools.sh"

if ! command -v uv >/dev/null || [ "$(uv --version | awk '{print $2}')" != "$UV_VERSION" ]; then
  log "pip install uv==$UV_VERSION"
  python3 -m pip install -q "uv==$UV_VERSION"
  command -v pyenv >/dev/null && pyenv rehash
fi
uv sync --locked --quiet
log "ready: $(ls "$BIN_DIR" | tr '\n' ' ')"
