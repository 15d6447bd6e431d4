#!/usr/bin/env bash
# Builds HueDB's image from the root Dockerfile in the private engine (engine.sh), on the local Node
# 24 base (base-image.sh) unless HUEDB_IMAGE_BASE names another; the engine's layer cache makes an
# unchanged tree a few seconds' rebuild, a source edit a rebuild of the compile stage only.
#
#   image.sh   print DOCKER_HOST=…, HUEDB_DOCKER=…, HUEDB_IMAGE=<tag> and HUEDB_IMAGE_ID=<id>
#
# HUEDB_IMAGE_TAG: the tag (default huedb:test). The id is the image this build made: callers run
# that, so another checkout re-tagging the same name meanwhile changes nothing for them. The build
# uses the host's network (--network host): the engine gives containers no outbound route of their
# own, and the install needs the npm registry and Debian's mirror. Build log: .data/image-build.log.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
HUEDB_COMPONENT=image
# shellcheck source=../local/lib.sh
. "$here/../local/lib.sh"

tag=${HUEDB_IMAGE_TAG:-huedb:test}
engine_env=$("$here/engine.sh" up)
eval "$engine_env"
export DOCKER_HOST
docker() { "$HUEDB_DOCKER" "$@"; }
base=${HUEDB_IMAGE_BASE:-}
if [ -z "$base" ]; then
  eval "$("$here/base-image.sh")"
  base=$HUEDB_BASE_IMAGE
fi

# shellcheck source=../../scripts/use-node.sh
source "$root/scripts/use-node.sh"
version=$(node -p "require('$root/services/single-node/package.json').version")
revision=$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)
# The commit's time, not the build's: an unchanged tree then builds the very same image.
created=$(git -C "$root" log -1 --format=%cI 2>/dev/null || echo unknown)

mkdir -p "$root/.data"
buildlog=$root/.data/image-build.log
iidfile=$(mktemp)
trap 'rm -f "$iidfile"' EXIT
start=$(now_us)
log "building $tag on $base (log: $buildlog)"
mark_log "$buildlog"
docker build --network host --iidfile "$iidfile" --tag "$tag" \
  --build-arg "BASE=$base" --build-arg "VERSION=$version" \
  --build-arg "REVISION=$revision" --build-arg "CREATED=$created" \
  "$root" >>"$buildlog" 2>&1 || die "docker build failed" "$buildlog"
id=$(cat "$iidfile")
log "built $tag ($id) in $(elapsed_since "$start")s"
# Earlier builds of HueDB's image that lost their tag, after an hour (a run in another checkout may
# be about to start one); images in use by a container are never removed. Only the final images
# carry the label, so the cached layers of the install and compile stages stay.
docker image prune --force --filter "label=org.opencontainers.image.title=HueDB" --filter "until=1h" >/dev/null || true
printf '%s\n' "$engine_env"
printf 'HUEDB_IMAGE=%s\nHUEDB_IMAGE_ID=%s\n' "$tag" "$id"
