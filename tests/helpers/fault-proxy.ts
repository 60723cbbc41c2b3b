/**
 * A fault-injecting reverse HTTP proxy for tests: put it in front of an emulator (Azurite, the S3 or
 * GCS test servers) and point the SDK at `proxy.url`. For each request a policy (a callback, or a
 * seeded random schedule) decides what happens:
 *
 * - `pass`            forward untouched (bodies are streamed both ways, never buffered)
 * - `status`          answer 503/429/… itself, with `Retry-After: <seconds>` when given
 * - `reset`           destroy the client socket before any response
 * - `reset-mid-body`  forward the status, headers and a prefix of the body, then destroy the socket
 * - `truncate`        forward a prefix of the body and then end the response cleanly (chunked, no
 *                     Content-Length), so only a size check can tell the body is short
 * - `stall`           hold the response for `ms` (longer than the client's timeout), then forward it
 *
 * It binds 127.0.0.1 on a free port, counts every injected fault, and `close()` stops it and drops
 * any connection still open. The Host header is forwarded as received, so signatures that cover it
 * (S3 SigV4) still verify upstream.
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type FaultKind = 'status' | 'reset' | 'reset-mid-body' | 'truncate' | 'stall';

export type FaultAction =
  | { kind: 'pass' }
  | { kind: 'status'; status: number; retryAfterSeconds?: number; headers?: Record<string, string> }
  | { kind: 'reset' }
  | { kind: 'reset-mid-body'; afterBytes?: number }
  | { kind: 'truncate'; afterBytes?: number }
  | { kind: 'stall'; ms: number };

export interface FaultRequest {
  /** 0-based order of arrival. */
  index: number;
  method: string;
  /** Path and query as received. */
  url: string;
  headers: IncomingHttpHeaders;
  /** How many faults were already injected for this method + path (query ignored). */
  faultsForTarget: number;
}

export interface FaultSchedule {
  seed: number;
  /** Fraction of eligible requests that get a fault (0..1). */
  rate: number;
  /** Which faults to draw from (default: all). */
  kinds?: FaultKind[];
  /** Only these requests are eligible (default: all). */
  match?: (req: FaultRequest) => boolean;
  /** Stop injecting on a method + path after this many faults, so every request eventually goes through. */
  maxFaultsPerTarget?: number;
  /** Status codes for `status` faults, drawn uniformly (default [503, 429]). */
  statuses?: number[];
  retryAfterSeconds?: number;
  stallMs?: number;
}

export interface FaultProxyOptions {
  /** Upstream base URL, e.g. `http://127.0.0.1:10000`. */
  target: string;
  policy?: (req: FaultRequest) => FaultAction;
  schedule?: FaultSchedule;
}

export interface FaultEvent {
  index: number;
  method: string;
  url: string;
  action: FaultAction;
}

export interface FaultProxy {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Requests received. */
  readonly requests: () => number;
  /** Faults injected, by kind. */
  readonly injected: Record<FaultKind, number>;
  /** Every request with the action taken (pass included). */
  readonly events: FaultEvent[];
  /** Replace the policy (or schedule) for the requests that follow. */
  setPolicy(policy: ((req: FaultRequest) => FaultAction) | FaultSchedule | null): void;
  totalInjected(): number;
  close(): Promise<void>;
}

const ALL_KINDS: FaultKind[] = ['status', 'reset', 'reset-mid-body', 'truncate', 'stall'];

/** mulberry32: a small seeded PRNG, so a schedule is the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Turns a schedule into a policy callback. */
export function schedulePolicy(s: FaultSchedule): (req: FaultRequest) => FaultAction {
  const random = seededRandom(s.seed);
  const kinds = s.kinds ?? ALL_KINDS;
  const statuses = s.statuses ?? [503, 429];
  return (req) => {
    if (s.match && !s.match(req)) return { kind: 'pass' };
    if (s.maxFaultsPerTarget !== undefined && req.faultsForTarget >= s.maxFaultsPerTarget) return { kind: 'pass' };
    if (random() >= s.rate) return { kind: 'pass' };
    const kind = kinds[Math.floor(random() * kinds.length)];
    switch (kind) {
      case 'status':
        return { kind, status: statuses[Math.floor(random() * statuses.length)], retryAfterSeconds: s.retryAfterSeconds };
      case 'stall':
        return { kind, ms: s.stallMs ?? 5_000 };
      default:
        return { kind };
    }
  };
}

