import type { FastifyInstance } from 'fastify';
import { InvalidArgumentError } from '@huedb/core';

/** Chroma's body limit. */
export const BODY_LIMIT_BYTES = 40 * 1024 * 1024;

/**
 * Bodies are JSON whatever the client says, as long as it says nothing else: a missing
 * Content-Type is JSON (some clients send none); another media type is 415. Malformed JSON is a
 * 400 InvalidArgumentError, as Chroma answers. NaN and Infinity are not JSON, so they fail here.
 */
export function registerJsonBodyParser(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    '*',
    { parseAs: 'string', bodyLimit: BODY_LIMIT_BYTES },
    (request, body, done) => {
      const type = request.headers['content-type'];
      if (type && !/^application\/([\w.+-]*\+)?json\b/i.test(type.split(';')[0]!.trim())) {
        const err = new Error('unsupported media type') as Error & { code: string };
        err.code = 'FST_ERR_CTP_INVALID_MEDIA_TYPE';
        done(err, undefined);
        return;
      }
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (text.trim() === '') {
        done(null, undefined);
        return;
      }
      try {
        done(null, JSON.parse(text));
      } catch (err) {
        done(
          new InvalidArgumentError(
            `Failed to parse the request body as JSON: ${(err as Error).message}`,
          ),
          undefined,
        );
      }
    },
  );
}
