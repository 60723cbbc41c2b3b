/**
 * A token bucket: `ratePerSecond` tokens flow in continuously up to `burst`; `take()` waits until a token is
 * there. One bucket per provider API, sized from its documented quota (e.g. CloudWatch Logs FilterLogEvents:
 * 5 requests/s per account and region), shared by every source of that API, so the request rate never
 * exceeds the bucket whatever the number of log groups or retries.
 *
 * `now` and `sleep` are injectable so tests check the rate without waiting.
 */
import { realSleep } from './retry.js';

export interface TokenBucketOptions {
  ratePerSecond: number;
  /** Most tokens held (requests that may go at once after a quiet spell); default 1. */
  burst?: number;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export class TokenBucket {
  readonly ratePerSecond: number;
  readonly burst: number;
  private tokens: number;
  private last: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Waiters are served in order: each waits for the previous one's take to settle. */
  private queue: Promise<void> = Promise.resolve();

  constructor(options: TokenBucketOptions) {
    if (!(options.ratePerSecond > 0) || !Number.isFinite(options.ratePerSecond)) throw new RangeError(`ratePerSecond must be a positive number, not ${options.ratePerSecond}`);
    const burst = options.burst ?? 1;
    if (!(burst >= 1) || !Number.isFinite(burst)) throw new RangeError(`burst must be at least 1, not ${burst}`);
    this.ratePerSecond = options.ratePerSecond;
    this.burst = burst;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? realSleep;
    this.tokens = burst;
    this.last = this.now();
  }

  /** Waits for a token and takes it. Rejects when `signal` aborts while waiting (the token is not taken). */
  take(signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(() => this.takeNow(signal));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.ratePerSecond);
    this.last = t;
  }

  private async takeNow(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.refill();
    while (this.tokens < 1) {
      await this.sleep(Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000), signal);
      this.refill();
    }
    this.tokens -= 1;
  }
}
