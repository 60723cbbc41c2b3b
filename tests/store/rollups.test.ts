import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDuckDB, type DuckDB } from '../../src/store/duckdb.js';
import { collectGarbage, compactPartitions, deleteFiles, purgeObjects, readParquetSql } from '../../src/store/lake-files.js';
import { liveFiles, readManifest, writeManifest, type Manifest, type ManifestFile } from '../../src/store/manifest.js';
import {
  ROLLUPS,
  filesMissingRollups,
  getRollup,
  obsoleteRollupPaths,
  rollupFiles,
  rollupMergeSelect,
  rollupSelect,
  writeFileRollups,
  type RollupDefinition,
} from '../../src/store/rollups.js';
import { LAKE_COLUMNS } from '../../src/store/schema.js';
import { sqlPath } from '../../src/store/sql.js';
import { writeLake, type LakeRowInput } from '../helpers/lake.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 2, 22);

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
    timestamp: T0 + rand(3) * HOUR + rand(5) * MINUTE + rand(MINUTE),
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

/** What a rollup must hold, computed in JS from raw rows (not with SQL): one sorted JSON string per group. */
function expectedRollup(rollup: RollupDefinition, rows: readonly Record<string, unknown>[]): string[] {
  const bucket = rollup.grain === 'minute' ? MINUTE : HOUR;
  const groups = new Map<string, unknown[]>();
  for (const record of rows) {
    const key = [Math.floor(Number(record.timestamp) / bucket) * bucket, ...rollup.dimensions.map((d) => record[d] ?? null)];
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

async function query(sql: string): Promise<unknown[][]> {
  return (await db.connection.runAndReadAll(sql)).getRowsJS();
}

/** Rows of a select with a `time` column first, `time` as epoch ms, as sorted JSON strings. */
async function rollupRows(select: string): Promise<string[]> {
  return (await query(`SELECT epoch_ms("time"), * EXCLUDE ("time") FROM (${select})`)).map(json).sort();
}

/** A rollup as the live manifest lists it: the union of its files re-aggregated, as a reader does. */
async function mergedRollup(manifest: Manifest, rollup: RollupDefinition): Promise<string[]> {
  const files = rollupFiles(manifest, rollup.name);
  if (files.length === 0) return [];
  return rollupRows(rollupMergeSelect(rollup, readParquetSql(dataDir, files)));
}

/** Every rollup of the live lake equals the JS GROUP BY of `rows` (the rows the lake should hold), measure by measure. */
async function expectRollupsMatch(manifest: Manifest, rows: LakeRowInput[]): Promise<void> {
  for (const rollup of ROLLUPS) {
    const expected = expectedRollup(rollup, rows as unknown as Record<string, unknown>[]);
    expect(expected.length).toBeGreaterThan(0);
    expect({ rollup: rollup.name, rows: await mergedRollup(manifest, rollup) }).toEqual({ rollup: rollup.name, rows: expected });
  }
}

/**
 * Every rollup file of `file` holds exactly the JS GROUP BY of that flow file's rows (read back from the file),
 * with the row count the manifest records, in the file's partition folder.
 */
async function expectFileRollupsExact(file: ManifestFile): Promise<void> {
  const columns = LAKE_COLUMNS.map((c) => c.name);
  const raw = await query(`SELECT epoch_ms("timestamp"), ${columns.slice(1).map((c) => `"${c}"`).join(', ')} FROM ${readParquetSql(dataDir, [file.path])}`);
  const records = raw.map((r) => Object.fromEntries(columns.map((c, i) => [c, typeof r[i] === 'bigint' ? Number(r[i]) : r[i]])));
  expect(records).toHaveLength(file.rows);
  expect(Object.keys(file.rollups ?? {}).sort()).toEqual(ROLLUPS.map((r) => r.name).sort());
  for (const rollup of ROLLUPS) {
    const entry = file.rollups![rollup.name];
    expect(entry.path).toMatch(new RegExp(`^rollups/${rollup.name}/date=${file.date}/hour=${String(file.hour).padStart(2, '0')}/r-\\d{8}\\.parquet$`));
    const actual = await rollupRows(`SELECT * FROM read_parquet([${sqlPath(path.join(dataDir, entry.path))}], hive_partitioning = false)`);
    expect({ file: file.path, rollup: rollup.name, rows: actual }).toEqual({ file: file.path, rollup: rollup.name, rows: expectedRollup(rollup, records) });
    expect(entry.rows).toBe(actual.length);
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

/** A lake of `rows` (two files per hour) with objects listed and every file's rollups written and committed. */
async function rolledLake(rows: LakeRowInput[]): Promise<Manifest> {
  const { manifest } = await writeLake(dataDir, rows, { filesPerPartition: 2 });
  addObjects(manifest, rows);
  expect(await writeFileRollups(db, dataDir, manifest, liveFiles(manifest))).toEqual([]);
  await writeManifest(dataDir, manifest);
  return manifest;
}

describe('rollup definitions', () => {
  it('have unique path-safe names, lake dimensions and the measures the dashboard sums', () => {
    const names = ROLLUPS.map((r) => r.name);
    const lake = new Set(LAKE_COLUMNS.map((c) => c.name));
    expect(new Set(names).size).toBe(names.length);
    for (const rollup of ROLLUPS) {
      expect(rollup.name).toMatch(/^[a-z_]+$/);
      expect(rollup.measures).toContain('flows');
      expect(rollup.purpose.length).toBeGreaterThan(20);
      for (const d of rollup.dimensions) expect(lake.has(d)).toBe(true);
      expect(getRollup(rollup.name)).toBe(rollup);
    }
    expect(names).toEqual(expect.arrayContaining(['minute', 'hour', 'src_ip', 'dst_ip', 'port', 'country']));
    expect(() => getRollup('nope')).toThrow("rollup 'nope' does not exist; known rollups: minute");
  });
});

describe('rollupSelect', () => {
  it('gives the same rows over a staging table with ENUM text and TIMESTAMP_MS as over the Parquet file of the same data', async () => {
    const rows = makeRows(800, [1, 2], 21);
    const { manifest } = await writeLake(dataDir, rows);
    const parquet = readParquetSql(dataDir, Object.keys(manifest.files));
    // the writer's staging table: dictionary columns as ENUMs of their values, timestamps in ms
    const casts: string[] = [];
    for (const column of LAKE_COLUMNS) {
      const name = `"${column.name}"`;
      if (column.dictionary) {
        const values = (await query(`SELECT DISTINCT ${name} FROM ${parquet} WHERE ${name} IS NOT NULL ORDER BY 1 DESC`)).map((r) => String(r[0]));
        const labels = values.length > 0 ? values : ['unused'];
        casts.push(`CAST(${name} AS ENUM(${labels.map((v) => `'${v.replaceAll("'", "''")}'`).join(', ')})) AS ${name}`);
      } else {
        casts.push(column.type === 'TIMESTAMP' ? `CAST(${name} AS TIMESTAMP_MS) AS ${name}` : name);
      }
    }
    await db.connection.run(`CREATE OR REPLACE TEMP TABLE stage AS SELECT ${casts.join(', ')} FROM ${parquet}`);
    const types = new Map((await query(`SELECT column_name, column_type FROM (DESCRIBE stage)`)).map((r) => [r[0], String(r[1])]));
    expect(types.get('protocol')).toMatch(/^ENUM\(/);
    expect(types.get('timestamp')).toBe('TIMESTAMP_MS');
    const stage = `(SELECT * REPLACE (CAST("timestamp" AS TIMESTAMP) AS "timestamp") FROM stage)`;

    for (const rollup of ROLLUPS) {
      const fromParquet = await rollupRows(rollupSelect(rollup, parquet));
      expect(fromParquet).toEqual(expectedRollup(rollup, rows as unknown as Record<string, unknown>[]));
      expect({ rollup: rollup.name, rows: await rollupRows(rollupSelect(rollup, stage)) }).toEqual({ rollup: rollup.name, rows: fromParquet });
      // written to Parquet, both have the same columns and types: time, dimensions, measures
      const described = await Promise.all(
        [parquet, stage].map(async (source, i) => {
          const file = path.join(root, `enum-${counter}-${rollup.name}-${i}.parquet`);
          await db.connection.run(`COPY (${rollupSelect(rollup, source)}) TO ${sqlPath(file)} (FORMAT parquet)`);
          return query(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet([${sqlPath(file)}]))`);
        }),
      );
      expect(described[1]).toEqual(described[0]);
      expect(described[0].map((r) => r[0])).toEqual(['time', ...rollup.dimensions, ...rollup.measures]);
      expect(described[0][0][1]).toBe('TIMESTAMP');
      expect(described[0].slice(-rollup.measures.length).every((r) => r[1] === 'BIGINT')).toBe(true);
    }
  });
});

describe('writeFileRollups', () => {
  it("computes every rollup of each file from that file's rows; the union of a partition's files re-aggregated equals the GROUP BY of all rows", async () => {
    const rows = makeRows(1500, [1, 2, 3], 11);
    const { manifest } = await writeLake(dataDir, rows, { filesPerPartition: 2 });
    const files = liveFiles(manifest);
    expect(files).toHaveLength(6);
    expect(filesMissingRollups(manifest)).toEqual(files);
    const seq = manifest.nextFileSeq;

    expect(await writeFileRollups(db, dataDir, manifest, files)).toEqual([]);

    expect(manifest.nextFileSeq).toBe(seq + files.length * ROLLUPS.length);
    expect(filesMissingRollups(manifest)).toEqual([]);
    for (const file of files) await expectFileRollupsExact(file);
    await expectRollupsMatch(manifest, rows);
    // the two files of an hour share groups, so the merge is what makes the answer right
    const hour = getRollup('hour');
    const unmerged = await query(`SELECT count(*) FROM ${readParquetSql(dataDir, rollupFiles(manifest, 'hour'))}`);
    expect(Number(unmerged[0][0])).toBeGreaterThan(expectedRollup(hour, rows as unknown as Record<string, unknown>[]).length);
    // every rollup file written is listed: nothing for the garbage collector
    await writeManifest(dataDir, manifest);
    expect(await collectGarbage(dataDir, await readManifest(dataDir))).toEqual([]);
  });

  it('repairs files lacking some rollups (older version, definition added since) and returns the rollup paths they drop', async () => {
    const rows = makeRows(600, [1, 2], 12);
    const manifest = await rolledLake(rows);
    const [older, partial] = [liveFiles(manifest)[1], liveFiles(manifest)[4]];
    const olderPaths = obsoleteRollupPaths(older);
    delete older.rollups;
    const droppedEntry = partial.rollups!.port.path;
    delete partial.rollups!.port;
    const kept = obsoleteRollupPaths(partial);
    expect(kept).toHaveLength(ROLLUPS.length - 1);
    expect(filesMissingRollups(manifest)).toEqual([older, partial]);
    // a reader must not get an answer short of some files' rows
    expect(() => rollupFiles(manifest, 'minute')).toThrow(`flow file ${older.path} has no rollup 'minute'; run ingest`);
    expect(() => rollupFiles(manifest, 'port', partial.minTime, partial.maxTime + 1)).toThrow(`flow file ${partial.path} has no rollup 'port'`);
    expect(rollupFiles(manifest, 'minute', partial.minTime, partial.maxTime + 1)).toHaveLength(2);

    const obsolete = await writeFileRollups(db, dataDir, manifest, filesMissingRollups(manifest));

    expect(obsolete).toEqual(kept);
    expect(filesMissingRollups(manifest)).toEqual([]);
    for (const p of [...olderPaths, ...kept, droppedEntry]) expect(rollupFiles(manifest, p.split('/')[1])).not.toContain(p);
    await expectFileRollupsExact(older);
    await expectFileRollupsExact(partial);
    await writeManifest(dataDir, manifest);
    await deleteFiles(dataDir, obsolete);
    await expectRollupsMatch(manifest, rows);
    // what the manifest stopped referencing without an obsolete list is swept as garbage
    expect(await collectGarbage(dataDir, manifest)).toEqual([...olderPaths, droppedEntry].sort());
  });

  it('refuses a listed file whose rollup comes out empty, naming the file, and leaves its rollups as they were', async () => {
    const { manifest } = await writeLake(dataDir, makeRows(30, [1], 13));
    const source = liveFiles(manifest)[0];
    const empty = { ...source, path: source.path.replace(/[^/]+$/, 'empty.parquet'), rows: 5 };
    await db.connection.run(`COPY (SELECT * FROM ${readParquetSql(dataDir, [source.path])} LIMIT 0) TO ${sqlPath(path.join(dataDir, empty.path))} (FORMAT parquet)`);
    manifest.files[empty.path] = empty;
    await expect(writeFileRollups(db, dataDir, manifest, [empty])).rejects.toThrow(`rollup minute of ${empty.path} came out empty although the manifest lists 5 rows`);
    expect(empty.rollups).toBeUndefined();
  });
});

describe('rollups follow their flow files', () => {
  it('after a purge, rewritten files get rollups of their remaining rows and the dropped files take theirs along', async () => {
    const onlyObject4 = makeRows(40, [4], 14).map((r) => ({ ...r, timestamp: T0 + 2 * HOUR + (r.timestamp % HOUR) }));
    const mixed = makeRows(1200, [1, 2, 3], 15).filter((r) => r.timestamp < T0 + 2 * HOUR);
    const first = await writeLake(dataDir, mixed, { filesPerPartition: 2, prefix: 'm' });
    const { manifest } = await writeLake(dataDir, onlyObject4, { base: first.manifest, prefix: 'o' });
    addObjects(manifest, [...mixed, ...onlyObject4]);
    await writeFileRollups(db, dataDir, manifest, liveFiles(manifest));
    await writeManifest(dataDir, manifest);
    const before = liveFiles(manifest);

    const purge = await purgeObjects(db, dataDir, manifest, [2, 4]);

    expect(purge.obsolete.sort()).toEqual(before.flatMap((f) => [f.path, ...obsoleteRollupPaths(f)]).sort());
    expect(filesMissingRollups(manifest)).toEqual([]);
    await writeManifest(dataDir, manifest);
    await deleteFiles(dataDir, purge.obsolete);
    const reread = await readManifest(dataDir);
    expect(liveFiles(reread)).toHaveLength(4);
    for (const file of liveFiles(reread)) await expectFileRollupsExact(file);
    await expectRollupsMatch(reread, mixed.filter((r) => r.object_id !== 2));
    expect(await collectGarbage(dataDir, reread)).toEqual([]);
  });

  it('after a compaction the merged file has rollups with the same content and the small files take theirs along', async () => {
    const rows = makeRows(900, [1, 2], 16);
    const manifest = await rolledLake(rows);
    const small = liveFiles(manifest).filter((f) => f.hour === 23);

    const compact = await compactPartitions(db, dataDir, manifest, ['2026-11-02/23']);

    expect(compact).toMatchObject({ merged: 2, written: 1 });
    expect(compact.obsolete.sort()).toEqual(small.flatMap((f) => [f.path, ...obsoleteRollupPaths(f)]).sort());
    const merged = liveFiles(manifest).filter((f) => f.hour === 23);
    expect(merged).toHaveLength(1);
    await expectFileRollupsExact(merged[0]);
    await writeManifest(dataDir, manifest);
    await deleteFiles(dataDir, compact.obsolete);
    await expectRollupsMatch(manifest, rows);
    expect(await collectGarbage(dataDir, manifest)).toEqual([]);
  });
});

describe('rollupFiles', () => {
  it("lists the rollup files of the live files whose time range overlaps [since, until), and names an unknown rollup", async () => {
    const at = (...minutes: number[]) => minutes.map((m) => ({ timestamp: T0 + m * MINUTE, object_id: 1, protocol: 'TCP' }));
    const a = await writeLake(dataDir, at(10, 20), { prefix: 'a' });
    const b = await writeLake(dataDir, at(30, 50), { prefix: 'b', base: a.manifest });
    const { manifest } = await writeLake(dataDir, at(65, 100), { prefix: 'c', base: b.manifest });
    await writeFileRollups(db, dataDir, manifest, liveFiles(manifest));
    const country = (prefix: string) => liveFiles(manifest).find((f) => path.basename(f.path).startsWith(prefix))!.rollups!.country.path;
    const all = ['a', 'b', 'c'].map(country).sort();

    expect(rollupFiles(manifest, 'country')).toEqual(all);
    expect(rollupFiles(manifest, 'country', T0 + 20 * MINUTE)).toEqual(all);
    expect(rollupFiles(manifest, 'country', T0 + 20 * MINUTE + 1)).toEqual([country('b'), country('c')].sort());
    expect(rollupFiles(manifest, 'country', undefined, T0 + 30 * MINUTE)).toEqual([country('a')]);
    expect(rollupFiles(manifest, 'country', undefined, T0 + 30 * MINUTE + 1)).toEqual([country('a'), country('b')].sort());
    expect(rollupFiles(manifest, 'country', T0 + 51 * MINUTE, T0 + 65 * MINUTE)).toEqual([]);
    expect(rollupFiles(manifest, 'country', T0 + 100 * MINUTE + 1)).toEqual([]);
    expect(() => rollupFiles(manifest, 'countries')).toThrow("rollup 'countries' does not exist");
  });
});
