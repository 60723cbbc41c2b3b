/**
 * One retry wrapper for every source: exponential backoff with full jitter, capped, honouring the
 * server's Retry-After, only for transient failures; plus `resilientRead`, which streams an object and,
 * when the body is cut off or stalls, resumes with a ranged read from the first byte not yet delivered.
 * `ifMatch` pins every resumed read to the version listed, so bytes of two versions never mix.
 *
 * `sleep` and `random` are injectable so tests run without real waiting.
 */
import { SourceError, type ObjectInfo, type ObjectSource } from './types.js';

export interface RetryPolicy {
  /** Attempts in all, the first included (1 = no retries). */
  maxAttempts: number;
  /** Backoff base: attempt n waits up to baseDelayMs·2^(n-1) (full jitter), capped at maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Per attempt (withRetry), or per wait for the next chunk of a body (resilientRead). */
  timeoutMs?: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 250, maxDelayMs: 20_000, timeoutMs: 60_000 };

export interface RetryAttemptInfo {
  /** The attempt that failed (1-based). */
  attempt: number;
  delayMs: number;
  error: unknown;
}

export interface RetryHooks {
  onRetry?(info: RetryAttemptInfo): void;
  sleep?(ms: number, signal?: AbortSignal): Promise<void>;
  /** Uniform in [0, 1). */
  random?(): number;
  signal?: AbortSignal;
  /** What the operation concerns, for error messages (an object or source URI). */
  target?: string;
}

// Node/undici network failures that a retry can cure
export const TRANSIENT_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

/** Whether retrying can help: SourceErrors say so themselves; raw network errors are judged by their code. */
export function isTransientError(err: unknown): boolean {
  if (err instanceof SourceError) return err.transient;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TRANSIENT_NETWORK_CODES.has(code);
}

/** Full-jitter backoff: uniform in [0, min(cap, base·2^(attempt-1))], or the server's Retry-After when larger. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number, retryAfterMs: number | null = null): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.floor(random() * ceiling);
  return retryAfterMs !== null && retryAfterMs > jittered ? retryAfterMs : jittered;
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

export function realSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function retryAfterOf(err: unknown): number | null {
  return err instanceof SourceError ? err.retryAfterMs : null;
}

function gaveUp(target: string, attempts: number, last: unknown): SourceError {
  const msg = (last as Error)?.message ?? String(last);
  return new SourceError(`${target}: still failing after ${attempts} attempt(s), giving up: ${msg} (the service or network kept failing; try again later)`, {
    transient: true,
    target,
    status: last instanceof SourceError ? last.status : null,
    cause: last,
  });
}

function timeoutError(target: string, ms: number, what: string): SourceError {
  return new SourceError(`${target}: no answer within ${ms} ms (${what})`, { transient: true, target });
}

/**
 * Runs `op` until it succeeds, a permanent error occurs (rethrown as is), or the attempts run out
 * (a SourceError naming the target and the last error). With `policy.timeoutMs`, each attempt is aborted
 * through its signal after that long and counts as a transient failure.
 */
export async function withRetry<T>(op: (attempt: number, signal: AbortSignal) => Promise<T>, policy: RetryPolicy, hooks: RetryHooks = {}): Promise<T> {
  const sleep = hooks.sleep ?? realSleep;
  const random = hooks.random ?? Math.random;
  const target = hooks.target ?? 'operation';
  for (let attempt = 1; ; attempt++) {
    const controller = new AbortController();
    const onOuterAbort = () => controller.abort(hooks.signal!.reason);
    hooks.signal?.addEventListener('abort', onOuterAbort, { once: true });
    let timer: NodeJS.Timeout | undefined;
    try {
      const run = op(attempt, controller.signal);
      if (policy.timeoutMs === undefined) return await run;
      const limit = policy.timeoutMs;
      return await Promise.race([
        run,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            const err = timeoutError(target, limit, `attempt ${attempt}`);
            controller.abort(err);
            reject(err);
          }, limit);
        }),
      ]);
    } catch (err) {
      if (hooks.signal?.aborted || !isTransientError(err)) throw err;
      if (attempt >= policy.maxAttempts) throw gaveUp(target, attempt, err);
      const delayMs = backoffDelay(attempt, policy, random, retryAfterOf(err));
      hooks.onRetry?.({ attempt, delayMs, error: err });
      await sleep(delayMs, hooks.signal);
    } finally {
      clearTimeout(timer);
      hooks.signal?.removeEventListener('abort', onOuterAbort);
    }
  }
}

