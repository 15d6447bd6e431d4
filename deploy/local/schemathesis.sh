#!/usr/bin/env bash
# Schemathesis, the OpenAPI fuzzer the contract test (test/e2e/openapi-conformance.test.ts)
# drives against a deployment: it sends valid and invalid requests generated from
# services/gateway/openapi.json and checks every status and body against the document. A test
# tool, never a dependency of the product: installed into the per-user cache, in its own
# virtualenv, from PyPI.
#
#   schemathesis.sh install   install schemathesis==$HUEDB_SCHEMATHESIS_VERSION once, then print
#                             SCHEMATHESIS_BIN=… on stdout
#
# Like chroma.sh: a marker written after pip succeeded tells a complete install from an
# interrupted one (which is redone); a lock keeps two checkouts from installing at once.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HUEDB_COMPONENT=schemathesis
# shellcheck source=lib.sh
. "$here/lib.sh"

VERSION=${HUEDB_SCHEMATHESIS_VERSION:-4.32.5}
MARKER=.huedb-installed

schemathesis_install() {
  local cache venv start
  cache=$(huedb_cache_dir)
  venv=$cache/schemathesis-venv-$VERSION
  if [ "$(cat "$venv/$MARKER" 2>/dev/null)" = "$VERSION" ] && [ -x "$venv/bin/st" ]; then
    printf 'SCHEMATHESIS_BIN=%s\n' "$venv/bin/st"
    return 0
  fi
  exec 8>"$cache/.schemathesis-$VERSION.install.lock"
  flock -w 3600 8 || die "could not lock the schemathesis install in $cache"
  if [ "$(cat "$venv/$MARKER" 2>/dev/null)" != "$VERSION" ] || [ ! -x "$venv/bin/st" ]; then
    command -v python3 >/dev/null 2>&1 || die "python3 not found: schemathesis needs Python 3.9+"
    local installlog=$cache/schemathesis-$VERSION-install.log
    start=$(now_us)
    log "installing schemathesis==$VERSION into $venv (one time; log: $installlog)"
    rm -rf "$venv"
    python3 -m venv "$venv" >"$installlog" 2>&1 ||
      die "python3 -m venv failed (Debian: apt-get install python3-venv)" "$installlog"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$VERSION" >>"$installlog" 2>&1 ||
      die "pip install schemathesis==$VERSION failed" "$installlog"
    [ -x "$venv/bin/st" ] || die "pip installed schemathesis==$VERSION but $venv/bin/st is missing" "$installlog"
    printf '%s\n' "$VERSION" >"$venv/$MARKER"
    log "schemathesis==$VERSION installed in $(elapsed_since "$start") s"
  fi
  exec 8>&-
  printf 'SCHEMATHESIS_BIN=%s\n' "$venv/bin/st"
}

case ${1:-} in
  install) schemathesis_install ;;
  *)
    echo "usage: $0 install" >&2
    exit 2
    ;;
esac