// hop-by-hop headers are not forwarded (RFC 9110 §7.6.1)
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

function forwardHeaders(h: IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
  return out;
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const upstream = new URL(options.target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const injected: Record<FaultKind, number> = { status: 0, reset: 0, 'reset-mid-body': 0, truncate: 0, stall: 0 };
  const events: FaultEvent[] = [];
  const perTarget = new Map<string, number>();
  let requests = 0;
  let closed = false;
  let policy: (req: FaultRequest) => FaultAction = options.policy ?? (options.schedule ? schedulePolicy(options.schedule) : () => ({ kind: 'pass' }));

  const server = http.createServer((req, res) => {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const targetKey = `${method} ${url.split('?')[0]}`;
    const fr: FaultRequest = { index: requests++, method, url, headers: req.headers, faultsForTarget: perTarget.get(targetKey) ?? 0 };
    const action = policy(fr);
    events.push({ index: fr.index, method, url, action });
    if (action.kind !== 'pass') {
      injected[action.kind]++;
      perTarget.set(targetKey, fr.faultsForTarget + 1);
    }

    if (action.kind === 'status') {
      req.resume(); // drain an upload so the connection stays usable
      const headers: http.OutgoingHttpHeaders = { 'content-type': 'text/plain', 'x-fault-proxy': 'status', ...action.headers };
      if (action.retryAfterSeconds !== undefined) headers['retry-after'] = String(action.retryAfterSeconds);
      res.writeHead(action.status, headers);
      res.end(`fault-proxy: injected ${action.status}\n`);
      return;
    }
    if (action.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    const forward = () => {
      if (closed || req.socket.destroyed) return;
      const up = http.request(
        {
          protocol: upstream.protocol,
          hostname: upstream.hostname,
          port: upstream.port,
          method,
          path: url,
          headers: forwardHeaders(req.headers),
          agent,
        },
        (upRes) => {
          const headers = forwardHeaders(upRes.headers);
          const status = upRes.statusCode ?? 502;
          if (action.kind === 'truncate' || action.kind === 'reset-mid-body') {
            const declared = Number(upRes.headers['content-length'] ?? NaN);
            const budget = action.afterBytes ?? (Number.isFinite(declared) ? Math.floor(declared / 2) : 0);
            if (action.kind === 'truncate') delete headers['content-length']; // end cleanly, chunked
            res.writeHead(status, upRes.statusMessage, headers);
            let sent = 0;
            const cut = () => {
              upRes.destroy();
              if (action.kind === 'truncate') res.end();
              else {
                res.flushHeaders();
                // drop the connection once the prefix is flushed (a destroy now would discard it)
                req.socket.destroySoon();
              }
            };
            if (budget <= 0) return cut();
            upRes.on('data', (chunk: Buffer) => {
              const room = budget - sent;
              if (room <= 0) return;
              const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
              sent += part.length;
              if (!res.write(part)) {
                upRes.pause();
                res.once('drain', () => upRes.resume());
              }
              if (sent >= budget) cut();
            });
            upRes.on('end', () => {
              if (!res.writableEnded && !req.socket.destroyed) cut();
            });
            return;
          }
          res.writeHead(status, upRes.statusMessage, headers);
          upRes.pipe(res);
        },
      );
      up.on('error', () => {
        if (!res.headersSent) {
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end('fault-proxy: upstream unreachable\n');
        } else req.socket.destroy();
      });
      res.on('close', () => {
        if (!res.writableFinished) up.destroy();
      });
      req.pipe(up);
    };
    if (action.kind === 'stall') {
      const t = setTimeout(() => {
        timers.delete(t);
        forward();
      }, action.ms);
      timers.add(t);
      req.socket.once('close', () => {
        clearTimeout(t);
        timers.delete(t);
      });
      return;
    }
    forward();
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests: () => requests,
    injected,
    events,
    setPolicy(p) {
      policy = p === null ? () => ({ kind: 'pass' }) : typeof p === 'function' ? p : schedulePolicy(p);
    },
    totalInjected: () => Object.values(injected).reduce((a, b) => a + b, 0),
    async close() {
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
