# HueDB's container image: one image for every role (docs/decisions/0034-container-images.md).
#
#   docker build -t huedb .
#   docker run -p 8000:8000 -v huedb-data:/data huedb          # single-node: `huedb run`
#   docker run huedb gateway | catalog | log | query | compactor   # a cluster service
#   docker run huedb --version                                 # any other huedb command
#
# BASE is the Node 24 image every stage starts from: the public slim image users pull, by default.
# Machines without a registry pass a local stand-in (deploy/docker/base-image.sh, image.sh).
ARG BASE=node:24-bookworm-slim

# The workspace's manifests and lockfile, collected by find — a new workspace package needs no line
# here. This stage reruns on any change to the context, but its output changes only with a
# manifest, so the dependency install below stays cached across source edits.
FROM ${BASE} AS manifests
WORKDIR /src
COPY . .
RUN mkdir /manifests \
 && cp package.json pnpm-lock.yaml pnpm-workspace.yaml .npmrc /manifests/ \
 && find . -name package.json -not -path '*/node_modules/*' -exec cp --parents {} /manifests/ \;

# The native toolchain (hnswlib-node is compiled from source at install), tini, and the pnpm of
# package.json's packageManager.
FROM ${BASE} AS toolchain
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ tini \
 && rm -rf /var/lib/apt/lists/*
COPY package.json /tmp/root-package.json
RUN npm install -g --no-audit --no-fund --no-update-notifier \
      "pnpm@$(node -p "require('/tmp/root-package.json').packageManager.split('@')[1]")"

# Every workspace dependency, exactly as locked. No -mavx2 here (unlike scripts/install.sh on a
# known CPU): an image runs on any x86-64. node-gyp builds against the base image's Node headers
# (/usr/local/include/node, as in the public image) instead of downloading them.
FROM toolchain AS deps
WORKDIR /src
COPY --from=manifests /manifests/ ./
RUN if [ -f /usr/local/include/node/node.h ]; then export npm_config_nodedir=/usr/local; fi \
 && pnpm install --frozen-lockfile

# tsc -b to every package's dist/ (only the sources are copied: scripts and docs do not invalidate
# it), then the production tree: @huedb/single-node with its
# production dependencies — every service among them — in /app. `--legacy`: the workspace links
# its packages instead of injecting them (pnpm 10's deploy default wants injected ones).
FROM deps AS build
COPY tsconfig.base.json tsconfig.build-base.json tsconfig.build.json ./
COPY packages ./packages
COPY services ./services
RUN pnpm run build \
 && if [ -f /usr/local/include/node/node.h ]; then export npm_config_nodedir=/usr/local; fi \
 && pnpm --filter @huedb/single-node deploy --prod --legacy /app \
 && rm -rf /app/src /app/test

FROM ${BASE} AS runtime
COPY --from=toolchain /usr/bin/tini-static /usr/bin/tini
# uid/gid 1000 (the public image's `node`; created where the base has none). /data is the one
# writable place the image needs (and /tmp, a tmpfs under --read-only).
RUN (getent group 1000 >/dev/null || echo 'huedb:x:1000:' >>/etc/group) \
 && (getent passwd 1000 >/dev/null || echo 'huedb:x:1000:1000:HueDB:/data:/usr/sbin/nologin' >>/etc/passwd) \
 && mkdir -p /data && chown 1000:1000 /data
COPY --from=build /app /app
COPY deploy/docker/entrypoint.mjs deploy/docker/healthcheck.mjs deploy/docker/roles.mjs /app/docker/
# Inside a container every role binds all interfaces (the defaults elsewhere are loopback), and
# single-node keeps its data in the volume. Role-specific defaults: deploy/docker/roles.mjs.
ENV NODE_ENV=production \
    HUEDB_DATA=/data \
    HUEDB_HOST=0.0.0.0 \
    HUEDB_GATEWAY_LISTEN=0.0.0.0:8000 \
    HUEDB_CATALOG_LISTEN=0.0.0.0:50051 \
    HUEDB_LOG_LISTEN=0.0.0.0:50052 \
    HUEDB_COMPACTOR_LISTEN=0.0.0.0:50071
USER 1000:1000
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "/app/docker/healthcheck.mjs"]
# tini is PID 1: it forwards SIGTERM to the role (which drains, then exits 0) and reaps zombies.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/docker/entrypoint.mjs"]
CMD ["run"]
# Last, so a new revision changes only this metadata layer.
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
ARG BASE
LABEL org.opencontainers.image.title="HueDB" \
      org.opencontainers.image.description="A distributed, multi-tenant vector database that speaks Chroma's HTTP API v2" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="${BASE}"
