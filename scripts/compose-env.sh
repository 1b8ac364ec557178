#!/usr/bin/env bash
# Writes the compose settings file (.env) from .env.example, the way docs/deploy/README-quickstart.md
# describes, and refuses to overwrite one (its secrets are already in the databases):
#   - every empty secret gets a fresh random value (openssl rand -hex 24: 48 hex characters)
#   - DOCKER_GID: the group owning the Docker socket (DOCKER_SOCKET or /var/run/docker.sock)
#   - each NAME=VALUE argument replaces that setting (also a commented-out `# NAME=...` line) or is
#     appended: addresses, ports, BUILD_EXTRA_CA_CERTS, base images
# Usage: scripts/compose-env.sh [-o FILE] [NAME=VALUE ...]      (FILE: .env in the repository)
# Example: scripts/compose-env.sh GENOLAKE_DAGSTER_UI_URL=http://labserver:3000 \
#            GENOLAKE_S3_PUBLIC_ENDPOINT_URL=http://labserver:9000
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT="$REPO/.env"
if [ "${1:-}" = "-o" ]; then OUT=$2; shift 2; fi
SECRETS=(MINIO_ROOT_PASSWORD GENOLAKE_S3_SECRET_KEY POSTGRES_PASSWORD GENOLAKE_PG_PASSWORD MONGO_ROOT_PASSWORD MONGO_APP_PASSWORD)

die() { printf '[compose-env] error: %s\n' "$*" >&2; exit 1; }
[ ! -e "$OUT" ] || die "$OUT exists: edit it instead (its secrets are set in the databases on their first start)"
for arg in "$@"; do
  [[ "$arg" =~ ^[A-Z][A-Z0-9_]*= ]] || die "not NAME=VALUE: $arg"
done

random_secret() {
  if command -v openssl >/dev/null; then openssl rand -hex 24
  else od -An -N24 -tx1 /dev/urandom | tr -d ' \n'; fi
}

set_value() {  # file name value: replace `NAME=...` or `# NAME=...`, else append
  local file=$1 name=$2 value=$3 tmp
  tmp=$(mktemp "$(dirname "$file")/.env.XXXXXX")
  NAME="$name" VALUE="$value" awk '
    BEGIN { name = ENVIRON["NAME"]; value = ENVIRON["VALUE"]; done = 0 }
    !done && ($0 ~ "^" name "=" || $0 ~ "^# *" name "=") { print name "=" value; done = 1; next }
    { print }
    END { if (!done) print name "=" value }' "$file" > "$tmp"
  cat "$tmp" > "$file" && rm -f "$tmp"
}

mkdir -p "$(dirname "$OUT")"
umask 077
cp "$REPO/.env.example" "$OUT"
chmod 600 "$OUT"
for name in "${SECRETS[@]}"; do
  grep -q "^$name=\$" "$OUT" && set_value "$OUT" "$name" "$(random_secret)"
done
socket="${DOCKER_SOCKET:-/var/run/docker.sock}"
for arg in "$@"; do [[ "$arg" == DOCKER_SOCKET=* ]] && socket=${arg#DOCKER_SOCKET=}; done
[ -S "$socket" ] || die "no Docker socket at $socket (is the engine running? rootless: pass DOCKER_SOCKET=...)"
set_value "$OUT" DOCKER_GID "$(stat -c %g "$socket")"
for arg in "$@"; do
  set_value "$OUT" "${arg%%=*}" "${arg#*=}"
done
printf '[compose-env] wrote %s (mode 600): fresh secrets, DOCKER_GID=%s%s\n' "$OUT" "$(stat -c %g "$socket")" \
  "${*:+, and $*}" | sed -E 's/(PASSWORD|SECRET[A-Z_]*)=[^ ,]*/\1=***/g' >&2
