/**
 * FlowStore.queryRollup and the rollup relation: for generated filters (fast-check), each rollup's relation,
 * re-aggregated, is compared with a grouping computed in JS from the rows written to the lake, under the
 * filter's semantics written out here independently of filter-sql.ts; and the relation is refused (null)
 * exactly where a rollup cannot answer.
 */
import fc from 'fast-check';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Filter } from '../../src/model/filter.js';
import { openDuckDB } from '../../src/store/duckdb.js';
import { FlowStore, type FlowRow, type QueryEvent } from '../../src/store/flow-store.js';
import { liveFiles, writeManifest, type Manifest } from '../../src/store/manifest.js';
import { constrainedColumns, rollupRelation, rollupServesFilter } from '../../src/store/rollup-query.js';
import { ROLLUPS, getRollup, writeFileRollups, type RollupDefinition } from '../../src/store/rollups.js';
import { writeLake, type LakeRowInput } from '../helpers/lake.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
/** 22:00 UTC: the three hours of rows cross a date change. */
const T0 = Date.UTC(2026, 10, 2, 22);

let root: string;
let dataDir: string;
let rows: FlowRow[];
let manifest: Manifest;
let store: FlowStore;
const events: QueryEvent[] = [];

function makeRows(count: number): LakeRowInput[] {
  let s = 12345;
  const rand = (n: number) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 8) % n;
  };
  const maybe = <T>(value: T): T | null => (rand(10) === 0 ? null : value);
  return Array.from({ length: count }, () => ({
    timestamp: T0 + rand(3) * HOUR + rand(60) * MINUTE + rand(MINUTE),
    subscription_id: `sub-${rand(2)}`,
    resource_group: `rg-${rand(2)}`,
    nsg_name: maybe(`nsg-${rand(3)}`),
    rule_name: maybe(`rule-${rand(3)}`),
    src_ip: `10.0.${rand(3)}.${rand(8)}`,
    dst_ip: rand(6) ? `192.168.1.${rand(8)}` : `2001:db8::${rand(3)}`,
    src_port: 40_000 + rand(1000),
    dst_port: maybe([22, 80, 443][rand(3)]),
    protocol: ['TCP', 'UDP', 'ICMP'][rand(3)],
    flow_direction: rand(2) ? 'Inbound' : 'Outbound',
    flow_decision: rand(4) ? 'Allow' : 'Deny',
    packets: maybe(rand(100)),
    bytes: maybe(rand(1_000_000)),
    bytes_sent: maybe(rand(500_000)),
    bytes_received: maybe(rand(500_000)),
    geo_src: maybe(['US', 'DE', 'ZZ'][rand(3)]),
    geo_dst: ['US', 'FR', 'ZZ'][rand(3)],
    object_id: 1 + rand(2),
  }));
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'nf-rollup-query-'));
  dataDir = path.join(root, 'data');
  const written = await writeLake(dataDir, makeRows(3000), { filesPerPartition: 2 });
  rows = written.rows;
  manifest = written.manifest;
  const db = await openDuckDB({ threads: 1 });
  try {
    await writeFileRollups(db, dataDir, manifest, liveFiles(manifest));
  } finally {
    db.close();
  }
  await writeManifest(dataDir, manifest);
  store = await FlowStore.open(dataDir, { onQuery: (e) => events.push(e) });
}, 60_000);

afterAll(async () => {
  store?.close();
  await rm(root, { recursive: true, force: true });
});

// ---- the filter's meaning, written out for the fields a rollup can serve --------------------------------

const LIST_COLUMNS: [keyof Filter, keyof FlowRow][] = [
  ['subscription', 'subscription_id'],
  ['resourceGroup', 'resource_group'],
  ['nsg', 'nsg_name'],
  ['rule', 'rule_name'],
  ['protocol', 'protocol'],
  ['direction', 'flow_direction'],
  ['decision', 'flow_decision'],
];

function matches(r: FlowRow, f: Filter): boolean {
  for (const [field, column] of LIST_COLUMNS) {
    const values = f[field] as string[] | undefined;
    if (values && values.length > 0 && !values.includes(r[column] as string)) return false;
  }
  if (f.since !== undefined && r.timestamp < f.since) return false;
  if (f.until !== undefined && r.timestamp >= f.until) return false;
  if (f.port && f.port.length > 0 && !f.port.includes(r.dst_port as number)) return false;
  if (f.country && f.country.length > 0 && !f.country.includes(r.geo_src as string) && !f.country.includes(r.geo_dst as string)) return false;
  return true;
}

