#!/usr/bin/env bash
# A HueDB cluster on this machine: Postgres, Kafka and MinIO (infra.sh) plus every HueDB service
# as its own process — catalog, log, query nodes, compactor, gateways — all on loopback.
#
#   cluster.sh up [DIR]      start what is not running; print the gateway URLs and the admin
#                            token (KEY=VALUE)
#   cluster.sh down [DIR]    stop the services `up` started, and the infrastructure if `up`
#                            started it (infrastructure that was already running is left alone)
#   cluster.sh status [DIR]  exit 0 when every service answers
#
# DIR (default <repo>/.data/cluster) holds pidfiles, logs (DIR/logs/<service>.log) and the
# infrastructure's data (DIR/infra). Sizes and ports: HUEDB_CLUSTER_GATEWAYS (2),
# HUEDB_CLUSTER_QUERY_NODES (2), HUEDB_GATEWAY_PORT (8000; the next gateways take the next
# ports), HUEDB_CATALOG_PORT (50051), HUEDB_LOG_PORT (50052), HUEDB_QUERY_PORT (50061, then up),
# HUEDB_COMPACTOR_PORT (50071); each gRPC service serves Prometheus /metrics on its port + 1000
# (gateways on their own port). Compaction thresholds: HUEDB_COMPACTION_MIN_RECORDS (5000),
# HUEDB_COMPACTION_MAX_AGE_MS (30000).
#
# The gateways run with auth on, as a production cluster does (HUEDB_AUTH defaults to true;
# decision 0026): HUEDB_ADMIN_TOKEN is taken from the environment, else made once and kept in
# DIR/admin-token (mode 600), and printed with how to use it. HUEDB_AUTH=false runs without.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=scripts/use-node.sh
source "$root/scripts/use-node.sh"
# shellcheck disable=SC2034 # read by lib.sh
HUEDB_COMPONENT=cluster
# shellcheck source=lib.sh
. "$here/lib.sh"

gateways=${HUEDB_CLUSTER_GATEWAYS:-2}
query_nodes=${HUEDB_CLUSTER_QUERY_NODES:-2}
gateway_port=${HUEDB_GATEWAY_PORT:-8000}
catalog_port=${HUEDB_CATALOG_PORT:-50051}
log_port=${HUEDB_LOG_PORT:-50052}
query_port=${HUEDB_QUERY_PORT:-50061}
compactor_port=${HUEDB_COMPACTOR_PORT:-50071}

usage() {
  echo "usage: $0 up|down|status [DIR]   (DIR defaults to $root/.data/cluster)" >&2
  exit 2
}

# The instances, in start order: name role port.
instances() {
  echo "catalog catalog $catalog_port"
  echo "log log $log_port"
  local i
  for ((i = 0; i < query_nodes; i++)); do echo "query-$i query $((query_port + i))"; done
  echo "compactor compactor $compactor_port"
  for ((i = 0; i < gateways; i++)); do echo "gateway-$i gateway $((gateway_port + i))"; done
}

# Services run compiled (dist/, made by `pnpm build` in `up`), as in production.
entry() { printf 'services/%s/dist/main.js' "$1"; }

# The gateways' admin token: the caller's HUEDB_ADMIN_TOKEN, else the one this DIR keeps.
admin_token() {
  if [ -n "${HUEDB_ADMIN_TOKEN:-}" ]; then
    printf '%s' "$HUEDB_ADMIN_TOKEN"
    return
  fi
  local file="$DIR/admin-token"
  if [ ! -s "$file" ]; then
    (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$file")
  fi
  cat "$file"
}

port_answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

gateway_ready() {
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/api/v2/healthcheck")" = 200 ]
}

start_instance() {
  local name=$1 role=$2 port=$3 pidfile="$DIR/pids/$1.pid" logfile="$DIR/logs/$1.log" pid
  if pid=$(live_pid "$pidfile" "$(entry "$role")"); then
    log "$name already running (pid $pid) on 127.0.0.1:$port"
    return 0
  fi
  local role_upper
  role_upper=$(echo "$role" | tr '[:lower:]' '[:upper:]')
  require_free_port "$port" "HUEDB_${role_upper}_PORT" "$name"
  mark_log "$logfile"
  (
    cd "$root"
    export "HUEDB_${role_upper}_LISTEN=127.0.0.1:$port" HUEDB_MEMBER_ID="$name"
    if [ "$role" != gateway ]; then export HUEDB_METRICS_LISTEN="127.0.0.1:$((port + 1000))"; fi
    export HUEDB_COMPACTOR_DIR="$DIR/work/$name" HUEDB_SEGMENT_CACHE_DIR="$DIR/work/$name/segments"
    spawn_daemon "$logfile" "$pidfile" node --enable-source-maps "$(entry "$role")"
  )
  pid=$(read_pidfile "$pidfile")
  if [ "$role" = gateway ]; then
    wait_until --pid "$pid" "$HUEDB_START_TIMEOUT" "$name to answer /api/v2/healthcheck" gateway_ready "$port" ||
      die "$name did not become ready" "$logfile"
  else
    wait_until --pid "$pid" "$HUEDB_START_TIMEOUT" "$name to listen on $port" port_answers "$port" ||
      die "$name did not start" "$logfile"
  fi
  log "$name ready (pid $pid) on 127.0.0.1:$port, log $logfile"
}

