#!/bin/sh
# GenoLake's MinIO setup: buckets, the pipelines' account, one upload policy per lab user.
# Idempotent: compose's one-shot `minio-init` service runs it (no argument) on every `up`.
#
#   init.sh                  buckets + pipelines' account + re-apply every lab user's policy
#   init.sh add-user USER    create a lab user with a generated secret (printed once) and its policy
#   init.sh remove-user USER delete a lab user and its policy
#   init.sh list-users       the lab users (users that carry their genolake-user-USER policy)
#   init.sh render USER      print USER's policy (no server needed)
#
# Operators run the subcommands with `docker compose run --rm minio-init add-user alice`.
# A lab user's access key is the GenoLake user id: it may write (and read, list, delete) only
# s3://LANDING/uploads/USER/* and s3://LANDING/manifests/USER/*, and read s3://LAKE/users/USER/*
# (policies/user.json.tmpl). The pipelines' account (GENOLAKE_S3_ACCESS_KEY) has every S3 action
# on the three buckets and no admin right (policies/pipelines.json.tmpl). Only this script holds
# the root credentials.
#
# Environment: MINIO_URL (default http://minio:9000), MINIO_ROOT_USER, MINIO_ROOT_PASSWORD,
# GENOLAKE_S3_ACCESS_KEY, GENOLAKE_S3_SECRET_KEY, GENOLAKE_LANDING_BUCKET (landing-zone),
# GENOLAKE_LAKE_BUCKET (data-lake), DAGSTER_COMPUTE_LOGS_BUCKET (dagster-compute-logs),
# POLICY_DIR (directory of the templates; default: policies/ beside this script),
# MC (the mc binary; default: mc on PATH).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
POLICY_DIR=${POLICY_DIR:-$here/policies}
MINIO_URL=${MINIO_URL:-http://minio:9000}
LANDING=${GENOLAKE_LANDING_BUCKET:-landing-zone}
LAKE=${GENOLAKE_LAKE_BUCKET:-data-lake}
LOGS=${DAGSTER_COMPUTE_LOGS_BUCKET:-dagster-compute-logs}
MC=${MC:-mc}
ALIAS=genolake
PIPELINES_POLICY=genolake-pipelines
USER_POLICY_PREFIX=genolake-user-
export MC_CONFIG_DIR="${MC_CONFIG_DIR:-${TMPDIR:-/tmp}/genolake-mc}"

log() { printf '[minio-init] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# GenoLake user ids (genolake_core.ids.USER_PATTERN) that MinIO also accepts as access keys (>= 3 chars).
check_user() {
  printf '%s' "$1" | grep -Eq '^[a-z0-9][a-z0-9_-]{2,62}$' \
    || die "invalid user '$1': use 3-63 of a-z 0-9 _ - (starting with a letter or digit)"
  [ "$1" != "${GENOLAKE_S3_ACCESS_KEY:-}" ] || die "'$1' is the pipelines' account"
  [ "$1" != "${MINIO_ROOT_USER:-}" ] || die "'$1' is the root account"
}

check_bucket() {
  printf '%s' "$1" | grep -Eq '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$' || die "invalid bucket name '$1'"
}

render() {  # template [user]
  sed -e "s/__LANDING_BUCKET__/$LANDING/g" -e "s/__LAKE_BUCKET__/$LAKE/g" \
      -e "s/__LOGS_BUCKET__/$LOGS/g" -e "s/__USER__/${2:-}/g" "$POLICY_DIR/$1"
}

connect() {
  : "${MINIO_ROOT_USER:?MINIO_ROOT_USER is required}"
  : "${MINIO_ROOT_PASSWORD:?MINIO_ROOT_PASSWORD is required}"
  command -v "$MC" >/dev/null 2>&1 || die "the MinIO client '$MC' is not on PATH ($PATH)"
  mkdir -p "$MC_CONFIG_DIR"
  tries=0
  until "$MC" alias set "$ALIAS" "$MINIO_URL" "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" --api S3v4 >/dev/null 2>&1 \
        && "$MC" admin info "$ALIAS" >/dev/null 2>&1; do
    tries=$((tries + 1))
    [ "$tries" -lt 60 ] || die "MinIO at $MINIO_URL did not answer (or rejected the root credentials) for 120 s"
    sleep 2
  done
}

apply_policy() {  # name template [user]
  file="$MC_CONFIG_DIR/$1.json"
  render "$2" "${3:-}" > "$file"
  "$MC" admin policy create "$ALIAS" "$1" "$file" >/dev/null
  rm -f "$file"
}

lab_users() {  # users whose attached policies include genolake-user-<their access key>
  "$MC" admin user list "$ALIAS" --json | while IFS= read -r line; do
    user=$(printf '%s' "$line" | sed -n 's/.*"accessKey":"\([^"]*\)".*/\1/p')
    policies=$(printf '%s' "$line" | sed -n 's/.*"policyName":"\([^"]*\)".*/\1/p')
    [ -n "$user" ] || continue
    case ",$policies," in *",$USER_POLICY_PREFIX$user,"*) printf '%s\n' "$user" ;; esac
  done
}

user_exists() {
  "$MC" admin user info "$ALIAS" "$1" >/dev/null 2>&1
}

cmd_init() {
  : "${GENOLAKE_S3_ACCESS_KEY:?GENOLAKE_S3_ACCESS_KEY (the pipelines account) is required}"
  : "${GENOLAKE_S3_SECRET_KEY:?GENOLAKE_S3_SECRET_KEY is required}"
  [ "$GENOLAKE_S3_ACCESS_KEY" != "$MINIO_ROOT_USER" ] \
    || die "GENOLAKE_S3_ACCESS_KEY must differ from MINIO_ROOT_USER: the pipelines do not run as root"
  [ "${#GENOLAKE_S3_SECRET_KEY}" -ge 8 ] || die "GENOLAKE_S3_SECRET_KEY must have at least 8 characters"
  for bucket in "$LANDING" "$LAKE" "$LOGS"; do check_bucket "$bucket"; done
  connect
  "$MC" mb --ignore-existing "$ALIAS/$LANDING" "$ALIAS/$LAKE" "$ALIAS/$LOGS" >/dev/null
  log "buckets: $LANDING $LAKE $LOGS"
  apply_policy "$PIPELINES_POLICY" pipelines.json.tmpl
  "$MC" admin user add "$ALIAS" "$GENOLAKE_S3_ACCESS_KEY" "$GENOLAKE_S3_SECRET_KEY" >/dev/null
  "$MC" admin policy attach "$ALIAS" "$PIPELINES_POLICY" --user "$GENOLAKE_S3_ACCESS_KEY" >/dev/null 2>&1 || true
  log "pipelines account: $GENOLAKE_S3_ACCESS_KEY (policy $PIPELINES_POLICY)"
  count=0
  for user in $(lab_users); do
    apply_policy "$USER_POLICY_PREFIX$user" user.json.tmpl "$user"
    count=$((count + 1))
  done
  log "lab users' policies re-applied: $count"
}

cmd_add_user() {
  user=${1:?usage: init.sh add-user USER}
  check_user "$user"
  connect
  ! user_exists "$user" || die "user '$user' exists (remove-user first to reset it)"
  secret=$(tr -dc 'A-Za-z0-9' < /dev/urandom | head -c 40)
  "$MC" admin user add "$ALIAS" "$user" "$secret" >/dev/null
  apply_policy "$USER_POLICY_PREFIX$user" user.json.tmpl "$user"
  "$MC" admin policy attach "$ALIAS" "$USER_POLICY_PREFIX$user" --user "$user" >/dev/null
  log "created '$user': may write s3://$LANDING/uploads/$user/ and s3://$LANDING/manifests/$user/"
  log "give these to the user now; the secret is not shown again:"
  printf 'AWS_ACCESS_KEY_ID=%s\nAWS_SECRET_ACCESS_KEY=%s\n' "$user" "$secret"
}

cmd_remove_user() {
  user=${1:?usage: init.sh remove-user USER}
  check_user "$user"
  connect
  if user_exists "$user"; then
    "$MC" admin user remove "$ALIAS" "$user" >/dev/null
  fi
  "$MC" admin policy remove "$ALIAS" "$USER_POLICY_PREFIX$user" >/dev/null 2>&1 || true
  log "removed '$user' (their objects stay in the buckets)"
}

case "${1:-init}" in
  init) cmd_init ;;
  add-user) shift; cmd_add_user "$@" ;;
  remove-user) shift; cmd_remove_user "$@" ;;
  list-users) connect; lab_users ;;
  render) shift; check_user "${1:?usage: init.sh render USER}"; render user.json.tmpl "$1" ;;
  -h|--help|help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//' ;;
  *) die "unknown command '$1' (try: init.sh help)" ;;
esac
