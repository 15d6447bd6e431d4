import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** A registered route: its method and its path as a pattern over concrete paths. */
type Route = { method: string; pattern: RegExp };

/**
 * Requests no route serves, answered in Chroma's error format: an unknown path is 404
 * `NotFoundError` and a known path with another method is 405 `ChromaError` with an `Allow`
 * header — the statuses `chroma run` answers (it sends them with an empty body). Routes are
 * collected as they are registered, so routes added later (by any module) count too.
 */
export function registerUnknownRouteAnswers(fastify: FastifyInstance): void {
  const routes: Route[] = [];
  fastify.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const pattern = patternOf(route.url ?? route.path ?? '');
    for (const method of methods) routes.push({ method: method.toUpperCase(), pattern });
  });
  fastify.addHook('onRequest', async (request, reply) => {
    if (!request.is404 || reply.sent) return;
    await answerUnknown(request, reply, routes);
  });
}

async function answerUnknown(
  request: FastifyRequest,
  reply: FastifyReply,
  routes: readonly Route[],
): Promise<void> {
  const path = request.url.split('?')[0]!;
  const allowed = [...new Set(routes.filter((r) => r.pattern.test(path)).map((r) => r.method))];
  const send = (status: number, error: string, message: string) =>
    reply.status(status).header('content-type', 'application/json').send({ error, message });
  if (allowed.length === 0) {
    await send(404, 'NotFoundError', `${request.method} ${path} is not supported by HueDB`);
    return;
  }
  void reply.header('allow', allowed.sort().join(','));
  await send(
    405,
    'ChromaError',
    `${request.method} ${path} is not supported by HueDB (allowed: ${allowed.join(', ')})`,
  );
}

/** A route path (`/a/:id/*`) as a regular expression over concrete paths. */
function patternOf(path: string): RegExp {
  const source = path
    .split('/')
    .map((segment) => {
      if (segment.startsWith(':')) return '[^/]+';
      if (segment === '*') return '.*';
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return new RegExp(`^${source}$`);
}
