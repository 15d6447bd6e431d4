#!/usr/bin/env bash
# A private Docker engine for the image tests: Debian's docker.io (installed with apt-get on first
# use, as root), its own dockerd with its own data root, exec root and socket, never the system's
# /var/run/docker.sock. Nothing else on the machine sees it: the test infrastructure's provider
# choice (testcontainers when a Docker engine answers at DOCKER_HOST or /var/run/docker.sock) stays
# what it was, and only the image tests are pointed at this socket.
#
#   engine.sh up [DIR]      install on first use, start unless running from DIR, wait until it
#                           answers, print DOCKER_HOST=… and HUEDB_DOCKER=<the docker CLI> lines
#   engine.sh down [DIR]    stop the engine started from DIR (its containers are stopped first)
#   engine.sh status [DIR]  print the lines and exit 0 if it runs from DIR and answers, else 1
#   engine.sh install       only install docker.io
#
# DIR defaults to $HUEDB_DOCKER_DIR or ~/.cache/huedb/docker: the engine's images and build cache
# are shared by every checkout on the machine, like the other caches, so a fresh clone rebuilds
# only what changed. The engine keeps running after the tests (the next run is warm); `down` stops
# it. No systemd is assumed: dockerd is started here as a detached process.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HUEDB_COMPONENT=docker-engine
# shellcheck source=../local/lib.sh
. "$here/../local/lib.sh"

# The bridge the engine's containers attach to: its own, so a system Docker's docker0 (and its
# address range) is left alone. Published ports reach containers through docker-proxy on the host.
BRIDGE=${HUEDB_DOCKER_BRIDGE:-huedb0}
BRIDGE_CIDR=${HUEDB_DOCKER_BRIDGE_CIDR:-172.31.250.1/24}

usage() {
  echo "usage: $0 up|down|status [DIR] | install   (DIR defaults to ~/.cache/huedb/docker)" >&2
  exit 2
}

engine_install() {
  command -v dockerd >/dev/null 2>&1 && return 0
  [ "$(id -u)" -eq 0 ] ||
    die "dockerd not found; install Docker (Debian: sudo apt-get install -y docker.io) or run as root"
  command -v apt-get >/dev/null 2>&1 || die "dockerd not found and no apt-get: install Docker"
  local installlog start added_policy=""
  installlog="$(huedb_cache_dir)/docker-install.log"
  start=$(now_us)
  log "installing Debian's docker.io with apt-get (one time; log: $installlog)"
  # Without systemd, the package's postinst would start a system dockerd on /var/run/docker.sock
  # through its init script, and every later test run would pick testcontainers: forbid service
  # starts for the install (policy-rc.d, the Debian convention), unless the machine already does.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    added_policy=yes
  fi
  local ok=yes
  { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    docker.io iproute2; } >"$installlog" 2>&1 || ok=""
  [ -z "$added_policy" ] || rm -f /usr/sbin/policy-rc.d
  [ -n "$ok" ] || die "apt-get install docker.io failed" "$installlog"
  command -v dockerd >/dev/null 2>&1 || die "docker.io installed but dockerd is not on PATH" "$installlog"
  log "installed docker.io in $(elapsed_since "$start")s"
}

# The docker CLI shipped beside dockerd (its version matches the engine's: a newer CLI found first
# on PATH may want buildx, which this engine's builder does not need).
docker_cli() {
  local dir
  dir=$(dirname "$(readlink -f "$(command -v dockerd)")")
  for cli in "$dir/docker" "${dir%/sbin}/bin/docker" /usr/bin/docker; do
    if [ -x "$cli" ]; then printf '%s\n' "$cli"; return 0; fi
  done
  command -v docker
}

set_paths() {
  SOCK=$DIR/docker.sock
  PIDFILE=$DIR/dockerd.pid
  LOGFILE=$DIR/dockerd.log
  # Unix socket paths are limited to 107 bytes (containerd's live under the exec root).
  [ "${#DIR}" -le 60 ] || die "engine directory $DIR is too long for its sockets; set HUEDB_DOCKER_DIR to a shorter path"
}

