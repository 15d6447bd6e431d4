import type { FastifyInstance } from 'fastify';
import { InvalidArgumentError } from '@huedb/core';
import { rememberBodyDigest } from '../idempotency/body-digest.js';
import { jsonTextProblem } from './json-text.js';

/** Chroma's body limit. */
export const BODY_LIMIT_BYTES = 40 * 1024 * 1024;

const PARSE_ERROR = 'Failed to parse the request body as JSON';
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Bodies are JSON whatever the client says, as long as it says nothing else: a missing
 * Content-Type is JSON (some clients send none); another media type is 415. A body Chroma's
 * parser refuses is a 400 InvalidArgumentError "Failed to parse the request body as JSON: ...":
 * malformed JSON (NaN and Infinity are not JSON), bytes that are not UTF-8, nesting past 127
 * levels, lone surrogate escapes (see json-text.ts). An empty body parses as `undefined`, which
 * every route that needs a body refuses (body-schema.ts).
 */
export function registerJsonBodyParser(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: BODY_LIMIT_BYTES },
    (request, body, done) => {
      const type = request.headers['content-type'];
      if (type && !/^application\/([\w.+-]*\+)?json\b/i.test(type.split(';')[0]!.trim())) {
        const err = new Error('unsupported media type') as Error & { code: string };
        err.code = 'FST_ERR_CTP_INVALID_MEDIA_TYPE';
        done(err, undefined);
        return;
      }
      try {
        rememberBodyDigest(request, body as Buffer);
        done(null, parseJsonBody(body as Buffer));
      } catch (err) {
        done(err as Error, undefined);
      }
    },
  );
}

/**
 * A request body as JSON, checked as Chroma's parser checks it; `undefined` when it is empty.
 * Throws InvalidArgumentError.
 */
export function parseJsonBody(body: Uint8Array): unknown {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new InvalidArgumentError(`${PARSE_ERROR}: invalid unicode code point`);
  }
  if (text.trim() === '') return undefined;
  const problem = jsonTextProblem(text);
  if (problem) throw new InvalidArgumentError(`${PARSE_ERROR}: ${problem}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InvalidArgumentError(`${PARSE_ERROR}: ${(err as Error).message}`);
  }
  if (typeof value === 'object' && value !== null) bodyTexts.set(value, text);
  return value;
}

// The text each parsed body came from, for what JSON.parse loses (float-tokens.ts). Weak: a body's
// text lives as long as the request's parsed body.
const bodyTexts = new WeakMap<object, string>();

/**
 * The JSON text a body parsed by {@link parseJsonBody} came from; undefined for anything else.
 * @param body - the parsed body
 */
export function bodyText(body: unknown): string | undefined {
  return typeof body === 'object' && body !== null ? bodyTexts.get(body) : undefined;
}

/** Chroma's answer to a route that needs a body and got none. */
export const EMPTY_BODY_MESSAGE = `${PARSE_ERROR}: EOF while parsing a value at line 1 column 0`;
