#!/usr/bin/env bash
# The Docker Engine for the compose test: use the one that answers, else start Debian's dockerd.
#   engine.sh start   a daemon answers `docker info`: use it as it is (never stopped by us);
#                     none does: start /usr/sbin/dockerd (root) in the background with its defaults
#                     (data in /var/lib/docker, kept between runs: images and BuildKit caches stay),
#                     log in $STATE/dockerd.log, and note its pid in $STATE/dockerd.started
#   engine.sh stop    stop the daemon only if `start` started it (by the noted pid)
# STATE: $GENOLAKE_COMPOSE_TEST_DIR (default data/compose-test in the repository).
set -euo pipefail

STATE="${GENOLAKE_COMPOSE_TEST_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/data/compose-test}"
STARTED="$STATE/dockerd.started"
log() { printf '[engine] %s\n' "$*" >&2; }
answers() { docker info --format '{{.ServerVersion}}' >/dev/null 2>&1; }

start() {
  mkdir -p "$STATE"
  if answers; then
    log "using the running Docker Engine $(docker info --format '{{.ServerVersion}} ({{.Driver}}, {{.DockerRootDir}})')"
    return 0
  fi
  command -v dockerd >/dev/null || { log "no Docker Engine answers and dockerd is not installed: run scripts/install-docker.sh"; exit 1; }
  [ "$(id -u)" -eq 0 ] || { log "no Docker Engine answers; starting dockerd needs root (or start your engine)"; exit 1; }
  log "no Docker Engine answers: starting $(command -v dockerd) (log: $STATE/dockerd.log)"
  setsid dockerd >>"$STATE/dockerd.log" 2>&1 < /dev/null &
  local pid=$!
  echo "$pid" > "$STARTED"
  for _ in $(seq 1 60); do
    if answers; then
      log "started Docker Engine $(docker info --format '{{.ServerVersion}}') (pid $pid)"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || { tail -20 "$STATE/dockerd.log" >&2; rm -f "$STARTED"; log "dockerd exited"; exit 1; }
    sleep 1
  done
  tail -20 "$STATE/dockerd.log" >&2
  log "dockerd did not answer within 60 s"
  exit 1
}

stop() {
  [ -f "$STARTED" ] || { log "the engine was not started by this test: left running"; return 0; }
  local pid; pid=$(cat "$STARTED")
  if kill -0 "$pid" 2>/dev/null && grep -q dockerd "/proc/$pid/cmdline" 2>/dev/null; then
    log "stopping the dockerd this test started (pid $pid)"
    kill -TERM "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  fi
  rm -f "$STARTED"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
