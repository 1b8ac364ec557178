#!/bin/sh
# The official mongo image's entrypoint contract, for the test-only stand-in (FerretDB v1 on the
# postgres service, FERRETDB_POSTGRESQL_URL): on first start (no marker in /data/db), create the
# backend database, start FerretDB on 127.0.0.1 with the root user MONGO_INITDB_ROOT_USERNAME in
# `admin`, run /docker-entrypoint-initdb.d/*.js with mongosh as root against MONGO_INITDB_DATABASE
# (after ferretdb-v1-roles.js: FerretDB v1 has no roles; *.sh sourced), stop it; then serve on all
# interfaces, authentication required (SCRAM).
set -eu

[ $# -gt 0 ] || set -- mongod
if [ "$1" != mongod ]; then
  exec "$@"
fi
shift
[ $# -eq 0 ] || { echo "stand-in: mongod flags are not supported: $*" >&2; exit 1; }
: "${FERRETDB_POSTGRESQL_URL:?FERRETDB_POSTGRESQL_URL is required (postgres://USER:PASSWORD@HOST:5432/ferretdb)}"
: "${MONGO_INITDB_ROOT_USERNAME:?MONGO_INITDB_ROOT_USERNAME is required (the stand-in always requires authentication)}"
: "${MONGO_INITDB_ROOT_PASSWORD:?MONGO_INITDB_ROOT_PASSWORD is required}"
export FERRETDB_HANDLER=postgresql FERRETDB_TEST_ENABLE_NEW_AUTH=true FERRETDB_STATE_DIR=/data/db \
  FERRETDB_TELEMETRY=disable FERRETDB_LOG_LEVEL="${FERRETDB_LOG_LEVEL:-warn}" \
  FERRETDB_SETUP_DATABASE=admin FERRETDB_SETUP_USERNAME="$MONGO_INITDB_ROOT_USERNAME" \
  FERRETDB_SETUP_PASSWORD="$MONGO_INITDB_ROOT_PASSWORD"
marker=/data/db/.stand-in-initialized

if [ ! -f "$marker" ]; then
  backend_db=${FERRETDB_POSTGRESQL_URL##*/}
  backend_db=${backend_db%%\?*}
  admin_url="${FERRETDB_POSTGRESQL_URL%/*}/postgres"
  tries=0
  until psql "$admin_url" -tAqc 'SELECT 1' >/dev/null 2>&1; do
    tries=$((tries + 1)); [ "$tries" -lt 60 ] || { echo "stand-in: PostgreSQL does not answer" >&2; exit 1; }
    sleep 1
  done
  if [ -z "$(psql "$admin_url" -tAqc "SELECT 1 FROM pg_database WHERE datname = '$backend_db'")" ]; then
    psql "$admin_url" -qc "CREATE DATABASE \"$backend_db\"" >/dev/null
  fi
  ferretdb --listen-addr=127.0.0.1:27017 &
  pid=$!
  tries=0
  until mongosh --quiet --norc --eval "quit(db.adminCommand('ping').ok ? 0 : 1)" >/dev/null 2>&1; do
    tries=$((tries + 1)); [ "$tries" -lt 60 ] || { echo "stand-in: FerretDB did not start" >&2; exit 1; }
    sleep 1
  done
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.js) echo "stand-in: running $f"
            cat /usr/local/share/stand-in/ferretdb-v1-roles.js "$f" > /tmp/init.js
            mongosh --quiet --norc --username "$MONGO_INITDB_ROOT_USERNAME" --password "$MONGO_INITDB_ROOT_PASSWORD" \
              --authenticationDatabase admin "127.0.0.1:27017/${MONGO_INITDB_DATABASE:-test}" /tmp/init.js
            rm -f /tmp/init.js ;;
      *.sh) echo "stand-in: sourcing $f"; . "$f" ;;
      */\*) ;;
      *) echo "stand-in: ignoring $f" ;;
    esac
  done
  kill "$pid"
  wait "$pid" || true
  touch "$marker"
  echo "stand-in: MongoDB (FerretDB) init process complete; ready for start up."
fi
exec ferretdb --listen-addr=:27017
