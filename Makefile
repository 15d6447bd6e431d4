# HueDB's entry points. Every target installs what it needs first (node modules; the test
# infrastructure installs itself on first use), so each works on a fresh clone.
SHELL := /bin/bash
.DEFAULT_GOAL := help
# Every target runs on the Node.js pinned in .node-version (installed into the cache on first use).
NODE_BIN := $(shell scripts/ensure-node.sh)
ifeq ($(NODE_BIN),)
$(error scripts/ensure-node.sh could not provide the Node.js in .node-version)
endif
export PATH := $(NODE_BIN):$(PATH)

.PHONY: help install build pack start test test-unit check config-docs openapi generate helm-docs infra-up infra-down cluster-up cluster-down bench soak

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

install: ## Install node modules (native builds included)
	@scripts/install.sh

build: install ## Compile every service and package to JavaScript (dist/; only what is stale)
	@"$$(scripts/ensure-pnpm.sh)" run --silent build

pack: build ## Pack the huedb npm package: dist/huedb-<version>.tgz (npm install -g / npx it)
	@scripts/pack.sh --no-build

start: build ## Run single-node HueDB on :8000 with embedded defaults (data in ./data), compiled
	@node --enable-source-maps services/single-node/dist/cli.js run --path "$${HUEDB_DATA:-./data}" --port "$${HUEDB_PORT:-8000}"

test: install ## Run every test suite against real Postgres, Kafka and S3; prints "N passed, N failed"
	@scripts/test.sh

test-unit: install ## Run only the unit specs (no infrastructure)
	@scripts/test.sh --project unit

check: install ## Formatting, lint, types, and generated code up to date
	@scripts/check.sh

config-docs: install ## Regenerate docs/configuration.md from the services' settings schemas
	@node --conditions=@huedb/source --import tsx services/single-node/src/config-docs.ts --write

helm-docs: install ## Regenerate helm/huedb's README values table and values.schema.json's settings
	@node --conditions=@huedb/source --import tsx test/helm/chart-docs.ts --write

openapi: install ## Regenerate services/gateway/openapi.json from the routes' @ApiRoute contracts
	@node --conditions=@huedb/source --import tsx services/gateway/src/openapi/generate.ts --write

generate: install ## Regenerate packages/proto from proto/
	@"$$(scripts/ensure-pnpm.sh)" run generate

infra-up: ## Start the local Postgres, Kafka and MinIO the tests use
	@deploy/local/infra.sh up "$${HUEDB_TEST_INFRA_DIR:-$(CURDIR)/.data/test-infra}"

infra-down: ## Stop them
	@deploy/local/infra.sh down "$${HUEDB_TEST_INFRA_DIR:-$(CURDIR)/.data/test-infra}"

cluster-up: install ## Start a local HueDB cluster (separate processes; Chroma API on :8000)
	@deploy/local/cluster.sh up

cluster-down: ## Stop it (and the infrastructure, if cluster-up started it)
	@deploy/local/cluster.sh down

bench: install ## Benchmarks beside hnswlib and Chroma: table + bench/results/latest.json (ARGS="--quick")
	@node --conditions=@huedb/source --import tsx bench/src/cli.ts $(ARGS)

soak: install ## Long mixed load with compaction: memory, open files and p99 slopes (ARGS="--minutes 30")
	@node --conditions=@huedb/source --import tsx bench/src/soak/soak.ts $(ARGS)
