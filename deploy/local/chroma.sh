#!/usr/bin/env bash
# The reference Chroma (`chroma run` and its Python client) that the differential tests and the
# benchmarks compare HueDB with. Never a dependency of the product: it is installed into the
# per-user cache, in its own virtualenv, from PyPI.
#
#   chroma.sh install     install chromadb==$HUEDB_CHROMA_VERSION (1.5.9) and pyarrow once,
#                         then print CHROMA_BIN=… and CHROMA_PYTHON=… on stdout
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
# pyarrow beside it: the export tests read HueDB's Parquet files with it (chromadb does not bring it).
PYARROW_VERSION=26.0.1

chroma_install() {
  local venv
  venv=$(pip_venv_install chroma chromadb "$VERSION" chroma)
  pip_venv_add "$venv" pyarrow pyarrow "$PYARROW_VERSION"
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
