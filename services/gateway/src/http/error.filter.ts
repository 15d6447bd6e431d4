import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { toChromaError } from './http-error.js';

/** Answers every error in Chroma's format: `{"error": <name>, "message": <text>}`. */
@Catch()
export class ChromaErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('gateway');

  catch(err: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, body } = toChromaError(err);
    if (status >= 500)
      this.logger.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    void reply.status(status).header('content-type', 'application/json').send(body);
  }
}
