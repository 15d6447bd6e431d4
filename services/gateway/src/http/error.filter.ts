import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toChromaError } from './http-error.js';

/** Answers every error in Chroma's format: `{"error": <name>, "message": <text>}`. */
@Catch()
export class ChromaErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('gateway');

  catch(err: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, body } = toChromaError(err);
    if (status >= 500) {
      // The request id ties the stack to the request's log line (and the client's x-request-id).
      const { id } = host.switchToHttp().getRequest<FastifyRequest>();
      const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
      this.logger.error(`request ${id}: ${detail}`);
    }
    // A 429 that knows when to come back says so (request rate, concurrency, logins).
    const retryAfter = (err as { retryAfterSeconds?: unknown } | null)?.retryAfterSeconds;
    if (status === 429 && typeof retryAfter === 'number') {
      void reply.header('retry-after', String(retryAfter));
    }
    void reply.status(status).header('content-type', 'application/json').send(body);
  }
}
