import { describe, expect, it } from 'vitest';
import { loadSingleNodeConfig } from './config.js';

describe('loadSingleNodeConfig', () => {
  it('runs without auth unless asked, as `chroma run` (the cluster gateway defaults on)', () => {
    expect(loadSingleNodeConfig({}).auth).toBe(false);
    expect(loadSingleNodeConfig({ HUEDB_AUTH: 'true' }).auth).toBe(true);
  });
});
