#!/usr/bin/env bash
# Prints the path of a pnpm binary at the version pinned in package.json's
# "packageManager", installing it from the npm registry into the HueDB cache on
# first use. Works without root and without corepack.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
want=$(node -p "require('$root/package.json').packageManager.split('@')[1]")
if command -v pnpm >/dev/null 2>&1 && [ "$(pnpm --version 2>/dev/null)" = "$want" ]; then
  command -v pnpm
  exit 0
fi
cache=${HUEDB_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/huedb}
prefix="$cache/pnpm-$want"
bin="$prefix/node_modules/.bin/pnpm"
if [ ! -x "$bin" ]; then
  echo "installing pnpm $want into $prefix" >&2
  mkdir -p "$prefix"
  npm install --silent --no-audit --no-fund --prefix "$prefix" "pnpm@$want" >&2
fi
echo "$bin"
