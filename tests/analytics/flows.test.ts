/**
 * Flow aggregations against an independent computation: generated logs ingested into a real lake, each
 * aggregate compared with a plain loop over the same inputs parsed by parseInputs, under several filters.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  countries,
  countryLabel,
  deniedBy,
  deniedOverTime,
  heatmapDayHour,
  heatmapNsgHour,
  sankeyPairs,
  summary,
  timeSeries,
  topListeners,
  topTalkers,
  type DeniedDimension,
  type TalkerMeasure,
} from '../../src/analytics/flows.js';
import { AUTO_BUCKET_LIMITS, BUCKET_MS, MAX_BUCKETS, autoBucketUnit, bucketStarts, planBuckets, type BucketUnit } from '../../src/analytics/time-buckets.js';
import type { Filter } from '../../src/model/filter.js';
import type { FlowRecord } from '../../src/model/index.js';
import { FlowStore, type QueryEvent } from '../../src/store/flow-store.js';
import { buildAnalyticsLake, matchesFilter, type AnalyticsLake } from '../helpers/analytics-lake.js';

type Rec = FlowRecord & { timestamp: number };

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Sunday 22:00 UTC: three hours cross into Monday, so the day × hour heatmap has two rows. */
const START = Date.parse('2026-11-01T22:00:00Z');

let lake: AnalyticsLake;
let store: FlowStore;
let nsgLake: AnalyticsLake;
let nsgStore: FlowStore;

beforeAll(async () => {
  lake = await buildAnalyticsLake({ start: new Date(START).toISOString(), hours: 3, flowsPerHour: 2500, seed: 5 });
  store = await FlowStore.open(lake.dataDir);
  nsgLake = await buildAnalyticsLake({ format: 'azure-nsg', hours: 2, flowsPerHour: 1500, seed: 6 });
  nsgStore = await FlowStore.open(nsgLake.dataDir);
}, 120_000);

afterAll(async () => {
  store?.close();
  nsgStore?.close();
  await lake?.cleanup();
  await nsgLake?.cleanup();
});

const FILTERS: Record<string, Filter> = {
  none: {},
  denied: { decision: ['Deny'] },
  allowed: { decision: ['Allow'] },
  window: { since: START + 40 * MINUTE, until: START + 100 * MINUTE },
  cidr: { ip: ['10.2.0.0/16'] },
  publicSource: { ip: ['177.51.0.0/16'], ipSide: 'src' },
  combined: { decision: ['Deny'], ip: ['10.0.0.0/8'], since: START + HOUR },
};

function select(records: readonly Rec[], filter: Filter): Rec[] {
  return records.filter((r) => matchesFilter(r, filter));
}

interface Measures {
  flows: number;
  bytes: number;
  packets: number;
  denied: number;
}

function groupBy<K>(records: readonly Rec[], key: (r: Rec) => K): Map<K, Measures> {
  const out = new Map<K, Measures>();
  for (const r of records) {
    const k = key(r);
    let m = out.get(k);
    if (!m) out.set(k, (m = { flows: 0, bytes: 0, packets: 0, denied: 0 }));
    m.flows++;
    m.bytes += r.bytes;
    m.packets += r.packets;
    if (r.flow_decision === 'Deny') m.denied++;
  }
  return out;
}

