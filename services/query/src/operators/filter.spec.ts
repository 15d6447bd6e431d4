import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { FilterSchema } from '@huedb/proto/query';
import { compileFilter } from './filter.js';

const record = (id: string, metadata: { k: number } | null = null) => ({
  id,
  embedding: new Float32Array([0]),
  document: null,
  uri: null,
  metadata,
});

describe('compileFilter', () => {
  it('has no predicate when the request has no filter', () => {
    expect(compileFilter(undefined)).toBeUndefined();
    expect(compileFilter(create(FilterSchema, {}))).toBeUndefined();
  });

  it('admits nothing for an id list that is present but empty', () => {
    const matches = compileFilter(create(FilterSchema, { ids: { ids: [] } }));
    expect(matches).toBeDefined();
    expect(matches!(record('a'))).toBe(false);
  });

  it('combines ids and where with AND', () => {
    const matches = compileFilter(
      create(FilterSchema, { ids: { ids: ['a', 'b'] }, whereJson: '{"k": 1}' }),
    )!;
    expect(matches(record('a', { k: 1 }))).toBe(true);
    expect(matches(record('b', { k: 2 }))).toBe(false);
    expect(matches(record('c', { k: 1 }))).toBe(false);
  });
});
