#!/usr/bin/env bash
# Prints the path of helm v3.22.0 (the chart's tests and deploy/k8s-local use it), building it once
# per machine from the Go module proxy into ~/.cache/huedb/helm-<version>/helm. No download site of
# helm is reachable from the test machines, but the Go proxy is, and helm's module has no replace
# directives, so a wrapper module that requires it builds the very release (Go >= 1.26, which
# helm 3.22's go.mod asks for).
#
#   scripts/ensure-helm.sh     build on first use (≈ 2.5 min on 2 busy cores), print the binary's path
#
# The Go module and build caches of the build live beside it (cache/helm-go), so a rebuild after
# the binary was deleted is seconds. A lock keeps two checkouts from building at once; the binary
# is moved into place only after the build succeeded, so an interrupted build is redone.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HUEDB_COMPONENT=helm
# shellcheck source=../deploy/local/lib.sh
. "$here/../deploy/local/lib.sh"

version=v3.22.0
cache=$(huedb_cache_dir)
bin=$cache/helm-$version/helm
if [ -x "$bin" ]; then
  printf '%s\n' "$bin"
  exit 0
fi
exec 8>"$cache/.helm-$version.install.lock"
flock -w 3600 8 || die "could not lock the helm build in $cache"
if [ ! -x "$bin" ]; then
  require_cmd go "helm $version is built from the Go module proxy: install Go 1.26 or newer"
  work=$cache/helm-$version.partial
  buildlog=$cache/helm-$version-install.log
  start=$(now_us)
  log "building helm $version from the Go module proxy (one time, minutes on 2 cores; log: $buildlog)"
  rm -rf "$work"
  mkdir -p "$work/wrap"
  kube=""
  for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
    kube="$kube -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=37"
  done
  printf 'module huedb.local/helmwrap\n\ngo 1.26.0\n\nrequire helm.sh/helm/v3 %s\n' "$version" >"$work/wrap/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "helm.sh/helm/v3/cmd/helm"\n' >"$work/wrap/tools.go"
  # Set at link time as helm's Makefile does: the version string (else `helm version` says
  # v3.x-dev) and the Kubernetes version `helm template` and `helm lint` assume without a cluster
  # (client-go v0.37 → 1.37; else 1.20, which the chart's kubeVersion refuses).
  if ! (cd "$work/wrap" &&
    export GOMODCACHE=$cache/helm-go/mod GOCACHE=$cache/helm-go/build GOFLAGS=-buildvcs=false CGO_ENABLED=0 &&
    nice -n 10 go mod tidy &&
    nice -n 10 go build -trimpath -o "$work/helm" \
      -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$version $kube" helm.sh/helm/v3/cmd/helm) >"$buildlog" 2>&1; then
    die "building helm $version failed (it needs Go 1.26+ and the Go module proxy)" "$buildlog"
  fi
  mkdir -p "$(dirname "$bin")"
  mv "$work/helm" "$bin"
  rm -rf "$work"
  log "built helm $version in $(elapsed_since "$start")s: $bin"
fi
exec 8>&-
printf '%s\n' "$bin"
