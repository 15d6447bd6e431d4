#!/usr/bin/env bash
# Builds the single-node Kubernetes the chart's real test runs on, once per machine, into
# ~/.cache/huedb/k8s-v1.33.13 (keyed by version): kube-apiserver, kube-controller-manager,
# kube-scheduler, kubelet, kube-proxy and kubectl from the k8s.io/kubernetes Go module, CoreDNS
# from its module, and etcd + the CNI plugins extracted from Debian's packages. No download site of
# Kubernetes is reachable here; the Go module proxy and Debian's mirror are.
#
#   build.sh          build what is missing, print K8S_BIN=<dir> and K8S_DEBS=<dir> on stdout
#   build.sh status   exit 0 when everything is built (print the same lines), else 1
#
# Cold on 2 busy cores ≈ 20–25 min (module download ≈ 1 min, kube-apiserver ≈ 13 min, the others
# ≈ 4 min reusing its packages, CoreDNS ≈ 4 min); the Go caches it fills (≈ 8 GB) are removed
# after a complete build, since the binaries are what is kept. A lock keeps two checkouts from
# building at once; the binaries move into place only when all built, so an interrupted build is
# redone, never half-used. Log: ~/.cache/huedb/k8s-v1.33.13-build.log.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HUEDB_COMPONENT=k8s-build
# shellcheck source=../local/lib.sh
. "$here/../local/lib.sh"

K8S_VERSION=v1.33.13
# The staging modules (k8s.io/api, client-go, …) are tagged v0.<minor>.<patch>. v1.32.13 cannot be
# used: the proxy refuses k8s.io/endpointslice@v0.32.13.
STAGING_VERSION=v0.33.13
COREDNS_VERSION=v1.15.0
COMPONENTS=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)

cache=$(huedb_cache_dir)
home=$cache/k8s-$K8S_VERSION
bin=$home/bin
debs=$home/debs/root

built() {
  local c
  for c in "${COMPONENTS[@]}" coredns; do [ -x "$bin/$c" ] || return 1; done
  [ -x "$debs/usr/bin/etcd" ] && [ -x "$debs/usr/lib/cni/bridge" ]
}

print_paths() { printf 'K8S_BIN=%s\nK8S_DEBS=%s\n' "$bin" "$debs"; }

# etcd and the CNI plugins: extracted only (dpkg -x), so no postinst starts a system etcd.
extract_debs() {
  local work=$home/debs.partial
  rm -rf "$work"
  mkdir -p "$work"
  (cd "$work" && apt-get download etcd-server containernetworking-plugins) ||
    die "apt-get download etcd-server containernetworking-plugins failed (Debian's mirror?)"
  local f
  for f in "$work"/*.deb; do dpkg -x "$f" "$work/root"; done
  rm -rf "$home/debs"
  mkdir -p "$home/debs"
  mv "$work/root" "$debs"
  rm -rf "$work"
}

build_go() {
  local out=$1 gocache=$cache/k8s-go
  export GOMODCACHE=$gocache/mod GOCACHE=$gocache/build GOFLAGS=-buildvcs=false CGO_ENABLED=0
  local wrap=$home/wrap
  rm -rf "$wrap"
  mkdir -p "$wrap" "$out"
  # `go install k8s.io/kubernetes/cmd/...` fails on the module's own replace directives: a wrapper
  # module requires it and replaces each staging module by its tagged release instead.
  (cd "$wrap" && go mod download k8s.io/kubernetes@$K8S_VERSION) || return 1
  local mod=$GOMODCACHE/cache/download/k8s.io/kubernetes/@v/$K8S_VERSION.mod
  {
    printf 'module huedb.local/k8swrap\n\ngo 1.24.0\n\ngodebug default=go1.24\n\nrequire k8s.io/kubernetes %s\n\nreplace (\n' "$K8S_VERSION"
    sed -n '/^replace (/,/^)/p' "$mod" | grep '=>' | awk -v s="$STAGING_VERSION" '{print "\t"$1" => "$1" "s}'
    echo ")"
  } >"$wrap/go.mod"
  {
    printf '//go:build tools\n\npackage tools\n\nimport (\n'
    local c
    for c in "${COMPONENTS[@]}"; do printf '\t_ "k8s.io/kubernetes/cmd/%s"\n' "$c"; done
    echo ")"
  } >"$wrap/tools.go"
  (cd "$wrap" && nice -n 10 go mod tidy) || return 1
  # Real version strings: helm checks the chart's kubeVersion against the API server's /version.
  local ldflags="-s -w" p c
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags="$ldflags -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=33"
    ldflags="$ldflags -X $p.gitTreeState=clean -X $p.buildDate=2026-01-01T00:00:00Z"
  done
  for c in "${COMPONENTS[@]}"; do
    log "go build $c"
    (cd "$wrap" && nice -n 10 go build -trimpath -ldflags "$ldflags" -o "$out/$c" "k8s.io/kubernetes/cmd/$c") || return 1
  done
  log "go install coredns $COREDNS_VERSION"
  GOBIN=$out nice -n 10 go install -trimpath -ldflags "-s -w" "github.com/coredns/coredns@$COREDNS_VERSION" || return 1
  rm -rf "$wrap"
}

cmd_build() {
  if built; then print_paths; return 0; fi
  mkdir -p "$home"
  exec 8>"$cache/.k8s-$K8S_VERSION.build.lock"
  flock -w 7200 8 || die "could not lock the Kubernetes build in $cache"
  if ! built; then
    require_cmd go "Kubernetes $K8S_VERSION is built from the Go module proxy: install Go 1.24 or newer"
    require_cmd apt-get "etcd and the CNI plugins come from Debian's packages"
    local buildlog=$cache/k8s-$K8S_VERSION-build.log start
    start=$(now_us)
    mark_log "$buildlog"
    log "building Kubernetes $K8S_VERSION and CoreDNS $COREDNS_VERSION (one time, ≈ 20–25 min on 2 cores; log: $buildlog)"
    [ -x "$debs/usr/bin/etcd" ] && [ -x "$debs/usr/lib/cni/bridge" ] || extract_debs >>"$buildlog" 2>&1 ||
      die "extracting etcd and the CNI plugins failed" "$buildlog"
    local partial=$home/bin.partial
    rm -rf "$partial"
    build_go "$partial" >>"$buildlog" 2>&1 || die "building Kubernetes failed" "$buildlog"
    rm -rf "$bin"
    mv "$partial" "$bin"
    # The binaries are what is kept; the ≈ 8 GB of Go caches would only speed up a rebuild.
    chmod -R u+w "$cache/k8s-go" 2>/dev/null || true
    rm -rf "$cache/k8s-go"
    log "built Kubernetes $K8S_VERSION in $(elapsed_since "$start")s: $bin"
  fi
  exec 8>&-
  print_paths
}

case ${1:-build} in
  build) cmd_build ;;
  status) built && print_paths ;;
  *)
    echo "usage: $0 [build|status]" >&2
    exit 2
    ;;
esac
