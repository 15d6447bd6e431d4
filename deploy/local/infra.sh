#!/usr/bin/env bash
# Postgres, Kafka, MinIO and Mailpit (SMTP catcher) for tests and local runs,
# all on loopback, all without Docker (see postgres.sh, kafka.sh, minio.sh,
# mailpit.sh).
#
#   infra.sh up [DIR]      install what is missing, start what is not running,
#                          wait until all answer, print their KEY=VALUE
#                          connection lines on stdout (eval-able)
#   infra.sh down [DIR]    stop those started from DIR
#   infra.sh status [DIR]  print the lines of those running; exit 0 only if
#                          all run and answer
#
# DIR defaults to <repo>/.data/infra; the components use DIR/postgres,
# DIR/kafka, DIR/minio and DIR/mailpit. Example: eval "$(deploy/local/infra.sh up)"
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
HUEDB_COMPONENT=infra
# shellcheck source=lib.sh
. "$here/lib.sh"

components=(postgres kafka minio mailpit)

usage() {
  echo "usage: $0 up|down|status [DIR]   (DIR defaults to $root/.data/infra)" >&2
  exit 2
}

# run_all ACTION: run `<component>.sh ACTION DIR/<component>` for all at
# once (their waits overlap: a warm start costs the slowest one, not the sum),
# each one's stdout into $out/<component>. Sets `failed` to those that failed.
run_all() {
  local c
  local -A pids=()
  for c in "${components[@]}"; do
    "$here/$c.sh" "$1" "$DIR/$c" >"$out/$c" &
    pids[$c]=$!
  done
  failed=()
  for c in "${components[@]}"; do
    wait "${pids[$c]}" || failed+=("$c")
  done
}

print_all() {
  local c
  for c in "${components[@]}"; do cat "$out/$c"; done
}

if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
DIR=$(abs_dir "${2:-$root/.data/infra}")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
failed=()

case $1 in
  up)
    start=$(now_us)
    mkdir -p "$DIR"
    # Installs one after the other (each is a quick no-op once done): the
    # MinIO and Mailpit builds want both cores, and parallel downloads gain
    # little.
    for c in "${components[@]}"; do
      "$here/$c.sh" install || die "installing $c failed"
    done
    run_all start
    if [ ${#failed[@]} -gt 0 ]; then
      die "failed to start: ${failed[*]} (see the messages above; the others keep running, stop them with: $0 down $DIR)"
    fi
    print_all
    log "all up in $(elapsed_since "$start")s (data in $DIR)"
    ;;
  down)
    run_all stop
    [ ${#failed[@]} -eq 0 ] || die "failed to stop: ${failed[*]}"
    ;;
  status)
    run_all status
    print_all
    [ ${#failed[@]} -eq 0 ] || exit 1
    ;;
  *) usage ;;
esac
