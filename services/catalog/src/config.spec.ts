import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('catalog config from the environment', () => {
  const url = 'postgres://u:p@127.0.0.1:5432/huedb';

  it('applies the defaults', () => {
    expect(loadConfig({ HUEDB_POSTGRES_URL: url })).toMatchObject({
      postgresUrl: url,
      listen: '127.0.0.1:50051',
      allowReset: false,
      poolMax: 10,
    });
  });

  it('reads every variable', () => {
    expect(
      loadConfig({
        HUEDB_POSTGRES_URL: url,
        HUEDB_CATALOG_LISTEN: '0.0.0.0:7000',
        HUEDB_ALLOW_RESET: 'true',
        HUEDB_POSTGRES_POOL_MAX: '3',
      }),
    ).toMatchObject({ postgresUrl: url, listen: '0.0.0.0:7000', allowReset: true, poolMax: 3 });
  });

  it('names the variable that is missing or malformed', () => {
    expect(() => loadConfig({})).toThrow(/HUEDB_POSTGRES_URL/);
    expect(() => loadConfig({ HUEDB_POSTGRES_URL: url, HUEDB_ALLOW_RESET: 'yep' })).toThrow(
      /HUEDB_ALLOW_RESET/,
    );
    expect(() => loadConfig({ HUEDB_POSTGRES_URL: url, HUEDB_CATALOG_LISTEN: 'nohost' })).toThrow(
      /HUEDB_CATALOG_LISTEN/,
    );
    expect(() => loadConfig({ HUEDB_POSTGRES_URL: url, HUEDB_POSTGRES_POOL_MAX: '0' })).toThrow(
      /HUEDB_POSTGRES_POOL_MAX/,
    );
  });

  it('reads the control plane mail settings; no SMTP URL means no mail', () => {
    const plain = loadConfig({ HUEDB_POSTGRES_URL: url });
    expect(plain.smtpUrl).toBeUndefined();
    expect(plain.mailFrom).toBe('HueDB <no-reply@localhost>');
    expect(
      loadConfig({
        HUEDB_POSTGRES_URL: url,
        HUEDB_SMTP_URL: 'smtps://user:pw@mail.example.com:465',
        HUEDB_MAIL_FROM: 'ops@example.com',
      }),
    ).toMatchObject({
      smtpUrl: 'smtps://user:pw@mail.example.com:465',
      mailFrom: 'ops@example.com',
    });
    expect(() =>
      loadConfig({ HUEDB_POSTGRES_URL: url, HUEDB_SMTP_URL: 'mail.example.com' }),
    ).toThrow(/HUEDB_SMTP_URL/);
  });
});
