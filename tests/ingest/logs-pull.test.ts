/**
 * pullLogs over an in-memory LogSource: every event stored once across pages, interruptions resumed from the
 * checkpointed cursor, covered ranges not pulled again, one failing source not stopping the others, follow
 * windows with overlap. (The real APIs' sources are tested against their fake servers in tests/sources/logs.)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { joinCovered, nextGap, pullLogs } from '../../src/ingest/logs-pull.js';
import { newEventRecord, type EventRecord } from '../../src/model/index.js';
import type { LogCursor, LogPage, LogSource, LogWindow } from '../../src/sources/logs/types.js';
import { SourceError } from '../../src/sources/types.js';
import { openDuckDB, type DuckDB } from '../../src/store/duckdb.js';
import { EventLake } from '../../src/store/event-lake.js';

const T0 = Date.parse('2026-11-25T00:00:00Z');
const MIN = 60_000;

/** Events at T0 + i minutes; pages of `pageSize` events of the window; cursor {next: index}. */
class FakeSource implements LogSource {
  readonly provider = 'aws' as const;
  readonly description: string;
  calls: { window: LogWindow; cursor: LogCursor | null }[] = [];
  failAtPage: number | null = null;
  pagesServed = 0;
  constructor(
    readonly id: string,
    public events: number[],
    private readonly pageSize = 3,
  ) {
    this.description = `fake ${id}`;
  }
  async *pages(window: LogWindow, cursor: LogCursor | null): AsyncGenerator<LogPage> {
    this.calls.push({ window, cursor });
    const inWindow = this.events.filter((m) => T0 + m * MIN >= window.since && T0 + m * MIN < window.until);
    for (let i = cursor === null ? 0 : (cursor.next as number); ; i += this.pageSize) {
      this.pagesServed++;
      if (this.failAtPage !== null && this.pagesServed === this.failAtPage) throw new SourceError(`${this.id}: service unavailable after 6 attempts`, { transient: true, target: this.id });
      const slice = inWindow.slice(i, i + this.pageSize);
      const last = i + this.pageSize >= inWindow.length;
      yield {
        events: slice.map((m) => ev(this.id, m)),
        diagnostics: m0(slice) ? [{ object: this.id, line: null, field: null, reason: 'bad-record', message: 'x', severity: 'error' }] : [],
        cursor: last ? null : { next: i + this.pageSize },
        requests: 1,
      };
      if (last) return;
    }
  }
}
const m0 = (slice: number[]) => slice.includes(0);

function ev(source: string, minute: number): EventRecord {
  const e = newEventRecord('aws', 'aws-cloudwatch', source, minute);
  e.timestamp = T0 + minute * MIN;
  e.event_id = `${source}-${minute}`;
  e.message = `m${minute}`;
  return e;
}

