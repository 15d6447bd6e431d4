import { describe, expect, it } from 'vitest';
import { loadGatewayConfig } from './config.js';

describe('loadGatewayConfig', () => {
  it('gives tenants without a plan the pro plan unless HUEDB_PLAN says otherwise', () => {
    expect(loadGatewayConfig({}).plan).toBe('pro');
    expect(loadGatewayConfig({ HUEDB_PLAN: 'free' }).plan).toBe('free');
    expect(loadGatewayConfig({ HUEDB_PLANS_FILE: '/etc/plans.json' }).plansFile).toBe(
      '/etc/plans.json',
    );
  });

  it('authenticates unless HUEDB_AUTH=false (the cluster default; single-node defaults off)', () => {
    expect(loadGatewayConfig({}).auth).toBe(true);
    expect(loadGatewayConfig({ HUEDB_AUTH: 'false' }).auth).toBe(false);
  });
});
