/**
 * Every error becomes a JSON `{ error, message }` here, in one place: bad input (NetworkflowError
 * 'bad-option', or an ApiError with its status) answers with its message; anything else is logged and
 * answers 500 with a fixed text, so no stack or internal detail reaches a client.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NetworkflowError } from '../index.js';

export interface ErrorBody {
  error: string;
  message: string;
  hint?: string;
}

/** An error the API answers with its own status and code (unknown aggregate, unauthorized, …). */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function notFound(message: string): ApiError {
  return new ApiError(404, 'not-found', message);
}

export const INTERNAL_ERROR: ErrorBody = { error: 'internal', message: 'internal error' };

/** The status and body of an error; 500 for anything the client did not cause. */
export function errorResponse(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof ApiError) return { status: err.statusCode, body: withHint({ error: err.code, message: err.message }, err.hint) };
  if (err instanceof NetworkflowError && err.code === 'bad-option') {
    return { status: 400, body: withHint({ error: 'bad-option', message: err.message }, err.hint) };
  }
  // Fastify's own client errors (malformed URL, unsupported media type, …) carry a 4xx status and a safe message.
  const status = (err as Partial<FastifyError> | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500 && !(err instanceof NetworkflowError)) {
    return { status, body: { error: 'bad-request', message: (err as Error).message } };
  }
  return { status: 500, body: INTERNAL_ERROR };
}

function withHint(body: ErrorBody, hint: string | undefined): ErrorBody {
  return hint === undefined ? body : { ...body, hint };
}

export function registerErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const { status, body } = errorResponse(err);
    if (status >= 500) request.log.error({ err }, 'request failed');
    // An error after a CSV header was set must still answer JSON.
    reply.removeHeader('content-disposition');
    return reply.code(status).type('application/json; charset=utf-8').send(body);
  });
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split("?")[0].slice(0, 200);
    return reply.code(404).type('application/json; charset=utf-8').send({ error: 'not-found', message: `no route ${request.method} ${path}` });
  });
}
