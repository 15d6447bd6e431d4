#!/usr/bin/env bash
# The reference Chroma (`chroma run` and its Python client) that the differential tests and the
# benchmarks compare HueDB with. Never a dependency of the product: it is installed into the
# per-user cache, in its own virtualenv, from PyPI.
#
#   chroma.sh install     install chromadb==$HUEDB_CHROMA_VERSION (1.5.9) once, then print
#                         CHROMA_BIN=… and CHROMA_PYTHON=… on stdout
#
# A marker written after pip succeeded tells a complete install from an interrupted one (which
# is redone); a lock keeps two checkouts from installing at once.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HUEDB_COMPONENT=chroma
# shellcheck source=lib.sh
. "$here/lib.sh"

# The one place the reference version is pinned (bench/src/options.ts defaults to the same).
VERSION=${HUEDB_CHROMA_VERSION:-1.5.9}
MARKER=.huedb-installed

chroma_install() {
  local cache venv start
  cache=$(huedb_cache_dir)
  venv=$cache/chroma-venv-$VERSION
  if [ "$(cat "$venv/$MARKER" 2>/dev/null)" = "$VERSION" ] && [ -x "$venv/bin/chroma" ]; then
    print_paths "$venv"
    return 0
  fi
  exec 8>"$cache/.chroma-$VERSION.install.lock"
  flock -w 3600 8 || die "could not lock the Chroma install in $cache"
  if [ "$(cat "$venv/$MARKER" 2>/dev/null)" != "$VERSION" ] || [ ! -x "$venv/bin/chroma" ]; then
    command -v python3 >/dev/null 2>&1 || die "python3 not found: the reference Chroma needs Python 3.9+"
    local installlog=$cache/chroma-$VERSION-install.log
    start=$(now_us)
    log "installing chromadb==$VERSION into $venv (one time, a few minutes; log: $installlog)"
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
    "$venv/bin/pip" install --quiet --disable-pip-version-check "chromadb==$VERSION" >>"$installlog" 2>&1 ||
      die "pip install chromadb==$VERSION failed" "$installlog"
    [ -x "$venv/bin/chroma" ] || die "pip installed chromadb==$VERSION but $venv/bin/chroma is missing" "$installlog"
    printf '%s\n' "$VERSION" >"$venv/$MARKER"
    log "chromadb==$VERSION installed in $(elapsed_since "$start") s"
  fi
  exec 8>&-
  print_paths "$venv"
}

print_paths() {
  printf 'CHROMA_BIN=%s\n' "$1/bin/chroma"
  printf 'CHROMA_PYTHON=%s\n' "$1/bin/python"
}

case ${1:-} in
  install) chroma_install ;;
  *)
    echo "usage: $0 install" >&2
    exit 2
    ;;
esac