running_pid() { live_pid "$PIDFILE" "$DIR/root"; }

engine_answers() { DOCKER_HOST=unix://$SOCK "$(docker_cli)" version --format '{{.Server.Version}}'; }

print_env() {
  printf 'DOCKER_HOST=unix://%s\n' "$SOCK"
  printf 'HUEDB_DOCKER=%s\n' "$(docker_cli)"
}

# The engine's own bridge, created once per boot (dockerd uses an existing bridge by name).
ensure_bridge() {
  ip link show "$BRIDGE" >/dev/null 2>&1 && return 0
  require_cmd ip "install iproute2 (apt-get install -y iproute2)"
  ip link add name "$BRIDGE" type bridge
  ip addr add "$BRIDGE_CIDR" dev "$BRIDGE"
  ip link set "$BRIDGE" up
}

cmd_up() {
  mkdir -p "$DIR"
  lock_dir "$DIR"
  set_paths
  local pid
  if pid=$(running_pid); then
    wait_until --pid "$pid" "$HUEDB_START_TIMEOUT" "dockerd (pid $pid) to answer" engine_answers ||
      die "dockerd (pid $pid) runs from $DIR but does not answer" "$LOGFILE"
    log "already running (pid $pid) on $SOCK"
    print_env
    return 0
  fi
  [ "$(id -u)" -eq 0 ] || die "a private dockerd needs root (it creates a bridge and mounts overlays)"
  engine_install
  ensure_bridge
  local start
  start=$(now_us)
  mkdir -p "$DIR/root" "$DIR/exec"
  rm -f "$SOCK"
  mark_log "$LOGFILE"
  # --iptables=false: the engine rewrites no firewall rules of the host (published ports go through
  # docker-proxy; containers that need the network, the image build, use the host's). Its own
  # containerd namespace, so a system containerd it may find is shared without mixing state.
  spawn_daemon "$LOGFILE" "$PIDFILE" dockerd \
    --host "unix://$SOCK" \
    --data-root "$DIR/root" \
    --exec-root "$DIR/exec" \
    --pidfile "$DIR/exec/docker.pid" \
    --bridge "$BRIDGE" \
    --iptables=false --ip6tables=false --ip-masq=false --ip-forward=false \
    --containerd-namespace huedb --containerd-plugins-namespace huedb-plugins \
    --userland-proxy=true ||
    die "could not start dockerd" "$LOGFILE"
  pid=$(read_pidfile "$PIDFILE")
  wait_until --pid "$pid" "$HUEDB_START_TIMEOUT" "dockerd (pid $pid) to answer" engine_answers ||
    die "dockerd did not come up" "$LOGFILE"
  log "dockerd $(engine_answers) up in $(elapsed_since "$start")s on $SOCK (data $DIR/root)"
  print_env
}

cmd_down() {
  [ -d "$DIR" ] || { log "not running from $DIR"; return 0; }
  lock_dir "$DIR"
  set_paths
  local pid
  if ! pid=$(running_pid); then
    log "not running from $DIR"
    rm -f "$PIDFILE"
    return 0
  fi
  # dockerd stops its containers (each within its stop timeout) before it exits.
  HUEDB_STOP_TIMEOUT=${HUEDB_STOP_TIMEOUT:-60} stop_pid "$pid" TERM dockerd ||
    die "could not stop dockerd (pid $pid)" "$LOGFILE"
  rm -f "$PIDFILE"
  log "stopped"
}

cmd_status() {
  [ -d "$DIR" ] || exit 1
  set_paths
  local pid
  pid=$(running_pid) || exit 1
  engine_answers >/dev/null 2>&1 || exit 1
  print_env
}

[ $# -ge 1 ] && [ $# -le 2 ] || usage
DIR=$(abs_dir "${2:-${HUEDB_DOCKER_DIR:-$(huedb_cache_dir)/docker}}")
case $1 in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  install) engine_install ;;
  *) usage ;;
esac
