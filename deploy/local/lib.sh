# shellcheck shell=bash
# Shared helpers for the local infrastructure scripts (postgres.sh, kafka.sh,
# minio.sh, infra.sh). Source it; it defines functions and a few variables and
# runs nothing else.
#
# Conventions every script follows:
#   - stdout carries only machine-readable KEY=VALUE lines (callers eval or
#     parse them), every human message goes to stderr through log/die;
#   - a daemon is only ever signalled through the pidfile its script wrote in
#     the caller's DIR, and only after checking that the live process with that
#     pid is really the one started from DIR (pids get reused);
#   - readiness is polled with a deadline, never assumed after a fixed sleep.

# Name shown in front of every message; each script sets it.
HUEDB_COMPONENT=${HUEDB_COMPONENT:-huedb}

# Seconds a start may take before it is declared failed (first JVM start of
# Kafka on a loaded 2-core CI machine is the slowest case).
HUEDB_START_TIMEOUT=${HUEDB_START_TIMEOUT:-120}
# Seconds a stop waits for a clean exit before SIGKILL.
HUEDB_STOP_TIMEOUT=${HUEDB_STOP_TIMEOUT:-30}

log() { printf '[%s] %s\n' "$HUEDB_COMPONENT" "$*" >&2; }

# die MESSAGE [LOGFILE]: print MESSAGE and, when given, what LOGFILE says
# since the last start (its error lines, then its last lines) so the reason of
# a failed start is on the screen, not only in a file. A JVM that fails prints
# its exception and then dozens of shutdown lines: the tail alone would
# often miss the cause.
die() {
  log "error: $1"
  if [ -n "${2:-}" ]; then
    if [ -r "$2" ]; then
      local from errors
      from=$(grep -n "^$LOG_MARKER" "$2" | tail -n 1 | cut -d: -f1 || true)
      errors=$(tail -n "+${from:-1}" "$2" |
        grep -E -m 15 '(ERROR|FATAL|PANIC|Exception|Error occurred)' || true)
      if [ -n "$errors" ]; then
        log "errors in $2 since the last start:"
        printf '%s\n' "$errors" | cut -c1-400 | sed 's/^/    /' >&2
      fi
      log "last lines of $2:"
      tail -n "+${from:-1}" "$2" | tail -n 25 | cut -c1-400 | sed 's/^/    /' >&2
    else
      log "(no log at $2)"
    fi
  fi
  exit 1
}

# mark_log FILE: append a start marker line, so a failed start shows only
# what this start logged (see die).
LOG_MARKER='=== huedb deploy/local:'
mark_log() { printf '%s %s start %s\n' "$LOG_MARKER" "$HUEDB_COMPONENT" "$(date -u +%FT%TZ)" >>"$1"; }

# The per-user download/build cache, shared by every checkout (never in the repo).
huedb_cache_dir() {
  local dir=${HUEDB_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/huedb}
  mkdir -p "$dir"
  (cd "$dir" && pwd -P)
}

# abs_dir DIR: print DIR's absolute path with symlinks resolved (DIR need not
# exist), so one directory always yields the same pidfile checks and derived
# names however the caller spells it.
abs_dir() { realpath -m -- "$1"; }

# Microseconds since the epoch (bash 5's EPOCHREALTIME, no fork).
now_us() { local t=${EPOCHREALTIME/./}; printf '%s' "${t/,/}"; }

# elapsed_since START_US: seconds since START_US with 2 decimals.
elapsed_since() {
  local d=$(($(now_us) - $1))
  printf '%d.%02d' $((d / 1000000)) $((d % 1000000 / 10000))
}

