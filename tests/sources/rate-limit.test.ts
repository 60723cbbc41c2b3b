/** TokenBucket: the rate, the burst, the order of waiters and aborts, on an injected clock. */
import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../src/sources/rate-limit.js';

function clocked(ratePerSecond: number, burst?: number) {
  let now = 0;
  const sleeps: number[] = [];
  const bucket = new TokenBucket({
    ratePerSecond,
    burst,
    now: () => now,
    sleep: async (ms, signal) => {
      signal?.throwIfAborted();
      sleeps.push(ms);
      now += ms;
    },
  });
  return { bucket, sleeps, advance: (ms: number) => (now += ms), time: () => now };
}

describe('TokenBucket', () => {
  it('lets the burst go at once, then one request per 1/rate', async () => {
    const c = clocked(5, 3);
    const times: number[] = [];
    for (let i = 0; i < 8; i++) {
      await c.bucket.take();
      times.push(c.time());
    }
    expect(times).toEqual([0, 0, 0, 200, 400, 600, 800, 1000]);
  });

  it('refills while idle, never above the burst', async () => {
    const c = clocked(2, 2);
    await c.bucket.take();
    await c.bucket.take();
    c.advance(10_000);
    const t = c.time();
    await c.bucket.take();
    await c.bucket.take();
    expect(c.time()).toBe(t); // two tokens waited, not twenty
    await c.bucket.take();
    expect(c.time()).toBe(t + 500);
  });

  it('serves concurrent takers in order, one token each', async () => {
    const c = clocked(10);
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3].map((i) => c.bucket.take().then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2, 3]);
    expect(c.time()).toBe(300);
  });

  it('rejects a take aborted while waiting, and the next taker still gets its turn', async () => {
    const c = clocked(1);
    await c.bucket.take();
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(c.bucket.take(controller.signal)).rejects.toThrow('stop');
    await c.bucket.take();
    expect(c.time()).toBe(1000);
  });

  it('refuses a rate or burst that cannot work', () => {
    expect(() => new TokenBucket({ ratePerSecond: 0 })).toThrow(/ratePerSecond must be a positive number/);
    expect(() => new TokenBucket({ ratePerSecond: Infinity })).toThrow(/ratePerSecond/);
    expect(() => new TokenBucket({ ratePerSecond: 1, burst: 0.5 })).toThrow(/burst must be at least 1/);
    const b = new TokenBucket({ ratePerSecond: 1000 });
    expect([b.ratePerSecond, b.burst]).toEqual([1000, 1]);
  });

  it('waits in real time with the default clock', async () => {
    const b = new TokenBucket({ ratePerSecond: 20 });
    const t0 = performance.now();
    for (let i = 0; i < 4; i++) await b.take();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
  });
});
