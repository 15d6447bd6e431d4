import { flagName, type SettingsSchema } from './settings.js';

/** A service and the settings it reads, for the generated docs. */
export interface ServiceSettings {
  service: string;
  settings: SettingsSchema;
}

/** A variable read outside the services (scripts, the test harness), documented by hand. */
export interface OtherVariable {
  env: string;
  readBy: string;
  default: string;
  description: string;
}

/**
 * docs/configuration.md: every service setting once (name, flag, type, default, the services
 * that read it, description), then the variables scripts and tests read. Deterministic, so the
 * committed file can be checked for drift.
 */
export function renderConfigurationDocs(
  services: readonly ServiceSettings[],
  others: readonly OtherVariable[],
): string {
  // A setting may default differently per service (HUEDB_AUTH: on in the cluster's gateway, off
  // in single-node, as `chroma run`): the table then names each service's default.
  const byEnv = new Map<
    string,
    { setting: SettingsSchema[string]; readBy: string[]; defaults: (string | undefined)[] }
  >();
  for (const { service, settings } of services) {
    for (const setting of Object.values(settings)) {
      const entry = byEnv.get(setting.env);
      if (entry) {
        if (entry.readBy.includes(service)) continue;
        entry.readBy.push(service);
        entry.defaults.push(setting.default);
        if (entry.setting.type !== setting.type) {
          throw new Error(`${setting.env}: ${service} disagrees with ${entry.readBy[0]} on it`);
        }
      } else byEnv.set(setting.env, { setting, readBy: [service], defaults: [setting.default] });
    }
  }
  const code = (value: string | undefined) => (value === undefined ? '—' : `\`${value}\``);
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const lines = [
    '# Configuration',
    '',
    "<!-- Generated from the services' settings schemas (services/*/src/config.ts and",
    '@huedb/service): edit those, then run `make config-docs`. `make check` fails when this file',
    'is stale. -->',
    '',
    'Every service reads its settings, highest precedence first, from command-line flags',
    '(`--gateway-listen 0.0.0.0:8000`: the variable without `HUEDB_`, lower-case, `_` → `-`), the',
    'environment (`HUEDB_*`), a YAML or JSON file of `flag-name: value` pairs (`--config file` or',
    '`HUEDB_CONFIG=file`), then the defaults below. An empty variable counts as unset. A value that',
    'does not parse stops the service at start with a message naming the variable.',
    '',
    '## Service settings',
    '',
    '| variable | flag | type | default | read by | description |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const env of [...byEnv.keys()].sort()) {
    const { setting, readBy, defaults } = byEnv.get(env)!;
    const dflt = setting.required
      ? '(required)'
      : defaults.every((d) => d === defaults[0])
        ? code(defaults[0])
        : defaults.map((d, i) => `${code(d)} (${readBy[i]})`).join(', ');
    lines.push(
      `| \`${env}\` | \`--${setting.flag ?? flagName(env)}\` | ${cell(setting.type)} | ${cell(dflt)} | ${readBy.join(', ')} | ${cell(setting.description)} |`,
    );
  }
  lines.push(
    '',
    '## Scripts and tests',
    '',
    'Read by `deploy/local/*.sh`, the Makefile, `packages/testing` and the test suites, not by the',
    'services.',
    '',
    '| variable | read by | default | description |',
    '| --- | --- | --- | --- |',
  );
  for (const other of [...others].sort((a, b) => a.env.localeCompare(b.env))) {
    lines.push(
      `| \`${other.env}\` | ${cell(other.readBy)} | ${cell(other.default)} | ${cell(other.description)} |`,
    );
  }
  return lines.join('\n') + '\n';
}
