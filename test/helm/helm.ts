/**
 * Helpers of the chart's tests: helm and kubernetes-validate from the project's scripts (built or
 * installed once into ~/.cache/huedb), `helm template` into parsed objects.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CHART, REPO } from './chart-docs.js';

export { CHART, REPO };

/** A rendered Kubernetes object (only what the tests read is typed). */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

function tool(script: string): string {
  return execFileSync(path.join(REPO, 'scripts', script), {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}

/** helm v3.22.0 (scripts/ensure-helm.sh; the first call on a machine builds it, minutes). */
export const helmBin = (): string => tool('ensure-helm.sh');

/** kubernetes-validate (scripts/ensure-kubernetes-validate.sh). */
export const validatorBin = (): string => tool('ensure-kubernetes-validate.sh');

/** What a command said. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(bin: string, args: string[], env: NodeJS.ProcessEnv = process.env): Run {
  const r = spawnSync(bin, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env });
  if (r.error) throw r.error;
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

/** `--set`-style values as helm arguments. */
export function setArgs(values: Record<string, string | number | boolean>): string[] {
  return Object.entries(values).flatMap(([k, v]) =>
    // A comma separates --set entries: escape the ones inside a value (broker lists).
    typeof v === 'string'
      ? ['--set-string', `${k}=${v.replace(/,/g, '\\,')}`]
      : ['--set', `${k}=${v}`],
  );
}

/** `helm template` of the chart; `extra`: more helm arguments (--api-versions, --kube-version). */
export function template(
  helm: string,
  values: Record<string, string | number | boolean>,
  extra: string[] = [],
): Run {
  return run(helm, [
    'template',
    'r',
    CHART,
    '--namespace',
    'ns',
    '--kube-version',
    '1.33.0',
    ...setArgs(values),
    ...extra,
  ]);
}

/** Parses a rendering into objects (empty documents dropped). */
export function objects(yamlText: string): K8sObject[] {
  return parseAllDocuments(yamlText)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

/** The rendering's objects, failing with helm's message when it did not render. */
export function render(
  helm: string,
  values: Record<string, string | number | boolean>,
  extra: string[] = [],
): K8sObject[] {
  const r = template(helm, values, extra);
  if (r.code !== 0) throw new Error(`helm template failed: ${r.stderr}`);
  return objects(r.stdout);
}
