/** The events table: pages stored with their checkpoint in one step, dedupe by provider id, crash leftovers removed. */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newEventRecord, type EventRecord } from '../../src/model/index.js';
import { openDuckDB, type DuckDB } from '../../src/store/duckdb.js';
import { EVENTS_MANIFEST_FILE, EventLake, readEventManifest, sourceSlug } from '../../src/store/event-lake.js';

let db: DuckDB;
const dirs: string[] = [];
beforeAll(async () => {
  db = await openDuckDB({ threads: 1 });
});
afterAll(() => db.close());
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), 'nf-events-'));
  dirs.push(d);
  return d;
}

const T0 = Date.parse('2026-11-25T10:58:00Z');

function event(i: number, over: Partial<EventRecord> = {}): EventRecord {
  const e = newEventRecord('aws', 'aws-cloudwatch', 'aws:us-east-1:/aws/lambda/f', i + 1);
  e.timestamp = T0 + i * 60_000; // 10:58, 10:59, 11:00, …: two hours
  e.observed_timestamp = e.timestamp + 500;
  e.account_id = '123456789012';
  e.region = 'us-east-1';
  e.service = 'lambda';
  e.log_name = '/aws/lambda/f';
  e.message = `line ${i} with "quotes" and ünïcode`;
  e.severity_number = 9;
  e.severity_text = 'INFO';
  e.event_id = `id-${i}`;
  e.attributes = { n: i, nested: { ok: true }, list: [1, 'two'] };
  e.size_bytes = 100 + i;
  return Object.assign(e, over);
}

const next = (cursor: Record<string, unknown> | null, done = false) => ({
  description: 'CloudWatch /aws/lambda/f',
  window: { since: T0, until: T0 + 3_600_000 },
  cursor,
  done,
  covered: done ? { since: T0, until: T0 + 3_600_000 } : null,
});

describe('EventLake', () => {
  it('stores a page across hour partitions and reads back every column', async () => {
    const dir = await tempDir();
    const lake = await EventLake.open(db, dir);
    const events = [0, 1, 2, 3].map((i) => event(i));
    const r = await lake.commitPage('aws:us-east-1:/aws/lambda/f', events, next({ nextToken: 'abc' }));
    expect(r).toMatchObject({ stored: 4, duplicates: 0, untimed: 0 });
    const slug = sourceSlug('aws:us-east-1:/aws/lambda/f');
    expect(r.files).toEqual([`events/date=2026-11-25/hour=10/${slug}-000001.parquet`, `events/date=2026-11-25/hour=11/${slug}-000001.parquet`]);
    expect(lake.files[r.files[0]]).toMatchObject({ rows: 2, minTime: T0, maxTime: T0 + 60_000 });
    expect(await lake.readEvents()).toEqual(events);
    expect(await lake.readEvents({ since: T0 + 120_000 })).toEqual(events.slice(2));
    expect(await lake.readEvents({ until: T0 + 60_000, limit: 5 })).toEqual(events.slice(0, 1));
    expect(lake.checkpoint('aws:us-east-1:/aws/lambda/f')).toMatchObject({ cursor: { nextToken: 'abc' }, pages: 1, events: 4, newest: T0 + 180_000, done: false });
    expect(lake.checkpoint('nope')).toBeUndefined();
  });

  it('drops events already stored (same provider id), keeps id-less ones, and does not store untimed ones', async () => {
    const dir = await tempDir();
    const lake = await EventLake.open(db, dir);
    await lake.commitPage('s', [event(0), event(1)], next({ p: 1 }));
    const again = await lake.commitPage('s', [event(1), event(2), event(2), event(3, { event_id: null }), event(4, { timestamp: null, observed_timestamp: null })], next(null, true));
    expect(again).toMatchObject({ stored: 2, duplicates: 2, untimed: 1 });
    const stored = await lake.readEvents();
    expect(stored.map((e) => e.source_line)).toEqual([1, 2, 3, 4]);
    expect(lake.checkpoint('s')).toMatchObject({ pages: 2, events: 4, duplicates: 2, done: true, cursor: null });
    // a page of nothing new still advances the checkpoint and writes no file
    const empty = await lake.commitPage('s', [event(0)], next({ p: 3 }));
    expect(empty).toEqual({ stored: 0, duplicates: 1, untimed: 0, files: [] });
    expect(lake.checkpoint('s')?.pages).toBe(3);
  });

  it('remembers ids only within the horizon of the newest event', async () => {
    const dir = await tempDir();
    const lake = await EventLake.open(db, dir);
    await lake.commitPage('s', [event(0), event(1), event(30)], next(null), { dedupeHorizonMs: 10 * 60_000 });
    expect(lake.checkpoint('s')?.recentIds.map(([id]) => id)).toEqual(['id-30']);
  });

  it('keeps checkpoints across opens and removes what an interrupted run left (unlisted files, staging)', async () => {
    const dir = await tempDir();
    const first = await EventLake.open(db, dir);
    await first.commitPage('s', [event(0)], next({ p: 1 }));
    // a run that died after renaming a file into place and before its manifest commit, and one mid-staging
    const orphan = path.join(dir, 'events/date=2026-11-25/hour=11/orphan-000002.parquet');
    await mkdir(path.dirname(orphan), { recursive: true });
    await writeFile(orphan, 'PAR1 half a file');
    await mkdir(path.join(dir, '.staging-events'), { recursive: true });
    await writeFile(path.join(dir, '.staging-events/123-0.parquet'), 'x');
    const reopened = await EventLake.open(db, dir);
    expect(reopened.checkpoint('s')).toMatchObject({ cursor: { p: 1 }, pages: 1 });
    expect(await readdir(path.join(dir, 'events/date=2026-11-25/hour=11'))).toEqual([]);
    expect(await readdir(dir)).not.toContain('.staging-events');
    expect((await reopened.readEvents()).length).toBe(1);
  });

  it('serializes commits of sources pulled in parallel', async () => {
    const dir = await tempDir();
    const lake = await EventLake.open(db, dir);
    await Promise.all(['a', 'b', 'c'].map((s, k) => lake.commitPage(s, [event(k * 10, { event_id: `${s}-1` }), event(k * 10 + 1, { event_id: `${s}-2` })], next({ s }))));
    const m = await readEventManifest(dir);
    expect(Object.keys(m.sources).sort()).toEqual(['a', 'b', 'c']);
    expect(Object.values(m.files).reduce((n, f) => n + f.rows, 0)).toBe(6);
  });

  it('refuses a manifest of another version or naming a path outside the table', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, EVENTS_MANIFEST_FILE), JSON.stringify({ version: 9, files: {}, sources: {} }));
    await expect(EventLake.open(db, dir)).rejects.toThrow(/version 9 is not 1/);
    await writeFile(path.join(dir, EVENTS_MANIFEST_FILE), JSON.stringify({ version: 1, files: { '../../etc/passwd': {} }, sources: {} }));
    await expect(EventLake.open(db, dir)).rejects.toThrow(/is not an events file/);
    expect((await readEventManifest(await tempDir())).files).toEqual({});
  });
});
