/**
 * A small Cloud Logging API v2 server for tests, speaking the REST wire protocol of `entries.list`
 * (https://cloud.google.com/logging/docs/reference/v2/rest/v2/entries/list):
 *
 *   POST /v2/entries:list   JSON body {resourceNames, filter, orderBy, pageSize, pageToken} (camelCase; the
 *                           `?$alt=json;enum-encoding=int` query the client libraries add is accepted) →
 *                           {entries: LogEntry[], nextPageToken?}
 *
 * Entries are stored per parent (`projects/p`) with `add`; a request returns the entries of its resourceNames
 * whose timestamp lies within the bounds its filter names (`timestamp >= "…"`, `timestamp > "…"`,
 * `timestamp <= "…"`, `timestamp < "…"`; anything else in the filter is ignored), ordered by timestamp (asc or
 * desc), `pageSize` at a time (default 50, at most 1000); the page token is opaque and bound to the request's
 * filter (a token used with another filter is refused with 400, as Cloud Logging does); `expireTokens()` makes
 * the tokens issued so far stale (refused with 400, as after their 24-hour lifetime).
 *
 * Service-account keys need no token endpoint: the client signs its own JWT (see the source's header), which the
 * tests verify against the key. Errors use Google's JSON shape `{error: {code, message, status}}`: 401 UNAUTHENTICATED without a bearer
 * token, 403 PERMISSION_DENIED for `forbiddenParents`, 400 INVALID_ARGUMENT for a bad body or token. Failures
 * are injected with `inject(...)`, consumed one per request in order: 429 RESOURCE_EXHAUSTED (with or without
 * Retry-After), 503 UNAVAILABLE, 500, 403, a connection reset, or a stall (no answer). Every request is logged
 * with its arrival time (`performance.now()` and `Date.now()`), body and Authorization header.
 * Binds 127.0.0.1 on a free port.
 */
import { performance } from 'node:perf_hooks';
import http from 'node:http';
import { listenOnLoopback } from './loopback.js';

export type InjectedFailure =
  | { kind: 'throttle'; retryAfter?: string }
  | { kind: 'unavailable' }
  | { kind: 'internal' }
  | { kind: 'forbidden'; message?: string }
  | { kind: 'unauthenticated' }
  | { kind: 'bad-request'; message: string }
  | { kind: 'reset' }
  | { kind: 'stall' };

export interface LoggedRequest {
  method: string;
  path: string;
  /** performance.now() at arrival (ms). */
  at: number;
  /** Date.now() at arrival. */
  wall: number;
  authorization?: string;
  body: Record<string, unknown> | null;
  /** What the server did: `ok`, the failure kind, or an error status. */
  outcome: string;
}

export interface CloudLoggingServerOptions {
  /** Parents whose listing answers 403 PERMISSION_DENIED. */
  forbiddenParents?: string[];
  defaultPageSize?: number;
}

export interface CloudLoggingTestServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly requests: LoggedRequest[];
  /** Adds LogEntries under a parent (`projects/p`); each needs a string `timestamp`. */
  add(parent: string, entries: Record<string, unknown>[]): void;
  /** Queues failures: each of the next requests to entries:list gets the next one. */
  inject(...failures: InjectedFailure[]): void;
  /** Makes every page token issued so far stale (as after their 24 hours): they are refused with 400. */
  expireTokens(): void;
  /** Requests to entries:list only. */
  listRequests(): LoggedRequest[];
  close(): Promise<void>;
}

const STATUS_NAME: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

function sendJson(res: http.ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}) {
  const bytes = Buffer.from(JSON.stringify(value));
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': bytes.length, ...headers });
  res.end(bytes);
}

function sendError(res: http.ServerResponse, code: number, message: string, headers: Record<string, string> = {}) {
  sendJson(res, code, { error: { code, message, status: STATUS_NAME[code] ?? 'UNKNOWN' } }, headers);
}

interface Bounds {
  lo: number;
  loInclusive: boolean;
  hi: number;
  hiInclusive: boolean;
}

/** The timestamp bounds a filter names (nanosecond-free ms compare is enough for tests). */
export function filterBounds(filter: string): Bounds {
  const b: Bounds = { lo: -Infinity, loInclusive: true, hi: Infinity, hiInclusive: true };
  const re = /\btimestamp\s*(>=|<=|>|<)\s*"([^"]+)"/g;
  for (let m = re.exec(filter); m !== null; m = re.exec(filter)) {
    const t = Date.parse(m[2]);
    if (m[1] === '>=' || m[1] === '>') {
      if (t > b.lo || (t === b.lo && m[1] === '>')) {
        b.lo = t;
        b.loInclusive = m[1] === '>=';
      }
    } else if (t < b.hi || (t === b.hi && m[1] === '<')) {
      b.hi = t;
      b.hiInclusive = m[1] === '<=';
    }
  }
  return b;
}

function within(t: number, b: Bounds): boolean {
  return (b.loInclusive ? t >= b.lo : t > b.lo) && (b.hiInclusive ? t <= b.hi : t < b.hi);
}

