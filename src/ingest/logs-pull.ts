/**
 * `networkflow logs pull`: pulls log sources (CloudWatch Logs, Log Analytics, Cloud Logging) into the events
 * table, all sources at once, each page stored and checkpointed in one atomic step (store/event-lake.ts).
 *
 * Per source: the requested range is pulled as windows; a window that was being read when the last run
 * stopped is finished first from its checkpointed cursor; then whatever part of the requested range is not
 * yet `covered` (earlier than it: a backfill; later: new data). With `follow`, the pull then keeps going:
 * every `intervalMs` it reads the window from where it stopped (minus `overlapMs`, since events reach the
 * APIs late; the overlap's repeats are dropped by event id) to `lagMs` before now.
 *
 * A source that fails (credentials, an outage that outlasts the retries) is reported in its own result and
 * does not stop the others; in follow mode it is tried again at the next interval.
 */
import type { Diagnostic } from '../model/index.js';
import type { LogCursor, LogSource, LogWindow } from '../sources/logs/types.js';
import { realSleep } from '../sources/retry.js';
import type { EventLake, SourceCheckpoint } from '../store/event-lake.js';

export interface LogPullSpec {
  source: LogSource;
  /** Epoch ms, inclusive. */
  since: number;
  /** Epoch ms, exclusive (default: now − follow lag, or now). */
  until?: number;
}

export interface FollowOptions {
  intervalMs: number;
  /** How far behind now a window ends (events reach the API late): default 30 s. */
  lagMs?: number;
  /** How far back each new window starts before the last one ended: default 5 min. */
  overlapMs?: number;
}

export interface LogPullProgress {
  source: string;
  window: LogWindow;
  pages: number;
  stored: number;
  duplicates: number;
}

export interface LogPullOptions {
  follow?: FollowOptions;
  signal?: AbortSignal;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  onPage?: (progress: LogPullProgress) => void;
  /** Called when a source fails (in follow mode it is retried at the next interval). */
  onError?: (source: string, error: Error) => void;
  dedupeHorizonMs?: number;
}

export interface LogPullSourceResult {
  id: string;
  description: string;
  pages: number;
  requests: number;
  stored: number;
  duplicates: number;
  untimed: number;
  /** Diagnostics by reason (records the normalizers could not take, or took with a warning). */
  diagnostics: Record<string, number>;
  /** A few diagnostics, for the report. */
  samples: Diagnostic[];
  /** Set when the source failed; the others still ran. */
  error: string | null;
  /** What is stored now, over all runs. */
  covered: { since: number; until: number } | null;
}

const DEFAULT_LAG_MS = 30_000;
const DEFAULT_OVERLAP_MS = 5 * 60_000;
const MAX_SAMPLES = 5;

export async function pullLogs(lake: EventLake, specs: readonly LogPullSpec[], options: LogPullOptions = {}): Promise<LogPullSourceResult[]> {
  const ids = new Set<string>();
  for (const s of specs) {
    if (ids.has(s.source.id)) throw new Error(`two sources have the id '${s.source.id}': give each log group, workspace query or filter once`);
    ids.add(s.source.id);
  }
  return Promise.all(specs.map((spec) => pullOne(lake, spec, options)));
}

async function pullOne(lake: EventLake, spec: LogPullSpec, options: LogPullOptions): Promise<LogPullSourceResult> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const { source } = spec;
  const result: LogPullSourceResult = {
    id: source.id,
    description: source.description,
    pages: 0,
    requests: 0,
    stored: 0,
    duplicates: 0,
    untimed: 0,
    diagnostics: {},
    samples: [],
    error: null,
    covered: lake.checkpoint(source.id)?.covered ?? null,
  };
  const lag = options.follow?.lagMs ?? DEFAULT_LAG_MS;
  const overlap = options.follow?.overlapMs ?? DEFAULT_OVERLAP_MS;
  let until = spec.until ?? (options.follow ? now() - lag : now());
  for (let first = true; ; first = false) {
    try {
      // following: each new window reaches back over the overlap (late events; repeats are dropped by id)
      await catchUp(lake, source, { since: spec.since, until }, result, options, first ? 0 : overlap);
      result.error = null;
    } catch (err) {
      if (options.signal?.aborted) break;
      result.error = (err as Error).message;
      options.onError?.(source.id, err as Error);
      if (!options.follow) break;
    }
    if (!options.follow || options.signal?.aborted) break;
    try {
      await sleep(options.follow.intervalMs, options.signal);
    } catch {
      break; // aborted while waiting: stop following
    }
    if (options.signal?.aborted) break;
    until = now() - lag;
  }
  result.covered = lake.checkpoint(source.id)?.covered ?? null;
  return result;
}

