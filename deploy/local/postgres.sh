#!/usr/bin/env bash
# A private PostgreSQL server (Debian's postgresql package) on loopback for
# tests and local runs: role huedb / password huedb, database huedb.
#
#   postgres.sh start DIR | stop DIR | status DIR | install
#
# Port: HUEDB_PG_PORT (54329), 127.0.0.1 only. The server log is DIR/postgres.log.
#
# Where the cluster lives: Postgres refuses to run as root, so as root the
# server runs as the `postgres` user, which usually cannot even traverse the
# caller's DIR (/root/... is 0700). The cluster then lives in a directory the
# postgres user owns, derived from DIR's absolute path:
# ~postgres/huedb-pg-<hash of DIR> (/var/lib/postgresql/..., next to Debian's
# own clusters and out of reach of tmp cleaners; /var/tmp if that home is
# missing), linked from DIR/pgdata. An id written both in DIR and in that
# directory tells whether the cluster belongs to this DIR: after `rm -rf DIR`,
# a start gets a fresh cluster, as it would without root, and clusters whose
# DIR is gone are deleted. As any other user the cluster is simply DIR/pgdata.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HUEDB_COMPONENT=postgres
# shellcheck source=lib.sh
. "$here/lib.sh"

PORT=${HUEDB_PG_PORT:-54329}
PG_USER=huedb
PG_PASSWORD=huedb
PG_DATABASE=huedb
# The Debian package to install when no server binaries are found.
PG_PACKAGE=postgresql

# Print the directory holding initdb/pg_ctl/postgres: the newest Debian
# versioned directory (the glob sorts them right while all versions have two
# digits, which holds for every supported release), else whatever is on PATH.
pg_bindir() {
  local d best=""
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ] && best=$d
  done
  if [ -z "$best" ] && command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    best=$(dirname "$(command -v pg_ctl)")
  fi
  [ -n "$best" ] && printf '%s\n' "$best"
}

pg_install() {
  pg_bindir >/dev/null && return 0
  if [ "$(id -u)" -ne 0 ]; then
    die "PostgreSQL server binaries (initdb, pg_ctl) not found; install them: sudo apt-get install -y $PG_PACKAGE"
  fi
  local installlog start
  installlog="$(huedb_cache_dir)/postgres-install.log"
  start=$(now_us)
  log "installing $PG_PACKAGE with apt-get (one time; log: $installlog)"
  if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y "$PG_PACKAGE"; } >"$installlog" 2>&1; then
    die "apt-get install $PG_PACKAGE failed" "$installlog"
  fi
  pg_bindir >/dev/null || die "$PG_PACKAGE installed but initdb/pg_ctl still not found" "$installlog"
  log "installed $PG_PACKAGE in $(elapsed_since "$start")s"
}

