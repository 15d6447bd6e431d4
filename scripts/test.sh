#!/usr/bin/env bash
# Runs vitest (extra arguments are passed through) and ends with the count line CI reads:
# "Tests: N passed, N failed[, N skipped]". The exit code is vitest's.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=scripts/use-node.sh
source "$root/scripts/use-node.sh"
pnpm=$("$root/scripts/ensure-pnpm.sh") || exit 1
mkdir -p .data
report=.data/vitest-report.json
rm -f "$report"
"$pnpm" exec vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@"
code=$?
node -e '
  const fs = require("fs");
  const file = process.argv[1];
  if (!fs.existsSync(file)) { console.log("Tests: 0 passed, 1 failed"); process.exit(0); }
  const r = JSON.parse(fs.readFileSync(file, "utf8"));
  // A suite that failed to load (e.g. its setup threw) has no tests but is a failure.
  const brokenFiles = r.testResults.filter((f) => f.status === "failed" && f.assertionResults.length === 0).length;
  let failed = r.numFailedTests + brokenFiles;
  // A run that failed outside any test (global setup, no infrastructure) is one failure, not none.
  const code = Number(process.argv[2]);
  if (code !== 0 && failed === 0) failed = 1;
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`Tests: ${r.numPassedTests} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$report" "$code"
exit $code