/** Finishes an interrupted window, then pulls what of `wanted` is not covered yet. */
async function catchUp(lake: EventLake, source: LogSource, wanted: LogWindow, result: LogPullSourceResult, options: LogPullOptions, reachBackMs: number): Promise<void> {
  const cp = lake.checkpoint(source.id);
  if (cp?.window && !cp.done) await pullWindow(lake, source, cp.window, cp.cursor, cp, result, options);
  for (;;) {
    const covered = lake.checkpoint(source.id)?.covered ?? null;
    const gap = nextGap(wanted, covered);
    if (gap === null) return;
    const window = covered !== null && gap.since === covered.until ? { since: Math.max(covered.since, gap.since - reachBackMs), until: gap.until } : gap;
    await pullWindow(lake, source, window, null, lake.checkpoint(source.id), result, options);
  }
}

/**
 * The next window to pull for `wanted` given what is `covered`, or null when nothing is missing. Coverage stays
 * one contiguous range: a wanted range apart from it is reached by pulling the time in between too.
 */
export function nextGap(wanted: LogWindow, covered: { since: number; until: number } | null): LogWindow | null {
  if (wanted.until <= wanted.since) return null;
  if (covered === null) return wanted;
  if (wanted.since < covered.since) return { since: wanted.since, until: covered.since };
  if (wanted.until > covered.until) return { since: covered.until, until: wanted.until };
  return null;
}

/** The range covered once `window` is done: joined to what was covered when they touch or overlap. */
export function joinCovered(covered: { since: number; until: number } | null, window: LogWindow): { since: number; until: number } {
  if (covered === null || window.until < covered.since || window.since > covered.until) return { since: window.since, until: window.until };
  return { since: Math.min(covered.since, window.since), until: Math.max(covered.until, window.until) };
}

async function pullWindow(
  lake: EventLake,
  source: LogSource,
  window: LogWindow,
  cursor: LogCursor | null,
  cp: SourceCheckpoint | undefined,
  result: LogPullSourceResult,
  options: LogPullOptions,
): Promise<void> {
  const coveredBefore = cp?.covered ?? null;
  for await (const page of source.pages(window, cursor, options.signal)) {
    const done = page.cursor === null;
    const committed = await lake.commitPage(
      source.id,
      page.events,
      {
        description: source.description,
        window,
        cursor: page.cursor,
        done,
        covered: done ? joinCovered(coveredBefore, window) : coveredBefore,
      },
      { dedupeHorizonMs: options.dedupeHorizonMs },
    );
    result.pages++;
    result.requests += page.requests;
    result.stored += committed.stored;
    result.duplicates += committed.duplicates;
    result.untimed += committed.untimed;
    for (const d of page.diagnostics) {
      result.diagnostics[d.reason] = (result.diagnostics[d.reason] ?? 0) + 1;
      if (result.samples.length < MAX_SAMPLES) result.samples.push(d);
    }
    options.onPage?.({ source: source.id, window, pages: result.pages, stored: result.stored, duplicates: result.duplicates });
    if (done) {
      result.covered = joinCovered(coveredBefore, window);
      return;
    }
  }
  // a source whose pages end without a final null cursor has still delivered the window: record it done
  await lake.commitPage(source.id, [], { description: source.description, window, cursor: null, done: true, covered: joinCovered(coveredBefore, window) });
  result.covered = joinCovered(coveredBefore, window);
}
