/**
 * Parse inputs to normalized records: the library function behind `networkflow parse`. Inputs are any
 * mix of local files, folders, `-` (standard input) and object-store URIs (`azure://`, `s3://`, `gs://`,
 * `file://`). Folders and prefixes are listed (pruned by `since`/`until` on the time in each key's path),
 * then objects are read `concurrency` at a time, each through `resilientRead` (retries, resumed ranged
 * reads) and `decodeFlows` (unwrap → detect → parse).
 *
 * Order: records are emitted in input order and, within an input, in listing order, whatever the
 * concurrency: objects ahead of the one being emitted are read into small bounded queues and wait
 * there (backpressure), so the output is the same for every `concurrency`.
 *
 * A failing object (missing, forbidden, corrupt, or still failing after its retries) is recorded once in
 * the summary and the run goes on; with `strict`, the first bad row stops the run.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { NetworkflowError, type Diagnostic, type EventRecord, type FlowRecord } from '../model/index.js';
import { fsError, LocalSource } from '../sources/local.js';
import { openSource, type SourceFactory } from '../sources/open.js';
import { DEFAULT_RETRY_POLICY, isTransientError, realSleep, resilientRead, withRetry, backoffDelay, type RetryPolicy } from '../sources/retry.js';
import { inWindow } from '../sources/time-window.js';
import { SourceError, type ObjectInfo, type ObjectSource } from '../sources/types.js';
import { parseLocation, prefixPath, withPrefix, type SourceLocation, type SourceOptions } from '../sources/uri.js';
import { decodeFlows, type DecodeEvent, type DecodeOptions } from './decode.js';
import { countDiagnostic, emptySummary, type ObjectFailure, type RunSummary } from './summary.js';

export const DEFAULT_CONCURRENCY = 4;
/** Objects named by the hour or day they were written can hold flows from just before it (AWS delivers every 5-10 min). */
export const DEFAULT_TIME_SLACK_MS = 15 * 60_000;
/** Decode events an object may have waiting before its reader pauses (each is one parser batch). */
const QUEUE_EVENTS = 8;

export interface ParseInputsOptions extends DecodeOptions {
  /** Stop at the first bad row (a diagnostic of severity error). */
  strict?: boolean;
  /** Objects read at the same time (default 4). Output order does not depend on it. */
  concurrency?: number;
  /** Epoch ms: skip listed objects whose path says they end before this. Objects without a time in their path are kept. */
  since?: number | null;
  /** Epoch ms (exclusive): skip listed objects whose path says they start at or after this. */
  until?: number | null;
  /** Widening of each object's path time when comparing with since/until (default 15 min). */
  timeSlackMs?: number;
  /** Endpoint, page size, retry policy … for object stores. */
  source?: SourceOptions;
}

export interface ParseInputsHandlers {
  /** Receives records in input order; awaited, so a slow consumer slows parsing (backpressure). */
  onRecords(records: FlowRecord[]): void | Promise<void>;
  /** Cloud-log events (with `logs: true`), in input order, awaited likewise. */
  onEvents?(events: EventRecord[]): void | Promise<void>;
  onDiagnostics?(diagnostics: Diagnostic[]): void;
}

export interface ParseInputsResult extends RunSummary {
  /** Set when `strict` stopped the run: the bad row that did it. */
  strictViolation: Diagnostic | null;
  /** Listed objects left out because their path time is outside since/until. */
  skippedByTime: number;
}

/** Test seams: how sources are opened and how retries wait. */
export interface ParseInputsDeps {
  openSource?: (location: SourceLocation, options: SourceOptions) => Promise<ObjectSource>;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  stdin?: AsyncIterable<Uint8Array | string>;
  loaders?: Partial<Record<'azure' | 's3' | 'gcs', () => Promise<SourceFactory>>>;
}

/** One unit of work, in output order: an object to read, or a failure found while listing. */
type Work = { kind: 'object'; name: string; open(signal: AbortSignal): AsyncIterable<Uint8Array | string> } | { kind: 'failed'; failure: ObjectFailure };

type SlotEvent = DecodeEvent | { kind: 'object-failed'; error: unknown };

/** A small async queue with backpressure: `push` waits while it is full; `cancel` releases everyone. */
class BoundedQueue<T> {
  private items: T[] = [];
  private closed = false;
  private cancelled = false;
  private wakeReader: (() => void) | null = null;
  private wakeWriter: (() => void) | null = null;
  constructor(private readonly capacity: number) {}

  async push(item: T): Promise<boolean> {
    while (this.items.length >= this.capacity && !this.cancelled) await new Promise<void>((r) => (this.wakeWriter = r));
    if (this.cancelled) return false;
    this.items.push(item);
    this.wakeReader?.();
    return true;
  }

  close(): void {
    this.closed = true;
    this.wakeReader?.();
  }

  cancel(): void {
    this.cancelled = true;
    this.items = [];
    this.wakeWriter?.();
  }

