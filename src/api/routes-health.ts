/** Liveness (/healthz: the process answers) and readiness (/readyz: the lake is open and counted). */
import type { FastifyInstance } from 'fastify';
import type { Lake } from './lake.js';
import { parseNoQuery, type RawQuery } from './query.js';

export function registerHealthRoutes(app: FastifyInstance, lake: Lake, ready: () => boolean): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (request, reply) => {
    parseNoQuery(request.query as RawQuery);
    if (!ready()) return reply.code(503).send({ status: 'loading' });
    return { status: 'ready', flows: await lake.count() };
  });
}
