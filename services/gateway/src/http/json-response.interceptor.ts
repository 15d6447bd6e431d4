import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { map, type Observable } from 'rxjs';
import { RawJson } from './raw-json.js';

/**
 * Every answer is JSON, including bare values: Chroma returns `3` for a count, `"1.0.0"` for the
 * version and `true` for reset, all as application/json. A {@link RawJson} is sent as it is.
 */
@Injectable()
export class JsonResponseInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<string> {
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return next.handle().pipe(
      map((value: unknown) => {
        void reply.header('content-type', 'application/json');
        return value instanceof RawJson ? value.text : JSON.stringify(value ?? null);
      }),
    );
  }
}
