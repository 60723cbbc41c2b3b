import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDuckDB, type DuckDB } from '../../src/store/duckdb.js';
import { collectGarbage, compactPartitions, deleteFiles, flowPartitions, purgeObjects } from '../../src/store/lake-files.js';
import { sqlPath } from '../../src/store/lake-writer.js';
import { readManifest, writeManifest, type Manifest } from '../../src/store/manifest.js';
import { ROLLUPS, getRollup, rollupFiles, staleRollupPartitions, updateRollups, type RollupDefinition } from '../../src/store/rollups.js';
import { writeLake, type LakeRowInput } from '../helpers/lake.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 2, 22);
const PARTITIONS = ['2026-11-02/22', '2026-11-02/23', '2026-11-03/00'];

/** Deterministic rows over three hours (across a date change) with every rollup dimension populated, some nulls. */
function makeRows(count: number, objectIds: number[], seed: number): LakeRowInput[] {
  let s = seed >>> 0;
  const rand = (n: number) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
  const maybe = <T>(value: T): T | null => (rand(12) === 0 ? null : value);
  return Array.from({ length: count }, () => ({
    timestamp: T0 + rand(3) * HOUR + rand(5) * 60_000 + rand(60_000),
    subscription_id: `sub-${rand(2)}`,
    resource_group: `rg-${rand(2)}`,
    nsg_name: maybe(`nsg-${rand(3)}`),
    rule_name: `rule-${rand(3)}`,
    src_ip: `10.0.0.${rand(6)}`,
    dst_ip: rand(5) ? `192.168.1.${rand(6)}` : `2001:db8::${rand(3)}`,
    src_port: 40_000 + rand(1000),
    dst_port: maybe([22, 80, 443][rand(3)]),
    protocol: rand(2) ? 'TCP' : 'UDP',
    flow_direction: rand(2) ? 'Inbound' : 'Outbound',
    flow_decision: rand(4) ? 'Allow' : 'Deny',
    packets: maybe(rand(100)),
    bytes: maybe(rand(1_000_000)),
    bytes_sent: maybe(rand(500_000)),
    bytes_received: maybe(rand(500_000)),
    geo_src: maybe(['US', 'DE', 'ZZ'][rand(3)]),
    geo_dst: ['US', 'FR'][rand(2)],
    object_id: objectIds[rand(objectIds.length)],
  }));
}

function addObjects(manifest: Manifest, rows: LakeRowInput[]): void {
  for (const id of new Set(rows.map((r) => r.object_id!))) {
    const files = Object.values(manifest.files).filter((f) => f.objects.includes(id));
    manifest.objects[`file:///obj-${id}`] = {
      ...{ id, uri: `file:///obj-${id}`, etag: null, size: null, lastModified: null, badRecords: 0, badByReason: {}, ingestedAt: 0 },
      records: rows.filter((r) => r.object_id === id).length,
      files: files.map((f) => f.path),
    };
  }
}

const json = (row: unknown[]) => JSON.stringify(row, (_, v: unknown) => (typeof v === 'bigint' ? Number(v) : v));

/** What a rollup must hold, computed in JS from the raw input rows (not from the lake, not with SQL). */
function expectedRollup(rollup: RollupDefinition, rows: LakeRowInput[]): string[] {
  const bucket = rollup.grain === 'minute' ? 60_000 : HOUR;
  const groups = new Map<string, unknown[]>();
  for (const row of rows) {
    const record = row as unknown as Record<string, number | string | null | undefined>;
    const key = [Math.floor(row.timestamp / bucket) * bucket, ...rollup.dimensions.map((d) => record[d] ?? null)];
    const id = json(key);
    const group = groups.get(id) ?? [...key, ...rollup.measures.map(() => 0)];
    rollup.measures.forEach((m, i) => {
      const at = key.length + i;
      group[at] = (group[at] as number) + (m === 'flows' ? 1 : Number(record[m] ?? 0));
    });
    groups.set(id, group);
  }
  return [...groups.values()].map(json).sort();
}

/** A rollup as the live manifest lists it: all its files' rows, `time` as epoch ms. */
async function actualRollup(db: DuckDB, dataDir: string, manifest: Manifest, name: string): Promise<string[]> {
  const files = rollupFiles(manifest, name).map((p) => sqlPath(path.join(dataDir, p)));
  if (files.length === 0) return [];
  const result = await db.connection.runAndReadAll(
    `SELECT epoch_ms("time"), * EXCLUDE ("time") FROM read_parquet([${files.join(', ')}], hive_partitioning = false)`,
  );
  return result.getRowsJS().map(json).sort();
}

