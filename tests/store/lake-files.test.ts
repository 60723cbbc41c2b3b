import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDuckDB, type DuckDB } from '../../src/store/duckdb.js';
import {
  collectGarbage,
  compactPartitions,
  deleteFiles,
  flowPartitions,
  livePaths,
  parsePartitionKey,
  partitionFiles,
  purgeObjects,
  readParquetSql,
} from '../../src/store/lake-files.js';
import { liveFiles, readManifest, writeManifest, type Manifest } from '../../src/store/manifest.js';
import { ROLLUPS, filesMissingRollups, obsoleteRollupPaths, writeFileRollups } from '../../src/store/rollups.js';
import { LAKE_COLUMNS } from '../../src/store/schema.js';
import { sqlPath } from '../../src/store/sql.js';
import { writeLake, type LakeRowInput, type WriteLakeOptions } from '../helpers/lake.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 2, 3);

/** Deterministic pseudo-random rows of the given objects spread over `hours` hours from T0. */
function makeRows(count: number, objectIds: number[], seed: number, hours = 3): LakeRowInput[] {
  // mulberry32: every bit well mixed, so small moduli still spread
  let s = seed >>> 0;
  const rand = (n: number) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
  return Array.from({ length: count }, () => ({
    timestamp: T0 + rand(hours) * HOUR + rand(HOUR),
    subscription_id: `sub-${rand(2)}`,
    nsg_name: `nsg-${rand(3)}`,
    src_ip: `10.0.0.${rand(20)}`,
    dst_ip: `192.168.1.${rand(20)}`,
    dst_port: [22, 80, 443][rand(3)],
    protocol: rand(2) ? 'TCP' : 'UDP',
    flow_decision: rand(4) ? 'Allow' : 'Deny',
    bytes: rand(10) === 0 ? null : rand(100_000),
    packets: rand(100),
    object_id: objectIds[rand(objectIds.length)],
  }));
}

/** Lists the objects in the manifest, each with the files its rows are in (what ingest records). */
function addObjects(manifest: Manifest, rows: LakeRowInput[]): void {
  for (const id of new Set(rows.map((r) => r.object_id!))) {
    manifest.objects[`file:///obj-${id}`] = {
      id,
      uri: `file:///obj-${id}`,
      etag: null,
      size: null,
      lastModified: null,
      records: rows.filter((r) => r.object_id === id).length,
      badRecords: 0,
      badByReason: {},
      files: Object.values(manifest.files)
        .filter((f) => f.objects.includes(id))
        .map((f) => f.path),
      ingestedAt: 0,
    };
  }
}

const SELECT_ALL = LAKE_COLUMNS.map((c) => `"${c.name}"`).join(', ');

async function query(db: DuckDB, sql: string): Promise<unknown[][]> {
  return (await db.connection.runAndReadAll(sql)).getRowsJS();
}

/** Every row of the live lake as sorted JSON strings: a multiset to compare. */
async function allRows(db: DuckDB, dataDir: string, manifest: Manifest): Promise<string[]> {
  const files = Object.keys(manifest.files);
  if (files.length === 0) return [];
  const rows = await query(db, `SELECT ${SELECT_ALL}, "date", "hour" FROM ${readParquetSql(dataDir, files)}`);
  return rows.map((r) => JSON.stringify(r, (_, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))).sort();
}

/**
 * Checks that the manifest describes the files on disk exactly, that objects and files agree, and that every
 * file has all its rollups, each summing to the file's own rows (rollups.test.ts compares them group by group).
 */
