import { createHash } from 'node:crypto';
import {
  Inject,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants.js';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { ConflictError, InvalidArgumentError, UnprocessableEntityError } from '@huedb/core';
import type { ServiceClient } from '@huedb/grpc';
import {
  BeginIdempotentWriteResponse_Outcome as Outcome,
  type ControlService,
} from '@huedb/proto/control';
import type { Logger } from '@huedb/service';
import { findRequestContext, tenantOf } from '../context/request-context.js';
import { RawJson } from '../http/raw-json.js';
import { bodyDigestOf, IDEMPOTENCY_HEADER } from './body-digest.js';

/** What the write routes document about the header (openapi.json). */
export const IDEMPOTENCY_HEADER_CONTRACT = {
  'Idempotency-Key': {
    schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
    description:
      'Optional. A name for this write (e.g. a UUID): a retry with the same key and the same request is answered with the first answer and not applied again, for HUEDB_IDEMPOTENCY_TTL_MS; 409 while the first is still running; 422 for the same key with another request (docs/decisions/0031-idempotent-writes.md).',
  },
} as const;

/** Settings of {@link IdempotentWrites}. */
export interface IdempotencyOptions {
  /** How long a finished write's answer is replayed (HUEDB_IDEMPOTENCY_TTL_MS). */
  ttlMs: number;
  /** How long a running write holds its key; a retry after that runs it again. */
  leaseMs: number;
}

/** The control plane's idempotency keys, as the write routes use them. */
@Injectable()
export class IdempotentWrites {
  constructor(
    readonly control: ServiceClient<typeof ControlService>,
    readonly options: IdempotencyOptions,
    readonly log?: Logger,
  ) {}
}

/** `"key"` (an RFC 8941 string, as the IETF draft writes it) or `key`; 400 when malformed. */
export function parseIdempotencyKey(header: string | string[]): string {
  const raw = Array.isArray(header) ? header : [header];
  if (raw.length !== 1) throw new InvalidArgumentError('Send one Idempotency-Key header');
  let key = raw[0]!.trim();
  if (key.length >= 2 && key.startsWith('"') && key.endsWith('"')) key = key.slice(1, -1);
  if (key.length < 1 || key.length > 255 || !/^[\x21-\x7e]+$/.test(key)) {
    throw new InvalidArgumentError(
      'Idempotency-Key must be 1 to 255 visible ASCII characters (a UUID, say)',
    );
  }
  return key;
}

/**
 * Makes a write route idempotent under a client's Idempotency-Key header
 * (docs/decisions/0031-idempotent-writes.md): before the handler runs, the key is claimed in the
 * control plane with a fingerprint of the request (method, path, body bytes); a retry of a
 * finished write gets its answer again, marked `Idempotent-Replayed: true`, without running it;
 * a retry while it runs gets 409; the key with another request gets 422. A write that fails
 * releases its key, so a retry runs it. Without the header nothing changes. Runs after the
 * guards, so a request that is refused for its credentials or plan never touches a key.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    @Inject(IdempotentWrites) private readonly writes: IdempotentWrites,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const header = request.headers[IDEMPOTENCY_HEADER];
    if (header === undefined) return next.handle();
    return from(this.run(context, request, header, next));
  }

  private async run(
    context: ExecutionContext,
    request: FastifyRequest,
    header: string | string[],
    next: CallHandler,
  ): Promise<unknown> {
    const key = parseIdempotencyKey(header);
    const tenant = tenantOf(findRequestContext(request)!);
    const fingerprint = createHash('sha256')
      .update(`${request.method} ${request.url}\n${bodyDigestOf(request)}`)
      .digest('base64url');
    const { control, options, log } = this.writes;
    const ttlMs = BigInt(options.ttlMs);
    const begun = await control.beginIdempotentWrite({
      tenant,
      key,
      fingerprint,
      leaseMs: BigInt(options.leaseMs),
      ttlMs,
    });
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    switch (begun.outcome) {
      case Outcome.REPLAY:
        void reply.header('idempotent-replayed', 'true');
        return new RawJson(begun.body);
      case Outcome.IN_PROGRESS:
        void reply.header('retry-after', '1');
        throw new ConflictError(
          'A write with this Idempotency-Key is still running: retry it later for its answer',
        );
      case Outcome.MISMATCH:
        throw new UnprocessableEntityError(
          'This Idempotency-Key was used for a different request: use a new key for a new write',
        );
      case Outcome.STARTED:
        break;
      default:
        throw new Error(`unknown idempotency outcome ${begun.outcome}`);
    }
    const finish = (status?: number, body = '') =>
      control
        .finishIdempotentWrite({ tenant, key, fingerprint, status, body, ttlMs })
        .catch((err: unknown) =>
          // The write's own answer stands: the key stays held until its lease runs out, and a
          // retry after that runs the write again (0031 says when that can matter).
          log?.warn({ err, key }, 'idempotency: could not record the answer of a write'),
        );
    let value: unknown;
    try {
      value = await lastValueFrom(next.handle(), { defaultValue: undefined });
    } catch (err) {
      await finish();
      throw err;
    }
    const status =
      this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ?? 201;
    await finish(status, value instanceof RawJson ? value.text : JSON.stringify(value ?? null));
    return value;
  }
}
