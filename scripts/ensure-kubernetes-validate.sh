#!/usr/bin/env bash
# Prints the path of kubernetes-validate (PyPI), installed once per machine into its own virtualenv
# in ~/.cache/huedb: the chart's fast tests check every object `helm template` renders against the
# Kubernetes JSON schemas it bundles, offline (no cluster, no download at test time).
#
#   scripts/ensure-kubernetes-validate.sh    install on first use, print the executable's path
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HUEDB_COMPONENT=kubernetes-validate
# shellcheck source=../deploy/local/lib.sh
. "$here/../deploy/local/lib.sh"

version=1.37.0
venv=$(pip_venv_install kubernetes-validate kubernetes-validate "$version" kubernetes-validate)
printf '%s\n' "$venv/bin/kubernetes-validate"
