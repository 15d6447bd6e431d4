#!/usr/bin/env bash
# A MinIO server (S3 API) on loopback for tests and local runs, with the
# bucket `huedb` created. There is no MinIO download site or container
# registry here, so the server is built once from source with the Go module
# proxy (`go install`, a few minutes on 2 cores) and cached.
#
#   minio.sh start DIR | stop DIR | status DIR | install
#
# DIR holds the objects (DIR/data), the pidfile and DIR/minio.log. Ports:
# HUEDB_MINIO_PORT (19000, S3 API) and HUEDB_MINIO_CONSOLE_PORT (19001, web
# console), both on 127.0.0.1.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HUEDB_COMPONENT=minio
# shellcheck source=lib.sh
. "$here/lib.sh"

# The one place the MinIO version is pinned (the repository is archived; this
# pseudo-version is its last commit).
MINIO_MODULE=github.com/minio/minio
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c

PORT=${HUEDB_MINIO_PORT:-19000}
CONSOLE_PORT=${HUEDB_MINIO_CONSOLE_PORT:-19001}
S3_REGION=us-east-1
S3_ACCESS_KEY=huedb
S3_SECRET_KEY=huedb-secret # MinIO wants at least 8 characters
S3_BUCKET=huedb

minio_bin() { printf '%s/minio-%s/minio\n' "$(huedb_cache_dir)" "$MINIO_VERSION"; }

# Build the pinned MinIO into $CACHE/minio-<version>/ once (lib.sh's go_install_cached).
minio_install() { go_install_cached minio "$MINIO_MODULE" "$MINIO_VERSION" "$(minio_bin)"; }

# curl with AWS SigV4 signing, as an S3 client would.
s3_curl() {
  curl -sS --max-time 5 --aws-sigv4 "aws:amz:$S3_REGION:s3" \
    --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" "$@"
}

# The readiness check: ListBuckets answers and includes the bucket. When the
# bucket is missing it is created (PUT; 409 BucketAlreadyOwnedByYou from a
# concurrent creation is fine) and the listing is asked again.
minio_probe() {
  local url=http://127.0.0.1:$1 code
  minio_lists_bucket "$1" && return 0
  code=$(s3_curl -o /dev/null -w '%{http_code}' -X PUT "$url/$S3_BUCKET" 2>&1) || true
  case $code in
    200 | 409) ;;
    *) echo "creating bucket $S3_BUCKET: HTTP $code"; return 1 ;;
  esac
  minio_lists_bucket "$1"
}

# minio_lists_bucket PORT: ListBuckets answers and includes the bucket (a
# pure check, for status).
minio_lists_bucket() {
  local body
  body=$(s3_curl "http://127.0.0.1:$1/" 2>&1) || { echo "$body"; return 1; }
  case $body in *"<Name>$S3_BUCKET</Name>"*) return 0 ;; esac
  echo "bucket $S3_BUCKET not listed: $body"
  return 1
}

print_env() { cat "$DIR/connection.env"; }
recorded_port() { sed -n 's|^HUEDB_S3_ENDPOINT=http://127\.0\.0\.1:||p' "$DIR/connection.env" 2>/dev/null; }

running_pid() { live_pid "$DIR/minio.pid" "$DIR/data"; }

cmd_start() {
  lock_dir "$DIR"
  local pid
  if pid=$(running_pid); then
    wait_until --pid "$pid" "$HUEDB_START_TIMEOUT" "MinIO (pid $pid) to list bucket $S3_BUCKET" \
      minio_probe "$(recorded_port)" ||
      die "MinIO (pid $pid) runs from $DIR but does not answer" "$DIR/minio.log"
    log "already running (pid $pid), listening on 127.0.0.1:$(recorded_port)"
    print_env
    return 0
  fi
  require_free_port "$PORT" HUEDB_MINIO_PORT "MinIO"
  require_free_port "$CONSOLE_PORT" HUEDB_MINIO_CONSOLE_PORT "the MinIO console"
  require_cmd curl "install curl (apt-get install -y curl)"
  minio_install
  local bin start
  bin=$(minio_bin)
  start=$(now_us)
  mkdir -p "$DIR/data"
  cat >"$DIR/connection.env" <<EOF
HUEDB_S3_ENDPOINT=http://127.0.0.1:$PORT
HUEDB_S3_REGION=$S3_REGION
HUEDB_S3_ACCESS_KEY_ID=$S3_ACCESS_KEY
HUEDB_S3_SECRET_ACCESS_KEY=$S3_SECRET_KEY
HUEDB_S3_BUCKET=$S3_BUCKET
EOF
  mark_log "$DIR/minio.log"
  log "starting MinIO from $DIR (log: $DIR/minio.log)"
  # MINIO_UPDATE=off: no update checks (the internet is not reachable).
  spawn_daemon "$DIR/minio.log" "$DIR/minio.pid" \
    env MINIO_ROOT_USER="$S3_ACCESS_KEY" MINIO_ROOT_PASSWORD="$S3_SECRET_KEY" \
    MINIO_REGION="$S3_REGION" MINIO_UPDATE=off \
    "$bin" server "$DIR/data" --address "127.0.0.1:$PORT" \
    --console-address "127.0.0.1:$CONSOLE_PORT" ||
    die "could not start MinIO" "$DIR/minio.log"
  pid=$(read_pidfile "$DIR/minio.pid")
  if ! wait_until --pid "$pid" "$HUEDB_START_TIMEOUT" "MinIO to list bucket $S3_BUCKET" \
    minio_probe "$PORT"; then
    if pid_alive "$pid"; then stop_pid "$pid" TERM "the MinIO that failed to start" || true; fi
    die "MinIO did not become ready" "$DIR/minio.log"
  fi
  log "ready in $(elapsed_since "$start")s (pid $pid), listening on 127.0.0.1:$PORT (console http://127.0.0.1:$CONSOLE_PORT)"
  print_env
}

cmd_stop() { stop_component minio MinIO; }

cmd_status() {
  local pid port
  if ! pid=$(running_pid); then
    log "not running from $DIR"
    return 1
  fi
  port=$(recorded_port)
  if ! minio_lists_bucket "$port" >/dev/null; then
    log "running (pid $pid) but not answering on 127.0.0.1:$port"
    return 1
  fi
  log "running (pid $pid), listening on 127.0.0.1:$port"
  print_env
}

component_main minio_install "$@"