export async function startCloudLoggingTestServer(options: CloudLoggingServerOptions = {}): Promise<CloudLoggingTestServer> {
  const store = new Map<string, Record<string, unknown>[]>();
  const forbidden = new Set(options.forbiddenParents ?? []);
  const failures: InjectedFailure[] = [];
  const requests: LoggedRequest[] = [];
  const defaultPageSize = options.defaultPageSize ?? 50;
  let generation = 0;

  const handleList = (req: http.IncomingMessage, res: http.ServerResponse, log: LoggedRequest) => {
    if (!/^Bearer \S+/.test(req.headers.authorization ?? '')) {
      log.outcome = '401';
      return sendError(res, 401, 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.');
    }
    const failure = failures.shift();
    if (failure !== undefined) {
      log.outcome = failure.kind;
      switch (failure.kind) {
        case 'throttle':
          return sendError(
            res,
            429,
            "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute' of service 'logging.googleapis.com'.",
            failure.retryAfter === undefined ? {} : { 'retry-after': failure.retryAfter },
          );
        case 'unavailable':
          return sendError(res, 503, 'The service is currently unavailable.');
        case 'internal':
          return sendError(res, 500, 'Internal error encountered.');
        case 'forbidden':
          return sendError(res, 403, failure.message ?? 'Permission denied for all log views.');
        case 'unauthenticated':
          return sendError(res, 401, 'Request had invalid authentication credentials.');
        case 'bad-request':
          return sendError(res, 400, failure.message);
        case 'reset':
          req.socket.destroy();
          return;
        case 'stall':
          return; // never answers (the socket is destroyed on close)
      }
    }
    const body = log.body;
    if (body === null) {
      log.outcome = '400';
      return sendError(res, 400, 'Invalid JSON payload received.');
    }
    const names = body.resourceNames;
    if (!Array.isArray(names) || names.length === 0 || !names.every((n) => typeof n === 'string')) {
      log.outcome = '400';
      return sendError(res, 400, 'resourceNames is required');
    }
    for (const n of names as string[]) {
      if (forbidden.has(n)) {
        log.outcome = '403';
        return sendError(res, 403, `Permission 'logging.logEntries.list' denied on resource '${n}' (or it may not exist).`);
      }
    }
    const filter = typeof body.filter === 'string' ? body.filter : '';
    const order = body.orderBy === 'timestamp desc' ? -1 : 1;
    const requested = typeof body.pageSize === 'number' && body.pageSize > 0 ? body.pageSize : defaultPageSize;
    const size = Math.min(requested, 1000);
    const bounds = filterBounds(filter);
    const all: Record<string, unknown>[] = [];
    for (const n of names as string[]) for (const e of store.get(n) ?? []) if (within(Date.parse(String(e.timestamp)), bounds)) all.push(e);
    all.sort((a, b) => order * (Date.parse(String(a.timestamp)) - Date.parse(String(b.timestamp))));
    let offset = 0;
    if (typeof body.pageToken === 'string' && body.pageToken !== '') {
      let token: { o?: unknown; f?: unknown; g?: unknown } = {};
      try {
        token = JSON.parse(Buffer.from(body.pageToken, 'base64url').toString('utf8')) as typeof token;
      } catch {
        // refused below
      }
      if (typeof token.o !== 'number' || token.f !== filter) {
        log.outcome = '400';
        return sendError(res, 400, 'page_token doesn\'t match arguments from the request');
      }
      if (token.g !== generation) {
        log.outcome = '400';
        return sendError(res, 400, 'The page token has expired; issue the query again without it');
      }
      offset = token.o;
    }
    const entries = all.slice(offset, offset + size);
    const next = offset + size < all.length ? Buffer.from(JSON.stringify({ o: offset + size, f: filter, g: generation })).toString('base64url') : undefined;
    log.outcome = 'ok';
    return sendJson(res, 200, next === undefined ? { entries } : { entries, nextPageToken: next });
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const text = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown> | null = null;
      try {
        const parsed: unknown = text === '' ? null : JSON.parse(text);
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
      } catch {
        body = null;
      }
      const log: LoggedRequest = {
        method: req.method ?? 'GET',
        path: `${url.pathname}${url.search}`,
        at: performance.now(),
        wall: Date.now(),
        authorization: req.headers.authorization,
        body,
        outcome: '',
      };
      requests.push(log);
      if (url.pathname === '/v2/entries:list') {
        if (req.method !== 'POST') {
          log.outcome = '405';
          return sendError(res, 404, `${req.method} ${url.pathname} is not a method of this API`);
        }
        return handleList(req, res, log);
      }
      log.outcome = '404';
      return sendError(res, 404, `Not found: ${url.pathname}`);
    });
  });
  const { port, close } = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    add(parent, entries) {
      const list = store.get(parent) ?? [];
      list.push(...entries);
      store.set(parent, list);
    },
    expireTokens() {
      generation++;
    },
    inject(...f) {
      failures.push(...f);
    },
    listRequests() {
      return requests.filter((r) => r.path.startsWith('/v2/entries:list'));
    },
    close,
  };
}