# wait_until [--pid PID] TIMEOUT_S WHAT CMD...: run CMD until it succeeds.
# Polls quickly at first (most services answer within a second or two) and
# backs off to 1 s. With --pid, gives up as soon as PID is gone: a daemon that
# crashed at start must fail the start now, not after the whole deadline.
# On failure prints what the last attempt said.
wait_until() {
  local pid=""
  if [ "${1:-}" = --pid ]; then pid=$2; shift 2; fi
  local timeout=$1 what=$2
  shift 2
  local start deadline delay=0.05 out=""
  start=$(now_us)
  deadline=$((start + timeout * 1000000))
  while :; do
    if out=$("$@" 2>&1); then return 0; fi
    if [ -n "$pid" ] && ! pid_alive "$pid"; then
      log "process $pid exited while waiting for $what"
      [ -z "$out" ] || log "last check said: $out"
      return 1
    fi
    if [ "$(now_us)" -ge "$deadline" ]; then
      log "timed out after ${timeout}s waiting for $what"
      [ -z "$out" ] || log "last check said: $out"
      return 1
    fi
    sleep "$delay"
    case $delay in
      0.05) delay=0.1 ;;
      0.1) delay=0.2 ;;
      0.2) delay=0.5 ;;
      *) delay=1 ;;
    esac
  done
}

# read_pidfile FILE: print the pid stored in FILE, fail if absent or garbage.
read_pidfile() {
  local pid
  [ -r "$1" ] || return 1
  pid=$(head -n 1 "$1" 2>/dev/null | tr -d '[:space:]')
  case $pid in '' | *[!0-9]*) return 1 ;; esac
  printf '%s\n' "$pid"
}

# pid_alive PID: the process exists and is not a zombie (a detached daemon is
# reaped by PID 1, which in some containers never reaps).
pid_alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}

# pid_cmdline_has PID TEXT: the process's command line contains TEXT. This is
# what makes a stale pidfile safe: a reused pid belongs to some other command.
pid_cmdline_has() {
  local cmd
  cmd=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
  case $cmd in *"$2"*) return 0 ;; *) return 1 ;; esac
}

# live_pid PIDFILE TEXT: print the pid from PIDFILE if that process is alive
# and its command line contains TEXT.
live_pid() {
  local pid
  pid=$(read_pidfile "$1") || return 1
  pid_alive "$pid" && pid_cmdline_has "$pid" "$2" || return 1
  printf '%s\n' "$pid"
}

# stop_pid PID SIGNAL WHAT: send SIGNAL (the daemon's clean-shutdown signal),
# wait up to HUEDB_STOP_TIMEOUT for the exit, then SIGKILL and wait again.
stop_pid() {
  local pid=$1 sig=$2 what=$3
  log "stopping $what (pid $pid)"
  kill "-$sig" "$pid" 2>/dev/null || true
  if wait_until "$HUEDB_STOP_TIMEOUT" "$what to exit" pid_gone "$pid"; then
    return 0
  fi
  log "$what did not exit within ${HUEDB_STOP_TIMEOUT}s, sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  wait_until 10 "$what to die" pid_gone "$pid"
}
pid_gone() { ! pid_alive "$1"; }

# spawn_daemon LOGFILE PIDFILE CMD...: start CMD detached from the caller and
# record its pid. setsid puts it in its own session so the caller's Ctrl-C or
# a test runner killing its process group leaves it alone; stdin/stdout/stderr
# are redirected so that `$(infra.sh up)` does not hang until the daemon exits
# (a daemon holding the caller's pipe open would), and fd 9 (the start lock)
# is closed so the daemon does not hold the lock for its whole life. The child
# writes its own pid before exec'ing, so the pidfile is right even when setsid
# has to fork.
spawn_daemon() {
  local logfile=$1 pidfile=$2
  shift 2
  rm -f "$pidfile"
  # shellcheck disable=SC2016 # $$ and $@ are for the child shell
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" \
    </dev/null >>"$logfile" 2>&1 9>&- &
  # The pidfile is written by the child right away; wait for it briefly.
  wait_until 10 "pidfile $pidfile" read_pidfile "$pidfile" || return 1
}

# port_in_use PORT: something listens on PORT (any address family).
port_in_use() {
  if command -v ss >/dev/null 2>&1; then
    [ -n "$(ss -Htln "sport = :$1" 2>/dev/null)" ]
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}

# port_owner PORT: a short description of who listens on PORT, for messages.
port_owner() {
  local who=""
  if command -v ss >/dev/null 2>&1; then
    who=$(ss -Htlnp "sport = :$1" 2>/dev/null | grep -o 'users:(([^)]*))' | head -n 1 || true)
  fi
  printf '%s\n' "${who:-an unknown process}"
}