async function expectConsistent(db: DuckDB, dataDir: string, manifest: Manifest): Promise<void> {
  expect(filesMissingRollups(manifest)).toEqual([]);
  for (const file of Object.values(manifest.files)) {
    const [totals] = await query(db, `SELECT count(*), coalesce(sum(packets), 0), coalesce(sum(bytes), 0) FROM ${readParquetSql(dataDir, [file.path])}`);
    for (const rollup of ROLLUPS) {
      const entry = file.rollups![rollup.name];
      const [[rows, flows, packets, bytes]] = await query(db, `SELECT count(*), sum(flows), sum(packets), sum(bytes) FROM ${readParquetSql(dataDir, [entry.path])}`);
      expect({ file: file.path, rollup: rollup.name, rows: Number(rows), totals: [flows, packets, bytes].map(Number) }).toEqual({
        file: file.path,
        rollup: rollup.name,
        rows: entry.rows,
        totals: totals.map(Number),
      });
    }
  }
  for (const file of Object.values(manifest.files)) {
    const abs = path.join(dataDir, file.path);
    const [[rows, min, max, objects]] = await query(
      db,
      `SELECT count(*), epoch_ms(min("timestamp")), epoch_ms(max("timestamp")), list(DISTINCT object_id ORDER BY object_id) FROM read_parquet([${sqlPath(abs)}])`,
    );
    expect(file.path).toMatch(new RegExp(`^flows/date=${file.date}/hour=${String(file.hour).padStart(2, '0')}/`));
    expect({ rows: Number(rows), min: Number(min), max: Number(max), objects: (objects as number[]).map(Number), bytes: (await stat(abs)).size }).toEqual({
      rows: file.rows,
      min: file.minTime,
      max: file.maxTime,
      objects: file.objects,
      bytes: file.bytes,
    });
  }
  for (const object of Object.values(manifest.objects)) {
    const holding = Object.values(manifest.files)
      .filter((f) => f.objects.includes(object.id))
      .map((f) => f.path)
      .sort();
    expect([...object.files].sort()).toEqual(holding);
  }
  const ids = new Set(Object.values(manifest.objects).map((o) => o.id));
  for (const file of Object.values(manifest.files)) for (const id of file.objects) expect(ids.has(id)).toBe(true);
}

/** Checks a file written by this module: exactly LAKE_COLUMNS in order (no date/hour), rows sorted by time. */
async function expectLakeFile(db: DuckDB, dataDir: string, rel: string): Promise<void> {
  const abs = path.join(dataDir, rel);
  expect(path.basename(rel)).toMatch(/^f-\d{8}\.parquet$/);
  const columns = await query(db, `SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet([${sqlPath(abs)}], hive_partitioning = false))`);
  expect(columns).toEqual(LAKE_COLUMNS.map((c) => [c.name, c.type]));
  const [[unsorted]] = await query(
    db,
    `SELECT count(*) FROM (SELECT "timestamp" < lag("timestamp") OVER (ORDER BY file_row_number) AS back FROM read_parquet([${sqlPath(abs)}], file_row_number = true)) WHERE back`,
  );
  expect(Number(unsorted)).toBe(0);
}

async function filesOnDisk(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const e of await readdir(path.join(dir, rel), { withFileTypes: true }).catch(() => [])) {
      const child = path.posix.join(rel, e.name);
      if (e.isDirectory()) await walk(child);
      else out.push(child);
    }
  };
  await walk('flows');
  await walk('rollups');
  return out.sort();
}

/** writeLake, then every file's rollups written and the manifest committed: a lake as ingest leaves it. */
async function rolledLake(dataDir: string, rows: readonly LakeRowInput[], options: WriteLakeOptions = {}): Promise<{ manifest: Manifest }> {
  const { manifest } = await writeLake(dataDir, rows, options);
  await writeFileRollups(db, dataDir, manifest, filesMissingRollups(manifest));
  await writeManifest(dataDir, manifest);
  return { manifest };
}

/** The paths a dropped or replaced flow file takes along: itself and its rollup files. */
const withRollups = (manifest: Manifest, paths: readonly string[]) => paths.flatMap((p) => [p, ...obsoleteRollupPaths(manifest.files[p])]).sort();

let db: DuckDB;
let root: string;
let dataDir: string;
let counter = 0;

beforeAll(async () => {
  db = await openDuckDB({ threads: 1, memoryLimit: '256MB' });
  root = await mkdtemp(path.join(os.tmpdir(), 'nf-lake-files-'));
});
afterAll(async () => {
  db.close();
  await rm(root, { recursive: true, force: true });
});
beforeEach(() => {
  // a quote in the folder name: every path must reach SQL escaped
  dataDir = path.join(root, `lake '${++counter}`);
});

