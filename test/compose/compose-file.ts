import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

/** deploy/compose/compose.yaml read as compose reads it, and the image's ENV, for the tests. */
export const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** One service of the compose file (the keys the tests look at). */
export interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string | number | null>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: unknown;
  read_only?: boolean;
  tmpfs?: string[];
}

/** Compose's interpolation: ${VAR}, ${VAR:-default}, ${VAR:?error}, $$ for a literal $. */
export function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(
    /\$\$|\$\{(\w+)(?:(:?[-?])([^}]*))?\}/g,
    (whole, name?: string, op?: string, arg?: string) => {
      if (whole === '$$') return '$';
      const value = env[name!];
      const set = op?.startsWith(':') ? Boolean(value) : value !== undefined;
      if (set) return value!;
      if (op?.endsWith('?')) throw new Error(`compose refuses: ${name} unset (${arg})`);
      return op ? (arg ?? '') : '';
    },
  );
}

/** The services of compose.yaml, merge keys resolved and interpolated with `env`. */
export function loadCompose(env: Record<string, string>): Record<string, ComposeService> {
  const text = readFileSync(path.join(ROOT, 'deploy', 'compose', 'compose.yaml'), 'utf8');
  const doc = YAML.parse(text, { merge: true }) as { services: Record<string, ComposeService> };
  return JSON.parse(interpolate(JSON.stringify(doc.services), env)) as Record<
    string,
    ComposeService
  >;
}

/** A service's environment as text, the way a container gets it. */
export function environmentOf(service: ComposeService): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([k, v]) => [k, String(v ?? '')]),
  );
}

/** The Dockerfile's ENV lines (`ENV a=b \ c=d`), merged. */
export function imageEnv(): Record<string, string> {
  const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const env: Record<string, string> = {};
  for (const line of dockerfile.split('\n')) {
    if (!line.startsWith('ENV ')) continue;
    for (const [, key, value] of line.slice(4).matchAll(/(\w+)=(\S+)/g)) env[key!] = value!;
  }
  return env;
}