async function expectRollupsMatch(db: DuckDB, dataDir: string, manifest: Manifest, rows: LakeRowInput[]): Promise<void> {
  for (const rollup of ROLLUPS) {
    const expected = expectedRollup(rollup, rows);
    expect(expected.length).toBeGreaterThan(0);
    expect({ rollup: rollup.name, rows: await actualRollup(db, dataDir, manifest, rollup.name) }).toEqual({ rollup: rollup.name, rows: expected });
  }
}

let db: DuckDB;
let root: string;
let dataDir: string;
let counter = 0;

beforeAll(async () => {
  db = await openDuckDB({ threads: 1, memoryLimit: '256MB' });
  root = await mkdtemp(path.join(os.tmpdir(), 'nf-rollups-'));
});
afterAll(async () => {
  db.close();
  await rm(root, { recursive: true, force: true });
});
beforeEach(() => {
  dataDir = path.join(root, `lake '${++counter}`);
});

async function builtLake(rows: LakeRowInput[]): Promise<Manifest> {
  const { manifest } = await writeLake(dataDir, rows, { filesPerPartition: 2 });
  addObjects(manifest, rows);
  return manifest;
}

describe('rollup definitions', () => {
  it('have unique path-safe names, lake dimensions and the measures the dashboard sums', () => {
    const names = ROLLUPS.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
    for (const rollup of ROLLUPS) {
      expect(rollup.name).toMatch(/^[a-z_]+$/);
      expect(rollup.measures).toContain('flows');
      expect(rollup.purpose.length).toBeGreaterThan(20);
      expect(getRollup(rollup.name)).toBe(rollup);
    }
    expect(names).toEqual(expect.arrayContaining(['minute', 'hour', 'src_ip', 'dst_ip', 'pair', 'port', 'country']));
    expect(() => getRollup('nope')).toThrow("rollup 'nope' does not exist; known rollups: minute");
  });
});