describe('partition keys', () => {
  it('parses YYYY-MM-DD/HH and names the bad key otherwise', () => {
    expect(parsePartitionKey('2026-11-02/03')).toEqual({ date: '2026-11-02', hour: 3 });
    for (const bad of ['2026-11-02/24', '2026-11-02', '2026-13-45/01', "x'/01", '2026-11-02/3']) {
      expect(() => parsePartitionKey(bad)).toThrow(`partition '${bad}'`);
    }
  });
});

describe('purgeObjects', () => {
  it('drops a file that holds only purged objects and removes their manifest entries', async () => {
    const onlyOne = makeRows(120, [1], 1);
    const mixed = makeRows(300, [2, 3], 2);
    const first = await rolledLake(dataDir, onlyOne, { prefix: 'a' });
    const { manifest } = await rolledLake(dataDir, mixed, { prefix: 'b', base: first.manifest });
    addObjects(manifest, [...onlyOne, ...mixed]);
    const before = Object.keys(manifest.files).sort();
    const expectedGone = before.filter((p) => p.endsWith('/a-0.parquet'));
    const goneWithRollups = withRollups(manifest, expectedGone);

    const result = await purgeObjects(db, dataDir, manifest, [1]);

    expect(expectedGone.length).toBe(3);
    expect(goneWithRollups).toHaveLength(3 * (1 + ROLLUPS.length));
    expect(result.obsolete.sort()).toEqual(goneWithRollups);
    expect(result.rewritten).toBe(0);
    expect(result.partitions).toEqual(['2026-11-02/03', '2026-11-02/04', '2026-11-02/05']);
    expect(Object.keys(manifest.files).sort()).toEqual(before.filter((p) => !expectedGone.includes(p)));
    expect(Object.values(manifest.objects).map((o) => o.id).sort()).toEqual([2, 3]);
    await expectConsistent(db, dataDir, manifest);
    const left = await query(db, `SELECT object_id, count(*) FROM ${readParquetSql(dataDir, Object.keys(manifest.files))} GROUP BY 1 ORDER BY 1`);
    expect(left.map((r) => r.map(Number))).toEqual([2, 3].map((id) => [id, mixed.filter((r) => r.object_id === id).length]));
  });

  it('rewrites mixed files without the purged rows; the other objects keep exactly their rows', async () => {
    const rows = makeRows(900, [1, 2, 3, 4], 3);
    const { manifest } = await rolledLake(dataDir, rows, { filesPerPartition: 2 });
    addObjects(manifest, rows);
    const other = Object.values(manifest.files)[0];
    const seqBefore = manifest.nextFileSeq;
    const replaced = withRollups(manifest, Object.keys(manifest.files));

    const result = await purgeObjects(db, dataDir, manifest, [2, 4]);
    await writeManifest(dataDir, manifest);
    await deleteFiles(dataDir, result.obsolete);

    expect(result.rewritten).toBe(6);
    expect(result.obsolete.sort()).toEqual(replaced);
    // six new flow files, each with a new file per rollup
    expect(manifest.nextFileSeq).toBe(seqBefore + 6 * (1 + ROLLUPS.length));
    expect(manifest.files[other.path]).toBeUndefined();
    const reread = await readManifest(dataDir);
    expect(reread).toEqual(manifest);
    await expectConsistent(db, dataDir, reread);
    for (const file of Object.values(reread.files)) await expectLakeFile(db, dataDir, file.path);
    // an independent count of what is left, per object and per hour, against the input rows
    const left = await query(
      db,
      `SELECT object_id, hour, count(*), sum(bytes) FROM ${readParquetSql(dataDir, Object.keys(reread.files))} GROUP BY ALL ORDER BY ALL`,
    );
    const expected = new Map<string, [number, number, number, number]>();
    for (const r of rows.filter((r) => r.object_id === 1 || r.object_id === 3)) {
      const hour = new Date(r.timestamp).getUTCHours();
      const key = `${r.object_id}/${hour}`;
      const e = expected.get(key) ?? [r.object_id!, hour, 0, 0];
      e[2]++;
      e[3] += r.bytes ?? 0;
      expected.set(key, e);
    }
    expect(left.map((r) => r.map(Number))).toEqual([...expected.values()].sort((a, b) => a[0] - b[0] || a[1] - b[1]));
    expect(await filesOnDisk(dataDir)).toEqual([...livePaths(reread)].sort());
    expect(livePaths(reread).size).toBe(6 * (1 + ROLLUPS.length));
    expect(reread.objects['file:///obj-1'].files.sort()).toEqual(Object.keys(reread.files).sort());
  });

  it('does nothing for an empty list or ids the lake does not hold, and refuses ids that are not ids', async () => {
    const rows = makeRows(50, [1], 4);
    const { manifest } = await rolledLake(dataDir, rows);
    addObjects(manifest, rows);
    const copy = structuredClone(manifest);
    expect(await purgeObjects(db, dataDir, manifest, [])).toEqual({ obsolete: [], rewritten: 0, partitions: [] });
    expect(await purgeObjects(db, dataDir, manifest, [99])).toEqual({ obsolete: [], rewritten: 0, partitions: [] });
    expect(manifest).toEqual(copy);
    await expect(purgeObjects(db, dataDir, manifest, [1.5])).rejects.toThrow('object id 1.5');
    await expect(purgeObjects(db, dataDir, manifest, [-1])).rejects.toThrow('object id -1');
  });
});

