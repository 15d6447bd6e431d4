#!/usr/bin/env bash
# Packs the `huedb` npm package (decision 0032): builds what is stale (tsc -b), then writes
# huedb-<version>.tgz into --out DIR (default dist/) and prints its path. --no-build skips the
# build, for callers that have just built (the package test builds under its own lock).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=scripts/use-node.sh
source "$root/scripts/use-node.sh"
pnpm=$("$root/scripts/ensure-pnpm.sh")
build=yes
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=no ;;
    *) args+=("$1") ;;
  esac
  shift
done
if [ "$build" = yes ]; then "$pnpm" run --silent build; fi
PNPM=$pnpm exec node --import tsx deploy/npm/pack.ts "${args[@]}"
