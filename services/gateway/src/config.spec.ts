import { describe, expect, it } from 'vitest';
import { loadGatewayConfig } from './config.js';

describe('loadGatewayConfig', () => {
  it("enforces hosted Chroma's limits unless HUEDB_LIMITS says otherwise", () => {
    expect(loadGatewayConfig({}).limits).toBe('hosted');
    expect(loadGatewayConfig({ HUEDB_LIMITS: 'unlimited' }).limits).toBe('unlimited');
    expect(() => loadGatewayConfig({ HUEDB_LIMITS: 'toString' })).toThrow(
      /HUEDB_LIMITS=toString: expected .*hosted.*unlimited/,
    );
  });

  it('authenticates unless HUEDB_AUTH=false (the cluster default; single-node defaults off)', () => {
    expect(loadGatewayConfig({}).auth).toBe(true);
    expect(loadGatewayConfig({ HUEDB_AUTH: 'false' }).auth).toBe(false);
  });
});