up() {
  mkdir -p "$DIR/pids" "$DIR/logs"
  lock_dir "$DIR"
  [ -d "$root/node_modules" ] || "$root/scripts/install.sh" >&2
  # Compile what is stale (tsc -b: a no-op in well under a second when nothing changed).
  (cd "$root" && "$("$root/scripts/ensure-pnpm.sh")" run --silent build) >&2
  local infra_env
  if infra_env=$("$here/infra.sh" status "$DIR/infra" 2>/dev/null); then
    log "infrastructure already running in $DIR/infra"
  else
    infra_env=$("$here/infra.sh" up "$DIR/infra")
    touch "$DIR/started-infra"
  fi
  # The services read HUEDB_POSTGRES_URL, HUEDB_KAFKA_BROKERS and HUEDB_S3_* from the environment.
  local line
  while IFS= read -r line; do
    case $line in HUEDB_*=*) export "${line?}" ;; esac
  done <<<"$infra_env"
  export HUEDB_CATALOG_ADDR="127.0.0.1:$catalog_port" HUEDB_LOG_ADDR="127.0.0.1:$log_port"
  export HUEDB_ALLOW_RESET=${HUEDB_ALLOW_RESET:-false}
  export HUEDB_AUTH=${HUEDB_AUTH:-true}
  if [ "$HUEDB_AUTH" = true ]; then
    HUEDB_ADMIN_TOKEN=$(admin_token)
    export HUEDB_ADMIN_TOKEN
  fi
  local name role port
  while read -r name role port; do
    start_instance "$name" "$role" "$port"
  done < <(instances)
  local i
  for ((i = 0; i < gateways; i++)); do echo "HUEDB_GATEWAY_URL_$i=http://127.0.0.1:$((gateway_port + i))"; done
  log "cluster up: Chroma API at http://127.0.0.1:$gateway_port (logs in $DIR/logs)"
  if [ "$HUEDB_AUTH" = true ]; then
    echo "HUEDB_ADMIN_TOKEN=$HUEDB_ADMIN_TOKEN"
    log "auth is on: send the admin token (kept in $DIR/admin-token unless you set HUEDB_ADMIN_TOKEN), e.g."
    log "  curl -H \"x-chroma-token: \$HUEDB_ADMIN_TOKEN\" http://127.0.0.1:$gateway_port/api/v2/tenants/default_tenant"
    log "  JS: new ChromaClient({ port: $gateway_port, headers: { 'x-chroma-token': token } })"
    log "  Python: chromadb.HttpClient(port=$gateway_port, headers={'x-chroma-token': token})"
  else
    log "auth is off (HUEDB_AUTH=false): every caller may do everything"
  fi
}

down() {
  [ -d "$DIR" ] || return 0
  mkdir -p "$DIR/pids"
  lock_dir "$DIR"
  local name role port pid
  # Reverse order: gateways first, catalog last.
  while read -r name role port; do
    if pid=$(live_pid "$DIR/pids/$name.pid" "$(entry "$role")"); then
      stop_pid "$pid" TERM "$name"
    fi
    rm -f "$DIR/pids/$name.pid"
  done < <(instances | tac)
  if [ -e "$DIR/started-infra" ]; then
    "$here/infra.sh" down "$DIR/infra"
    rm -f "$DIR/started-infra"
  fi
  log "cluster down"
}

status() {
  local name role port pid ok=0
  while read -r name role port; do
    if pid=$(live_pid "$DIR/pids/$name.pid" "$(entry "$role")") && port_answers "$port"; then
      log "$name running (pid $pid) on 127.0.0.1:$port"
    else
      log "$name not running"
      ok=1
    fi
  done < <(instances)
  return $ok
}

if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
DIR=$(abs_dir "${2:-$root/.data/cluster}")
case $1 in
  up) up ;;
  down) down ;;
  status) status ;;
  *) usage ;;
esac
