#!/usr/bin/env bash
# The images the local Kubernetes runs, built in the private Docker engine (deploy/docker/engine.sh)
# and saved as archives for `ctr images import` (no registry is reachable, so nothing is pulled):
#
#   images.sh base   pause (containerd's sandbox image) and CoreDNS
#   images.sh app    HueDB's image (deploy/docker/image.sh) and the bundled mode's stand-ins for
#                    postgres, apache/kafka and minio/minio, built from the same programs the test
#                    infrastructure uses (Debian's PostgreSQL, Kafka's jars from Maven Central,
#                    MinIO built with go install), on the local Debian base (base-image.sh)
#
# Prints K8S_IMAGE_TAR=<archive> per image and, for `app`, K8S_IMAGE_<ROLE>=<reference> lines.
# Archives live in ~/.cache/huedb/k8s-images, each rewritten only when its image id changed.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
HUEDB_COMPONENT=k8s-images
# shellcheck source=../local/lib.sh
. "$here/../local/lib.sh"

cache=$(huedb_cache_dir)
out=$cache/k8s-images
mkdir -p "$out"
buildlog=$cache/k8s-images-build.log

engine() {
  eval "$("$root/deploy/docker/engine.sh" up)"
  export DOCKER_HOST
}
docker() { "$HUEDB_DOCKER" "$@"; }

# save NAME REF: docker save REF into NAME.tar unless the archive already holds this image id.
save() {
  local name=$1 ref=$2 id
  id=$(docker image inspect --format '{{.Id}}' "$ref")
  if [ "$(cat "$out/$name.id" 2>/dev/null)" != "$id" ] || [ ! -s "$out/$name.tar" ]; then
    docker save "$ref" -o "$out/$name.tar.partial"
    mv "$out/$name.tar.partial" "$out/$name.tar"
    printf '%s\n' "$id" >"$out/$name.id"
  fi
  printf 'K8S_IMAGE_TAR=%s\n' "$out/$name.tar"
}

# build NAME REF DOCKERFILE CONTEXT [BUILD ARGS...]
build() {
  local name=$1 ref=$2 dockerfile=$3 context=$4
  shift 4
  mark_log "$buildlog"
  docker build --network host -q -t "$ref" -f "$dockerfile" "$@" "$context" >>"$buildlog" 2>&1 ||
    die "building the $name image failed" "$buildlog"
}

cmd_base() {
  engine
  eval "$("$here/build.sh" status)" || die "Kubernetes is not built: run deploy/k8s-local/build.sh"
  local ctx
  ctx=$(mktemp -d)
  trap 'rm -rf "$ctx"' RETURN
  mkdir -p "$ctx/pause" "$ctx/coredns"
  [ -x "$out/pause" ] || gcc -static -Os -s -o "$out/pause" "$here/pause.c" ||
    die "could not compile pause.c (gcc with static glibc: Debian's libc6-dev)"
  cp "$out/pause" "$ctx/pause/"
  cp "$K8S_BIN/coredns" "$ctx/coredns/"
  DOCKER_BUILDKIT=0 build pause registry.k8s.io/pause:3.10 "$here/standins/pause.Dockerfile" "$ctx/pause"
  DOCKER_BUILDKIT=0 build coredns local/coredns:1.15.0 "$here/standins/coredns.Dockerfile" "$ctx/coredns"
  save pause registry.k8s.io/pause:3.10
  save coredns local/coredns:1.15.0
}

cmd_app() {
  local lines ref base ctx
  # HueDB's own image, as users build it (its layer cache makes an unchanged tree seconds).
  lines=$("$root/deploy/docker/image.sh") || die "deploy/docker/image.sh failed"
  eval "$lines"
  export DOCKER_HOST
  eval "$("$root/deploy/docker/base-image.sh")"
  base=$HUEDB_BASE_IMAGE
  "$root/deploy/local/kafka.sh" install >&2
  "$root/deploy/local/minio.sh" install >&2
  local kafka_version minio_version
  kafka_version=$(sed -n 's/^KAFKA_VERSION=//p' "$root/deploy/local/kafka.sh")
  minio_version=$(sed -n 's/^MINIO_VERSION=//p' "$root/deploy/local/minio.sh")
  ctx=$(mktemp -d)
  trap 'rm -rf "$ctx"' RETURN
  mkdir -p "$ctx/postgres" "$ctx/kafka" "$ctx/minio"
  cp -r "$cache/kafka-$kafka_version/libs" "$ctx/kafka/libs"
  cp "$here/standins/kafka-storage.sh" "$here/standins/kafka-server-start.sh" "$here/standins/log4j2.properties" "$ctx/kafka/"
  cp "$cache/minio-$minio_version/minio" "$ctx/minio/"
  build postgres huedb-standin/postgres:15 "$here/standins/postgres.Dockerfile" "$ctx/postgres" --build-arg "BASE=$base"
  build kafka "huedb-standin/kafka:$kafka_version" "$here/standins/kafka.Dockerfile" "$ctx/kafka" --build-arg "BASE=$base"
  build minio huedb-standin/minio:latest "$here/standins/minio.Dockerfile" "$ctx/minio" --build-arg "BASE=$base"
  save huedb "$HUEDB_IMAGE"
  save postgres huedb-standin/postgres:15
  save kafka "huedb-standin/kafka:$kafka_version"
  save minio huedb-standin/minio:latest
  printf 'K8S_IMAGE_HUEDB=%s\nK8S_IMAGE_POSTGRES=%s\nK8S_IMAGE_KAFKA=%s\nK8S_IMAGE_MINIO=%s\n' \
    "$HUEDB_IMAGE" huedb-standin/postgres:15 "huedb-standin/kafka:$kafka_version" huedb-standin/minio:latest
}

case ${1:-} in
  base) cmd_base ;;
  app) cmd_app ;;
  *)
    echo "usage: $0 base|app" >&2
    exit 2
    ;;
esac
