#!/usr/bin/env bash
# Installs the workspace's node modules (frozen lockfile on CI). Native modules
# are compiled here: hnswlib-node gets AVX2/FMA when this CPU has both (measured
# 1.6x faster build and search), the compiler's default (SSE) elsewhere.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=scripts/use-node.sh
source "$root/scripts/use-node.sh"
pnpm=$("$root/scripts/ensure-pnpm.sh")
if grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo 2>/dev/null; then
  export CXXFLAGS="${CXXFLAGS:-} -mavx2 -mfma"
fi
# node-gyp would download Node's headers; the pinned Node carries them (include/node).
node_dir=$(dirname "$(dirname "$(command -v node)")")
if [ -z "${npm_config_nodedir:-}" ] && [ -f "$node_dir/include/node/node.h" ]; then
  export npm_config_nodedir=$node_dir
fi
# Native modules are built for one Node ABI: remember whether these were built before this run.
had_modules=$([ -f node_modules/.modules.yaml ] && echo yes || echo no)
args=(install --prefer-offline)
if [ -n "${CI:-}" ]; then args+=(--frozen-lockfile); fi
"$pnpm" "${args[@]}"
# When the pinned Node changes, an install with an unchanged lockfile rebuilds nothing, so
# modules built earlier for another (or an unrecorded) ABI are rebuilt here, once.
abi=$(node -p process.versions.modules)
stamp=node_modules/.huedb-node-abi
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$abi" ]; then
  if [ "$had_modules" = yes ]; then
    echo "install: Node ABI changed to $abi; rebuilding native modules" >&2
    "$pnpm" rebuild
  fi
  echo "$abi" >"$stamp"
fi
