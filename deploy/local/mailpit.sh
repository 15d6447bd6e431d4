#!/usr/bin/env bash
# Mailpit, an SMTP catcher with an HTTP API, on loopback for tests and local
# runs: what HueDB's mail (verification, password reset, invites) is sent to,
# and what tests read it back from. Built once with the Go module proxy
# (`go install`) and cached, like MinIO (minio.sh). Measured on the 2-core
# reference machine under load: 2.4 min after MinIO's build (Go's build cache
# already holds the standard library), ~9 min from an empty Go build cache,
# 8 s to rebuild the binary alone; most of it compiles modernc.org/sqlite.
#
#   mailpit.sh start DIR | stop DIR | status DIR | install
#
# DIR holds its database (DIR/mailpit.db), the pidfile and DIR/mailpit.log.
# Ports: HUEDB_MAILPIT_SMTP_PORT (19025, SMTP) and HUEDB_MAILPIT_HTTP_PORT
# (19026, HTTP API and web UI), both on 127.0.0.1.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HUEDB_COMPONENT=mailpit
# shellcheck source=lib.sh
. "$here/lib.sh"

# The one place the Mailpit version is pinned.
MAILPIT_MODULE=github.com/axllent/mailpit
MAILPIT_VERSION=v1.33.1

SMTP_PORT=${HUEDB_MAILPIT_SMTP_PORT:-19025}
HTTP_PORT=${HUEDB_MAILPIT_HTTP_PORT:-19026}

mailpit_bin() { printf '%s/mailpit-%s/mailpit\n' "$(huedb_cache_dir)" "$MAILPIT_VERSION"; }

# Build the pinned Mailpit into $CACHE/mailpit-<version>/ once (lib.sh's go_install_cached).
mailpit_install() { go_install_cached mailpit "$MAILPIT_MODULE" "$MAILPIT_VERSION" "$(mailpit_bin)"; }

# The readiness check: the HTTP API answers (its messages endpoint, which
# needs the database open) and the SMTP port accepts connections.
mailpit_probe() {
  curl -sSf --max-time 5 -o /dev/null "http://127.0.0.1:$1/api/v1/messages?limit=1" || return 1
  (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null || { echo "SMTP port $2 not accepting"; return 1; }
}

print_env() { cat "$DIR/connection.env"; }
recorded_http_port() { sed -n 's|^HUEDB_MAILPIT_URL=http://127\.0\.0\.1:||p' "$DIR/connection.env" 2>/dev/null; }
recorded_smtp_port() { sed -n 's|^HUEDB_SMTP_URL=smtp://127\.0\.0\.1:||p' "$DIR/connection.env" 2>/dev/null; }

running_pid() { live_pid "$DIR/mailpit.pid" "$DIR/mailpit.db"; }

cmd_start() {
  lock_dir "$DIR"
  local pid
  if pid=$(running_pid); then
    wait_until --pid "$pid" "$HUEDB_START_TIMEOUT" "Mailpit (pid $pid) to answer" \
      mailpit_probe "$(recorded_http_port)" "$(recorded_smtp_port)" ||
      die "Mailpit (pid $pid) runs from $DIR but does not answer" "$DIR/mailpit.log"
    log "already running (pid $pid), SMTP on 127.0.0.1:$(recorded_smtp_port)"
    print_env
    return 0
  fi
  require_free_port "$SMTP_PORT" HUEDB_MAILPIT_SMTP_PORT "Mailpit's SMTP"
  require_free_port "$HTTP_PORT" HUEDB_MAILPIT_HTTP_PORT "Mailpit's HTTP API"
  require_cmd curl "install curl (apt-get install -y curl)"
  mailpit_install
  local bin start
  bin=$(mailpit_bin)
  start=$(now_us)
  cat >"$DIR/connection.env" <<EOT
HUEDB_SMTP_URL=smtp://127.0.0.1:$SMTP_PORT
HUEDB_MAILPIT_URL=http://127.0.0.1:$HTTP_PORT
EOT
  mark_log "$DIR/mailpit.log"
  log "starting Mailpit from $DIR (log: $DIR/mailpit.log)"
  # --smtp-auth-accept-any + --smtp-auth-allow-insecure: a client configured
  # with credentials (as production SMTP wants) is accepted on plain loopback.
  # --disable-version-check: no update checks (the internet is not reachable).
  # --max 5000: tests of one run may send many; the oldest are pruned beyond.
  spawn_daemon "$DIR/mailpit.log" "$DIR/mailpit.pid" \
    "$bin" --database "$DIR/mailpit.db" --smtp "127.0.0.1:$SMTP_PORT" \
    --listen "127.0.0.1:$HTTP_PORT" --smtp-auth-accept-any --smtp-auth-allow-insecure \
    --disable-version-check --max 5000 ||
    die "could not start Mailpit" "$DIR/mailpit.log"
  pid=$(read_pidfile "$DIR/mailpit.pid")
  if ! wait_until --pid "$pid" "$HUEDB_START_TIMEOUT" "Mailpit to answer" \
    mailpit_probe "$HTTP_PORT" "$SMTP_PORT"; then
    if pid_alive "$pid"; then stop_pid "$pid" TERM "the Mailpit that failed to start" || true; fi
    die "Mailpit did not become ready" "$DIR/mailpit.log"
  fi
  log "ready in $(elapsed_since "$start")s (pid $pid), SMTP on 127.0.0.1:$SMTP_PORT, API http://127.0.0.1:$HTTP_PORT"
  print_env
}

cmd_stop() { stop_component mailpit Mailpit; }

cmd_status() {
  local pid
  if ! pid=$(running_pid); then
    log "not running from $DIR"
    return 1
  fi
  if ! mailpit_probe "$(recorded_http_port)" "$(recorded_smtp_port)" >/dev/null; then
    log "running (pid $pid) but not answering"
    return 1
  fi
  log "running (pid $pid), SMTP on 127.0.0.1:$(recorded_smtp_port)"
  print_env
}

component_main mailpit_install "$@"