  async *drain(): AsyncGenerator<T> {
    for (;;) {
      if (this.items.length > 0) {
        const item = this.items.shift()!;
        this.wakeWriter?.();
        yield item;
      } else if (this.closed) return;
      else await new Promise<void>((r) => (this.wakeReader = r));
    }
  }
}

interface Slot {
  queue: BoundedQueue<SlotEvent>;
  controller: AbortController;
  done: Promise<void>;
}

function startSlot(work: Work, parseOptions: ParseInputsOptions): Slot {
  // only what decoding needs reaches the parsers
  const { strict: _s, concurrency: _c, since: _a, until: _b, timeSlackMs: _t, source: _o, ...options } = parseOptions;
  const queue = new BoundedQueue<SlotEvent>(QUEUE_EVENTS);
  const controller = new AbortController();
  const done = (async () => {
    if (work.kind === 'failed') return;
    try {
      for await (const event of decodeFlows(work.open(controller.signal), work.name, options)) {
        if (!(await queue.push(event))) return;
      }
    } catch (error) {
      if (!controller.signal.aborted) await queue.push({ kind: 'object-failed', error });
    }
  })().finally(() => queue.close());
  return { queue, controller, done };
}

export async function parseInputs(
  inputs: readonly (string | SourceLocation)[],
  options: ParseInputsOptions,
  handlers: ParseInputsHandlers,
  deps: ParseInputsDeps = {},
): Promise<ParseInputsResult> {
  const summary: ParseInputsResult = { ...emptySummary(), strictViolation: null, skippedByTime: 0 };
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY));
  const sources: ObjectSource[] = [];
  const works = enumerate(inputs, options, deps, summary, sources)[Symbol.asyncIterator]();
  const window: { work: Work; slot: Slot }[] = [];
  let listed = false;
  let current: Slot | null = null;
  const fill = async () => {
    while (!listed && window.length < concurrency) {
      const next = await works.next();
      if (next.done) listed = true;
      else window.push({ work: next.value, slot: startSlot(next.value, options) });
    }
  };
  try {
    for (;;) {
      await fill();
      const head = window.shift();
      if (!head) break;
      current = head.slot;
      summary.objects++;
      if (head.work.kind === 'failed') {
        summary.failures.push(head.work.failure);
        continue;
      }
      const name = head.work.name;
      for await (const event of head.slot.queue.drain()) {
        if (event.kind === 'entry') {
          summary.entries++;
          summary.formats[event.format] = (summary.formats[event.format] ?? 0) + 1;
        } else if (event.kind === 'entry-failed') {
          summary.entries++;
          summary.failures.push({ object: event.entry, code: event.error.code, message: event.error.message });
        } else if (event.kind === 'object-failed') {
          summary.failures.push(failureOf(name, event.error));
        } else {
          if (event.diagnostics.length > 0) {
            for (const d of event.diagnostics) {
              countDiagnostic(summary, d);
              if (d.fatal) summary.failures.push({ object: d.object, code: d.reason, message: `${d.object}: ${d.message}` });
            }
            handlers.onDiagnostics?.(event.diagnostics);
            const bad = options.strict ? event.diagnostics.find((d) => d.severity === 'error') : undefined;
            if (bad) {
              summary.strictViolation = bad;
              return summary;
            }
          }
          if (event.kind === 'events') {
            if (event.events.length > 0) {
              summary.records += event.events.length;
              await handlers.onEvents?.(event.events);
            }
          } else if (event.records.length > 0) {
            summary.records += event.records.length;
            await handlers.onRecords(event.records);
          }
        }
      }
      await head.slot.done;
      current = null;
    }
    return summary;
  } finally {
    // stop the readers still running (strict stop, or an error from a handler) and release the sources
    const running = [...(current ? [current] : []), ...window.map((w) => w.slot)];
    for (const slot of running) {
      slot.controller.abort(new Error('parse stopped'));
      slot.queue.cancel();
    }
    await Promise.allSettled(running.map((slot) => slot.done));
    await works.return?.(undefined);
    await Promise.allSettled(sources.map((s) => s.close()));
  }
}

/** @deprecated the earlier name, kept for callers of the local-only version: same function. */
export const parseLocalInputs = parseInputs;

function failureOf(object: string, err: unknown): ObjectFailure {
  if (err instanceof NetworkflowError) return { object, code: err.code, message: err.message };
  const msg = (err as Error)?.message ?? String(err);
  return { object, code: 'input-unreadable', message: msg.startsWith(object) || err instanceof SourceError ? msg : `${object}: ${msg}` };
}

