import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetworkflowError } from '../../src/model/errors.js';
import type { Filter } from '../../src/model/filter.js';
import { normalizeIp } from '../../src/parsers/ip.js';
import { FlowStore, ORDERABLE_COLUMNS, type DistinctColumn, type FlowColumn, type FlowRow } from '../../src/store/flow-store.js';
import { emptyManifest, readManifest, writeManifest } from '../../src/store/manifest.js';
import { MANIFEST_FILE } from '../../src/store/schema.js';
import { writeLake, type LakeRowInput } from '../helpers/lake.js';

const HOUR = 3_600_000;
const BASE = Date.parse('2026-11-02T00:00:00Z');

const IPS = [
  '0.0.0.0', '255.255.255.255', '10.0.0.0', '10.255.255.255', '9.255.255.255', '11.0.0.0', '10.1.2.3', '10.1.2.4',
  '192.168.1.0', '192.168.1.255', '192.168.2.0', '192.168.0.255', '203.0.113.7', '8.8.8.8',
  '2001:db8::1', '2001:db8::ffff', '2001:db9::1', '2001:db8:0:1::5', '2001:db7:ffff:ffff:ffff:ffff:ffff:ffff',
  'fe80::1', 'febf::1', '1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:0:1', '2001:db8:0:1::5', 'fec0::1', '::1', '::', '::ffff:10.1.2.3', '64:ff9b::203.0.113.7', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
].map((ip) => normalizeIp(ip) as string);

