#!/usr/bin/env bash
# Prints the bin directory of the Node.js HueDB runs on: the version pinned in .node-version.
# Machines may carry an older Node (Debian's is 20, past its end of life) and no download site but
# the package registries, so the binary comes from the npm registry's `node-linux-<arch>` package
# (Node's official build, integrity-checked by npm) into the HueDB cache on first use. The package
# carries Node's headers (include/node), which node-gyp builds the native modules against.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=$(tr -d ' \n' <"$root/.node-version")
if [ "$(node --version 2>/dev/null || true)" = "v$version" ]; then
  dirname "$(command -v node)"
  exit 0
fi
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) platform=linux-x64 ;;
  Linux-aarch64 | Linux-arm64) platform=linux-arm64 ;;
  *)
    echo "ensure-node: no Node.js $version package for $(uname -s) $(uname -m) on the npm registry; install Node.js $version and put it first on PATH" >&2
    exit 1
    ;;
esac
cache=${HUEDB_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/huedb}
dir="$cache/node-v$version-$platform"
if [ ! -x "$dir/bin/node" ]; then
  echo "ensure-node: installing Node.js $version ($platform) into $dir" >&2
  mkdir -p "$cache"
  tmp=$(mktemp -d "$cache/.node-v$version-XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "node-$platform@$version" >/dev/null)
  tar -xzf "$tmp"/node-"$platform"-"$version".tgz -C "$tmp"
  "$tmp/package/bin/node" --version >/dev/null
  # A rename, so a concurrent install or an interrupted one never leaves a half-extracted Node.
  mv -T "$tmp/package" "$dir" 2>/dev/null || [ -x "$dir/bin/node" ]
fi
echo "$dir/bin"
