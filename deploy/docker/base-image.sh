#!/usr/bin/env bash
# Builds the stand-in for the public Node 24 slim image (node:24-bookworm-slim) in the private
# engine, for machines that reach no container registry: Debian bookworm from debootstrap
# (--variant=minbase, the same Debian the public image is made of), imported with `docker import`,
# plus the Node.js of .node-version (scripts/ensure-node.sh's copy, from the npm registry) and npm,
# laid out as the public image lays them out (/usr/local/bin/node, npm, npx, headers in
# /usr/local/include/node) with its `node` user (uid 1000).
#
#   base-image.sh   print HUEDB_BASE_IMAGE=<image> (built on first use, then reused)
#
# The debootstrap rootfs is cached as a tarball in ~/.cache/huedb, so a fresh engine re-imports it
# in seconds. The host's CA bundle is copied in and named by NODE_EXTRA_CA_CERTS: outbound HTTPS
# here goes through a proxy with its own CA, and the image build runs npm inside the base.
# HUEDB_DEBIAN_MIRROR overrides the Debian mirror (default deb.debian.org).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
HUEDB_COMPONENT=base-image
# shellcheck source=../local/lib.sh
. "$here/../local/lib.sh"

SUITE=bookworm
MIRROR=${HUEDB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# The npm the public Node 24 images carry (the npm registry's Node package has only the binary).
NPM_VERSION=11.21.2
CA_BUNDLE=${HUEDB_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}

node_bin=$("$root/scripts/ensure-node.sh")
node_dir=$(dirname "$node_bin")
node_version=$(tr -d ' \n' <"$root/.node-version")
case "$(uname -m)" in
  x86_64) arch=amd64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) die "no Debian architecture known for $(uname -m)" ;;
esac
cache=$(huedb_cache_dir)
rootfs_tar=$cache/debian-$SUITE-minbase-$arch.tar.gz
debian_image=huedb-debian:$SUITE-minbase
image=huedb-node:$node_version-$SUITE

eval "$("$here/engine.sh" up)"
docker() { "$HUEDB_DOCKER" "$@"; }
export DOCKER_HOST

if docker image inspect "$image" >/dev/null 2>&1; then
  printf 'HUEDB_BASE_IMAGE=%s\n' "$image"
  exit 0
fi
exec 8>"$cache/.base-image.lock"
flock -w 1800 8 || die "could not lock the base image build in $cache"

# debootstrap's rootfs, once per machine. Built in a temporary directory and renamed into place, so
# an interrupted run never leaves a half tarball behind.
if [ ! -s "$rootfs_tar" ]; then
  [ "$(id -u)" -eq 0 ] || die "debootstrap needs root"
  installlog=$cache/debootstrap-$SUITE.log
  if ! command -v debootstrap >/dev/null 2>&1; then
    log "installing debootstrap with apt-get (one time; log: $installlog)"
    { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap; } \
      >"$installlog" 2>&1 || die "apt-get install debootstrap failed" "$installlog"
  fi
  start=$(now_us)
  log "debootstrap --variant=minbase $SUITE from $MIRROR (one time, ~1 min; log: $installlog)"
  work=$(mktemp -d "$cache/.debootstrap-XXXXXX")
  trap 'rm -rf "$work"' EXIT
  debootstrap --variant=minbase --arch="$arch" "$SUITE" "$work/rootfs" "$MIRROR" >>"$installlog" 2>&1 ||
    die "debootstrap failed" "$installlog"
  # What a container image does not need: downloaded packages, package lists, docs, man pages.
  rm -rf "$work/rootfs"/var/cache/apt/archives/*.deb "$work/rootfs"/var/lib/apt/lists/* \
    "$work/rootfs"/usr/share/doc/* "$work/rootfs"/usr/share/man/* "$work/rootfs"/usr/share/info/*
  tar --numeric-owner -C "$work/rootfs" -czf "$work/rootfs.tar.gz" .
  mv "$work/rootfs.tar.gz" "$rootfs_tar"
  rm -rf "$work"
  trap - EXIT
  log "rootfs cached in $(elapsed_since "$start")s: $rootfs_tar ($(du -h "$rootfs_tar" | cut -f1))"
fi

start=$(now_us)
if ! docker image inspect "$debian_image" >/dev/null 2>&1; then
  docker import --change 'CMD ["bash"]' "$rootfs_tar" "$debian_image" >/dev/null
fi

# npm from the npm registry, once per version (like ensure-node.sh's Node).
npm_dir=$cache/npm-$NPM_VERSION
if [ ! -f "$npm_dir/package/bin/npm-cli.js" ]; then
  tmp=$(mktemp -d "$cache/.npm-$NPM_VERSION-XXXXXX")
  (cd "$tmp" && npm pack --silent "npm@$NPM_VERSION" >/dev/null && tar -xzf "npm-$NPM_VERSION.tgz")
  mv -T "$tmp" "$npm_dir" 2>/dev/null || rm -rf "$tmp"
fi

context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
mkdir -p "$context/node"
cp -a "$node_dir/bin" "$node_dir/include" "$context/node/"
cp -a "$npm_dir/package" "$context/npm"
[ -r "$CA_BUNDLE" ] || die "no CA bundle at $CA_BUNDLE (set HUEDB_CA_BUNDLE)"
cp "$CA_BUNDLE" "$context/ca-certificates.crt"
cat >"$context/Dockerfile" <<EOF
FROM $debian_image
COPY node/bin/node /usr/local/bin/node
COPY node/include/node /usr/local/include/node
COPY npm /usr/local/lib/node_modules/npm
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
# As the public image: npm and npx on PATH, a node user and group with id 1000.
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && echo 'node:x:1000:' >>/etc/group \\
 && echo 'node:x:1000:1000::/home/node:/bin/bash' >>/etc/passwd \\
 && mkdir -p /home/node && chown 1000:1000 /home/node \\
 && node --version && npm --version
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
    NODE_VERSION=$node_version \\
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \\
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
CMD ["node"]
EOF
buildlog=$cache/base-image-build.log
mark_log "$buildlog"
docker build --tag "$image" "$context" >>"$buildlog" 2>&1 || die "building $image failed" "$buildlog"
log "built $image in $(elapsed_since "$start")s"
printf 'HUEDB_BASE_IMAGE=%s\n' "$image"
