import { describe, expect, it } from 'vitest';
import { LoginLimitedError, LoginLimiter } from './login-limiter.js';
import { tenantNameFor } from './accounts.service.js';

describe('LoginLimiter', () => {
  it('refuses an account after its failures, whatever the address, until a success clears it', async () => {
    const limiter = new LoginLimiter(3, 100);
    for (let i = 0; i < 3; i++) {
      await limiter.check('A@x.io', `10.0.0.${i}`);
      await limiter.failed('A@x.io', `10.0.0.${i}`);
    }
    const refused = await limiter.check('a@X.io', '10.9.9.9').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(LoginLimitedError);
    expect((refused as LoginLimitedError).retryAfterSeconds).toBeGreaterThan(0);
    expect((refused as LoginLimitedError).httpStatus).toBe(429);
    // Another account is not affected.
    await expect(limiter.check('b@x.io', '10.9.9.9')).resolves.toBeUndefined();
    await limiter.succeeded('a@x.io');
    await expect(limiter.check('a@x.io', '10.9.9.9')).resolves.toBeUndefined();
  });

  it('refuses an address after its failures, whatever the account', async () => {
    const limiter = new LoginLimiter(100, 2);
    await limiter.failed('a@x.io', '10.0.0.1');
    await limiter.failed('b@x.io', '10.0.0.1');
    await expect(limiter.check('c@x.io', '10.0.0.1')).rejects.toBeInstanceOf(LoginLimitedError);
    await expect(limiter.check('c@x.io', '10.0.0.2')).resolves.toBeUndefined();
  });
});

describe('tenantNameFor', () => {
  it('keeps a safe slug of the local part, never the domain, with a random suffix', () => {
    const a = tenantNameFor('Jane.Doe+test@example.com');
    expect(a).toMatch(/^jane-doe-test-[0-9a-f]{8}$/);
    expect(a).not.toContain('example');
    expect(tenantNameFor('Jane.Doe+test@example.com')).not.toBe(a);
  });

  it('falls back to "user" and bounds the length', () => {
    expect(tenantNameFor('+++@x.io')).toMatch(/^user-[0-9a-f]{8}$/);
    expect(tenantNameFor(`${'a'.repeat(200)}@x.io`).length).toBe(40 + 1 + 8);
  });
});