/** The rollup's groups of the matching rows, computed in JS: sorted JSON rows [time, ...dimensions, ...measures]. */
function expectedGroups(rollup: RollupDefinition, filter: Filter): string[] {
  const grain = rollup.grain === 'minute' ? MINUTE : HOUR;
  const groups = new Map<string, number[]>();
  for (const r of rows.filter((row) => matches(row, filter))) {
    const key = JSON.stringify([Math.floor(r.timestamp / grain) * grain, ...rollup.dimensions.map((d) => r[d as keyof FlowRow])]);
    const sums = groups.get(key) ?? rollup.measures.map(() => 0);
    rollup.measures.forEach((m, i) => (sums[i] += m === 'flows' ? 1 : ((r[m] as number | null) ?? 0)));
    groups.set(key, sums);
  }
  return [...groups].map(([key, sums]) => JSON.stringify([...(JSON.parse(key) as unknown[]), ...sums])).sort();
}

async function rollupGroups(rollup: RollupDefinition, filter: Filter): Promise<string[] | null> {
  const keys = ['epoch_ms("time")', ...rollup.dimensions.map((d) => `"${d}"`)];
  const sums = rollup.measures.map((m) => `sum("${m}")`);
  const result = await store.queryRollup<Record<string, unknown>>(
    rollup.name,
    `SELECT ${[...keys, ...sums].join(', ')} FROM rollup GROUP BY ${keys.map((_, i) => i + 1).join(', ')}`,
    [],
    filter,
  );
  return result && result.map((row) => JSON.stringify(Object.values(row))).sort();
}

/** Bounds on whole hours, whole minutes, anywhere, inside one minute, and beyond the data. */
const bound = fc.oneof(
  fc.integer({ min: -1, max: 4 }).map((h) => T0 + h * HOUR),
  fc.integer({ min: -5, max: 200 }).map((m) => T0 + m * MINUTE),
  fc.integer({ min: -HOUR, max: 4 * HOUR }).map((ms) => T0 + ms),
  fc.integer({ min: 0, max: MINUTE }).map((ms) => T0 + 61 * MINUTE + ms),
);
const someOf = <T>(values: T[]) => fc.option(fc.subarray(values, { minLength: 0, maxLength: 2 }), { nil: undefined });

/** Filters over the fields a rollup may serve (list fields may be empty, which constrains nothing). */
const servedFilter: fc.Arbitrary<Filter> = fc
  .record(
    {
      subscription: someOf(['sub-0', 'sub-1', 'sub-9']),
      resourceGroup: someOf(['rg-0', 'rg-1']),
      nsg: someOf(['nsg-0', 'nsg-1', 'nsg-2']),
      rule: someOf(['rule-0', 'rule-2']),
      protocol: someOf(['TCP', 'UDP', 'ICMP']),
      direction: someOf(['Inbound', 'Outbound'] as const),
      decision: someOf(['Allow', 'Deny'] as const),
      port: someOf([22, 443, 8080]),
      country: someOf(['US', 'ZZ', 'FR']),
      since: fc.option(bound, { nil: undefined }),
      until: fc.option(bound, { nil: undefined }),
    },
    { requiredKeys: [] },
  )
  .map((f) => {
    if (f.since !== undefined && f.until !== undefined && f.until < f.since) [f.since, f.until] = [f.until, f.since];
    return f;
  });

