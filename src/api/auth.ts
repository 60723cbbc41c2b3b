/**
 * Optional authentication for deployments: a bearer token, or basic credentials, or both (either one
 * admits). Every route but /healthz requires it. Secrets are compared in constant time: both sides are
 * hashed to equal-length digests first, so neither the content nor the length leaks through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NetworkflowError } from '../index.js';

export interface AuthSettings {
  token?: string;
  user?: string;
  password?: string;
}

export const AUTH_ENV = {
  token: 'NETWORKFLOW_AUTH_TOKEN',
  user: 'NETWORKFLOW_AUTH_USER',
  password: 'NETWORKFLOW_AUTH_PASSWORD',
} as const;

/** Routes open without credentials (a liveness probe must not need a secret). */
export const OPEN_PATHS: readonly string[] = ['/healthz'];

const REALM = 'networkflow';

/** Auth settings from env: NETWORKFLOW_AUTH_TOKEN, or NETWORKFLOW_AUTH_USER + NETWORKFLOW_AUTH_PASSWORD; undefined when none set. */
export function authFromEnv(env: NodeJS.ProcessEnv = process.env): AuthSettings | undefined {
  const token = env[AUTH_ENV.token] || undefined;
  const user = env[AUTH_ENV.user] || undefined;
  const password = env[AUTH_ENV.password] || undefined;
  if ((user === undefined) !== (password === undefined)) {
    throw new NetworkflowError('bad-option', `${AUTH_ENV.user} and ${AUTH_ENV.password} must be set together`, 'set both for basic auth, or neither');
  }
  if (token === undefined && user === undefined) return undefined;
  return { ...(token !== undefined && { token }), ...(user !== undefined && { user, password }) };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Constant-time equality of two secrets of any lengths. */
export function secretEquals(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** Whether an Authorization header satisfies the settings. */
export function isAuthorized(header: string | undefined, auth: AuthSettings): boolean {
  if (header === undefined) return false;
  const [scheme, ...rest] = header.trim().split(/\s+/);
  const credentials = rest.join(' ');
  switch (scheme?.toLowerCase()) {
    case 'bearer':
      return auth.token !== undefined && secretEquals(credentials, auth.token);
    case 'basic': {
      if (auth.user === undefined || auth.password === undefined) return false;
      const decoded = Buffer.from(credentials, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return false;
      // both compared, always, so a right user with a wrong password takes as long as a wrong user
      const userOk = secretEquals(decoded.slice(0, colon), auth.user);
      const passwordOk = secretEquals(decoded.slice(colon + 1), auth.password);
      return userOk && passwordOk;
    }
    default:
      return false;
  }
}

function challenges(auth: AuthSettings): string[] {
  const out: string[] = [];
  if (auth.token !== undefined) out.push(`Bearer realm="${REALM}"`);
  if (auth.user !== undefined) out.push(`Basic realm="${REALM}", charset="UTF-8"`);
  return out;
}

export function registerAuth(app: FastifyInstance, auth: AuthSettings): void {
  if (auth.token === undefined && (auth.user === undefined || auth.password === undefined)) {
    throw new NetworkflowError('bad-option', 'auth needs a token, or a user and a password', `set ${AUTH_ENV.token}, or ${AUTH_ENV.user} and ${AUTH_ENV.password}`);
  }
  const wwwAuthenticate = challenges(auth).join(', ');
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    // the matched route, not the raw URL: no spelling of a path can open another route
    if (OPEN_PATHS.includes(request.routeOptions.url ?? '')) return;
    if (isAuthorized(request.headers.authorization, auth)) return;
    return reply
      .code(401)
      .header('www-authenticate', wwwAuthenticate)
      .type('application/json; charset=utf-8')
      .send({ error: 'unauthorized', message: 'this server needs credentials: a bearer token or basic user and password' });
  });
}
