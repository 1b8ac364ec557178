#!/bin/sh
# The official postgres image's entrypoint contract, for the test-only stand-in: on an empty PGDATA,
# initdb with POSTGRES_USER (postgres) / POSTGRES_PASSWORD (required), create POSTGRES_DB, run
# /docker-entrypoint-initdb.d/* (*.sh executed or sourced, *.sql through psql) against a server
# that listens only on its socket, then run `postgres` with the given flags in the foreground.
set -eu

[ $# -gt 0 ] || set -- postgres
if [ "${1:-}" != postgres ] && [ "${1#-}" = "${1:-}" ]; then
  exec "$@"
fi
[ "${1#-}" != "$1" ] || shift
if [ "$(id -u)" = 0 ]; then
  chown postgres:postgres "$PGDATA" /var/run/postgresql
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" postgres "$@"
fi

export POSTGRES_USER="${POSTGRES_USER:-postgres}"
export POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required (the stand-in, like the official image, has no default)}"
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
  initdb -D "$PGDATA" --username="$POSTGRES_USER" --pwfile="$pwfile" --encoding=UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "$pwfile"
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start >/dev/null
  if [ "$POSTGRES_DB" != postgres ]; then
    psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname postgres \
      -c "CREATE DATABASE \"$POSTGRES_DB\"" >/dev/null
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh) if [ -x "$f" ]; then echo "stand-in: running $f"; "$f"; else echo "stand-in: sourcing $f"; . "$f"; fi ;;
      *.sql) echo "stand-in: running $f"; psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -f "$f" ;;
      */\*) ;;
      *) echo "stand-in: ignoring $f" ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  echo "stand-in: PostgreSQL init process complete; ready for start up."
fi
exec postgres "$@"
