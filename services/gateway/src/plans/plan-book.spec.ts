import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FREE_LIMITS, InvalidArgumentError, PRO_LIMITS, UNLIMITED_LIMITS } from '@huedb/core';
import { ConfigError } from '@huedb/service';
import { applyLimitValues, limitKey, limitValuesOf, loadPlans, PlanBook } from './plan-book.js';

const dir = mkdtempSync(path.join(tmpdir(), 'plans-'));
function plansFile(content: unknown): string {
  const file = path.join(dir, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('PlanBook', () => {
  it('ships free, pro and unlimited', () => {
    const book = PlanBook.load();
    expect(book.names()).toEqual(['free', 'pro', 'unlimited']);
    expect(book.get('free')).toBe(FREE_LIMITS);
    expect(book.get('toString')).toBeUndefined();
    expect(() => book.require('gold')).toThrow(InvalidArgumentError);
    expect(() => book.require('gold')).toThrow('Unknown plan "gold"; plans: free, pro, unlimited');
  });

  it('reads plans from a file: extends, redefinitions, null = no limit', () => {
    const book = PlanBook.load(
      plansFile({
        plans: {
          team: { extends: 'pro', max_collections_per_tenant: 50, requests_per_second: null },
          free: { max_metadata_keys: 16 },
          tiny: { extends: 'team', max_batch_size: 10 },
          open: {},
        },
      }),
    );
    expect(book.get('team')).toEqual({
      ...PRO_LIMITS,
      maxCollectionsPerTenant: 50,
      requestsPerSecond: Infinity,
    });
    expect(book.get('free')).toEqual({ ...FREE_LIMITS, maxMetadataKeys: 16 });
    // max_batch_size set alone: pre-flight tells clients the same number.
    expect(book.get('tiny')).toMatchObject({ maxBatchSize: 10, preflightMaxBatchSize: 10 });
    expect(book.get('open')).toEqual(UNLIMITED_LIMITS);
  });

  it.each([
    ['not JSON', '{', /HUEDB_PLANS_FILE=.*: /],
    ['an unknown limit', { plans: { a: { max_keys: 1 } } }, /plans\.a: unknown limit "max_keys"/],
    ['a negative value', { plans: { a: { max_batch_size: -1 } } }, /plans\.a\.max_batch_size/],
    ['a fraction', { plans: { a: { max_batch_size: 1.5 } } }, /plans\.a\.max_batch_size/],
    ['a bad name', { plans: { 'A B': {} } }, /plan name/],
    ['an unknown parent', { plans: { a: { extends: 'b' } } }, /extends "b", which is not defined/],
    ['no plans key', { a: {} }, /HUEDB_PLANS_FILE/],
  ])('refuses a file with %s, naming where', (_label, content, message) => {
    const file = plansFile(content);
    expect(() => PlanBook.load(file)).toThrow(ConfigError);
    expect(() => PlanBook.load(file)).toThrow(message);
  });

  it('refuses a default plan the book does not hold', () => {
    expect(loadPlans({ plan: 'free' }).defaultPlan).toBe('free');
    expect(() => loadPlans({ plan: 'gold' })).toThrow(
      'HUEDB_PLAN=gold: no such plan (plans: free, pro, unlimited)',
    );
  });

  it('names limits in snake_case outside, with null for no limit', () => {
    expect(limitKey('maxCollectionsPerTenant')).toBe('max_collections_per_tenant');
    expect(limitValuesOf(UNLIMITED_LIMITS)).toMatchObject({
      max_batch_size: null,
      preflight_max_batch_size: 5461,
    });
    const round = applyLimitValues(UNLIMITED_LIMITS, limitValuesOf(FREE_LIMITS));
    expect(round).toEqual(FREE_LIMITS);
  });
});
