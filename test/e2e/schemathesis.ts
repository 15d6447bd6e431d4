import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseKeyValueLines } from '@huedb/testing';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');

export interface FuzzOptions {
  /** The deployment's base URL; its /openapi.json is the contract. */
  url: string;
  /** Schemathesis's time budget: enough for every operation's coverage, fuzzing and stateful phases. */
  seconds: number;
  /** Headers on every generated request (a credential, on a deployment with auth on). */
  headers?: Record<string, string>;
}

export interface FuzzResult {
  operations: { total: number; tested: number; errored: number };
  test_cases: { generated: number };
  failures: unknown[];
  errors: unknown[];
  /** Schemathesis's own account of the failures (how to reproduce each), for assertion messages. */
  summary: string;
}

/**
 * Runs Schemathesis (installed by the project's script, cached by version) against a running
 * deployment with the checks of docs/decisions/0014-http-schema.md: every status documented, every
 * body on its schema, no 5xx but the deliberate 501s (test/e2e/schemathesis.toml).
 */
export async function fuzzOpenApi(options: FuzzOptions): Promise<FuzzResult> {
  const { stdout } = await run(path.join(ROOT, 'deploy/local/schemathesis.sh'), ['install']);
  const bin = parseKeyValueLines(stdout)['SCHEMATHESIS_BIN']!;
  // Schemathesis keeps a cache in its working directory: a temporary one, not the checkout.
  const workDir = mkdtempSync(path.join(tmpdir(), 'huedb-st-'));
  const report = path.join(workDir, 'report.json');
  const args = [
    '--config-file',
    path.join(ROOT, 'test/e2e/schemathesis.toml'),
    'run',
    `${options.url}/openapi.json`,
    '--checks',
    'status_code_conformance,response_schema_conformance,not_a_server_error',
    '--max-time',
    String(options.seconds),
    // Examples per operation and phase: small, so that every phase reaches every operation
    // within the budget.
    '--max-examples',
    '20',
    '--workers',
    '2',
    '--no-color',
    '--generation-database',
    'none',
    '--report',
    'json',
    '--report-json-path',
    report,
    ...Object.entries(options.headers ?? {}).flatMap(([name, value]) => [
      '--header',
      `${name}: ${value}`,
    ]),
  ];
  // A failed check exits non-zero: the report says which, and the output how to reproduce it.
  const output = await run(bin, args, { cwd: workDir, maxBuffer: 64 * 1024 * 1024 }).then(
    (r) => r.stdout,
    (err: Error & { stdout?: string }) => err.stdout ?? err.message,
  );
  const result = JSON.parse(readFileSync(report, 'utf8')) as Omit<FuzzResult, 'summary'>;
  const at = output.indexOf('FAILURES');
  return { ...result, summary: at >= 0 ? output.slice(at) : output.slice(-4000) };
}
