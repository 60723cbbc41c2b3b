/** probeHealth: the service-health check every cloud ends with, against local servers and closed ports. */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeFetchError, probeHealth } from '../../src/verify/probe.js';

let server: http.Server;
let base: string;
let silent: net.Server;
let silentUrl: string;
const sockets = new Set<net.Socket>();

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    } else if (req.url === '/sub/healthz') {
      res.writeHead(500, 'Internal Server Error');
      res.end('broken');
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  silent = net.createServer((s) => sockets.add(s)); // accepts, never answers
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all([new Promise((r) => server.close(r)), new Promise((r) => silent.close(r))]);
});

describe('probeHealth', () => {
  it('passes on 200 from /healthz at the root of the service URL, whatever path the URL has', async () => {
    expect(await probeHealth(`${base}/dashboard/`, 2000)).toEqual({ id: 'service-health', title: 'Service /healthz', resource: `${base}/healthz`, state: 'HTTP 200', status: 'pass' });
  });

  it('fails another status with what to look at', async () => {
    const check = await probeHealth(`${base}/`, 2000, (_url, init) => fetch(`${base}/sub/healthz`, init));
    expect(check).toMatchObject({ state: 'HTTP 500', status: 'fail', detail: 'the service answered 500 Internal Server Error: see its logs (it may still be starting, or crash-looping)' });
  });

  it('fails a closed port with the socket error, and a silent server as no answer in time', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const refused = await probeHealth(`http://127.0.0.1:${port}`, 2000);
    expect(refused).toMatchObject({ state: 'unreachable', status: 'fail' });
    expect(refused.detail).toMatch(new RegExp(`^cannot reach http://127\\.0\\.0\\.1:${port}/healthz: ECONNREFUSED`));
    const started = Date.now();
    expect(await probeHealth(silentUrl, 300)).toMatchObject({ state: 'unreachable', detail: `cannot reach ${silentUrl}/healthz: no answer in time` });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('names an error without a socket code by its message', () => {
    expect(describeFetchError(new TypeError('fetch failed', { cause: { code: 'ENOTFOUND' } }))).toBe('ENOTFOUND');
    expect(describeFetchError(new TypeError('fetch failed', { cause: { code: 'ECONNRESET', message: 'socket hang up' } }))).toBe('ECONNRESET (socket hang up)');
    expect(describeFetchError(new Error('bad URL'))).toBe('bad URL');
    expect(describeFetchError('text')).toBe('text');
  });
});