describe('updateRollups', () => {
  it('computes every rollup of every partition exactly as a GROUP BY over the raw rows', async () => {
    const rows = makeRows(1500, [1, 2, 3], 11);
    const manifest = await builtLake(rows);
    expect(staleRollupPartitions(manifest)).toEqual(PARTITIONS);

    const result = await updateRollups(db, dataDir, manifest, flowPartitions(manifest));

    expect(result).toEqual({ obsolete: [], written: PARTITIONS.length * ROLLUPS.length });
    await expectRollupsMatch(db, dataDir, manifest, rows);
    expect(staleRollupPartitions(manifest)).toEqual([]);
    const minute = manifest.rollups.minute.partitions['2026-11-03/00'];
    expect(minute.path).toMatch(/^rollups\/minute\/date=2026-11-03\/hour=00\/r-\d{8}\.parquet$/);
    const [[count]] = (await db.connection.runAndReadAll(`SELECT count(*) FROM read_parquet([${sqlPath(path.join(dataDir, minute.path))}])`)).getRowsJS();
    expect(Number(count)).toBe(minute.rows);
    const described = await db.connection.runAndReadAll(
      `SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet([${sqlPath(path.join(dataDir, manifest.rollups.pair.partitions['2026-11-02/22'].path))}], hive_partitioning = false))`,
    );
    const pair = getRollup('pair');
    expect(described.getRowsJS().map((r) => r[0])).toEqual(['time', ...pair.dimensions, ...pair.measures]);
    expect(described.getRowsJS()[0][1]).toBe('TIMESTAMP');
    expect(described.getRowsJS().slice(-pair.measures.length).every((r) => r[1] === 'BIGINT')).toBe(true);
    // the live set on disk is exactly what the manifest lists
    expect(await collectGarbage(dataDir, manifest)).toEqual([]);
  });

  it('after a purge the changed partitions read as stale until recomputed, then match the remaining rows', async () => {
    const onlyObject4 = makeRows(40, [4], 12).map((r) => ({ ...r, timestamp: T0 + 2 * HOUR + (r.timestamp % HOUR) }));
    const mixed = makeRows(1200, [1, 2, 3], 13).filter((r) => r.timestamp < T0 + 2 * HOUR);
    const first = await writeLake(dataDir, mixed, { filesPerPartition: 2, prefix: 'm' });
    const { manifest } = await writeLake(dataDir, onlyObject4, { base: first.manifest, prefix: 'o' });
    addObjects(manifest, [...mixed, ...onlyObject4]);
    await updateRollups(db, dataDir, manifest, flowPartitions(manifest));
    await writeManifest(dataDir, manifest);
    const before = structuredClone(manifest.rollups);

    // a purge of object 2 (mixed hours 22 and 23) and object 4 (alone in hour 00) committed without rollups: a crash
    const purge = await purgeObjects(db, dataDir, manifest, [2, 4]);
    expect(purge.partitions).toEqual(PARTITIONS);
    await writeManifest(dataDir, manifest);
    await deleteFiles(dataDir, purge.obsolete);
    const crashed = await readManifest(dataDir);
    expect(crashed.rollups).toEqual(before);
    expect(staleRollupPartitions(crashed)).toEqual(PARTITIONS);

    const repair = await updateRollups(db, dataDir, crashed, staleRollupPartitions(crashed));
    expect(repair.written).toBe(2 * ROLLUPS.length);
    expect(repair.obsolete.sort()).toEqual(
      Object.values(before)
        .flatMap((r) => Object.values(r.partitions).map((p) => p.path))
        .sort(),
    );
    // hour 00 has no flow files any more: no rollup entries either
    for (const rollup of ROLLUPS) expect(crashed.rollups[rollup.name].partitions['2026-11-03/00']).toBeUndefined();
    expect(rollupFiles(crashed, 'minute')).toHaveLength(2);
    await writeManifest(dataDir, crashed);
    await deleteFiles(dataDir, repair.obsolete);
    await expectRollupsMatch(db, dataDir, crashed, mixed.filter((r) => r.object_id !== 2));
    expect(staleRollupPartitions(crashed)).toEqual([]);
    expect(await collectGarbage(dataDir, crashed)).toEqual([]);
  });

  it('after a compaction the rollups of the compacted partitions are recomputed to the same content', async () => {
    const rows = makeRows(900, [1, 2], 14);
    const manifest = await builtLake(rows);
    await updateRollups(db, dataDir, manifest, PARTITIONS);
    const compact = await compactPartitions(db, dataDir, manifest, ['2026-11-02/23']);
    expect(compact.merged).toBe(2);
    expect(staleRollupPartitions(manifest)).toEqual(['2026-11-02/23']);
    const update = await updateRollups(db, dataDir, manifest, staleRollupPartitions(manifest));
    expect(update.written).toBe(ROLLUPS.length);
    expect(update.obsolete).toHaveLength(ROLLUPS.length);
    await deleteFiles(dataDir, [...compact.obsolete, ...update.obsolete]);
    await expectRollupsMatch(db, dataDir, manifest, rows);
    expect(staleRollupPartitions(manifest)).toEqual([]);
  });

  it('treats entries of a rollup no longer defined, or made by another definition, as stale and drops or replaces them', async () => {
    const rows = makeRows(300, [1], 15);
    const manifest = await builtLake(rows);
    await updateRollups(db, dataDir, manifest, PARTITIONS);
    const retiredPath = 'rollups/retired/date=2026-11-02/hour=22/r-00000001.parquet';
    manifest.rollups.retired = { partitions: { '2026-11-02/22': { path: retiredPath, rows: 1, source: 'x' } } };
    manifest.rollups.port.partitions['2026-11-02/23'].source = 'computed by an older definition';
    expect(staleRollupPartitions(manifest)).toEqual(['2026-11-02/22', '2026-11-02/23']);

    const result = await updateRollups(db, dataDir, manifest, staleRollupPartitions(manifest));

    expect(result.obsolete).toContain(retiredPath);
    expect(manifest.rollups.retired.partitions).toEqual({});
    expect(staleRollupPartitions(manifest)).toEqual([]);
    await expectRollupsMatch(db, dataDir, manifest, rows);
  });

  it('refuses a malformed partition key before writing anything', async () => {
    const manifest = await builtLake(makeRows(20, [1], 16));
    const copy = structuredClone(manifest);
    await expect(updateRollups(db, dataDir, manifest, ['2026-11-02/22', '2026-11-02T22'])).rejects.toThrow("partition '2026-11-02T22'");
    expect(manifest).toEqual(copy);
  });
});

describe('rollupFiles', () => {
  it('lists the files of the hours overlapping [since, until), and names an unknown rollup', async () => {
    const manifest = await builtLake(makeRows(200, [1], 17));
    await updateRollups(db, dataDir, manifest, PARTITIONS);
    const path = (key: string) => manifest.rollups.country.partitions[key].path;
    expect(rollupFiles(manifest, 'country')).toEqual(PARTITIONS.map(path).sort());
    expect(rollupFiles(manifest, 'country', T0 + HOUR - 1, T0 + HOUR + 1)).toEqual([path('2026-11-02/22'), path('2026-11-02/23')].sort());
    expect(rollupFiles(manifest, 'country', T0 + HOUR)).toEqual([path('2026-11-02/23'), path('2026-11-03/00')].sort());
    expect(rollupFiles(manifest, 'country', undefined, T0 + HOUR)).toEqual([path('2026-11-02/22')]);
    expect(rollupFiles(manifest, 'country', T0 + 3 * HOUR)).toEqual([]);
    delete (manifest.rollups as Record<string, unknown>).country;
    expect(rollupFiles(manifest, 'country')).toEqual([]);
    expect(() => rollupFiles(manifest, 'countries')).toThrow("rollup 'countries' does not exist");
  });
});
