import { createHash } from 'node:crypto';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schedulePolicy, seededRandom, startFaultProxy, type FaultAction, type FaultProxy, type FaultRequest } from '../helpers/fault-proxy.js';

const BIG = Buffer.alloc(2 * 1024 * 1024);
for (let i = 0; i < BIG.length; i++) BIG[i] = (i * 31 + (i >> 8)) & 0xff;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let upstream: http.Server;
let upstreamUrl: string;
let releaseSlow: () => void = () => {};

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    const pathOnly = (req.url ?? '/').split('?')[0];
    if (pathOnly === '/big') {
      res.writeHead(200, { 'content-length': BIG.length, 'x-host-seen': req.headers.host ?? '' });
      res.end(BIG);
    } else if (req.url === '/slow') {
      // first half now, the rest only when the test says so: proves the proxy streams
      res.writeHead(200, { 'content-length': 2000 });
      res.write(Buffer.alloc(1000, 1));
      releaseSlow = () => res.end(Buffer.alloc(1000, 2));
    } else if (req.method === 'PUT') {
      const h = createHash('sha256');
      let n = 0;
      req.on('data', (c: Buffer) => {
        h.update(c);
        n += c.length;
      });
      req.on('end', () => {
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ bytes: n, sha: h.digest('hex') }));
      });
    } else {
      res.writeHead(404, { 'content-length': 9 });
      res.end('not found');
    }
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((r) => upstream.close(() => r()));
});

interface Got {
  status?: number;
  headers?: IncomingHttpHeaders;
  bytes: Buffer;
  error?: string;
  chunks: number;
}

function request(url: string, init: { method?: string; body?: Buffer; timeoutMs?: number; onFirstChunk?: () => void } = {}): Promise<Got> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let got: Got = { bytes: Buffer.alloc(0), chunks: 0 };
    const done = (error?: string) => resolve({ ...got, bytes: Buffer.concat(parts), chunks: parts.length, ...(error ? { error } : {}) });
    const req = http.request(url, { method: init.method ?? 'GET', agent: false }, (res) => {
      got = { ...got, status: res.statusCode, headers: res.headers };
      res.on('data', (c: Buffer) => {
        if (parts.length === 0) init.onFirstChunk?.();
        parts.push(c);
      });
      res.on('end', () => done());
      res.on('aborted', () => done('aborted'));
      res.on('error', (e) => done(e.message));
    });
    if (init.timeoutMs) req.setTimeout(init.timeoutMs, () => req.destroy(new Error('client timeout')));
    req.on('error', (e) => done((e as NodeJS.ErrnoException).code ?? e.message));
    req.end(init.body);
  });
}

async function withProxy(policy: (r: FaultRequest) => FaultAction, fn: (p: FaultProxy) => Promise<void>): Promise<void> {
  const proxy = await startFaultProxy({ target: upstreamUrl, policy });
  try {
    await fn(proxy);
  } finally {
    await proxy.close();
  }
}