/** Inputs → work, in order: listing folders and prefixes lazily, page by page. */
async function* enumerate(
  inputs: readonly (string | SourceLocation)[],
  options: ParseInputsOptions,
  deps: ParseInputsDeps,
  summary: ParseInputsResult,
  sources: ObjectSource[],
): AsyncGenerator<Work> {
  const policy = options.source?.retry ?? DEFAULT_RETRY_POLICY;
  const hooks = { sleep: deps.sleep, random: deps.random };
  const since = options.since ?? null;
  const until = options.until ?? null;
  const slack = options.timeSlackMs ?? DEFAULT_TIME_SLACK_MS;
  const open = deps.openSource ?? ((loc: SourceLocation, opts: SourceOptions) => openSource(loc, opts, deps.loaders));
  const objectWork = (source: ObjectSource, info: ObjectInfo, name: string): Work => ({
    kind: 'object',
    name,
    open: (signal) => resilientRead(source, info, policy, { ...hooks, signal }),
  });

  for (const input of inputs) {
    const given = typeof input === 'string' ? input : input.kind === 'local' ? input.path! : input.uri;
    let location: SourceLocation;
    try {
      location = typeof input === 'string' ? parseLocation(input) : input;
    } catch (err) {
      yield { kind: 'failed', failure: failureOf(given, err) };
      continue;
    }

    if (location.kind === 'stdin') {
      const stdin = deps.stdin ?? process.stdin;
      yield { kind: 'object', name: 'stdin', open: () => stdin };
      continue;
    }

    if (location.kind === 'local') {
      let isDir: boolean;
      try {
        isDir = (await stat(location.path!)).isDirectory();
      } catch (err) {
        const e = fsError(err, given);
        yield { kind: 'failed', failure: { object: given, code: 'input-unreadable', message: e.message } };
        continue;
      }
      if (!isDir) {
        // a file named on the command line is read whatever its name says about time
        const source = new LocalSource(path.dirname(location.path!));
        const key = path.basename(location.path!);
        yield {
          kind: 'object',
          name: given,
          open: (signal) =>
            (async function* () {
              const info = await withRetry(() => source.stat(key), policy, { ...hooks, signal, target: given });
              yield* resilientRead(source, info, policy, { ...hooks, signal });
            })(),
        };
        continue;
      }
      const source = new LocalSource(location.path!);
      try {
        for await (const info of listWithRetry(source, '', options, policy, deps)) {
          if (!inWindow(info.key, since, until, slack)) {
            summary.skippedByTime++;
            continue;
          }
          yield objectWork(source, info, path.join(given, ...info.key.split('/')));
        }
      } catch (err) {
        yield { kind: 'failed', failure: failureOf(given, err) };
      }
      continue;
    }

    // object stores
    let source: ObjectSource;
    try {
      source = await open(location, options.source ?? {});
      sources.push(source);
    } catch (err) {
      yield { kind: 'failed', failure: failureOf(location.uri, err) };
      continue;
    }
    let found = 0;
    try {
      for await (const info of listWithRetry(source, '', options, policy, deps)) {
        found++;
        if (!inWindow(info.key, since, until, slack)) {
          summary.skippedByTime++;
          continue;
        }
        yield objectWork(source, info, info.uri);
      }
    } catch (err) {
      yield { kind: 'failed', failure: failureOf(location.uri, err) };
      continue;
    }
    if (found > 0 || location.prefix === '') continue;
    // nothing under `<prefix>/`: the URI may name a single object
    const cut = location.prefix.lastIndexOf('/');
    const parent = withPrefix(location, cut < 0 ? '' : location.prefix.slice(0, cut));
    const key = location.prefix.slice(cut + 1);
    try {
      const parentSource = await open(parent, options.source ?? {});
      sources.push(parentSource);
      const info = await withRetry(() => parentSource.stat(key), policy, { ...hooks, target: location.uri });
      yield objectWork(parentSource, info, info.uri);
    } catch (err) {
      const missing = err instanceof SourceError && !err.transient && (err.status === 404 || err.status === null);
      yield {
        kind: 'failed',
        failure: missing
          ? { object: location.uri, code: 'input-unreadable', message: `${location.uri}: no such object, and no objects under ${prefixPath(location.prefix)}` }
          : failureOf(location.uri, err),
      };
    }
  }
}

/**
 * Lists a source, retrying transient failures by listing again from the start and skipping the keys
 * already given (a listing cannot resume mid-way without the service's continuation token), so every
 * object comes out once. Progress resets the attempt count.
 */
async function* listWithRetry(source: ObjectSource, prefix: string, options: ParseInputsOptions, policy: RetryPolicy, deps: ParseInputsDeps): AsyncGenerator<ObjectInfo> {
  const seen = new Set<string>();
  const sleep = deps.sleep ?? realSleep;
  const random = deps.random ?? Math.random;
  let failures = 0;
  for (;;) {
    try {
      for await (const page of source.list({ prefix: prefix || undefined, pageSize: options.source?.pageSize })) {
        let fresh = false;
        for (const info of page) {
          if (seen.has(info.key)) continue;
          seen.add(info.key);
          fresh = true;
          yield info;
        }
        if (fresh) failures = 0;
      }
      return;
    } catch (err) {
      if (!isTransientError(err)) throw err;
      failures++;
      if (failures >= policy.maxAttempts) {
        throw new SourceError(`${source.uri}: listing still failing after ${failures} attempt(s), giving up: ${(err as Error).message}`, {
          transient: true,
          target: source.uri,
          cause: err,
        });
      }
      await sleep(backoffDelay(failures, policy, random, err instanceof SourceError ? err.retryAfterMs : null));
    }
  }
}