/** Ascending with nulls last, as SQL's `ASC NULLS LAST`. */
function compareKey(a: string | number | null, b: string | number | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

/** Top `limit` by measure desc, ties by the key parts asc; then the rest summed, when there is a rest. */
function topN<K extends (string | number | null)[]>(groups: Map<string, { key: K; m: Measures }>, measure: keyof Measures, limit: number) {
  const sorted = [...groups.values()].sort((a, b) => {
    if (a.m[measure] !== b.m[measure]) return b.m[measure] - a.m[measure];
    for (let i = 0; i < a.key.length; i++) {
      const c = compareKey(a.key[i], b.key[i]);
      if (c !== 0) return c;
    }
    return 0;
  });
  const top = sorted.slice(0, limit);
  const rest = sorted.slice(limit);
  const other = rest.length === 0 ? null : rest.reduce<Measures>(
    (s, g) => ({ flows: s.flows + g.m.flows, bytes: s.bytes + g.m.bytes, packets: s.packets + g.m.packets, denied: s.denied + g.m.denied }),
    { flows: 0, bytes: 0, packets: 0, denied: 0 },
  );
  return { top, other };
}

function keyed<K extends (string | number | null)[]>(records: readonly Rec[], key: (r: Rec) => K) {
  const groups = new Map<string, { key: K; m: Measures }>();
  for (const [k, m] of groupBy(records, (r) => JSON.stringify(key(r)))) groups.set(k, { key: JSON.parse(k) as K, m });
  return groups;
}

describe('summary', () => {
  it.each(Object.entries(FILTERS))('matches a loop over the records (%s)', async (_name, filter) => {
    const rs = select(lake.records, filter);
    expect(rs.length).toBeGreaterThan(0);
    const s = await summary(store, filter);
    const denied = rs.filter((r) => r.flow_decision === 'Deny').length;
    expect(s).toEqual({
      flows: rs.length,
      bytes: rs.reduce((a, r) => a + r.bytes, 0),
      packets: rs.reduce((a, r) => a + r.packets, 0),
      denied,
      denialRate: denied / rs.length,
      distinctSources: new Set(rs.map((r) => r.src_ip).filter((ip) => ip !== null)).size,
      distinctDestinations: new Set(rs.map((r) => r.dst_ip).filter((ip) => ip !== null)).size,
      start: Math.min(...rs.map((r) => r.timestamp)),
      end: Math.max(...rs.map((r) => r.timestamp)),
    });
    expect(s.anomalies).toBeUndefined();
  });

  it('has zeros, a zero denial rate and null times when nothing matches', async () => {
    const s = await summary(store, { ip: ['192.0.2.1'] });
    expect(s).toEqual({ flows: 0, bytes: 0, packets: 0, denied: 0, denialRate: 0, distinctSources: 0, distinctDestinations: 0, start: null, end: null });
  });
});

describe('topTalkers / topListeners', () => {
  const cases: [string, TalkerMeasure, number][] = [];
  for (const name of Object.keys(FILTERS)) for (const by of ['bytes', 'flows', 'packets'] as const) cases.push([name, by, by === 'flows' ? 7 : 10]);

  it.each(cases)('match a loop over the records (%s, by %s, limit %d)', async (name, by, limit) => {
    const filter = FILTERS[name];
    const rs = select(lake.records, filter);
    for (const [fn, side] of [[topTalkers, 'src_ip'], [topListeners, 'dst_ip']] as const) {
      const { top, other } = topN(keyed(rs, (r) => [r[side]]), by, limit);
      const expected = top.map((g) => ({ ip: g.key[0], ...g.m }));
      if (other) expected.push({ ip: 'other', ...other });
      expect(await fn(store, filter, { by, limit })).toEqual(expected);
    }
  });

  it('rank by bytes, 10 rows by default, and leave out the other row when nothing remains', async () => {
    const rs = select(lake.records, FILTERS.none);
    const rows = await topTalkers(store);
    expect(rows).toHaveLength(11);
    expect(rows.slice(0, 10).map((r) => r.bytes)).toEqual([...rows.slice(0, 10).map((r) => r.bytes)].sort((a, b) => b - a));
    const sources = new Set(rs.map((r) => r.src_ip)).size;
    const all = await topTalkers(store, {}, { limit: sources });
    expect(all).toHaveLength(sources);
    expect(all.some((r) => r.ip === 'other')).toBe(false);
    expect(all.reduce((a, r) => a + r.flows, 0)).toBe(rs.length);
  });

  it('refuse a bad measure or limit', async () => {
    await expect(topTalkers(store, {}, { by: 'hosts' as TalkerMeasure })).rejects.toThrow(/measure/);
    await expect(topListeners(store, {}, { limit: 0 })).rejects.toThrow(/limit/);
    await expect(topListeners(store, {}, { limit: 1.5 })).rejects.toThrow(/limit/);
  });
});

describe('deniedBy', () => {
  const keyOf: Record<DeniedDimension, (r: Rec) => (string | number | null)[]> = {
    nsg_rule: (r) => [r.nsg_name, r.rule_name],
    source: (r) => [r.src_ip],
    dst_port: (r) => [r.dst_port],
  };
  const fields: Record<DeniedDimension, string[]> = { nsg_rule: ['nsg_name', 'rule_name'], source: ['src_ip'], dst_port: ['dst_port'] };
  const cases: [string, DeniedDimension, 'csv' | 'nsg'][] = [];
  for (const name of Object.keys(FILTERS)) for (const d of ['nsg_rule', 'source', 'dst_port'] as const) cases.push([name, d, 'csv']);
  for (const name of ['none', 'cidr']) for (const d of ['nsg_rule', 'source', 'dst_port'] as const) cases.push([name, d, 'nsg']);

  it.each(cases)('matches a loop over the denied records (%s, by %s, %s lake)', async (name, dimension, which) => {
    const filter = FILTERS[name];
    const [records, s] = which === 'csv' ? [lake.records, store] : [nsgLake.records, nsgStore];
    const denied = select(records, filter).filter((r) => r.flow_decision === 'Deny');
    const limit = 5;
    const { top, other } = topN(keyed(denied, keyOf[dimension]), 'flows', limit);
    const expected: Record<string, unknown>[] = top.map((g) => ({
      label: g.key.map((v) => (v === null ? '(none)' : String(v))).join(' / '),
      ...Object.fromEntries(fields[dimension].map((f, i) => [f, g.key[i]])),
      other: false,
      flows: g.m.flows,
      bytes: g.m.bytes,
      packets: g.m.packets,
    }));
    if (other) expected.push({ label: 'other', other: true, flows: other.flows, bytes: other.bytes, packets: other.packets });
    const rows = await deniedBy(s, filter, dimension, limit);
    expect(rows).toEqual(expected);
    if (filter.decision?.includes('Allow') && !filter.decision.includes('Deny')) expect(rows).toEqual([]);
  });

  it('names rules on Azure NSG data, defaults to 10 rows and refuses an unknown dimension', async () => {
    const rows = await deniedBy(nsgStore, {}, 'nsg_rule');
    expect(rows.length).toBeLessThanOrEqual(11);
    expect(rows.some((r) => typeof r.rule_name === 'string')).toBe(true);
    await expect(deniedBy(store, {}, 'protocol' as DeniedDimension)).rejects.toThrow(/dimension/);
  });
});

/** Expected series: every bucket from the window's first to its last, zeros where no record falls. */
function seriesOracle(records: readonly Rec[], window: { start: number; end: number }, step: number) {
  const first = Math.floor(window.start / step) * step;
  const last = Math.floor((window.end - 1) / step) * step;
  const rows = new Map<number, { time: number; flows: number; bytes: number; denied: number; allowed: number }>();
  for (let t = first; t <= last; t += step) rows.set(t, { time: t, flows: 0, bytes: 0, denied: 0, allowed: 0 });
  for (const r of records) {
    const row = rows.get(Math.floor(r.timestamp / step) * step)!;
    row.flows++;
    row.bytes += r.bytes;
    if (r.flow_decision === 'Deny') row.denied++;
    if (r.flow_decision === 'Allow') row.allowed++;
  }
  return [...rows.values()];
}

describe('timeSeries / deniedOverTime', () => {
  function windowOf(rs: Rec[], filter: Filter) {
    const times = rs.map((r) => r.timestamp);
    return { start: filter.since ?? Math.min(...times), end: filter.until ?? Math.max(...times) + 1 };
  }

  it.each(Object.entries(FILTERS))('match a loop over the records with the automatic bucket (%s)', async (_name, filter) => {
    const rs = select(lake.records, filter);
    const window = windowOf(rs, filter);
    const unit = window.end - window.start <= 6 * HOUR ? 'minute' : 'hour';
    const expected = seriesOracle(rs, window, BUCKET_MS[unit]);
    const series = await timeSeries(store, filter);
    expect(series.unit).toBe(unit);
    expect(series.stepMs).toBe(BUCKET_MS[unit]);
    expect(series.rows).toEqual(expected);

    const denied = await deniedOverTime(store, filter);
    const deniedExpected = seriesOracle(rs.filter((r) => r.flow_decision === 'Deny'), window, BUCKET_MS[unit]);
    expect(denied.rows).toEqual(deniedExpected.map(({ time, flows, bytes }) => ({ time, flows, bytes })));
  });

  it('fills buckets without flows with zeros, inside and around the data', async () => {
    // a window starting an hour before the data: 60 empty minutes first; a public /16 leaves gaps inside
    const filter: Filter = { since: START - HOUR, until: START + 2 * HOUR, ip: ['177.51.0.0/16'] };
    const rs = select(lake.records, filter);
    const series = await timeSeries(store, filter);
    expect(series.unit).toBe('minute');
    expect(series.rows).toHaveLength(180);
    expect(series.rows).toEqual(seriesOracle(rs, { start: filter.since!, end: filter.until! }, MINUTE));
    expect(series.rows.slice(0, 60).every((r) => r.flows === 0 && r.bytes === 0)).toBe(true);
    expect(series.rows.slice(60).filter((r) => r.flows === 0).length).toBeGreaterThan(0);
  });

  it.each([
    ['exactly 6 h', 6 * HOUR, 'minute'],
    ['6 h + 1 ms', 6 * HOUR + 1, 'hour'],
    ['exactly 14 d', 14 * DAY, 'hour'],
    ['14 d + 1 ms', 14 * DAY + 1, 'day'],
  ] as const)('choose the bucket at the rule edges on the store (%s)', async (_name, length, unit) => {
    const filter: Filter = { since: START, until: START + length };
    const rs = select(lake.records, filter);
    const series = await timeSeries(store, filter);
    expect(series.unit).toBe(unit);
    expect(series.rows).toEqual(seriesOracle(rs, { start: START, end: START + length }, BUCKET_MS[unit]));
    expect(series.rows.reduce((a, r) => a + r.flows, 0)).toBe(rs.length);
  });

  it('takes an explicit bucket and widens it to at most MAX_BUCKETS', async () => {
    const hourly = await timeSeries(store, {}, { bucket: 'hour' });
    expect(hourly.rows).toEqual(seriesOracle(lake.records, windowOf(lake.records, {}), HOUR));
    expect(hourly.rows).toHaveLength(3);

    const filter: Filter = { since: START - 10 * DAY, until: START + 5 * DAY };
    const wide = await timeSeries(store, filter, { bucket: 'minute' });
    expect(wide.unit).toBe('minute');
    expect(wide.stepMs % MINUTE).toBe(0);
    expect(wide.stepMs).toBeGreaterThan(MINUTE);
    expect(wide.rows.length).toBeLessThanOrEqual(MAX_BUCKETS);
    expect(wide.rows).toEqual(seriesOracle(lake.records, { start: filter.since!, end: filter.until! }, wide.stepMs));
  });

  it('is empty with neither data nor bounds, and all zeros with bounds but no data', async () => {
    const none = await timeSeries(store, { ip: ['192.0.2.1'] });
    expect(none.rows).toEqual([]);
    expect((await deniedOverTime(store, { decision: ['Allow'] })).rows.every((r) => r.flows === 0)).toBe(true);
    const bounded = await timeSeries(store, { ip: ['192.0.2.1'], since: START, until: START + 2 * DAY });
    expect(bounded.unit).toBe('hour');
    expect(bounded.rows).toHaveLength(48);
    expect(bounded.rows.every((r) => r.flows === 0 && r.time >= START)).toBe(true);
  });
});

describe('planBuckets', () => {
  it('follows the automatic rule at its edges', () => {
    expect(autoBucketUnit(AUTO_BUCKET_LIMITS.minute)).toBe('minute');
    expect(autoBucketUnit(AUTO_BUCKET_LIMITS.minute + 1)).toBe('hour');
    expect(autoBucketUnit(AUTO_BUCKET_LIMITS.hour)).toBe('hour');
    expect(autoBucketUnit(AUTO_BUCKET_LIMITS.hour + 1)).toBe('day');
    expect(AUTO_BUCKET_LIMITS).toEqual({ minute: 6 * HOUR, hour: 14 * DAY });
  });

  it('aligns buckets to UTC units and covers the window', () => {
    const plan = planBuckets({ start: START + 90 * MINUTE + 5, end: START + 3 * HOUR + 1 }, 'hour');
    expect(bucketStarts(plan)).toEqual([START + HOUR, START + 2 * HOUR, START + 3 * HOUR]);
    expect(planBuckets({ start: START, end: START + 2 * DAY })).toMatchObject({ unit: 'hour', count: 48, stepMs: HOUR });
  });

  it.each([
    ['minute', 15 * DAY],
    ['minute', MAX_BUCKETS * MINUTE + 1],
    ['hour', 200 * DAY],
    ['day', 20 * 365 * DAY],
  ] as [BucketUnit, number][])('widens %s buckets over %d ms to at most MAX_BUCKETS', (unit, length) => {
    const start = START + 17 * MINUTE + 3;
    const plan = planBuckets({ start, end: start + length }, unit);
    expect(plan.count).toBeLessThanOrEqual(MAX_BUCKETS);
    expect(plan.stepMs % BUCKET_MS[unit]).toBe(0);
    expect(plan.stepMs).toBeGreaterThan(BUCKET_MS[unit]);
    // the next narrower multiple would not fit
    const narrower = plan.stepMs - BUCKET_MS[unit];
    expect(Math.floor((start + length - 1) / narrower) - Math.floor(start / narrower) + 1).toBeGreaterThan(MAX_BUCKETS);
    expect(plan.first).toBeLessThanOrEqual(start);
    expect(plan.last + plan.stepMs).toBeGreaterThanOrEqual(start + length);
  });

  it('keeps exactly MAX_BUCKETS aligned buckets at the unit width', () => {
    expect(planBuckets({ start: START, end: START + MAX_BUCKETS * MINUTE }, 'minute')).toMatchObject({ stepMs: MINUTE, count: MAX_BUCKETS });
  });

  it('refuses empty windows and unknown units', () => {
    expect(() => planBuckets({ start: 5, end: 5 })).toThrow(/empty/);
    expect(() => planBuckets({ start: 0, end: 10 }, 'week' as BucketUnit)).toThrow(/bucket/);
  });
});

describe('heatmaps', () => {
  it.each(Object.entries(FILTERS))('day × hour matches a loop over the records (%s)', async (_name, filter) => {
    const rs = select(lake.records, filter);
    const z = Array.from({ length: 7 }, () => Array<number>(24).fill(0));
    for (const r of rs) {
      const d = new Date(r.timestamp);
      z[d.getUTCDay()][d.getUTCHours()]++;
    }
    const map = await heatmapDayHour(store, filter);
    expect(map.z).toEqual(z);
    expect(map.days).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(map.rows[0]).toBe('Sun');
    expect(map.hours).toEqual(Array.from({ length: 24 }, (_, h) => h));
  });

  it('the fixture spans Sunday night into Monday', async () => {
    const map = await heatmapDayHour(store);
    expect(map.z[0][22] + map.z[0][23]).toBeGreaterThan(0);
    expect(map.z[1][0]).toBeGreaterThan(0);
  });

  it.each(Object.entries(FILTERS))('NSG × hour matches a loop over the records (%s)', async (_name, filter) => {
    const rs = select(lake.records, filter);
    const limit = 4;
    const { top } = topN(keyed(rs, (r) => [r.nsg_name]), 'flows', limit);
    const kept = new Map(top.map((g, i) => [g.key[0], i]));
    const rows = top.map((g) => g.key[0] ?? '(none)');
    const z = top.map(() => Array<number>(24).fill(0));
    for (const r of rs) {
      let i = kept.get(r.nsg_name);
      if (i === undefined) {
        if (rows.length === top.length) {
          rows.push('other');
          z.push(Array<number>(24).fill(0));
        }
        i = top.length;
      }
      z[i][new Date(r.timestamp).getUTCHours()]++;
    }
    const map = await heatmapNsgHour(store, filter, limit);
    expect(map.rows).toEqual(rows);
    expect(map.z).toEqual(z);
  });

  it('NSG × hour keeps 10 NSGs by default, with no other row when all fit', async () => {
    const nsgs = new Set(lake.records.map((r) => r.nsg_name)).size;
    expect((await heatmapNsgHour(store)).rows).toHaveLength(Math.min(nsgs, 10) + (nsgs > 10 ? 1 : 0));
    expect((await heatmapNsgHour(store, {}, 100)).rows).not.toContain('other');
    await expect(heatmapNsgHour(store, {}, 0)).rejects.toThrow(/limit/);
  });
});

describe('sankeyPairs', () => {
  const cases: [string, boolean, number][] = [];
  for (const name of Object.keys(FILTERS)) for (const viaPort of [false, true]) cases.push([name, viaPort, 8]);

  it.each(cases)('matches a loop over the records (%s, viaPort %s, limit %d)', async (name, viaPort, limit) => {
    const filter = FILTERS[name];
    const rs = select(lake.records, filter);
    const key = viaPort ? (r: Rec) => [r.src_ip, r.dst_port, r.dst_ip] : (r: Rec) => [r.src_ip, r.dst_ip];
    const { top, other } = topN(keyed(rs, key), 'bytes', limit);
    const expectedRows: Record<string, unknown>[] = top.map((g) => ({
      src_ip: g.key[0],
      ...(viaPort ? { dst_port: g.key[1] } : {}),
      dst_ip: g.key.at(-1),
      other: false,
      flows: g.m.flows,
      bytes: g.m.bytes,
    }));
    if (other) expectedRows.push({ src_ip: null, ...(viaPort ? { dst_port: null } : {}), dst_ip: null, other: true, flows: other.flows, bytes: other.bytes });

    // expected links by (column:label) → (column:label), summed over paths
    const expectedLinks = new Map<string, number>();
    const label = (v: unknown) => (v === null ? '(none)' : String(v));
    for (const g of top) {
      for (let i = 0; i + 1 < g.key.length; i++) {
        const k = `${i}:${label(g.key[i])}>${i + 1}:${label(g.key[i + 1])}`;
        expectedLinks.set(k, (expectedLinks.get(k) ?? 0) + g.m.bytes);
      }
    }
    if (other) for (let i = 0; i + 1 < (viaPort ? 3 : 2); i++) expectedLinks.set(`${i}:other>${i + 1}:other`, other.bytes);

    const sankey = await sankeyPairs(store, filter, { limit, viaPort });
    expect(sankey.rows).toEqual(expectedRows);
    const links = new Map<string, number>();
    sankey.link.source.forEach((s, i) => {
      const t = sankey.link.target[i];
      links.set(`${sankey.node.column[s]}:${sankey.node.label[s]}>${sankey.node.column[t]}:${sankey.node.label[t]}`, sankey.link.value[i]);
    });
    expect(links).toEqual(expectedLinks);
    // no duplicate nodes, and links only go one column to the right
    const nodeKeys = sankey.node.label.map((l, i) => `${sankey.node.column[i]}:${l}`);
    expect(new Set(nodeKeys).size).toBe(nodeKeys.length);
    sankey.link.source.forEach((s, i) => expect(sankey.node.column[sankey.link.target[i]]).toBe(sankey.node.column[s] + 1));
  });

  it('keeps 20 paths by default and returns nothing when no flow matches', async () => {
    const sankey = await sankeyPairs(store);
    expect(sankey.rows).toHaveLength(21);
    expect(await sankeyPairs(store, { ip: ['192.0.2.1'] })).toEqual({ node: { label: [], column: [] }, link: { source: [], target: [], value: [] }, rows: [] });
  });
});

describe('countries', () => {
  it.each(Object.entries(FILTERS))('match a loop over the records (%s)', async (_name, filter) => {
    const rs = select(lake.records, filter);
    const sides = (pick: (r: Rec) => string | null) =>
      topN(keyed(rs, (r) => [pick(r)]), 'flows', Infinity).top.map((g) => ({
        country: g.key[0],
        label: countryLabel(g.key[0]),
        flows: g.m.flows,
        bytes: g.m.bytes,
      }));
    const pairs = topN(keyed(rs, (r) => [r.geo_src, r.geo_dst]), 'flows', Infinity).top.map((g) => ({
      src: g.key[0],
      dst: g.key[1],
      flows: g.m.flows,
      bytes: g.m.bytes,
    }));
    expect(await countries(store, filter)).toEqual({ sources: sides((r) => r.geo_src), destinations: sides((r) => r.geo_dst), pairs });
  });

  it('labels private/reserved, unknown and named countries', async () => {
    expect(countryLabel('ZZ')).toBe('private/reserved');
    expect(countryLabel(null)).toBe('unknown');
    expect(countryLabel('DE')).toBe('Germany');
    expect(countryLabel('not a code')).toBe('not a code');
    const c = await countries(store);
    expect(c.sources.find((s) => s.country === 'ZZ')?.label).toBe('private/reserved');
  });
});

/**
 * The rollup path against the raw path: the same aggregates from a store that may answer from the rollups
 * and from one that never does (rollups off), under generated filters — some every rollup-capable aggregate
 * can serve, some (addresses, source ports, cut windows) that force the raw rows or raw edges.
 */
describe('rollup and raw paths', () => {
  let auto: FlowStore;
  let raw: FlowStore;
  let nsgAuto: FlowStore;
  let nsgRaw: FlowStore;
  const routes = new Map<string, number>();
  const count = (e: QueryEvent) => routes.set(e.rollup ?? 'raw', (routes.get(e.rollup ?? 'raw') ?? 0) + 1);

  beforeAll(async () => {
    auto = await FlowStore.open(lake.dataDir, { onQuery: count });
    raw = await FlowStore.open(lake.dataDir, { rollups: false, onQuery: count });
    nsgAuto = await FlowStore.open(nsgLake.dataDir, { onQuery: count });
    nsgRaw = await FlowStore.open(nsgLake.dataDir, { rollups: false });
  });

  afterAll(() => {
    for (const s of [auto, raw, nsgAuto, nsgRaw]) s?.close();
  });

  const values = <K extends keyof Rec>(records: readonly Rec[], key: K, n: number) =>
    [...groupBy(records, (r) => r[key])].sort((a, b) => b[1].flows - a[1].flows).slice(0, n).map(([k]) => k);

  function filterArbitrary(records: readonly Rec[], start: number): fc.Arbitrary<Filter> {
    const some = <T>(all: (T | null)[]) => {
      const xs = all.filter((x): x is T => x !== null);
      return xs.length === 0 ? fc.constant(undefined) : fc.option(fc.subarray(xs, { minLength: 1, maxLength: Math.min(2, xs.length) }), { nil: undefined, freq: 3 });
    };
    const bound = fc.oneof(
      fc.integer({ min: 0, max: 3 }).map((h) => start + h * HOUR),
      fc.integer({ min: 0, max: 180 }).map((m) => start + m * MINUTE),
      fc.integer({ min: -HOUR, max: 4 * HOUR }).map((ms) => start + ms),
    );
    return fc
      .record(
        {
          nsg: some(values(records, 'nsg_name', 4) as (string | null)[]),
          rule: some(values(records, 'rule_name', 3) as (string | null)[]),
          protocol: some(['TCP', 'UDP', 'ICMP']),
          direction: some(['Inbound', 'Outbound'] as const),
          decision: some(['Allow', 'Deny'] as const),
          port: some(values(records, 'dst_port', 3) as (number | null)[]),
          portSide: fc.option(fc.constantFrom('dst', 'any', 'src') as fc.Arbitrary<'dst' | 'any' | 'src'>, { nil: undefined, freq: 2 }),
          country: some(values(records, 'geo_src', 3) as (string | null)[]),
          ip: fc.option(fc.constantFrom(['10.0.0.0/8'], [values(records, 'src_ip', 1)[0] as string]), { nil: undefined, freq: 5 }),
          since: fc.option(bound, { nil: undefined }),
          until: fc.option(bound, { nil: undefined }),
        },
        { requiredKeys: [] },
      )
      .map((f) => {
        const out = Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0))) as Filter;
        if (out.since !== undefined && out.until !== undefined && out.until < out.since) [out.since, out.until] = [out.until, out.since];
        return out;
      });
  }

  const AGGREGATES: Record<string, (s: FlowStore, f: Filter) => Promise<unknown>> = {
    summary: (s, f) => summary(s, f),
    topTalkers: (s, f) => topTalkers(s, f, { by: 'packets', limit: 5 }),
    topListeners: (s, f) => topListeners(s, f, { by: 'flows', limit: 3 }),
    deniedByNsgRule: (s, f) => deniedBy(s, f, 'nsg_rule', 3),
    deniedBySource: (s, f) => deniedBy(s, f, 'source', 4),
    deniedByPort: (s, f) => deniedBy(s, f, 'dst_port', 2),
    timeSeries: (s, f) => timeSeries(s, f),
    timeSeriesMinute: (s, f) => timeSeries(s, f, { bucket: 'minute' }),
    timeSeriesDay: (s, f) => timeSeries(s, f, { bucket: 'day' }),
    deniedOverTime: (s, f) => deniedOverTime(s, f),
    heatmapDayHour: (s, f) => heatmapDayHour(s, f),
    heatmapNsgHour: (s, f) => heatmapNsgHour(s, f, 2),
    countries: (s, f) => countries(s, f),
  };

  it.each(Object.keys(AGGREGATES))('%s gives the same result on both paths (generated filters, both lakes)', async (name) => {
    const aggregate = AGGREGATES[name];
    routes.clear();
    for (const [records, a, r, seed] of [
      [lake.records, auto, raw, 11],
      [nsgLake.records, nsgAuto, nsgRaw, 12],
    ] as const) {
      const start = Math.min(...records.map((x) => x.timestamp));
      await fc.assert(
        fc.asyncProperty(filterArbitrary(records, Math.floor(start / HOUR) * HOUR), async (filter) => {
          expect(await aggregate(a, filter)).toEqual(await aggregate(r, filter));
        }),
        { numRuns: 25, seed },
      );
    }
    // both paths were taken: some filters were answered from a rollup, some needed the raw rows
    const rollupQueries = [...routes].filter(([k]) => k !== 'raw').reduce((sum, [, n]) => sum + n, 0);
    expect(rollupQueries).toBeGreaterThan(5);
    expect(routes.get('raw')).toBeGreaterThan(25);
  });

  it('answers the common questions from the rollups', async () => {
    const cases: [string, () => Promise<unknown>, string[]][] = [
      ['summary', () => summary(auto, { decision: ['Deny'] }), ['hour', 'src_ip', 'dst_ip']],
      ['top talkers', () => topTalkers(auto, { since: START + HOUR }), ['src_ip']],
      ['top listeners', () => topListeners(auto, { nsg: [lake.records[0].nsg_name as string] }), ['dst_ip']],
      ['denied by port', () => deniedBy(auto, { port: [443] }, 'dst_port'), ['port']],
      ['denied by NSG with a port', () => deniedBy(auto, { port: [443] }, 'nsg_rule'), ['port']],
      ['minute series', () => timeSeries(auto, { since: START, until: START + HOUR + 7 }), ['minute']],
      ['hourly series by country', () => timeSeries(auto, { country: ['US'], since: START, until: START + 3 * HOUR }, { bucket: 'hour' }), ['country']],
      ['heatmap', () => heatmapDayHour(auto, {}), ['hour']],
      ['NSG heatmap', () => heatmapNsgHour(auto, { port: [443] }), ['port']],
      ['countries', () => countries(auto, { protocol: ['TCP'] }), ['country']],
    ];
    for (const [name, run, expected] of cases) {
      routes.clear();
      await run();
      const used = [...routes.keys()].filter((k) => k !== 'raw').sort();
      expect(used, name).toEqual([...expected].sort());
    }
    routes.clear();
    await topTalkers(auto, { ip: ['10.0.0.0/8'] });
    expect([...routes.keys()]).toEqual(['raw']);
  });
});
