import { describe, expect, it } from 'vitest';
import { Code, RpcError } from '@huedb/grpc';
import { toChromaError } from './http-error.js';

describe('toChromaError', () => {
  it("maps backend codes to Chroma's errors, keeping their client-facing messages", () => {
    expect(toChromaError(new RpcError(Code.NOT_FOUND, 'Collection [x] does not exist'))).toEqual({
      status: 404,
      body: { error: 'NotFoundError', message: 'Collection [x] does not exist' },
    });
    expect(toChromaError(new RpcError(Code.INVALID_ARGUMENT, 'bad'))).toMatchObject({
      status: 400,
      body: { error: 'InvalidArgumentError' },
    });
  });

  it('never forwards the text of a backend bug (stack traces, SQL, driver messages)', () => {
    for (const code of [Code.INTERNAL, Code.UNKNOWN, Code.DATA_LOSS, Code.UNIMPLEMENTED]) {
      const err = new RpcError(code, 'CatalogService.getTenant: relation "tenants" at pg.js:12');
      expect(toChromaError(err)).toEqual({
        status: 500,
        body: { error: 'InternalError', message: 'Internal server error' },
      });
    }
    expect(toChromaError(new Error('SELECT * FROM secrets'))).toMatchObject({
      status: 500,
      body: { message: 'Internal server error' },
    });
  });

  it("answers the framework's own errors in Chroma's format", () => {
    const fastify = (code: string, statusCode: number) =>
      Object.assign(new Error(`internal ${code} text`), { code, statusCode });
    expect(toChromaError(fastify('FST_ERR_BAD_URL', 400))).toMatchObject({
      status: 400,
      body: { error: 'InvalidArgumentError' },
    });
    expect(toChromaError(fastify('FST_ERR_CTP_BODY_TOO_LARGE', 413))).toMatchObject({
      status: 413,
    });
    expect(toChromaError(fastify('FST_ERR_SOMETHING_NEW', 406))).toEqual({
      status: 406,
      body: { error: 'ChromaError', message: 'Not Acceptable' },
    });
  });
});