let db: DuckDB;
let dir: string;
beforeAll(async () => {
  db = await openDuckDB({ threads: 1 });
});
afterAll(() => db.close());
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});
async function lake(): Promise<EventLake> {
  dir ??= '';
  if (!dir) dir = await mkdtemp(path.join(os.tmpdir(), 'nf-pull-'));
  return EventLake.open(db, dir);
}
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('pullLogs', () => {
  it('stores every event of the window once, page by page, and reads nothing again for a covered range', async () => {
    dir = '';
    const l = await lake();
    const src = new FakeSource('a', range(10));
    const [r] = await pullLogs(l, [{ source: src, since: T0, until: T0 + 10 * MIN }]);
    expect(r).toMatchObject({ id: 'a', pages: 4, requests: 4, stored: 10, duplicates: 0, error: null, covered: { since: T0, until: T0 + 10 * MIN } });
    expect(r.diagnostics).toEqual({ 'bad-record': 1 });
    expect((await l.readEvents()).map((e) => e.message)).toEqual(range(10).map((m) => `m${m}`));
    const again = await pullLogs(l, [{ source: src, since: T0, until: T0 + 10 * MIN }]);
    expect(again[0]).toMatchObject({ pages: 0, stored: 0 });
    expect(src.calls).toHaveLength(1);
  });

  it('resumes an interrupted window from the stored cursor: no gap, no duplicate', async () => {
    dir = '';
    const l = await lake();
    const src = new FakeSource('a', range(10));
    src.failAtPage = 3; // two pages stored, then the API fails past its retries
    const errors: string[] = [];
    const [r] = await pullLogs(l, [{ source: src, since: T0, until: T0 + 10 * MIN }], { onError: (_id, e) => errors.push(e.message) });
    expect(r).toMatchObject({ stored: 6, error: 'a: service unavailable after 6 attempts', covered: null });
    expect(errors).toEqual(['a: service unavailable after 6 attempts']);
    expect(l.checkpoint('a')).toMatchObject({ cursor: { next: 6 }, done: false, pages: 2 });

    const fresh = new FakeSource('a', range(10)); // a new run: a new process, the same API
    const reopened = await EventLake.open(db, dir);
    const [r2] = await pullLogs(reopened, [{ source: fresh, since: T0, until: T0 + 10 * MIN }]);
    expect(fresh.calls[0].cursor).toEqual({ next: 6 });
    expect(r2).toMatchObject({ stored: 4, duplicates: 0, error: null });
    expect((await reopened.readEvents()).map((e) => e.source_line)).toEqual(range(10));
  });

  it('pulls only what is new when the range grows, and backfills what lies before it', async () => {
    dir = '';
    const l = await lake();
    const src = new FakeSource('a', range(30));
    await pullLogs(l, [{ source: src, since: T0 + 10 * MIN, until: T0 + 20 * MIN }]);
    await pullLogs(l, [{ source: src, since: T0 + 10 * MIN, until: T0 + 25 * MIN }]);
    expect(src.calls.at(-1)?.window).toEqual({ since: T0 + 20 * MIN, until: T0 + 25 * MIN });
    const [back] = await pullLogs(l, [{ source: src, since: T0 + 2 * MIN, until: T0 + 25 * MIN }]);
    expect(src.calls.at(-1)?.window).toEqual({ since: T0 + 2 * MIN, until: T0 + 10 * MIN });
    expect(back.covered).toEqual({ since: T0 + 2 * MIN, until: T0 + 25 * MIN });
    expect((await l.readEvents()).map((e) => e.source_line)).toEqual(range(23).map((i) => i + 2));
  });

  it('keeps going with the other sources when one fails, and reports it', async () => {
    dir = '';
    const l = await lake();
    const bad = new FakeSource('bad', range(5));
    bad.failAtPage = 1;
    const good = new FakeSource('good', range(5));
    const results = await pullLogs(l, [
      { source: bad, since: T0, until: T0 + 5 * MIN },
      { source: good, since: T0, until: T0 + 5 * MIN },
    ]);
    expect(results.map((r) => [r.id, r.stored, r.error])).toEqual([
      ['bad', 0, 'bad: service unavailable after 6 attempts'],
      ['good', 5, null],
    ]);
    await expect(pullLogs(l, [{ source: good, since: T0 }, { source: good, since: T0 }])).rejects.toThrow(/two sources have the id 'good'/);
  });

  it('follows: windows up to lag before now, each reaching back over the overlap, repeats dropped; stops on abort', async () => {
    dir = '';
    const l = await lake();
    const src = new FakeSource('f', range(60), 100);
    let clock = T0 + 20 * MIN;
    const controller = new AbortController();
    let sleeps = 0;
    const sleep = async () => {
      sleeps++;
      clock += 10 * MIN;
      if (sleeps === 3) controller.abort();
    };
    const [r] = await pullLogs(l, [{ source: src, since: T0 }], {
      follow: { intervalMs: 10 * MIN, lagMs: MIN, overlapMs: 3 * MIN },
      now: () => clock,
      sleep,
      signal: controller.signal,
    });
    expect(src.calls.map((c) => [(c.window.since - T0) / MIN, (c.window.until - T0) / MIN])).toEqual([
      [0, 19],
      [16, 29],
      [26, 39],
    ]);
    expect(r.stored).toBe(39);
    expect(r.duplicates).toBe(6);
    expect(r.covered).toEqual({ since: T0, until: T0 + 39 * MIN });
  });

  it('in follow mode a failing source is tried again at the next interval', async () => {
    dir = '';
    const l = await lake();
    const src = new FakeSource('f', range(20), 100);
    src.failAtPage = 1;
    let clock = T0 + 10 * MIN;
    const controller = new AbortController();
    const errors: string[] = [];
    const [r] = await pullLogs(l, [{ source: src, since: T0 }], {
      follow: { intervalMs: MIN },
      now: () => clock,
      sleep: async () => {
        clock += 5 * MIN;
        if (clock > T0 + 15 * MIN) {
          controller.abort();
          throw new Error('aborted while waiting'); // as realSleep rejects
        }
      },
      signal: controller.signal,
      onError: (id) => errors.push(id),
    });
    expect(errors).toEqual(['f']);
    expect(r).toMatchObject({ error: null, stored: 15 }); // minutes 0–14: up to 30 s (the default lag) before 15:00
  });
});

describe('pullLogs edges', () => {
  it('records a window done when its pages end without a final cursor, and stops quietly when aborted mid-pull', async () => {
    dir = '';
    const l = await lake();
    const endless: LogSource = {
      provider: 'gcp',
      id: 'g',
      description: 'no final cursor',
      async *pages() {
        yield { events: [ev('g', 1)], diagnostics: [], cursor: { k: 1 }, requests: 1 };
      },
    };
    const [r] = await pullLogs(l, [{ source: endless, since: T0, until: T0 + 5 * MIN }]);
    expect(r).toMatchObject({ stored: 1, error: null, covered: { since: T0, until: T0 + 5 * MIN } });
    expect(l.checkpoint('g')).toMatchObject({ done: true, cursor: null });

    const controller = new AbortController();
    const aborted: LogSource = {
      provider: 'aws',
      id: 'x',
      description: 'aborted',
      async *pages() {
        controller.abort();
        yield* [];
        throw new Error('request aborted');
      },
    };
    const errors: string[] = [];
    const [a] = await pullLogs(l, [{ source: aborted, since: T0, until: T0 + MIN }], { signal: controller.signal, onError: (id) => errors.push(id) });
    expect(a.error).toBeNull();
    expect(errors).toEqual([]);
  });
});

describe('windows', () => {
  it('finds the part of a wanted range not covered, keeping coverage contiguous', () => {
    const w = (a: number, b: number) => ({ since: a, until: b });
    expect(nextGap(w(0, 10), null)).toEqual(w(0, 10));
    expect(nextGap(w(5, 5), null)).toBeNull();
    expect(nextGap(w(0, 10), w(0, 10))).toBeNull();
    expect(nextGap(w(0, 10), w(4, 10))).toEqual(w(0, 4));
    expect(nextGap(w(0, 2), w(4, 10))).toEqual(w(0, 4)); // the time in between too
    expect(nextGap(w(0, 12), w(0, 10))).toEqual(w(10, 12));
    expect(nextGap(w(11, 12), w(0, 10))).toEqual(w(10, 12));
    expect(joinCovered(null, w(1, 2))).toEqual(w(1, 2));
    expect(joinCovered(w(0, 10), w(8, 12))).toEqual(w(0, 12));
    expect(joinCovered(w(0, 10), w(20, 30))).toEqual(w(20, 30));
  });
});
