/** The API's pure pieces: the query queue, the LRU, encoding negotiation, secrets and auth settings from env. */
import { describe, expect, it } from 'vitest';
import { AUTH_ENV, isAuthorized, secretEquals } from '../../src/api/auth.js';
import { LruCache } from '../../src/api/cache.js';
import { errorResponse } from '../../src/api/errors.js';
import { currentMinute, filterKey, parseAggregateQuery, parseFlowsQuery } from '../../src/api/query.js';
import { SerialQueue } from '../../src/api/queue.js';
import { negotiateEncoding } from '../../src/api/static.js';
import { authFromEnv } from '../../src/api/server.js';
import { NetworkflowError } from '../../src/index.js';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('SerialQueue', () => {
  it('runs one task at a time, in order, and survives failures', async () => {
    const queue = new SerialQueue();
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const task = (i: number, fail = false) => async () => {
      running++;
      most = Math.max(most, running);
      await tick();
      order.push(i);
      running--;
      if (fail) throw new Error(`task ${i}`);
      return i;
    };
    const results = await Promise.allSettled([queue.run(task(1)), queue.run(task(2, true)), queue.run(task(3)), queue.run(task(4))]);
    expect(most).toBe(1);
    expect(order).toEqual([1, 2, 3, 4]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(queue.pending).toBe(0);
    await queue.idle();
  });

  it('lets queued tasks finish on close and refuses new ones', async () => {
    const queue = new SerialQueue();
    const done: number[] = [];
    const queued = queue.run(async () => {
      await tick();
      done.push(1);
    });
    await queue.close();
    await queued;
    expect(done).toEqual([1]);
    await expect(queue.run(async () => 2)).rejects.toThrow(/closing/);
  });
});

describe('LruCache', () => {
  it('computes once per key, evicts the least recently used, and forgets failures', async () => {
    const cache = new LruCache<number>(2);
    let computed = 0;
    const compute = (v: number) => async () => {
      computed++;
      return v;
    };
    expect(await cache.get('a', compute(1))).toBe(1);
    expect(await cache.get('a', compute(9))).toBe(1);
    await cache.get('b', compute(2));
    await cache.get('a', compute(9)); // a is now the most recent
    await cache.get('c', compute(3)); // evicts b
    expect(cache.size).toBe(2);
    expect(await cache.get('b', compute(4))).toBe(4);
    expect(computed).toBe(4);
    expect(cache.misses).toBe(4);
    await expect(cache.get('x', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await tick();
    expect(await cache.get('x', compute(5))).toBe(5);
    cache.clear();
    expect(cache.size).toBe(0);
  });
});

describe('negotiateEncoding', () => {
  it.each([
    [undefined, 'identity'],
    ['', 'identity'],
    ['gzip, deflate, br', 'br'],
    ['gzip', 'gzip'],
    ['br;q=0, gzip;q=0.5', 'gzip'],
    ['*', 'br'],
    ['*;q=0', 'identity'],
    ['identity', 'identity'],
    ['deflate', 'identity'],
  ])('%s → %s', (header, expected) => {
    expect(negotiateEncoding(header)).toBe(expected);
  });
});

describe('secrets', () => {
  it('compares secrets of any length', () => {
    expect(secretEquals('abc', 'abc')).toBe(true);
    expect(secretEquals('abc', 'abcd')).toBe(false);
    expect(secretEquals('', 'a')).toBe(false);
  });

  it('reads a basic header with a colon in the password', () => {
    const header = `Basic ${Buffer.from('u:p:q').toString('base64')}`;
    expect(isAuthorized(header, { user: 'u', password: 'p:q' })).toBe(true);
    expect(isAuthorized(header, { token: 'u:p:q' })).toBe(false);
    expect(isAuthorized('Bearer t', { user: 'u', password: 'p:q' })).toBe(false);
    expect(isAuthorized(undefined, { token: 't' })).toBe(false);
  });

  it('takes auth settings from env', () => {
    expect(authFromEnv({})).toBeUndefined();
    expect(authFromEnv({ [AUTH_ENV.token]: '' })).toBeUndefined();
    expect(authFromEnv({ [AUTH_ENV.token]: 't' })).toEqual({ token: 't' });
    expect(authFromEnv({ [AUTH_ENV.user]: 'u', [AUTH_ENV.password]: 'p' })).toEqual({ user: 'u', password: 'p' });
    expect(authFromEnv({ [AUTH_ENV.token]: 't', [AUTH_ENV.user]: 'u', [AUTH_ENV.password]: 'p' })).toEqual({ token: 't', user: 'u', password: 'p' });
    expect(() => authFromEnv({ [AUTH_ENV.user]: 'u' })).toThrow(NetworkflowError);
    expect(() => authFromEnv({ [AUTH_ENV.password]: 'p' })).toThrow(/must be set together/);
  });
});

describe('query parsing', () => {
  it('reads epoch-ms and ISO time bounds alike, and defaults', () => {
    const ms = Date.UTC(2026, 10, 2, 1);
    const a = parseAggregateQuery({ since: String(ms), until: ['2026-11-02T03:00:00Z'], top: '7', bucket: 'minute', format: 'csv' });
    expect(a).toEqual({ filter: { since: ms, until: Date.UTC(2026, 10, 2, 3) }, top: 7, bucket: 'minute', format: 'csv' });
    expect(parseFlowsQuery({})).toEqual({ filter: {}, limit: 100, offset: 0, orderBy: 'timestamp', descending: true, format: 'json' });
    expect(parseFlowsQuery({ since: '90m' }, ms).filter).toEqual({ since: ms - 90 * 60_000 });
  });

  it('resolves relative bounds against the current minute, so repeats within a minute share cache entries', () => {
    const minute = Date.UTC(2026, 10, 2, 10, 5);
    expect(currentMinute(minute + 59_999)).toBe(minute);
    const a = parseAggregateQuery({ since: '24h' }).filter.since!;
    expect(a % 60_000).toBe(0);
    expect(Date.now() - 24 * 3_600_000 - a).toBeLessThan(60_000);
  });

  it('keys filters independently of their key order', () => {
    expect(filterKey({ decision: ['Deny'], nsg: ['a'] })).toBe(filterKey({ nsg: ['a'], decision: ['Deny'] }));
    expect(filterKey({ nsg: ['a'] })).not.toBe(filterKey({ nsg: ['b'] }));
  });
});

describe('errorResponse', () => {
  it('maps bad options to 400, client errors to their status, everything else to a bare 500', () => {
    expect(errorResponse(new NetworkflowError('bad-option', 'query parameter x: bad', 'fix it'))).toEqual({ status: 400, body: { error: 'bad-option', message: 'query parameter x: bad', hint: 'fix it' } });
    expect(errorResponse(Object.assign(new Error('Unsupported Media Type'), { statusCode: 415 }))).toEqual({ status: 415, body: { error: 'bad-request', message: 'Unsupported Media Type' } });
    const internal = { status: 500, body: { error: 'internal', message: 'internal error' } };
    expect(errorResponse(new NetworkflowError('input-unreadable', '/secret/path is damaged'))).toEqual(internal);
    expect(errorResponse(new Error('boom'))).toEqual(internal);
    expect(errorResponse(Object.assign(new Error('upstream'), { statusCode: 502 }))).toEqual(internal);
    expect(errorResponse(null)).toEqual(internal);
  });
});