describe('fault proxy', () => {
  it('passes requests and bodies through untouched, both ways, and keeps the Host header', async () => {
    await withProxy(() => ({ kind: 'pass' }), async (proxy) => {
      const big = await request(`${proxy.url}/big`);
      expect(big.status).toBe(200);
      expect(sha(big.bytes)).toBe(sha(BIG));
      expect(big.headers!['x-host-seen']).toBe(`127.0.0.1:${proxy.port}`);
      const put = await request(`${proxy.url}/upload`, { method: 'PUT', body: BIG });
      expect(JSON.parse(put.bytes.toString())).toEqual({ bytes: BIG.length, sha: sha(BIG) });
      expect((await request(`${proxy.url}/nope`)).status).toBe(404);
      expect(proxy.requests()).toBe(3);
      expect(proxy.totalInjected()).toBe(0);
    });
  });

  it('streams: the first bytes arrive before the upstream has finished', async () => {
    await withProxy(() => ({ kind: 'pass' }), async (proxy) => {
      let firstChunkAt = 0;
      const p = request(`${proxy.url}/slow`, {
        onFirstChunk: () => {
          firstChunkAt = Date.now();
          setTimeout(() => releaseSlow(), 20);
        },
      });
      const got = await p;
      expect(firstChunkAt).toBeGreaterThan(0);
      expect(got.bytes.length).toBe(2000);
    });
  });

  it('answers 503 and 429 itself with Retry-After in seconds', async () => {
    let n = 0;
    await withProxy(() => (n++ === 0 ? { kind: 'status', status: 503, retryAfterSeconds: 2 } : { kind: 'status', status: 429 }), async (proxy) => {
      const a = await request(`${proxy.url}/upload`, { method: 'PUT', body: Buffer.alloc(100_000) });
      expect(a.status).toBe(503);
      expect(a.headers!['retry-after']).toBe('2');
      const b = await request(`${proxy.url}/big`);
      expect(b.status).toBe(429);
      expect(b.headers!['retry-after']).toBeUndefined();
      expect(proxy.injected.status).toBe(2);
    });
  });

  it('resets the connection before any response', async () => {
    await withProxy(() => ({ kind: 'reset' }), async (proxy) => {
      const got = await request(`${proxy.url}/big`);
      expect(got.status).toBeUndefined();
      expect(got.error).toMatch(/ECONNRESET|socket hang up/);
      expect(proxy.injected.reset).toBe(1);
    });
  });

  it('resets mid-body: headers and a prefix arrive, then the connection drops', async () => {
    await withProxy(() => ({ kind: 'reset-mid-body', afterBytes: 300_000 }), async (proxy) => {
      const got = await request(`${proxy.url}/big`);
      expect(got.status).toBe(200);
      expect(Number(got.headers!['content-length'])).toBe(BIG.length);
      expect(got.error).toBeDefined();
      expect(got.bytes.length).toBe(300_000);
      expect(got.bytes.equals(BIG.subarray(0, 300_000))).toBe(true);
    });
    // default: half of the declared length
    await withProxy(() => ({ kind: 'reset-mid-body' }), async (proxy) => {
      const got = await request(`${proxy.url}/big`);
      expect(got.error).toBeDefined();
      expect(got.bytes.length).toBe(BIG.length / 2);
    });
  });

  it('truncates a body and ends cleanly, so only the size tells', async () => {
    await withProxy(() => ({ kind: 'truncate', afterBytes: 1234 }), async (proxy) => {
      const got = await request(`${proxy.url}/big`);
      expect(got.status).toBe(200);
      expect(got.error).toBeUndefined();
      expect(got.headers!['content-length']).toBeUndefined();
      expect(got.bytes.equals(BIG.subarray(0, 1234))).toBe(true);
      expect(proxy.injected.truncate).toBe(1);
    });
    // a body shorter than the budget goes through whole; a zero budget sends headers only
    await withProxy(() => ({ kind: 'truncate', afterBytes: 10_000 }), async (proxy) => {
      expect((await request(`${proxy.url}/nope`)).bytes.toString()).toBe('not found');
    });
    await withProxy(() => ({ kind: 'truncate', afterBytes: 0 }), async (proxy) => {
      const got = await request(`${proxy.url}/big`);
      expect(got.status).toBe(200);
      expect(got.bytes.length).toBe(0);
    });
  });

  it('stalls longer than the client timeout, and a short stall still answers', async () => {
    await withProxy(() => ({ kind: 'stall', ms: 2_000 }), async (proxy) => {
      const t0 = Date.now();
      const got = await request(`${proxy.url}/big`, { timeoutMs: 150 });
      expect(got.error).toBe('client timeout');
      expect(Date.now() - t0).toBeLessThan(1_500);
      expect(proxy.injected.stall).toBe(1);
    });
    await withProxy(() => ({ kind: 'stall', ms: 50 }), async (proxy) => {
      const t0 = Date.now();
      const got = await request(`${proxy.url}/big`);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(45);
      expect(sha(got.bytes)).toBe(sha(BIG));
    });
  });

  it('closes cleanly with a stalled request in flight', async () => {
    const proxy = await startFaultProxy({ target: upstreamUrl, policy: () => ({ kind: 'stall', ms: 60_000 }) });
    const pending = request(`${proxy.url}/big`);
    await new Promise((r) => setTimeout(r, 50));
    await proxy.close();
    expect((await pending).error).toBeDefined();
  });

  it('answers 502 when the upstream is unreachable', async () => {
    const dead = http.createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((r) => dead.close(() => r()));
    const proxy = await startFaultProxy({ target: `http://127.0.0.1:${port}` });
    try {
      expect((await request(`${proxy.url}/x`)).status).toBe(502);
    } finally {
      await proxy.close();
    }
  });

  it('draws faults from a seeded schedule: same seed, same faults; rate, kinds, match and a per-target cap hold', async () => {
    const reqs = (n: number) => Array.from({ length: n }, (_, i) => ({ index: i, method: 'GET', url: `/o/${i % 20}`, headers: {}, faultsForTarget: 0 }));
    const a = reqs(2000).map(schedulePolicy({ seed: 7, rate: 0.3 }));
    const b = reqs(2000).map(schedulePolicy({ seed: 7, rate: 0.3 }));
    const c = reqs(2000).map(schedulePolicy({ seed: 8, rate: 0.3 }));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const faults = a.filter((x) => x.kind !== 'pass').length;
    expect(faults).toBeGreaterThan(500);
    expect(faults).toBeLessThan(700);
    expect(new Set(a.map((x) => x.kind))).toEqual(new Set(['pass', 'status', 'reset', 'reset-mid-body', 'truncate', 'stall']));
    const only = reqs(200).map(schedulePolicy({ seed: 1, rate: 1, kinds: ['status'], statuses: [429], retryAfterSeconds: 3 }));
    expect(new Set(only.map((x) => JSON.stringify(x)))).toEqual(new Set([JSON.stringify({ kind: 'status', status: 429, retryAfterSeconds: 3 })]));
    const matched = reqs(100).map(schedulePolicy({ seed: 1, rate: 1, kinds: ['stall'], stallMs: 9, match: (r) => r.index % 2 === 0 }));
    expect(matched.filter((x) => x.kind === 'stall')).toHaveLength(50);
    expect(matched[0]).toEqual({ kind: 'stall', ms: 9 });
    const capped = schedulePolicy({ seed: 1, rate: 1, maxFaultsPerTarget: 2 });
    expect(capped({ index: 0, method: 'GET', url: '/x', headers: {}, faultsForTarget: 2 })).toEqual({ kind: 'pass' });
    const r1 = seededRandom(42);
    const r2 = seededRandom(42);
    expect([r1(), r1(), r1()]).toEqual([r2(), r2(), r2()]);
  });

  it('counts per target so a capped schedule lets every request through eventually', async () => {
    const proxy = await startFaultProxy({ target: upstreamUrl, schedule: { seed: 3, rate: 1, kinds: ['status'], statuses: [503], maxFaultsPerTarget: 2 } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await request(`${proxy.url}/big?attempt=${i}`)).status!);
      expect(statuses).toEqual([503, 503, 200]);
      proxy.setPolicy({ seed: 1, rate: 1, kinds: ['reset'] });
      expect((await request(`${proxy.url}/big`)).error).toBeDefined();
      proxy.setPolicy(() => ({ kind: 'truncate', afterBytes: 5 }));
      expect((await request(`${proxy.url}/big`)).bytes.length).toBe(5);
      proxy.setPolicy(null);
      expect((await request(`${proxy.url}/big`)).bytes.length).toBe(BIG.length);
      expect(proxy.injected).toEqual({ status: 2, reset: 1, 'reset-mid-body': 0, truncate: 1, stall: 0 });
      expect(proxy.events.map((e) => e.action.kind)).toEqual(['status', 'status', 'pass', 'reset', 'truncate', 'pass']);
    } finally {
      await proxy.close();
    }
  });
});
