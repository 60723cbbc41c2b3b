/**
 * Maintenance of the lake's files: removing the rows of objects (a changed object is purged and re-ingested),
 * merging the small files that incremental ingests leave in a partition, and deleting files that a crash left
 * behind. A flow file's rollup files (rollups.ts) follow it: they become obsolete with it, and every flow file
 * written here gets its rollups before the function returns, so one manifest commit makes both live.
 *
 * Every function here follows the crash discipline of manifest.ts: new files are written under `.staging/`
 * and renamed into place, the in-memory manifest is updated, and the paths that are no longer live are
 * returned. The caller commits the manifest with writeManifest and only then deletes those paths
 * (deleteFiles). A crash before the commit leaves unlisted files, which collectGarbage removes; a crash after
 * it leaves obsolete files, which collectGarbage removes too.
 */
import { readdir, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDB } from './duckdb.js';
import { allocateFilePath, copyToLake, lakeFileSql, parsePartitionKey, partitionKey, readParquetSql } from './lake-io.js';
import type { Manifest, ManifestFile } from './manifest.js';
import { obsoleteRollupPaths, writeFileRollups } from './rollups.js';
import { LAKE_COLUMNS, LAKE_DIRS, MANIFEST_FILE } from './schema.js';

export { allocateFilePath, copyToLake, parsePartitionKey, partitionKey, readParquetSql } from './lake-io.js';

export const DEFAULT_SMALL_FILE_ROWS = 250_000;
export const DEFAULT_TARGET_ROWS = 4_000_000;

export interface PurgeResult {
  /**
   * Lake-relative paths no longer live (flow files and their rollup files): delete them (deleteFiles) after
   * committing the manifest.
   */
  obsolete: string[];
  /** Files that held other objects' rows too and were rewritten without the purged rows. */
  rewritten: number;
  /** Partition keys (`YYYY-MM-DD/HH`) whose files changed. */
  partitions: string[];
}

export interface CompactOptions {
  /** Files with fewer rows than this are merged (default 250,000). */
  smallFileRows?: number;
  /** A partition is merged only once it has at least this many small files (default 2). */
  minFiles?: number;
  /** A merge result above this many rows is split into files of about this size (default 4,000,000). */
  targetRows?: number;
}

export interface CompactResult {
  obsolete: string[];
  /** Small files merged away. */
  merged: number;
  /** Files written in their place. */
  written: number;
  /** Partition keys whose files changed (the rows did not change, the files did). */
  partitions: string[];
}