# require_free_port PORT ENVVAR WHAT: fail clearly when another process
# (not the instance started from DIR, which the caller has ruled out) holds PORT.
require_free_port() {
  if port_in_use "$1"; then
    die "port 127.0.0.1:$1 needed by $3 is already in use by $(port_owner "$1"); stop that process or choose another port with $2=<port>"
  fi
}

# lock_dir DIR: serialize start/stop on one DIR (two test runners calling
# `up` at once must not both launch a daemon). Held on fd 9 until exit.
lock_dir() {
  exec 9>"$1/.lock"
  if ! flock -w "$((HUEDB_START_TIMEOUT + 60))" 9; then
    die "could not lock $1/.lock (another start/stop on $1 is stuck?)"
  fi
}

# require_cmd CMD HINT: fail with HINT when CMD is missing.
require_cmd() {
  command -v "$1" >/dev/null 2>&1 || die "'$1' not found: $2"
}

# usage_component SCRIPT: the common usage text of the component scripts.
usage_component() {
  cat >&2 <<EOF
usage: $1 start DIR | stop DIR | status DIR | install
  start   install on first use, start from data directory DIR (created if
          missing) unless already running from it, wait until it answers,
          print its KEY=VALUE connection lines on stdout
  stop    stop the instance started from DIR (no-op when none runs)
  status  print the KEY=VALUE lines and exit 0 if it runs from DIR, else exit 1
  install only install (download/build) into the cache
EOF
  exit 2
}

# go_install_cached NAME MODULE VERSION BIN: build MODULE@VERSION with `go install` into BIN's
# directory (BIN: the binary's final path, in the cache) once per machine. The build goes to a
# temporary GOBIN and the binary is moved into place only when `go install` succeeded, so an
# interrupted build is redone, never half-used; a lock keeps two checkouts from building at once
# (a multi-minute build on 2 cores).
go_install_cached() {
  local name=$1 module=$2 version=$3 bin=$4 cache go=go
  [ -x "$bin" ] && return 0
  cache=$(huedb_cache_dir)
  if ! command -v go >/dev/null 2>&1; then
    [ -x /usr/local/go/bin/go ] || die "'go' not found: install Go 1.24+ (https://go.dev/dl; Debian 12's golang-go 1.19 is too old) to build $name"
    go=/usr/local/go/bin/go
  fi
  exec 8>"$cache/.$name-$version.install.lock"
  flock -w 3600 8 || die "could not lock the $name install in $cache"
  if [ -x "$bin" ]; then exec 8>&-; return 0; fi
  local work installlog start exe
  exe=$(basename "$bin")
  work=$(dirname "$bin").partial
  installlog=$cache/$name-$version-install.log
  start=$(now_us)
  log "building $name $version with go install (one time, minutes on 2 cores; log: $installlog)"
  rm -rf "$work"
  mkdir -p "$work"
  if ! GOBIN=$work "$go" install "$module@$version" >"$installlog" 2>&1; then
    die "building $name failed (it needs Go 1.24+, or Go 1.21+ allowed to fetch that toolchain with GOTOOLCHAIN=auto, and the Go module proxy)" "$installlog"
  fi
  [ -x "$work/$exe" ] || die "go install succeeded but produced no $exe binary" "$installlog"
  mkdir -p "$(dirname "$bin")"
  mv "$work/$exe" "$bin"
  rm -rf "$work"
  exec 8>&-
  log "built $name in $(elapsed_since "$start")s: $bin"
}