/** Pulls the next chunk, failing with a transient timeout when none comes within `ms`. */
async function nextWithin<T>(it: AsyncIterator<T>, ms: number | undefined, onTimeout: () => SourceError): Promise<IteratorResult<T>> {
  if (ms === undefined) return it.next();
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      it.next(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(onTimeout()), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Streams an object's bytes, resuming after a cut-off body, a stall or a transient error with a ranged
 * read from the first byte not yet delivered, pinned to `info.etag`. When the size is known, a body that
 * ends short is a cut-off (retried) and one that runs long is an error. If the object changed before any
 * byte was delivered (ETag no longer matches), it is read again as its new version; once bytes have been
 * delivered, a change fails the read (permanent), since the two versions must not be mixed.
 */
export async function* resilientRead(source: ObjectSource, info: ObjectInfo, policy: RetryPolicy, hooks: RetryHooks = {}): AsyncGenerator<Uint8Array, void, undefined> {
  const sleep = hooks.sleep ?? realSleep;
  const random = hooks.random ?? Math.random;
  const target = info.uri;
  let current = info;
  let delivered = 0;
  for (let attempt = 1; ; attempt++) {
    const controller = new AbortController();
    const onOuterAbort = () => controller.abort(hooks.signal!.reason);
    hooks.signal?.addEventListener('abort', onOuterAbort, { once: true });
    const body = source.read(current.key, {
      start: delivered > 0 ? delivered : undefined,
      ifMatch: current.etag ?? undefined,
      signal: controller.signal,
    });
    const it = body[Symbol.asyncIterator]();
    try {
      for (;;) {
        const r = await nextWithin(it, policy.timeoutMs, () => {
          const err = timeoutError(target, policy.timeoutMs!, `waiting for the body after ${delivered} byte(s)`);
          controller.abort(err);
          return err;
        });
        if (r.done) break;
        if (current.size !== null && delivered + r.value.length > current.size) {
          throw new SourceError(`${target}: the service sent more bytes than the object's size (${current.size}); it may have ignored a range request`, {
            transient: false,
            target,
          });
        }
        delivered += r.value.length;
        yield r.value;
      }
      if (current.size !== null && delivered < current.size) {
        throw new SourceError(`${target}: body cut off after ${delivered} of ${current.size} bytes`, { transient: true, target });
      }
      return;
    } catch (err) {
      if (hooks.signal?.aborted) throw err;
      // the object changed before we delivered anything: start over on its new version
      if (err instanceof SourceError && err.status === 412 && delivered === 0 && attempt < policy.maxAttempts) {
        current = await withRetry(() => source.stat(current.key), policy, { ...hooks, target });
        hooks.onRetry?.({ attempt, delayMs: 0, error: err });
        continue;
      }
      if (err instanceof SourceError && err.status === 412) {
        throw new SourceError(`${target}: the object changed while it was being read (after ${delivered} byte(s)); run again to read its new version`, {
          transient: false,
          status: 412,
          target,
          cause: err,
        });
      }
      if (!isTransientError(err)) throw err;
      if (attempt >= policy.maxAttempts) throw gaveUp(target, attempt, err);
      const delayMs = backoffDelay(attempt, policy, random, retryAfterOf(err));
      hooks.onRetry?.({ attempt, delayMs, error: err });
      await sleep(delayMs, hooks.signal);
    } finally {
      hooks.signal?.removeEventListener('abort', onOuterAbort);
      // release the abandoned body (a stalled or failed stream); do not wait on a stream that may hang
      void it.return?.()?.catch(() => undefined);
    }
  }
}