/** Deterministic pseudo-random numbers (mulberry32), so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeRows(count: number, seed: number, objectId: number): LakeRowInput[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const rows: LakeRowInput[] = [];
  for (let i = 0; i < count; i++) {
    // three days, a handful of hours each; some rows exactly on hour boundaries
    const timestamp = BASE + pick([0, 1, 2]) * 24 * HOUR + pick([0, 3, 13, 23]) * HOUR + (i % 5 === 0 ? 0 : Math.floor(r() * HOUR));
    const packets = pick([null, 1, 7, 1000, 2 ** 40]);
    rows.push({
      timestamp,
      end_time: i % 3 === 0 ? null : timestamp + 1000,
      subscription_id: pick(['sub-a', 'sub-b', 'sub-c']),
      resource_group: pick(['rg-1', 'rg-2', null]),
      nsg_name: pick(['nsg-web', 'nsg-db', 'nsg-app']),
      rule_name: pick(['AllowWeb', 'DenyAll', 'DefaultRule_AllowVnetInBound']),
      src_ip: pick([...IPS, null]),
      src_port: pick([null, 0, 22, 443, 50000, 65535]),
      dst_ip: pick(IPS),
      dst_port: pick([0, 22, 80, 443, 3389, 65535]),
      protocol: pick(['TCP', 'UDP', 'ICMP']),
      flow_direction: pick(['Inbound', 'Outbound']),
      flow_decision: pick(['Allow', 'Deny']),
      flow_state: pick(['B', 'E', 'D', null]),
      packets,
      bytes: packets === null ? null : packets * pick([40, 1500]),
      packets_sent: pick([null, 3]),
      bytes_sent: pick([null, 300]),
      packets_received: pick([null, 4]),
      bytes_received: pick([null, 400]),
      region: pick(['westeurope', 'eastus']),
      geo_src: pick(['US', 'DE', 'ZZ', null]),
      geo_dst: pick(['US', 'FR', 'ZZ', null]),
      provider: 'azure',
      source_format: 'azure-vnet',
      attributes: pick([null, '{"k":"v"}']),
      source_object: `obj-${objectId}.json`,
      source_line: i + 1,
      object_id: objectId,
    });
  }
  return rows;
}

// ---- the independent oracle: plain JS over the rows written --------------------------------------------

function ipList(values: string[]): { v4: BlockList; v6: BlockList } {
  const v4 = new BlockList();
  const v6 = new BlockList();
  for (const value of values) {
    const [address, prefix] = value.split('/');
    const family = isIPv4(address) ? 'ipv4' : 'ipv6';
    const list = family === 'ipv4' ? v4 : v6;
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return { v4, v6 };
}

function ipMatches(ip: string | null, lists: { v4: BlockList; v6: BlockList }): boolean {
  if (ip === null) return false;
  if (isIPv4(ip)) return lists.v4.check(ip, 'ipv4');
  return isIPv6(ip) && lists.v6.check(ip, 'ipv6');
}

function matches(row: FlowRow, f: Filter): boolean {
  const inList = <T>(values: T[] | undefined, v: T) => values === undefined || values.length === 0 || values.includes(v);
  if (!inList(f.subscription, row.subscription_id)) return false;
  if (!inList(f.resourceGroup, row.resource_group)) return false;
  if (!inList(f.nsg, row.nsg_name)) return false;
  if (!inList(f.rule, row.rule_name)) return false;
  if (!inList(f.protocol, row.protocol)) return false;
  if (!inList(f.direction as (string | null)[] | undefined, row.flow_direction)) return false;
  if (!inList(f.decision as (string | null)[] | undefined, row.flow_decision)) return false;
  if (f.since !== undefined && row.timestamp < f.since) return false;
  if (f.until !== undefined && row.timestamp >= f.until) return false;
  if (f.ip && f.ip.length > 0) {
    const lists = ipList(f.ip);
    const side = f.ipSide ?? 'any';
    const src = side !== 'dst' && ipMatches(row.src_ip, lists);
    const dst = side !== 'src' && ipMatches(row.dst_ip, lists);
    if (!src && !dst) return false;
  }
  if (f.port && f.port.length > 0) {
    const side = f.portSide ?? 'dst';
    const src = side !== 'dst' && row.src_port !== null && f.port.includes(row.src_port);
    const dst = side !== 'src' && row.dst_port !== null && f.port.includes(row.dst_port);
    if (!src && !dst) return false;
  }
  if (f.country && f.country.length > 0) {
    const codes = f.country.map((c) => c.toUpperCase());
    if (!codes.includes(row.geo_src as string) && !codes.includes(row.geo_dst as string)) return false;
  }
  return true;
}

const key = (r: FlowRow) => `${r.object_id}:${r.source_line}`;

async function lakeFingerprint(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, full)] = createHash('sha256').update(await readFile(full)).digest('hex');
  }
  return out;
}

let tmp: string;
let dataDir: string;
let rows: FlowRow[];
let store: FlowStore;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'nf-flow-store-'));
  dataDir = path.join(tmp, 'lake');
  const lake = await writeLake(dataDir, [...makeRows(700, 1, 1), ...makeRows(300, 2, 2)], { filesPerPartition: 2 });
  rows = lake.rows;
  store = await FlowStore.open(dataDir, { duckdb: { threads: 1 } });
});

afterAll(async () => {
  store?.close();
  await rm(tmp, { recursive: true, force: true });
});

async function expectSameRows(filter: Filter): Promise<void> {
  const expected = rows.filter((r) => matches(r, filter));
  const got = await store.flows(filter, { limit: 10_000 });
  expect(got.map(key).sort()).toEqual(expected.map(key).sort());
  expect(await store.count(filter)).toBe(expected.length);
}

describe('FlowStore filters against a plain-JS computation', () => {
  it('the test lake is varied enough to make every filter meaningful', () => {
    expect(rows.length).toBe(1000);
    expect(new Set(rows.map((r) => r.date)).size).toBe(3);
    expect(new Set(rows.map((r) => r.src_ip)).size).toBeGreaterThan(20);
  });

  it('returns every row, with JS values, for an empty filter', async () => {
    const got = await store.flows({}, { limit: 10_000 });
    const byKey = new Map(rows.map((r) => [key(r), r]));
    expect(got).toHaveLength(rows.length);
    for (const row of got) expect(row).toEqual(byKey.get(key(row)));
    expect(typeof got[0].timestamp).toBe('number');
    expect(got[0].date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  const cases: [string, Filter][] = [
    ['subscription', { subscription: ['sub-a', 'sub-c'] }],
    ['resourceGroup', { resourceGroup: ['rg-2'] }],
    ['nsg', { nsg: ['nsg-db'] }],
    ['rule', { rule: ['DenyAll', 'AllowWeb'] }],
    ['protocol', { protocol: ['UDP'] }],
    ['direction', { direction: ['Outbound'] }],
    ['decision', { decision: ['Deny'] }],
    ['since (inclusive, on an hour boundary)', { since: BASE + 24 * HOUR + 13 * HOUR }],
    ['until (exclusive, on an hour boundary)', { until: BASE + 24 * HOUR + 3 * HOUR }],
    ['since + until across a day boundary', { since: BASE + 23 * HOUR, until: BASE + 24 * HOUR + 13 * HOUR + 1 }],
    ['empty window', { since: BASE + 3 * HOUR, until: BASE + 3 * HOUR }],
    ['port (dst by default)', { port: [443, 22] }],
    ['port src', { port: [443], portSide: 'src' }],
    ['port any', { port: [65535, 0], portSide: 'any' }],
    ['country', { country: ['de', 'FR'] }],
    ['empty lists are no constraint', { subscription: [], ip: [], port: [] }],
    [
      'everything at once',
      {
        subscription: ['sub-a', 'sub-b'],
        nsg: ['nsg-web', 'nsg-app'],
        protocol: ['TCP', 'UDP'],
        decision: ['Allow'],
        since: BASE + 3 * HOUR,
        until: BASE + 2 * 24 * HOUR + 14 * HOUR,
        ip: ['10.0.0.0/8', '2001:db8::/32'],
        port: [443, 80, 22],
        country: ['US', 'ZZ'],
      },
    ],
  ];
  for (const [name, filter] of cases) {
    it(`filters by ${name}`, async () => {
      const expected = rows.filter((r) => matches(r, filter));
      if (!name.startsWith('empty window')) expect(expected.length).toBeGreaterThan(0);
      await expectSameRows(filter);
    });
  }

  const ipCases = [
    '0.0.0.0/0', '10.0.0.0/8', '10.1.2.3/8', '192.168.1.0/24', '10.1.2.3/32', '10.1.2.3', '0.0.0.0/32', '255.255.255.255/32',
    '255.255.255.255/0', '192.168.1.128/25', '2001:db8::/32', '2001:db8::1', '2001:DB8:0:0:0:0:0:1', '::/0', '::1/128', '::',
    '::ffff:0:0/96', '::ffff:10.1.2.3', '::ffff:a01:203', '64:ff9b::cb00:7107', '64:ff9b::/96', 'fe80::/10', 'ffff::/16',
    '2001:db8::/31', '2001:db8:0:1::/64', '1:2:3:4:5:6::/96', '1:2:3:4:5:6:102:300/120', '1:2:3:4:5:6:0:0/112',
  ];
  for (const ip of ipCases) {
    for (const ipSide of ['src', 'dst', 'any'] as const) {
      it(`filters by ip ${ip} on ${ipSide}`, async () => {
        const filter: Filter = { ip: [ip], ipSide };
        if (ipSide === 'any') expect(rows.filter((r) => matches(r, filter)).length).toBeGreaterThan(0);
        await expectSameRows(filter);
      });
    }
  }

  it('filters by several IPs and CIDRs at once (any of them)', async () => {
    const filter: Filter = { ip: ['8.8.8.8', '192.168.0.0/16', 'fe80::/10', '::1'] };
    expect(rows.filter((r) => matches(r, filter)).length).toBeGreaterThan(0);
    await expectSameRows(filter);
  });

  it('totals, timeRange and distinct agree with the rows', async () => {
    const filter: Filter = { decision: ['Deny', 'Allow'], since: BASE + 24 * HOUR };
    const expected = rows.filter((r) => matches(r, filter));
    // summed exactly (byte totals pass 2^53 here), then rounded once, as the store's HUGEINT → number is
    const sum = (f: (r: FlowRow) => number | null) => Number(expected.reduce((acc, r) => acc + BigInt(f(r) ?? 0), 0n));
    expect(await store.totals(filter)).toEqual({
      flows: expected.length,
      bytes: sum((r) => r.bytes),
      packets: sum((r) => r.packets),
      denied: expected.filter((r) => r.flow_decision === 'Deny').length,
    });
    const times = expected.map((r) => r.timestamp);
    expect(await store.timeRange(filter)).toEqual({ min: Math.min(...times), max: Math.max(...times) });
    expect(await store.timeRange({ since: BASE + 10 * 24 * HOUR })).toBeNull();

    for (const column of ['nsg_name', 'geo_src', 'dst_port', 'src_ip'] as const) {
      const counts = new Map<string | number, number>();
      for (const r of expected) {
        const v = r[column];
        if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
      }
      const want = [...counts].map(([value, flows]) => ({ value, flows }));
      want.sort((a, b) => b.flows - a.flows || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
      expect(await store.distinct(column, filter, 1000)).toEqual(want);
      expect(await store.distinct(column, filter, 2)).toEqual(want.slice(0, 2));
    }
  });
});

describe('FlowStore pagination and ordering', () => {
  it('pages through a filter without gaps or repeats', async () => {
    const filter: Filter = { protocol: ['TCP'] };
    const all = await store.flows(filter, { limit: 10_000, orderBy: 'bytes', descending: true });
    const pages: FlowRow[] = [];
    for (let offset = 0; offset < all.length + 7; offset += 7) {
      pages.push(...(await store.flows(filter, { limit: 7, offset, orderBy: 'bytes', descending: true })));
    }
    expect(pages.map(key)).toEqual(all.map(key));
    expect(new Set(pages.map(key)).size).toBe(rows.filter((r) => matches(r, filter)).length);
    // bytes descending, nulls last
    const bytes = all.map((r) => r.bytes);
    const firstNull = bytes.indexOf(null);
    expect(firstNull).toBeGreaterThan(0);
    expect(bytes.slice(firstNull).every((b) => b === null)).toBe(true);
    const numbers = bytes.slice(0, firstNull) as number[];
    expect(numbers).toEqual([...numbers].sort((a, b) => b - a));
  });

  it('orders by any allowed column, ascending by default', async () => {
    const got = await store.flows({}, { limit: 50 });
    expect(got.map((r) => r.timestamp)).toEqual(rows.map((r) => r.timestamp).sort((a, b) => a - b).slice(0, 50));
    const byPort = await store.flows({}, { limit: 10_000, orderBy: 'dst_port', descending: false });
    const ports = byPort.map((r) => r.dst_port as number);
    expect(ports).toEqual([...ports].sort((a, b) => a - b));
    const byHour = await store.flows({}, { limit: 10_000, orderBy: 'hour', descending: true });
    const hours = byHour.map((r) => r.hour);
    expect(hours).toEqual([...hours].sort((a, b) => b - a));
  });

  it('returns no rows past the end', async () => {
    expect(await store.flows({}, { offset: 5000 })).toEqual([]);
  });

  it('rejects bad page options and columns outside the allow-lists', async () => {
    for (const options of [{ limit: 0 }, { limit: 10_001 }, { limit: 1.5 }, { offset: -1 }, { offset: 0.5 }]) {
      await expect(store.flows({}, options)).rejects.toMatchObject({ code: 'bad-option' });
    }
    await expect(store.distinct('nsg_name', {}, 0)).rejects.toMatchObject({ code: 'bad-option' });
    await expect(store.flows({}, { orderBy: 'timestamp; DROP TABLE x' as FlowColumn })).rejects.toMatchObject({
      code: 'bad-option',
      message: expect.stringContaining('orderBy') as unknown,
    });
    await expect(store.distinct('attributes' as DistinctColumn)).rejects.toMatchObject({ code: 'bad-option' });
    expect(ORDERABLE_COLUMNS).toContain('object_id');
  });
});

describe('FlowStore.query', () => {
  it('numbers the filter parameters after the statement’s own and accepts a leading WITH', async () => {
    const filter: Filter = { nsg: ['nsg-web'], port: [443] };
    const expected = rows.filter((r) => matches(r, filter) && r.protocol === 'TCP');
    const [plain] = await store.query<{ n: number }>('SELECT count(*) AS n FROM flows WHERE protocol = $1', ['TCP'], filter);
    expect(plain.n).toBe(expected.length);
    const [withCte] = await store.query<{ n: number }>(
      'WITH tcp AS (SELECT * FROM flows WHERE protocol = $1) SELECT count(*) AS n FROM tcp',
      ['TCP'],
      filter,
    );
    expect(withCte.n).toBe(expected.length);
    const perHour = await store.query<{ date: string; hour: number; n: number }>(
      'SELECT "date", "hour", count(*) AS n FROM flows GROUP BY ALL ORDER BY ALL',
    );
    const want = new Map<string, number>();
    const partition = (r: { date: string; hour: number }) => `${r.date} ${String(r.hour).padStart(2, '0')}`;
    for (const r of rows) want.set(partition(r), (want.get(partition(r)) ?? 0) + 1);
    expect(perHour.map((r) => [partition(r), r.n])).toEqual([...want].sort());
  });

  it('answers concurrent queries on one store', async () => {
    const filters: Filter[] = [{ protocol: ['TCP'] }, { protocol: ['UDP'] }, { decision: ['Deny'] }, { ip: ['10.0.0.0/8'] }, {}, { country: ['US'] }];
    const counts = await Promise.all(filters.flatMap((f) => [store.count(f), store.totals(f).then((t) => t.flows)]));
    expect(counts).toEqual(filters.flatMap((f) => [rows.filter((r) => matches(r, f)).length, rows.filter((r) => matches(r, f)).length]));
  });

  it('binds numbers, bigints, booleans, nulls and string lists, and refuses other values', async () => {
    const [row] = await store.query<Record<string, unknown>>(
      'SELECT $1 + 1 AS a, $2 * 2 AS b, $3 AS c, NOT $4 AS d, $5 IS NULL AS e, len($6) AS f FROM (SELECT 1)',
      [41, 2.5, 7n, true, null, ['x', 'y']],
    );
    expect(row).toEqual({ a: 42, b: 5, c: 7, d: false, e: true, f: 2 });
    await expect(store.query('SELECT 1', [[1, 2]])).rejects.toThrow(/lists of strings/);
    await expect(store.query('SELECT 1', [{}])).rejects.toThrow(/cannot bind/);
  });
});

describe('FlowStore lake states', () => {
  it('treats a data dir without a manifest, or with an empty one, as an empty lake', async () => {
    const empty = path.join(tmp, 'empty');
    await mkdir(empty);
    for (const step of ['no manifest', 'empty manifest']) {
      if (step === 'empty manifest') await writeManifest(empty, emptyManifest());
      const s = await FlowStore.open(empty, { duckdb: { threads: 1 } });
      try {
        expect(await s.count()).toBe(0);
        expect(await s.count({ ip: ['10.0.0.0/8'], since: BASE })).toBe(0);
        expect(await s.flows()).toEqual([]);
        expect(await s.timeRange()).toBeNull();
        expect(await s.totals()).toEqual({ flows: 0, bytes: 0, packets: 0, denied: 0 });
        expect(await s.distinct('protocol')).toEqual([]);
      } finally {
        s.close();
      }
    }
  });

  it('reads no files when the window misses every file', async () => {
    expect(await store.count({ since: BASE + 100 * 24 * HOUR })).toBe(0);
    expect(await store.count({ until: BASE - 1 })).toBe(0);
  });

  it('reads only the files the manifest lists', async () => {
    const dir = path.join(tmp, 'uncommitted');
    const lake = await writeLake(dir, makeRows(40, 3, 1));
    // a file on disk the manifest does not list (an interrupted ingest) must stay invisible
    await copyFile(lake.files[0], path.join(path.dirname(lake.files[0]), 'orphan.parquet'));
    await mkdir(path.join(dir, 'flows', 'date=2026-11-09', 'hour=01'), { recursive: true });
    await copyFile(lake.files[0], path.join(dir, 'flows', 'date=2026-11-09', 'hour=01', 'stray.parquet'));
    const s = await FlowStore.open(dir, { duckdb: { threads: 1 } });
    try {
      expect(await s.count()).toBe(40);
    } finally {
      s.close();
    }
  });

  it('refresh() picks up a new manifest and reports whether the lake changed', async () => {
    const dir = path.join(tmp, 'refresh');
    const first = await writeLake(dir, makeRows(50, 4, 1));
    const s = await FlowStore.open(dir, { duckdb: { threads: 1 } });
    try {
      expect(await s.count()).toBe(50);
      expect(await s.refresh()).toBe(false);
      await writeLake(dir, makeRows(30, 5, 2), { base: first.manifest, prefix: 'second' });
      expect(await s.count()).toBe(50); // still the manifest it read
      expect(await s.refresh()).toBe(true);
      expect(await s.count()).toBe(80);
      expect(await s.count({ subscription: ['sub-a'] })).toBe(
        [...makeRows(50, 4, 1), ...makeRows(30, 5, 2)].filter((r) => r.subscription_id === 'sub-a').length,
      );
      expect(Object.keys(s.manifest.files).length).toBeGreaterThan(Object.keys(first.manifest.files).length);
      // rewritten with the same content: a new file on disk, but nothing for queries changed
      await writeManifest(dir, await readManifest(dir));
      expect(await s.refresh()).toBe(false);
      await writeManifest(dir, emptyManifest());
      expect(await s.refresh()).toBe(true);
      expect(await s.count()).toBe(0);
      await rm(path.join(dir, MANIFEST_FILE));
      expect(await s.refresh()).toBe(false);
      expect(await s.count()).toBe(0);
    } finally {
      s.close();
    }
  });

  it('refuses a manifest whose paths leave the lake or would expand as patterns', async () => {
    for (const bad of ['../outside.parquet', 'flows/date=2026-11-02/hour=03/*.parquet', '/etc/passwd']) {
      const dir = await mkdtemp(path.join(tmp, 'badpath-'));
      const m = emptyManifest();
      m.files[bad] = { path: bad, date: '2026-11-02', hour: 3, rows: 1, bytes: 1, minTime: BASE, maxTime: BASE, objects: [1] };
      await writeManifest(dir, m);
      await expect(FlowStore.open(dir)).rejects.toMatchObject({ code: 'input-unreadable', message: expect.stringContaining(bad) as unknown });
    }
  });

  it('refuses a missing data dir, a data dir with pattern characters, and use after close', async () => {
    await expect(FlowStore.open(path.join(tmp, 'does-not-exist'))).rejects.toMatchObject({ code: 'bad-option' });
    const file = path.join(tmp, 'a-file');
    await writeFile(file, 'x');
    await expect(FlowStore.open(file)).rejects.toMatchObject({ code: 'bad-option' });
    const starry = path.join(tmp, 'data[1]');
    await mkdir(starry);
    await expect(FlowStore.open(starry)).rejects.toMatchObject({ code: 'bad-option', message: expect.stringContaining('pattern') as unknown });
    const s = await FlowStore.open(path.join(tmp, 'empty'));
    s.close();
    s.close();
    await expect(s.count()).rejects.toMatchObject({ code: 'bad-option', message: expect.stringContaining('closed') as unknown });
    await expect(s.refresh()).rejects.toThrow(/closed/);
  });
});

describe('FlowStore with hostile input', () => {
  const HOSTILE = [
    "'; DROP TABLE x; --",
    "' OR 1=1 --",
    "' OR '1'='1",
    '" OR ""="',
    "\\'; SELECT 1; --",
    'back\\slash\\',
    '$1',
    '$2::VARCHAR',
    '?',
    'a\u0000b',
    '\u0000',
    'ünïcödé ✓ 🚀 \u202e',
    '<img src=x onerror=alert(1)>',
    "'); COPY (SELECT 1) TO '/tmp/pwned.csv'; --",
    "10.0.0.0/8' OR TRUE --",
    'x'.repeat(4096),
    'y'.repeat(100_000),
    '',
    ' ',
    '%',
    '_',
  ];
  const STRING_LIST_FIELDS = ['subscription', 'resourceGroup', 'nsg', 'rule', 'protocol', 'direction', 'decision', 'ip', 'country'] as const;

  it('every string field: either a validation error or no rows, and the lake is unchanged', async () => {
    const before = await lakeFingerprint(dataDir);
    let validationErrors = 0;
    let queries = 0;
    const attempt = async (filter: Filter) => {
      try {
        queries++;
        expect(await store.count(filter)).toBe(0);
        expect(await store.flows(filter, { limit: 5 })).toEqual([]);
        expect(await store.totals(filter)).toMatchObject({ flows: 0 });
        expect(await store.distinct('src_ip', filter)).toEqual([]);
      } catch (err) {
        if (!(err instanceof NetworkflowError) || err.code !== 'bad-option') throw err;
        expect(err.hint).toBeTruthy();
        validationErrors++;
      }
    };
    for (const value of HOSTILE) {
      for (const field of STRING_LIST_FIELDS) await attempt({ [field]: [value] } as Filter);
      await attempt({ ip: ['10.1.2.3'], ipSide: value as 'src' });
      await attempt({ port: [443], portSide: value as 'src' });
      await attempt({ since: value as unknown as number });
      await attempt({ port: [value as unknown as number] });
      await attempt({ [value]: ['x'] } as Filter);
      await expect(store.flows({}, { orderBy: value as FlowColumn })).rejects.toMatchObject({ code: 'bad-option' });
      await expect(store.distinct(value as DistinctColumn)).rejects.toMatchObject({ code: 'bad-option' });
    }
    // free-text fields accept any string up to the length cap: those must have run, not been refused
    expect(validationErrors).toBeLessThan(queries);
    for (const field of ['subscription', 'resourceGroup', 'nsg', 'rule', 'protocol'] as const) {
      for (const value of HOSTILE.filter((v) => v.length <= 4096)) expect(await store.count({ [field]: [value] })).toBe(0);
    }
    expect(await lakeFingerprint(dataDir)).toEqual(before);
    expect(await store.count()).toBe(rows.length);
  });
});
