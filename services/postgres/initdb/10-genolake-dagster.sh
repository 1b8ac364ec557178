#!/bin/sh
# Runs once, when the postgres service starts on an empty volume (docker-entrypoint-initdb.d):
# creates Dagster's role and database from the same GENOLAKE_PG_* settings every service reads.
# The role owns only its database (not a superuser); other roles may not connect to it.
# Changing GENOLAKE_PG_PASSWORD later does not re-run this: see docs/deploy/README-quickstart.md.
set -eu
: "${GENOLAKE_PG_USER:?GENOLAKE_PG_USER is required}"
: "${GENOLAKE_PG_PASSWORD:?GENOLAKE_PG_PASSWORD is required}"
: "${GENOLAKE_PG_DB:?GENOLAKE_PG_DB is required}"

psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname postgres \
  -v role="$GENOLAKE_PG_USER" -v password="$GENOLAKE_PG_PASSWORD" -v db="$GENOLAKE_PG_DB" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'role', :'password')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('CREATE DATABASE %I OWNER %I ENCODING %L', :'db', :'role', 'UTF8')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'db') \gexec
SQL
echo "genolake: role $GENOLAKE_PG_USER owns database $GENOLAKE_PG_DB"