describe('compactPartitions', () => {
  it('merges the small files of the given partitions into one sorted file, leaving big files and other partitions alone', async () => {
    const small = makeRows(600, [1, 2, 3], 5);
    const big = makeRows(400, [4], 6, 1);
    const first = await rolledLake(dataDir, small, { filesPerPartition: 4, prefix: 's' });
    const { manifest } = await rolledLake(dataDir, big, { prefix: 'big', base: first.manifest });
    addObjects(manifest, [...small, ...big]);
    const bigFile = Object.values(manifest.files).find((f) => f.path.includes('big-'))!;
    expect(bigFile.rows).toBe(400);
    const before = structuredClone(manifest);
    const rowsBefore = await allRows(db, dataDir, manifest);
    const untouched = partitionFiles(manifest, '2026-11-02/05');

    const result = await compactPartitions(db, dataDir, manifest, ['2026-11-02/03', '2026-11-02/04', '2026-11-02/03'], { smallFileRows: 300 });

    expect(result.merged).toBe(8);
    expect(result.written).toBe(2);
    expect(result.partitions).toEqual(['2026-11-02/03', '2026-11-02/04']);
    expect(result.obsolete.sort()).toEqual(
      withRollups(
        before,
        Object.keys(before.files).filter((p) => !p.includes('hour=05') && p.includes('/s-')),
      ),
    );
    const hour3 = partitionFiles(manifest, '2026-11-02/03');
    expect(hour3.map((f) => f.path)).toContain(bigFile.path);
    expect(manifest.files[bigFile.path]).toEqual(before.files[bigFile.path]);
    expect(hour3).toHaveLength(2);
    expect(partitionFiles(manifest, '2026-11-02/04')).toHaveLength(1);
    expect(partitionFiles(manifest, '2026-11-02/05')).toEqual(untouched);
    expect(await allRows(db, dataDir, manifest)).toEqual(rowsBefore);
    await expectConsistent(db, dataDir, manifest);
    for (const f of [...hour3, ...partitionFiles(manifest, '2026-11-02/04')]) if (f.path !== bigFile.path) await expectLakeFile(db, dataDir, f.path);
    expect(manifest.objects['file:///obj-4'].files).toEqual([bigFile.path]);
    await writeManifest(dataDir, manifest);
    await deleteFiles(dataDir, result.obsolete);
    expect(await filesOnDisk(dataDir)).toEqual([...livePaths(manifest)].sort());
  });

  it('splits a merge above targetRows into files covering disjoint time ranges, even with many equal timestamps', async () => {
    // timestamps on 7 distinct seconds only: the split points collapse onto them
    const rows = makeRows(400, [1, 2], 7, 1).map((r, i) => ({ ...r, timestamp: T0 + (i % 7) * 1000 }));
    const { manifest } = await rolledLake(dataDir, rows, { filesPerPartition: 5 });
    addObjects(manifest, rows);
    const rowsBefore = await allRows(db, dataDir, manifest);

    const result = await compactPartitions(db, dataDir, manifest, flowPartitions(manifest), { targetRows: 60 });

    const files = partitionFiles(manifest, '2026-11-02/03').sort((a, b) => a.minTime - b.minTime);
    expect(result).toMatchObject({ merged: 5, written: files.length });
    expect(result.obsolete).toHaveLength(5 * (1 + ROLLUPS.length));
    expect(files.length).toBeGreaterThan(1);
    expect(files.length).toBeLessThanOrEqual(7);
    for (let i = 1; i < files.length; i++) expect(files[i].minTime).toBeGreaterThan(files[i - 1].maxTime);
    expect(await allRows(db, dataDir, manifest)).toEqual(rowsBefore);
    await expectConsistent(db, dataDir, manifest);
  });

  it('leaves a partition with fewer than two small files alone and validates its options', async () => {
    const rows = makeRows(100, [1], 8, 1);
    const { manifest } = await writeLake(dataDir, rows);
    const copy = structuredClone(manifest);
    expect(await compactPartitions(db, dataDir, manifest, ['2026-11-02/03', '2026-11-02/09'])).toEqual({ obsolete: [], merged: 0, written: 0, partitions: [] });
    expect(manifest).toEqual(copy);
    await expect(compactPartitions(db, dataDir, manifest, ['2026-11-02/03'], { smallFileRows: 0 })).rejects.toThrow('option smallFileRows is 0');
    await expect(compactPartitions(db, dataDir, manifest, ['2026-11-02/03'], { targetRows: 2.5 })).rejects.toThrow('option targetRows is 2.5');
    await expect(compactPartitions(db, dataDir, manifest, ['yesterday'])).rejects.toThrow("partition 'yesterday'");
  });
});