# Paths derived from DIR (see the header). Sets OWNER, CLUSTERS (root only),
# BASE, PGDATA and SOCKDIR.
set_paths() {
  if [ "$(id -u)" -eq 0 ]; then
    OWNER=postgres
    id -u "$OWNER" >/dev/null 2>&1 ||
      die "running as root needs the 'postgres' system user (created by apt-get install $PG_PACKAGE)"
    CLUSTERS=$(getent passwd "$OWNER" | cut -d: -f6)
    if [ -z "$CLUSTERS" ] || [ ! -d "$CLUSTERS" ] || [ "$(stat -c %U "$CLUSTERS")" != "$OWNER" ]; then
      CLUSTERS=/var/tmp
    fi
    BASE=$CLUSTERS/huedb-pg-$(printf '%s' "$DIR" | sha256sum | cut -c1-16)
  else
    OWNER=$(id -un)
    CLUSTERS=""
    BASE=$DIR
  fi
  PGDATA=$BASE/pgdata
  # Unix socket paths are limited to 107 bytes; a deep DIR would not fit.
  SOCKDIR=$BASE/run
  if [ $((${#SOCKDIR} + 20)) -gt 100 ]; then
    SOCKDIR=${TMPDIR:-/tmp}/huedb-pg-$(printf '%s' "$DIR" | sha256sum | cut -c1-16)-$(id -u)
  fi
}

# Run a command as the cluster owner, from / (the owner may not be allowed
# into the caller's working directory; initdb and psql complain about it).
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd / && runuser -u "$OWNER" -- "$@")
  else
    (cd / && "$@")
  fi
}

running_pid() { live_pid "$PGDATA/postmaster.pid" "$PGDATA"; }

print_env() { cat "$DIR/connection.env"; }
recorded_port() { sed -n 's|^HUEDB_POSTGRES_URL=.*@127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$DIR/connection.env" 2>/dev/null; }

# The readiness check: a real query, over TCP, as the role the tests use.
pg_probe() {
  local out
  out=$(PGCONNECT_TIMEOUT=3 psql -X -A -t -q \
    "postgresql://$PG_USER:$PG_PASSWORD@127.0.0.1:$1/$PG_DATABASE" -c 'select 1' 2>&1) || {
    echo "$out"
    return 1
  }
  [ "$out" = 1 ]
}

# Does the cluster in BASE belong to this DIR? (always true without root)
cluster_is_ours() {
  [ "$BASE" = "$DIR" ] && return 0
  [ -f "$BASE/huedb-cluster-id" ] && [ -f "$DIR/pg-cluster-id" ] &&
    [ "$(cat "$BASE/huedb-cluster-id")" = "$(cat "$DIR/pg-cluster-id")" ]
}

# A cluster left in BASE by an earlier DIR at the same path (DIR was deleted
# and recreated): stop it if it still runs, then delete it.
discard_stale_cluster() {
  if [ "$BASE" = "$DIR" ] || [ ! -e "$BASE" ] || cluster_is_ours; then
    return 0
  fi
  local pid
  if pid=$(running_pid); then
    stop_pid "$pid" INT "the stale Postgres cluster in $BASE" ||
      die "could not stop the stale Postgres (pid $pid) in $BASE"
  fi
  log "discarding $BASE: it belongs to an earlier $DIR"
  rm -rf "$BASE"
}

# Clusters whose DIR was deleted or recreated since would stay forever
# (tests use scratch DIRs); delete those that are not running.
gc_orphan_clusters() {
  [ "$BASE" != "$DIR" ] || return 0
  local base dir
  for base in "$CLUSTERS"/huedb-pg-*; do
    if [ "$base" = "$BASE" ] || [ ! -f "$base/huedb-dir" ] || [ ! -f "$base/huedb-cluster-id" ]; then
      continue
    fi
    dir=$(cat "$base/huedb-dir")
    if [ -f "$dir/pg-cluster-id" ] && [ "$(cat "$dir/pg-cluster-id")" = "$(cat "$base/huedb-cluster-id")" ]; then
      continue
    fi
    if live_pid "$base/pgdata/postmaster.pid" "$base/pgdata" >/dev/null; then
      continue
    fi
    log "deleting $base: its DIR $dir is gone or was recreated"
    rm -rf "$base"
  done
}

init_cluster() {
  local bindir=$1 start
  start=$(now_us)
  if [ "$BASE" != "$DIR" ]; then
    mkdir -p "$BASE"
    chown "$OWNER:" "$BASE"
    chmod 700 "$BASE"
    local id
    id=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
    printf '%s\n' "$id" >"$BASE/huedb-cluster-id"
    printf '%s\n' "$DIR" >"$BASE/huedb-dir"
    printf '%s\n' "$id" >"$DIR/pg-cluster-id"
    ln -sfn "$PGDATA" "$DIR/pgdata"
  fi
  # initdb into a temporary directory and rename on success: an interrupted
  # initdb must not leave a half-made cluster that looks real.
  rm -rf "$PGDATA.initdb"
  log "initdb $PGDATA"
  # Superuser `postgres` whatever the OS user; local (socket) connections are
  # trusted because the socket directory is private to the owner (0700); TCP
  # needs a password. --no-sync: it is a throwaway test cluster.
  as_owner "$bindir/initdb" -D "$PGDATA.initdb" -U postgres --auth-local=trust \
    --auth-host=scram-sha-256 --encoding=UTF8 --locale=C --no-sync --no-instructions \
    >>"$DIR/postgres.log" 2>&1 || die "initdb failed" "$DIR/postgres.log"
  printf "\n# Added by deploy/local/postgres.sh, which rewrites huedb.conf on every start.\ninclude 'huedb.conf'\n" |
    as_owner tee -a "$PGDATA.initdb/postgresql.conf" >/dev/null
  mv "$PGDATA.initdb" "$PGDATA"
  log "initialized in $(elapsed_since "$start")s"
}

write_config() {
  # Written through the owner so the file keeps the owner's permissions.
  as_owner tee "$PGDATA/huedb.conf" >/dev/null <<EOF
# Generated by deploy/local/postgres.sh on every start; edits are overwritten.
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$SOCKDIR'
unix_socket_permissions = 0700
max_connections = 200
# Test speed: durability is not wanted for a disposable test database.
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
}

# Create the role and the database if missing, and (re)set the password, over
# the private socket as the superuser. Cheap, so it runs on every start and
# also repairs a cluster whose role was dropped.
bootstrap_sql() {
  as_owner psql -X -q -v ON_ERROR_STOP=1 -h "$SOCKDIR" -p "$PORT" -U postgres -d postgres <<EOF
SELECT 'CREATE ROLE $PG_USER' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_USER')\\gexec
ALTER ROLE $PG_USER WITH LOGIN SUPERUSER CREATEDB PASSWORD '$PG_PASSWORD';
SELECT 'CREATE DATABASE $PG_DATABASE OWNER $PG_USER' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$PG_DATABASE')\\gexec
EOF
}

cmd_start() {
  lock_dir "$DIR"
  set_paths
  discard_stale_cluster
  local pid
  if pid=$(running_pid); then
    wait_until --pid "$pid" "$HUEDB_START_TIMEOUT" "Postgres (pid $pid) to answer select 1" \
      pg_probe "$(recorded_port)" ||
      die "Postgres (pid $pid) runs from $DIR but does not answer" "$DIR/postgres.log"
    log "already running (pid $pid), listening on 127.0.0.1:$(recorded_port)"
    print_env
    return 0
  fi
  require_free_port "$PORT" HUEDB_PG_PORT "Postgres"
  pg_install
  local bindir start
  bindir=$(pg_bindir)
  require_cmd psql "install the PostgreSQL client: apt-get install -y postgresql-client"
  mark_log "$DIR/postgres.log"
  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    gc_orphan_clusters
    init_cluster "$bindir"
  fi
  start=$(now_us)
  write_config
  mkdir -p "$SOCKDIR"
  chmod 700 "$SOCKDIR"
  [ "$(id -u)" -ne 0 ] || chown "$OWNER:" "$SOCKDIR"
  printf 'HUEDB_POSTGRES_URL=postgres://%s:%s@127.0.0.1:%s/%s\n' \
    "$PG_USER" "$PG_PASSWORD" "$PORT" "$PG_DATABASE" >"$DIR/connection.env"

  log "starting Postgres ($bindir) from $PGDATA (log: $DIR/postgres.log)"
  # The log is opened here, by the caller, and inherited by the server: as
  # root the postgres user could not open a file inside DIR itself. pg_ctl
  # detaches the server into its own session; -w polls until the server
  # accepts connections (or fails, or HUEDB_START_TIMEOUT passes), and
  # notices at once if it exits. fd 9 (the start lock) must not leak into it.
  if ! as_owner "$bindir/pg_ctl" start -w -t "$HUEDB_START_TIMEOUT" -D "$PGDATA" \
    >>"$DIR/postgres.log" 2>&1 </dev/null 9>&-; then
    # pg_ctl gives up after the timeout but leaves a slow server running.
    if pid=$(running_pid); then stop_pid "$pid" INT "the Postgres that failed to start" || true; fi
    die "Postgres did not start" "$DIR/postgres.log"
  fi
  pid=$(running_pid) || die "Postgres started but $PGDATA/postmaster.pid is not right" "$DIR/postgres.log"
  bootstrap_sql >>"$DIR/postgres.log" 2>&1 ||
    die "creating role/database $PG_USER failed" "$DIR/postgres.log"
  wait_until --pid "$pid" "$HUEDB_START_TIMEOUT" "Postgres to answer select 1 as $PG_USER" \
    pg_probe "$PORT" || die "Postgres does not answer" "$DIR/postgres.log"
  log "ready in $(elapsed_since "$start")s (pid $pid), listening on 127.0.0.1:$PORT (data: $PGDATA)"
  print_env
}

cmd_stop() {
  [ ! -d "$DIR" ] || lock_dir "$DIR"
  set_paths
  local pid
  if ! pid=$(running_pid); then
    log "not running from $DIR"
    return 0
  fi
  # SIGINT = "fast" shutdown: rolls back open transactions and closes
  # clients, where SIGTERM ("smart") would wait for every client to leave.
  stop_pid "$pid" INT "Postgres" || die "could not stop Postgres (pid $pid)" "$DIR/postgres.log"
  log "stopped"
}

cmd_status() {
  set_paths
  local pid port
  if [ ! -d "$DIR" ] || ! cluster_is_ours || ! pid=$(running_pid); then
    log "not running from $DIR"
    return 1
  fi
  port=$(recorded_port)
  if ! pg_probe "$port" >/dev/null; then
    log "running (pid $pid) but not answering on 127.0.0.1:$port"
    return 1
  fi
  log "running (pid $pid), listening on 127.0.0.1:$port (data: $PGDATA)"
  print_env
}

case ${1:-} in
  install) pg_install ;;
  start | stop | status)
    [ $# -eq 2 ] || usage_component "$0"
    DIR=$(abs_dir "$2")
    # stop/status must not create DIR; stop still looks for the cluster
    # derived from DIR, so a deleted DIR does not leak a server.
    [ "$1" != start ] || mkdir -p "$DIR"
    "cmd_$1"
    ;;
  *) usage_component "$0" ;;
esac
