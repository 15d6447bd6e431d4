import { describe, expect, it } from 'vitest';
import { UnprocessableEntityError } from '../errors.js';
import { readConfigurationInput } from './configuration.js';
import { isDefaultEmbeddingFunction, readEmbeddingFunction } from './embedding-function.js';

// Every message below is what Chroma 1.5.9 answered (422) to
// POST /collections {"name": ..., "configuration": {"embedding_function": <value>}}.
const PATH = 'configuration.embedding_function';

describe('readEmbeddingFunction', () => {
  it.each<[string, unknown, string]>([
    ['no type', { foo: 1 }, `${PATH}: missing field \`type\``],
    ['empty', {}, `${PATH}: missing field \`type\``],
    ['array', [], `${PATH}: missing field \`type\``],
    [
      'unknown type',
      { type: 'bogus' },
      `${PATH}.type: unknown variant \`bogus\`, expected one of \`legacy\`, \`known\`, \`unknown\``,
    ],
    [
      'type not a string',
      { type: 5 },
      `${PATH}.type: invalid type: integer \`5\`, expected variant identifier`,
    ],
    ['null type', { type: null }, `${PATH}.type: invalid type: null, expected variant identifier`],
    ['known without name', { type: 'known' }, `${PATH}: missing field \`name\``],
    ['known without config', { type: 'known', name: 'x' }, `${PATH}: missing field \`config\``],
    [
      'name not a string',
      { type: 'known', name: 5, config: {} },
      `${PATH}: invalid type: integer \`5\`, expected a string`,
    ],
    [
      'null name',
      { type: 'known', name: null, config: {} },
      `${PATH}: invalid type: null, expected a string`,
    ],
    [
      'a string',
      'openai',
      `${PATH}: invalid type: string "openai", expected internally tagged enum EmbeddingFunctionConfiguration`,
    ],
    [
      'a number',
      5,
      `${PATH}: invalid type: integer \`5\`, expected internally tagged enum EmbeddingFunctionConfiguration`,
    ],
    [
      'a boolean',
      true,
      `${PATH}: invalid type: boolean \`true\`, expected internally tagged enum EmbeddingFunctionConfiguration`,
    ],
  ])('refuses %s', (_label, value, reason) => {
    const expected = new UnprocessableEntityError(
      `Failed to deserialize the JSON body into the target type: ${reason}`,
    );
    expect(() => readEmbeddingFunction(value, PATH)).toThrow(expected);
    // The same through a whole configuration.
    expect(() => readConfigurationInput({ embedding_function: value })).toThrow(expected);
  });

  it('accepts the three types; config may be any JSON value; other fields are ignored', () => {
    expect(readEmbeddingFunction({ type: 'legacy', extra: 1 }, PATH)).toEqual({ type: 'legacy' });
    expect(readEmbeddingFunction({ type: 'unknown' }, PATH)).toEqual({ type: 'unknown' });
    for (const config of [{ model: 'x' }, 5, null, [1]]) {
      expect(readEmbeddingFunction({ type: 'known', name: 'x', config, more: 1 }, PATH)).toEqual({
        type: 'known',
        name: 'x',
        config,
      });
    }
    expect(readEmbeddingFunction({ type: 'known', name: '', config: {} }, PATH)).toEqual({
      type: 'known',
      name: '',
      config: {},
    });
    // null = not given.
    expect(readConfigurationInput({ embedding_function: null })).toEqual({});
  });

  it('knows which ones Chroma calls default', () => {
    expect(isDefaultEmbeddingFunction(undefined)).toBe(true);
    expect(isDefaultEmbeddingFunction({ type: 'unknown' })).toBe(true);
    expect(isDefaultEmbeddingFunction({ type: 'known', name: 'default', config: {} })).toBe(true);
    expect(isDefaultEmbeddingFunction({ type: 'known', name: 'openai', config: {} })).toBe(false);
    expect(isDefaultEmbeddingFunction({ type: 'legacy' })).toBe(false);
  });
});