describe('collectGarbage and deleteFiles', () => {
  it('deletes staging, manifest temp files and unlisted Parquet files, keeping every live file', async () => {
    const rows = makeRows(100, [1], 9);
    const { manifest } = await writeLake(dataDir, rows);
    // rollup files are live when a live flow file references them
    const rollup = 'rollups/minute/date=2026-11-02/hour=03/r-00000001.parquet';
    liveFiles(manifest)[0].rollups = { minute: { path: rollup, rows: 1 } };
    const stray = [
      'flows/date=2026-11-02/hour=03/f-00000099.parquet',
      'flows/date=2026-11-09/hour=00/f-00000100.parquet',
      'rollups/minute/date=2026-11-02/hour=03/r-00000098.parquet',
      'rollups/gone/date=2026-11-02/hour=03/r-00000097.parquet',
    ];
    for (const rel of [...stray, rollup, '.staging/flush-1/date=2026-11-02/hour=03/part_0.parquet', 'manifest.json.tmp-4242', 'flows/notes.txt']) {
      await mkdir(path.dirname(path.join(dataDir, rel)), { recursive: true });
      await writeFile(path.join(dataDir, rel), 'x');
    }

    const deleted = await collectGarbage(dataDir, manifest);

    expect(deleted).toEqual(['.staging', 'manifest.json.tmp-4242', ...stray].sort());
    expect(await filesOnDisk(dataDir)).toEqual(['flows/notes.txt', ...Object.keys(manifest.files), rollup].sort());
    // folders emptied by the sweep are gone too
    await expect(stat(path.join(dataDir, 'flows/date=2026-11-09'))).rejects.toThrow();
    await expect(stat(path.join(dataDir, 'rollups/gone'))).rejects.toThrow();
    expect(await collectGarbage(dataDir, manifest)).toEqual([]);
    expect(await collectGarbage(path.join(dataDir, 'absent'), manifest)).toEqual([]);
  });

  it('deleteFiles removes lake-relative paths, tolerates missing ones and refuses paths outside the data dir', async () => {
    const rows = makeRows(50, [1], 10, 1);
    const { manifest } = await writeLake(dataDir, rows);
    const [file] = Object.keys(manifest.files);
    await deleteFiles(dataDir, [file, 'flows/date=2026-01-01/hour=00/missing.parquet']);
    await expect(stat(path.join(dataDir, file))).rejects.toThrow();
    for (const bad of ['../outside.parquet', '/etc/passwd', 'flows/../../x', '.']) {
      await expect(deleteFiles(dataDir, [bad])).rejects.toThrow(`'${bad}' is not a path inside the data dir`);
    }
    expect(() => readParquetSql(dataDir, [])).toThrow('no files to read');
  });
});
