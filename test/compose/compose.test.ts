import { catalogSettings, loadConfig as loadCatalogConfig } from '@huedb/catalog';
import { compactorSettings, loadCompactorConfig } from '@huedb/compactor';
import { gatewaySettings, loadGatewayConfig } from '@huedb/gateway';
import { logSettings, loadConfig as loadLogConfig } from '@huedb/log';
import { loadQueryConfig, querySettings } from '@huedb/query';
import type { SettingsSchema, SettingsSources } from '@huedb/service';
import { describe, expect, it } from 'vitest';
import { environmentOf, imageEnv, loadCompose } from './compose-file.js';

/**
 * deploy/compose/compose.yaml cannot be run by compose on the test machines (no compose plugin,
 * no registry for the Kafka, Postgres and MinIO images); image-cluster.test.ts runs its HueDB
 * services from the image. What holds for the file as a whole is checked here: each HueDB
 * service's configuration — the image's ENV plus the file's environment, as compose interpolates
 * it — is one its role's own loader accepts, sets no variable the role does not read (a typo would
 * be silently ignored), and names addresses where a service of the right role listens.
 */
const ADMIN_TOKEN = 'a'.repeat(64);

type Loader = (sources: SettingsSources) => unknown;
const ROLES: Record<string, { settings: SettingsSchema; load: Loader; listen: string }> = {
  gateway: { settings: gatewaySettings, load: loadGatewayConfig, listen: 'HUEDB_GATEWAY_LISTEN' },
  catalog: { settings: catalogSettings, load: loadCatalogConfig, listen: 'HUEDB_CATALOG_LISTEN' },
  log: { settings: logSettings, load: loadLogConfig, listen: 'HUEDB_LOG_LISTEN' },
  query: { settings: querySettings, load: loadQueryConfig, listen: 'HUEDB_QUERY_LISTEN' },
  compactor: {
    settings: compactorSettings,
    load: loadCompactorConfig,
    listen: 'HUEDB_COMPACTOR_LISTEN',
  },
};
/** The query node's listen address is derived from the container's host name at start. */
const QUERY_PORT = '50053';

describe('deploy/compose/compose.yaml', () => {
  const services = loadCompose({ HUEDB_ADMIN_TOKEN: ADMIN_TOKEN });
  const huedb = Object.entries(services).filter(([, s]) => s.image === services.gateway?.image);
  const roleOf = (name: string) => services[name]?.command?.[0];

  it('runs every role from the one image, and nothing else from it', () => {
    expect(huedb.map(([name]) => name).sort()).toEqual(Object.keys(ROLES).sort());
    for (const [name] of huedb) expect(roleOf(name)).toBe(name);
  });

  it("refuses to start without the gateway's admin token", () => {
    expect(() => loadCompose({})).toThrow(/HUEDB_ADMIN_TOKEN unset/);
  });

  it.each(Object.keys(ROLES))(
    '%s: its settings load, and it sets only variables it reads',
    (name) => {
      const role = ROLES[roleOf(name)!]!;
      const env = environmentOf(services[name]!);
      const read = new Set(Object.values(role.settings).map((s) => s.env));
      expect(Object.keys(env).filter((k) => k.startsWith('HUEDB_') && !read.has(k))).toEqual([]);
      expect(() => role.load({ env: { ...imageEnv(), ...env }, argv: [] })).not.toThrow();
    },
  );

  it('points every *_ADDR at a service of that role, on the port it listens on', () => {
    const image = imageEnv();
    const checked: string[] = [];
    for (const [, service] of huedb) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        const match = /^HUEDB_(\w+)_ADDR$/.exec(key);
        if (!match) continue;
        const target = match[1]!.toLowerCase();
        for (const address of String(value).split(',')) {
          const [host, port] = address.split(':');
          expect(roleOf(host!), `${key}=${value}`).toBe(target);
          const listen = ROLES[target]!.listen;
          const expected = target === 'query' ? QUERY_PORT : image[listen]?.split(':').pop();
          expect(port, `${key}=${value} vs the image's ${listen}`).toBe(expected);
          checked.push(key);
        }
      }
    }
    expect(checked).toContain('HUEDB_CATALOG_ADDR');
    expect(checked).toContain('HUEDB_LOG_ADDR');
  });

  it('waits only on services that exist and that can become healthy', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        const target = services[dependency];
        expect(target, `${name} depends on ${dependency}`).toBeDefined();
        // HueDB's services are healthy by the image's HEALTHCHECK.
        if (condition === 'service_healthy' && target!.image !== services.gateway?.image) {
          expect(target!.healthcheck, `${dependency} has no healthcheck`).toBeDefined();
        }
      }
    }
  });
});