# pip_venv_install NAME PACKAGE VERSION EXE: install PACKAGE==VERSION from PyPI into its own
# virtualenv in the cache ($CACHE/NAME-venv-VERSION) once per machine; prints the venv's path.
# A marker written after pip succeeded tells a complete install from an interrupted one (which is
# redone); a lock keeps two checkouts from installing at once. EXE: a program the package must put
# in the venv's bin/.
pip_venv_install() {
  local name=$1 package=$2 version=$3 exe=$4 cache venv start marker=.huedb-installed
  cache=$(huedb_cache_dir)
  venv=$cache/$name-venv-$version
  _venv_ready() { [ "$(cat "$venv/$marker" 2>/dev/null)" = "$version" ] && [ -x "$venv/bin/$exe" ]; }
  if _venv_ready; then
    printf '%s\n' "$venv"
    return 0
  fi
  exec 8>"$cache/.$name-$version.install.lock"
  flock -w 3600 8 || die "could not lock the $name install in $cache"
  if ! _venv_ready; then
    command -v python3 >/dev/null 2>&1 || die "python3 not found: $package needs Python 3.9+"
    local installlog=$cache/$name-$version-install.log
    start=$(now_us)
    log "installing $package==$version into $venv (one time; log: $installlog)"
    rm -rf "$venv"
    if ! python3 -m venv "$venv" >"$installlog" 2>&1; then
      # Debian splits venv out of python3.
      if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        log "python3 -m venv failed; installing Debian's python3-venv"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv >>"$installlog" 2>&1 ||
          die "apt-get install python3-venv failed" "$installlog"
        rm -rf "$venv"
        python3 -m venv "$venv" >>"$installlog" 2>&1 || die "python3 -m venv failed" "$installlog"
      else
        die "python3 -m venv failed (Debian: apt-get install python3-venv)" "$installlog"
      fi
    fi
    "$venv/bin/pip" install --quiet --disable-pip-version-check "$package==$version" >>"$installlog" 2>&1 ||
      die "pip install $package==$version failed" "$installlog"
    [ -x "$venv/bin/$exe" ] || die "pip installed $package==$version but $venv/bin/$exe is missing" "$installlog"
    printf '%s\n' "$version" >"$venv/$marker"
    log "$package==$version installed in $(elapsed_since "$start") s"
  fi
  exec 8>&-
  printf '%s\n' "$venv"
}

# pip_venv_add VENV NAME PACKAGE VERSION: install PACKAGE==VERSION into an existing virtualenv made
# by pip_venv_install (a test-only companion of its package, e.g. pyarrow beside chromadb) once;
# its own marker (.huedb-<NAME>) says which version is complete, so a venv made before the
# companion was added gets it on the next install, and an interrupted pip is redone.
pip_venv_add() {
  local venv=$1 name=$2 package=$3 version=$4 cache marker
  marker=$venv/.huedb-$name
  [ "$(cat "$marker" 2>/dev/null)" = "$version" ] && return 0
  cache=$(huedb_cache_dir)
  exec 7>"$venv/.huedb-$name.install.lock"
  flock -w 3600 7 || die "could not lock the $package install in $venv"
  if [ "$(cat "$marker" 2>/dev/null)" != "$version" ]; then
    local installlog=$cache/$name-$version-install.log
    log "installing $package==$version into $venv (one time; log: $installlog)"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "$package==$version" >"$installlog" 2>&1 ||
      die "pip install $package==$version failed" "$installlog"
    printf '%s\n' "$version" >"$marker"
  fi
  exec 7>&-
}

# component_main INSTALL_FN ARGS...: the command line of a component script (kafka.sh, minio.sh,
# mailpit.sh): `install`, or `start|stop|status DIR` calling cmd_start/cmd_stop/cmd_status with
# DIR set. stop/status never create DIR: without it nothing runs from there (stop succeeds,
# status fails). postgres.sh has its own, since a deleted DIR can still leave its server running.
component_main() {
  local install=$1
  shift
  case ${1:-} in
    install) "$install" ;;
    start | stop | status)
      [ $# -eq 2 ] || usage_component "$0"
      DIR=$(abs_dir "$2")
      if [ "$1" = start ]; then
        mkdir -p "$DIR"
      elif [ ! -d "$DIR" ]; then
        log "not running from $DIR (no such directory)"
        [ "$1" = stop ]
        exit
      fi
      "cmd_$1"
      ;;
    *) usage_component "$0" ;;
  esac
}

# stop_component FILE LABEL: cmd_stop of a component run from $DIR (kafka.sh, minio.sh,
# mailpit.sh): SIGTERM its process (running_pid, the script's own) and wait, then forget
# $DIR/FILE.pid. Succeeds when nothing runs from $DIR.
stop_component() {
  local file=$1 label=$2 pid
  lock_dir "$DIR"
  if ! pid=$(running_pid); then
    log "not running from $DIR"
    rm -f "$DIR/$file.pid"
    return 0
  fi
  stop_pid "$pid" TERM "$label" || die "could not stop $label (pid $pid)" "$DIR/$file.log"
  rm -f "$DIR/$file.pid"
  log "stopped"
}
