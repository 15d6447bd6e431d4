import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { boolean, hostPort, hostPortList, integer, loadSettings, oneOf, text } from './settings.js';

const schema = {
  listen: {
    env: 'HUEDB_X_LISTEN',
    schema: hostPort(),
    type: 'host:port',
    default: '127.0.0.1:1',
    description: 'where',
  },
  count: {
    env: 'HUEDB_X_COUNT',
    schema: integer(1),
    type: 'integer ≥ 1',
    default: '5',
    description: 'n',
  },
  enabled: {
    env: 'HUEDB_X_ENABLED',
    schema: boolean(),
    type: 'boolean',
    default: 'false',
    description: 'b',
  },
  peers: { env: 'HUEDB_X_PEERS', schema: hostPortList(), type: 'list', description: 'peers' },
  mode: {
    env: 'HUEDB_X_MODE',
    schema: oneOf(['on', 'off']),
    type: 'on | off',
    default: 'on',
    description: 'm',
  },
  url: { env: 'HUEDB_X_URL', schema: text(), type: 'URL', required: true, description: 'the db' },
} as const;
const env = { HUEDB_X_URL: 'postgres://db' };

describe('loadSettings', () => {
  it('applies the defaults and parses types', () => {
    expect(loadSettings(schema, { env })).toEqual({
      listen: '127.0.0.1:1',
      count: 5,
      enabled: false,
      peers: undefined,
      mode: 'on',
      url: 'postgres://db',
    });
    expect(
      loadSettings(schema, {
        env: { ...env, HUEDB_X_COUNT: '7', HUEDB_X_ENABLED: 'yes', HUEDB_X_PEERS: 'a:1, b:2' },
      }),
    ).toMatchObject({ count: 7, enabled: true, peers: ['a:1', 'b:2'] });
  });

  it('fails naming the variable: missing, not a number, out of range, not a choice', () => {
    expect(() => loadSettings(schema, {})).toThrow(/^HUEDB_X_URL is required/);
    expect(() => loadSettings(schema, { env: { ...env, HUEDB_X_COUNT: 'abc' } })).toThrow(
      /^HUEDB_X_COUNT=abc: expected integer ≥ 1/,
    );
    expect(() => loadSettings(schema, { env: { ...env, HUEDB_X_COUNT: '0' } })).toThrow(
      /HUEDB_X_COUNT=0/,
    );
    expect(() => loadSettings(schema, { env: { ...env, HUEDB_X_COUNT: '1.5' } })).toThrow(
      /HUEDB_X_COUNT=1.5/,
    );
    expect(() => loadSettings(schema, { env: { ...env, HUEDB_X_ENABLED: 'yep' } })).toThrow(
      /HUEDB_X_ENABLED=yep/,
    );
    expect(() => loadSettings(schema, { env: { ...env, HUEDB_X_LISTEN: 'nohost' } })).toThrow(
      /HUEDB_X_LISTEN=nohost/,
    );
    expect(() => loadSettings(schema, { env: { ...env, HUEDB_X_MODE: 'maybe' } })).toThrow(
      /HUEDB_X_MODE=maybe/,
    );
    expect(() => loadSettings(schema, { env: { ...env, HUEDB_X_PEERS: 'a:1,b' } })).toThrow(
      /HUEDB_X_PEERS=a:1,b/,
    );
  });

  it('treats an empty variable as unset', () => {
    expect(loadSettings(schema, { env: { ...env, HUEDB_X_COUNT: '' } }).count).toBe(5);
  });

  it('takes flags over env over file over defaults', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'huedb-settings-'));
    const file = path.join(dir, 'huedb.yaml');
    writeFileSync(
      file,
      'x-count: 2\nx-listen: file:3\nx-peers: [a:1, b:2]\nx-url: postgres://file\n',
    );
    const fromFile = loadSettings(schema, { file });
    expect(fromFile).toMatchObject({ count: 2, listen: 'file:3', peers: ['a:1', 'b:2'] });
    const fromEnv = loadSettings(schema, { file, env: { HUEDB_X_COUNT: '3' } });
    expect(fromEnv).toMatchObject({ count: 3, listen: 'file:3', url: 'postgres://file' });
    const fromFlags = loadSettings(schema, {
      file,
      env: { HUEDB_X_COUNT: '3' },
      argv: ['run', '--x-count', '4', '--x-enabled', '--unknown', 'v'],
    });
    expect(fromFlags).toMatchObject({ count: 4, enabled: true, listen: 'file:3' });
    // --config and HUEDB_CONFIG name the file too.
    expect(loadSettings(schema, { argv: ['--config', file] }).count).toBe(2);
    expect(loadSettings(schema, { env: { HUEDB_CONFIG: file } }).count).toBe(2);
  });

  it('names the source of a bad value that did not come from the environment', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'huedb-settings-'));
    const file = path.join(dir, 'huedb.json');
    writeFileSync(file, JSON.stringify({ 'x-count': -1, 'x-url': 'u' }));
    expect(() => loadSettings(schema, { file })).toThrow(/HUEDB_X_COUNT=-1 \(from x-count in /);
    expect(() => loadSettings(schema, { env, argv: ['--x-count=zero'] })).toThrow(
      /HUEDB_X_COUNT=zero \(from --x-count\)/,
    );
  });
});
