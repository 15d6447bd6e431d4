#!/usr/bin/env bash
# make check: formatting, lint, types, proto lint, generated code matching proto/, and the
# generated docs (configuration, OpenAPI) matching their sources.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=scripts/use-node.sh
source "$root/scripts/use-node.sh"
pnpm=$("$root/scripts/ensure-pnpm.sh")
echo "== prettier"; "$pnpm" exec prettier --check --log-level warn .
echo "== eslint"; "$pnpm" exec eslint --max-warnings 0 .
echo "== tsc"; "$pnpm" exec tsc -p tsconfig.json --noEmit
echo "== tsc -b (the production build compiles)"; "$pnpm" run --silent build
echo "== buf lint + generate"; "$pnpm" run --silent generate
if ! git diff --quiet --exit-code -- packages/proto/src/gen || [ -n "$(git status --porcelain -- packages/proto/src/gen)" ]; then
  git status --short -- packages/proto/src/gen
  echo "packages/proto/src/gen is stale: run 'make generate' and commit the result" >&2
  exit 1
fi
echo "== docs/configuration.md matches the settings schemas"
node --conditions=@huedb/source --import tsx services/single-node/src/config-docs.ts
echo "== services/gateway/openapi.json matches the routes' contracts"
node --conditions=@huedb/source --import tsx services/gateway/src/openapi/generate.ts
echo "== helm/huedb's README and values.schema.json match values.yaml and the settings"
node --conditions=@huedb/source --import tsx test/helm/chart-docs.ts
echo "check: clean"