/** The live flow files of one partition, sorted by path. */
export function partitionFiles(manifest: Manifest, key: string): ManifestFile[] {
  const { date, hour } = parsePartitionKey(key);
  return Object.values(manifest.files)
    .filter((f) => f.date === date && f.hour === hour)
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The partition keys that hold live flow files, sorted. */
export function flowPartitions(manifest: Manifest): string[] {
  return [...new Set(Object.values(manifest.files).map((f) => partitionKey(f.date, f.hour)))].sort();
}

/**
 * The lake columns in LAKE_COLUMNS order, each cast to its declared type: what every rewrite selects, so the
 * files keep one schema (other engines and the writer rely on the order) and never carry `date`/`hour`.
 */
export const LAKE_SELECT = LAKE_COLUMNS.map((c) => `CAST("${c.name}" AS ${c.type}) AS "${c.name}"`).join(', ');

/** Writes `select` (lake columns) as a new flow file of partition `key` and describes it for the manifest. */
async function writeFlowFile(db: DuckDB, dataDir: string, manifest: Manifest, key: string, select: string, params: number[]): Promise<ManifestFile | null> {
  const target = allocateFilePath(manifest, LAKE_DIRS.flows, key, 'f');
  const written = await copyToLake(db, dataDir, select, params, target);
  if (!written) return null;
  const stats = await db.connection.runAndReadAll(
    `SELECT epoch_ms(min("timestamp")), epoch_ms(max("timestamp")), list(DISTINCT object_id ORDER BY object_id) FILTER (WHERE object_id IS NOT NULL)
     FROM read_parquet([${lakeFileSql(dataDir, target)}])`,
  );
  const [min, max, objects] = stats.getRowsJS()[0] as [bigint | null, bigint | null, number[] | null];
  const { date, hour } = parsePartitionKey(key);
  return {
    path: target,
    date,
    hour,
    rows: written.rows,
    bytes: written.bytes,
    minTime: Number(min ?? 0),
    maxTime: Number(max ?? 0),
    objects: (objects ?? []).map(Number),
  };
}

/**
 * Replaces files in the manifest: drops `removed`, adds `added`, and keeps every object's `files` list in step
 * (removed paths leave every list; an added path joins the lists of the objects with rows in it).
 */
function replaceFiles(manifest: Manifest, removed: readonly string[], added: readonly ManifestFile[]): void {
  const gone = new Set(removed);
  for (const p of removed) delete manifest.files[p];
  const byId = new Map(Object.values(manifest.objects).map((o) => [o.id, o]));
  for (const object of byId.values()) {
    if (object.files.some((p) => gone.has(p))) object.files = object.files.filter((p) => !gone.has(p));
  }
  for (const file of added) {
    manifest.files[file.path] = file;
    for (const id of file.objects) {
      const object = byId.get(id);
      if (object && !object.files.includes(file.path)) object.files.push(file.path);
    }
  }
}

function checkObjectIds(objectIds: readonly number[]): Set<number> {
  for (const id of objectIds) {
    if (!Number.isSafeInteger(id) || id < 0) {
      throw new Error(`purgeObjects: object id ${String(id)} is not a non-negative integer; pass the manifest's ManifestObject.id values`);
    }
  }
  return new Set(objectIds);
}

/**
 * Removes every row of the given objects from the lake and their entries from `manifest.objects`. Files that
 * hold only those objects are dropped; files that mix them with others are rewritten without their rows (a
 * new file in the same partition, still sorted by time).
 */
export async function purgeObjects(db: DuckDB, dataDir: string, manifest: Manifest, objectIds: readonly number[]): Promise<PurgeResult> {
  const ids = checkObjectIds(objectIds);
  const obsolete: string[] = [];
  const added: ManifestFile[] = [];
  const partitions = new Set<string>();
  let rewritten = 0;
  if (ids.size > 0) {
    const files = Object.values(manifest.files).sort((a, b) => (a.path < b.path ? -1 : 1));
    for (const file of files) {
      const hit = file.objects.filter((id) => ids.has(id));
      if (hit.length === 0) continue;
      const key = partitionKey(file.date, file.hour);
      partitions.add(key);
      obsolete.push(file.path, ...obsoleteRollupPaths(file));
      if (hit.length === file.objects.length) continue;
      const placeholders = hit.map((_, i) => `$${i + 1}`).join(', ');
      const select =
        `SELECT ${LAKE_SELECT} FROM ${readParquetSql(dataDir, [file.path])} ` +
        `WHERE object_id IS NULL OR object_id NOT IN (${placeholders}) ORDER BY "timestamp"`;
      const replacement = await writeFlowFile(db, dataDir, manifest, key, select, hit);
      if (replacement) added.push(replacement);
      rewritten++;
    }
  }
  await writeFileRollups(db, dataDir, manifest, added);
  replaceFiles(manifest, obsolete, added);
  for (const [uri, object] of Object.entries(manifest.objects)) {
    if (ids.has(object.id)) delete manifest.objects[uri];
  }
  return { obsolete, rewritten, partitions: [...partitions].sort() };
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new Error(`compactPartitions: option ${name} is ${String(value)}; pass a positive integer number of rows`);
  }
  return value;
}

/** Partitions holding at least `minFiles` files smaller than `smallFileRows`: what compactPartitions would merge. */
export function partitionsToCompact(manifest: Manifest, options: CompactOptions = {}): string[] {
  const smallFileRows = positiveInteger('smallFileRows', options.smallFileRows, DEFAULT_SMALL_FILE_ROWS);
  const minFiles = Math.max(2, positiveInteger('minFiles', options.minFiles, 2));
  const small = new Map<string, number>();
  for (const f of Object.values(manifest.files)) {
    if (f.rows < smallFileRows) small.set(partitionKey(f.date, f.hour), (small.get(partitionKey(f.date, f.hour)) ?? 0) + 1);
  }
  return [...small].filter(([, n]) => n >= minFiles).map(([key]) => key).sort();
}

/**
 * Merges, in each given partition, the files smaller than `smallFileRows` (when there are at least `minFiles`) into
 * one file sorted by time — or several of about `targetRows` rows each, split at time quantiles so that each
 * file covers its own time range. Larger files are left alone.
 */
export async function compactPartitions(
  db: DuckDB,
  dataDir: string,
  manifest: Manifest,
  partitions: Iterable<string>,
  options: CompactOptions = {},
): Promise<CompactResult> {
  const smallFileRows = positiveInteger('smallFileRows', options.smallFileRows, DEFAULT_SMALL_FILE_ROWS);
  const targetRows = positiveInteger('targetRows', options.targetRows, DEFAULT_TARGET_ROWS);
  const minFiles = Math.max(2, positiveInteger('minFiles', options.minFiles, 2));
  const result: CompactResult = { obsolete: [], merged: 0, written: 0, partitions: [] };
  for (const key of [...new Set(partitions)].sort()) {
    const small = partitionFiles(manifest, key).filter((f) => f.rows < smallFileRows);
    if (small.length < minFiles) continue;
    const source = readParquetSql(
      dataDir,
      small.map((f) => f.path),
    );
    const totalRows = small.reduce((n, f) => n + f.rows, 0);
    const added: ManifestFile[] = [];
    for (const range of await timeRanges(db, source, Math.ceil(totalRows / targetRows))) {
      const select = `SELECT ${LAKE_SELECT} FROM ${source} WHERE ${range.where} ORDER BY "timestamp"`;
      const file = await writeFlowFile(db, dataDir, manifest, key, select, range.params);
      if (file) added.push(file);
    }
    await writeFileRollups(db, dataDir, manifest, added);
    const paths = small.map((f) => f.path);
    replaceFiles(manifest, paths, added);
    result.obsolete.push(...paths, ...small.flatMap(obsoleteRollupPaths));
    result.merged += small.length;
    result.written += added.length;
    result.partitions.push(key);
  }
  return result;
}

