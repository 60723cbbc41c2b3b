/**
 * The lowest layer of lake file handling, shared by maintenance (lake-files.ts) and rollups (rollups.ts):
 * partition keys, SQL that reads an exact list of files, and the one way a new file enters the lake —
 * written under `.staging/`, renamed into place, its folder synced (see manifest.ts for the crash discipline).
 *
 * It sits below both so that neither has to import the other's helpers (the import graph has no cycles).
 */
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDB } from './duckdb.js';
import { syncDir, type Manifest } from './manifest.js';
import { LAKE_DIRS } from './schema.js';
import { sqlPath } from './sql.js';

const PARTITION_KEY = /^(\d{4}-\d{2}-\d{2})\/(\d{2})$/;

/** `YYYY-MM-DD/HH`: how partitions are named in these modules' arguments and results. */
export function partitionKey(date: string, hour: number): string {
  return `${date}/${String(hour).padStart(2, '0')}`;
}

/** Splits a partition key; throws naming the key when it is not `YYYY-MM-DD/HH` with an hour 00–23. */
export function parsePartitionKey(key: string): { date: string; hour: number } {
  const m = PARTITION_KEY.exec(key);
  const hour = m ? Number(m[2]) : NaN;
  if (!m || hour > 23 || Number.isNaN(Date.parse(`${m[1]}T00:00:00Z`))) {
    throw new Error(`partition '${key}' is not a partition key; pass 'YYYY-MM-DD/HH' with an hour from 00 to 23, e.g. '2026-11-02/03'`);
  }
  return { date: m[1], hour };
}

/** `read_parquet([...exact files...], hive_partitioning = true)` over lake-relative paths (never a glob). */
export function readParquetSql(dataDir: string, paths: readonly string[]): string {
  if (paths.length === 0) throw new Error('readParquetSql: no files to read; callers must skip empty partitions');
  return `read_parquet([${paths.map((p) => sqlPath(path.join(dataDir, p))).join(', ')}], hive_partitioning = true)`;
}

/** A new, never-used lake-relative path in a partition folder of `table` (`flows` or `rollups/<name>`). */
export function allocateFilePath(manifest: Manifest, table: string, key: string, prefix: 'f' | 'r'): string {
  const { date, hour } = parsePartitionKey(key);
  const seq = manifest.nextFileSeq++;
  return path.posix.join(table, `date=${date}`, `hour=${String(hour).padStart(2, '0')}`, `${prefix}-${String(seq).padStart(8, '0')}.parquet`);
}

/**
 * Runs `COPY (select) TO <staging file>` (zstd Parquet) and renames the result to `target` (lake-relative).
 * Returns false, leaving nothing behind, when the select produced no rows.
 */
export async function copyToLake(db: DuckDB, dataDir: string, select: string, params: number[], target: string): Promise<{ rows: number; bytes: number } | false> {
  const stagingDir = path.join(dataDir, LAKE_DIRS.staging);
  await mkdir(stagingDir, { recursive: true });
  const staged = path.join(stagingDir, `${process.pid}-${path.posix.basename(target)}`);
  try {
    // COPY answers with the number of rows it wrote
    const copied = await db.connection.runAndReadAll(`COPY (${select}) TO ${sqlPath(staged)} (FORMAT parquet, COMPRESSION zstd)`, params);
    const rows = Number(copied.getRows()[0][0]);
    if (rows === 0) return false;
    const absolute = path.join(dataDir, target);
    await mkdir(path.dirname(absolute), { recursive: true });
    await rename(staged, absolute);
    await syncDir(path.dirname(absolute));
    return { rows, bytes: (await stat(absolute)).size };
  } finally {
    await rm(staged, { force: true });
  }
}

/** The SQL literal of one lake file (for queries over a single file's metadata or rows). */
export function lakeFileSql(dataDir: string, rel: string): string {
  return sqlPath(path.join(dataDir, rel));
}
