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

schemathesis_install() {
  local venv
  venv=$(pip_venv_install schemathesis schemathesis "$VERSION" st)
  printf 'SCHEMATHESIS_BIN=%s\n' "$venv/bin/st"
}

case ${1:-} in
  install) schemathesis_install ;;
  *)
    echo "usage: $0 install" >&2
    exit 2
    ;;
esac