/** `chunks` disjoint predicates over `timestamp` that together cover every row (rows without a time in the first). */
async function timeRanges(db: DuckDB, source: string, chunks: number): Promise<{ where: string; params: number[] }[]> {
  if (chunks <= 1) return [{ where: 'TRUE', params: [] }];
  const fractions = Array.from({ length: chunks - 1 }, (_, i) => (i + 1) / chunks);
  const result = await db.connection.runAndReadAll(`SELECT quantile_disc(epoch_us("timestamp"), [${fractions.join(', ')}]) FROM ${source}`);
  const cuts = [...new Set((result.getRowsJS()[0][0] as bigint[]).map(Number))].sort((a, b) => a - b);
  const ranges: { where: string; params: number[] }[] = [];
  for (let i = 0; i <= cuts.length; i++) {
    const conditions: string[] = [];
    const params: number[] = [];
    if (i > 0) {
      params.push(cuts[i - 1]);
      conditions.push(`epoch_us("timestamp") >= $${params.length}`);
    }
    if (i < cuts.length) {
      params.push(cuts[i]);
      conditions.push(`epoch_us("timestamp") < $${params.length}`);
    }
    const where = conditions.join(' AND ');
    ranges.push({ where: i === 0 ? `("timestamp" IS NULL OR ${where})` : where, params });
  }
  return ranges;
}

/** Every path the manifest keeps live: its flow files and the rollup files they reference. */
export function livePaths(manifest: Manifest): Set<string> {
  const live = new Set<string>();
  for (const file of Object.values(manifest.files)) {
    live.add(file.path);
    for (const rollup of Object.values(file.rollups ?? {})) live.add(rollup.path);
  }
  return live;
}

/**
 * Deletes what a crash left: `.staging/`, a manifest temp file, and every `.parquet` under flows/ and rollups/
 * that the manifest does not list (written before a commit that never happened, or made obsolete by a commit
 * whose deletions never ran), then the folders left empty. A rollup file is listed when a live flow file's
 * `rollups` references it. Returns the lake-relative paths deleted.
 */
export async function collectGarbage(dataDir: string, manifest: Manifest): Promise<string[]> {
  const deleted: string[] = [];
  const live = livePaths(manifest);
  const top = await listDir(dataDir);
  if (top.some((e) => e.name === LAKE_DIRS.staging)) {
    const staging = path.join(dataDir, LAKE_DIRS.staging);
    // an empty staging folder is what every successful write leaves: removed, but not worth reporting
    if ((await listDir(staging)).length > 0) deleted.push(LAKE_DIRS.staging);
    await rm(staging, { recursive: true, force: true });
  }
  for (const entry of top) {
    if (entry.isFile() && entry.name.startsWith(`${MANIFEST_FILE}.tmp-`)) {
      await rm(path.join(dataDir, entry.name), { force: true });
      deleted.push(entry.name);
    }
  }
  for (const table of [LAKE_DIRS.flows, LAKE_DIRS.rollups]) {
    await sweep(dataDir, table, live, deleted);
  }
  return deleted.sort();
}

/** Deletes unlisted Parquet files under `rel` (lake-relative folder); returns whether the folder is now empty. */
async function sweep(dataDir: string, rel: string, live: ReadonlySet<string>, deleted: string[]): Promise<boolean> {
  const entries = await listDir(path.join(dataDir, rel));
  let remaining = entries.length;
  for (const entry of entries) {
    const child = path.posix.join(rel, entry.name);
    if (entry.isDirectory()) {
      if (await sweep(dataDir, child, live, deleted)) {
        await rmdir(path.join(dataDir, child)).catch(() => undefined);
        remaining--;
      }
    } else if (entry.name.endsWith('.parquet') && !live.has(child)) {
      await rm(path.join(dataDir, child), { force: true });
      deleted.push(child);
      remaining--;
    }
  }
  return remaining === 0;
}

async function listDir(dir: string) {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/**
 * Deletes lake-relative paths (the `obsolete` lists above, after the manifest commit). Missing files are not
 * an error (a rerun after a crash may delete them again); a path that leaves the data dir is refused.
 */
export async function deleteFiles(dataDir: string, paths: readonly string[]): Promise<void> {
  for (const rel of paths) {
    const normalized = path.posix.normalize(rel);
    if (path.isAbsolute(rel) || normalized === '..' || normalized.startsWith('../') || normalized === '.') {
      throw new Error(`deleteFiles: '${rel}' is not a path inside the data dir ${dataDir}; pass lake-relative paths such as 'flows/date=…/hour=…/f-….parquet'`);
    }
  }
  for (const rel of paths) await rm(path.join(dataDir, rel), { force: true });
}