describe('queryRollup', () => {
  it.each(ROLLUPS.map((r) => [r.name, r] as const))('gives the %s rollup of exactly the filtered rows, or null when it cannot', async (_name, rollup) => {
    let served = 0;
    // half the filters keep only fields this rollup has, so each rollup is exercised as much as refused
    const onlyServed = servedFilter.map((f) => Object.fromEntries(Object.entries(f).filter(([k]) => rollupServesFilter(rollup, { [k]: f[k as keyof Filter] }))) as Filter);
    await fc.assert(
      fc.asyncProperty(fc.oneof(servedFilter, onlyServed), async (filter) => {
        const got = await rollupGroups(rollup, filter);
        if (rollupServesFilter(rollup, filter)) {
          served++;
          expect(got).toEqual(expectedGroups(rollup, filter));
        } else {
          expect(got).toBeNull();
        }
      }),
      { numRuns: 60, seed: 20261102 },
    );
    expect(served).toBeGreaterThan(20);
  });

  it('reads rollup files in whole buckets and raw rows only at cut edges', async () => {
    const hour = getRollup('hour');
    // aligned window: one relation part per kind, no raw edge
    const aligned = rollupRelation(manifest, dataDir, 'hour', { since: T0 + HOUR, until: T0 + 2 * HOUR })!;
    expect(aligned.sql).not.toContain('"timestamp"');
    expect(aligned.sql.split(' UNION ALL ')).toHaveLength(1);
    // a cut at both ends: the interior plus two raw edges
    const cut = rollupRelation(manifest, dataDir, 'hour', { since: T0 + 30 * MINUTE, until: T0 + 2 * HOUR + 30 * MINUTE })!;
    expect(cut.sql.split(' UNION ALL ')).toHaveLength(3);
    // inside one hour: only the raw edge
    const inside = rollupRelation(manifest, dataDir, 'hour', { since: T0 + 5 * MINUTE, until: T0 + 7 * MINUTE })!;
    expect(inside.sql.split(' UNION ALL ')).toHaveLength(1);
    expect(inside.sql).toContain('"timestamp"');
    expect(await rollupGroups(hour, { since: T0 + 5 * MINUTE, until: T0 + 7 * MINUTE })).toEqual(expectedGroups(hour, { since: T0 + 5 * MINUTE, until: T0 + 7 * MINUTE }));
  });

  it('has no rows, with the rollup columns typed, for an empty window or a window without files', async () => {
    for (const filter of [{ since: T0 + 10, until: T0 + 10 }, { since: T0 + 10 * HOUR }, { until: T0 - HOUR }] as Filter[]) {
      for (const rollup of ROLLUPS) {
        const [row] = (await store.queryRollup<{ n: number; flows: number | null; t: string }>(
          rollup.name,
          `SELECT count(*) AS n, sum("flows") AS flows, typeof(any_value("time")) AS t FROM rollup`,
          [],
          filter,
        ))!;
        expect(row).toEqual({ n: 0, flows: null, t: 'TIMESTAMP' });
      }
    }
  });

  it('numbers its parameters after the statement’s own and tries several rollups in order', async () => {
    const filter: Filter = { country: ['US'], decision: ['Deny'], since: T0 + 20 * MINUTE };
    const [row] = (await store.queryRollup<{ flows: number }>(['hour', 'port', 'country'], 'SELECT sum("flows") FILTER (WHERE "protocol" = $1) AS flows FROM rollup', ['TCP'], filter))!;
    expect(row.flows).toBe(rows.filter((r) => matches(r, filter) && r.protocol === 'TCP').length);
    events.length = 0;
    await store.queryRollup(['hour', 'country'], 'SELECT 1 FROM rollup', [], { country: ['US'] });
    expect(events).toEqual([{ source: 'rollup', rollup: 'country' }]);
    events.length = 0;
    await store.query('SELECT 1 FROM flows');
    expect(events).toEqual([{ source: 'raw' }]);
  });

  it('is null for addresses, source ports, and columns a rollup lacks', async () => {
    events.length = 0;
    for (const rollup of ROLLUPS) {
      expect(await store.queryRollup(rollup.name, 'SELECT 1 FROM rollup', [], { ip: ['10.0.0.1'] })).toBeNull();
      expect(await store.queryRollup(rollup.name, 'SELECT 1 FROM rollup', [], { port: [22], portSide: 'any' })).toBeNull();
      expect(await store.queryRollup(rollup.name, 'SELECT 1 FROM rollup', [], { port: [22], portSide: 'src' })).toBeNull();
    }
    expect(await store.queryRollup('src_ip', 'SELECT 1 FROM rollup', [], { rule: ['rule-1'] })).toBeNull();
    expect(await store.queryRollup(['hour', 'minute'], 'SELECT 1 FROM rollup', [], { country: ['US'] })).toBeNull();
    expect(events).toEqual([]);
    // empty lists and lone sides constrain nothing
    expect(constrainedColumns({ ip: [], port: [], nsg: [], ipSide: 'src', portSide: 'any' })).toEqual([]);
    expect(constrainedColumns({ port: [443], country: ['US'] })).toEqual(['dst_port', 'geo_src', 'geo_dst']);
  });

  it('is null when a file in the window lacks the rollup or lists an unsafe path', () => {
    const damaged = structuredClone(manifest);
    const [first, second] = liveFiles(damaged);
    delete first.rollups!.hour;
    second.rollups!.port.path = 'rollups/port/date=2026-11-02/hour=22/*.parquet';
    expect(rollupRelation(damaged, dataDir, 'hour', {})).toBeNull();
    expect(rollupRelation(damaged, dataDir, 'port', {})).toBeNull();
    // outside the damaged hour the rollup still serves
    expect(rollupRelation(damaged, dataDir, 'hour', { since: T0 + HOUR })).not.toBeNull();
  });

  it('refuses invalid filters and unknown rollups, and is null with rollups off', async () => {
    await expect(store.queryRollup('hour', 'SELECT 1 FROM rollup', [], { decision: ['Maybe' as 'Allow'] })).rejects.toThrow(/decision/);
    await expect(store.queryRollup('pairs', 'SELECT 1 FROM rollup', [], {})).rejects.toThrow(/rollup 'pairs' does not exist/);
    const raw = await FlowStore.open(dataDir, { rollups: false });
    try {
      expect(await raw.queryRollup('hour', 'SELECT 1 FROM rollup', [], {})).toBeNull();
      await expect(raw.queryRollup('hour', 'SELECT 1 FROM rollup', [], { since: 1.5 })).rejects.toThrow(/since/);
    } finally {
      raw.close();
    }
    raw.close();
    await expect(raw.queryRollup('hour', 'SELECT 1 FROM rollup')).rejects.toThrow(/closed/);
  });
});
