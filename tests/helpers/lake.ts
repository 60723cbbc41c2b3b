/**
 * Builds a small Parquet lake for store tests without the ingest pipeline: rows are appended to a DuckDB
 * table with exactly LAKE_COLUMNS, copied to `flows/date=…/hour=HH/…parquet` (zstd) per partition, and
 * listed in a manifest written with writeManifest.
 */
import { timestampValue, type DuckDBAppender } from '@duckdb/node-api';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseIPv4 } from '../../src/model/ipv4.js';
import { openDuckDB } from '../../src/store/duckdb.js';
import type { FlowRow } from '../../src/store/flow-store.js';
import { emptyManifest, writeManifest, type Manifest, type ManifestFile } from '../../src/store/manifest.js';
import { LAKE_COLUMNS, LAKE_DIRS } from '../../src/store/schema.js';

/** A row to write: `timestamp` is required, every other lake column defaults to null (IPv4 numbers are derived). */
export type LakeRowInput = { timestamp: number } & Partial<Omit<FlowRow, 'timestamp' | 'date' | 'hour'>>;

export interface WriteLakeOptions {
  /** Split each partition's rows round-robin over this many files (default 1). */
  filesPerPartition?: number;
  /** Start from this manifest instead of an empty one (its files stay listed). */
  base?: Manifest;
  /** File name prefix, so several calls can add files to one lake. */
  prefix?: string;
}

export interface WrittenLake {
  manifest: Manifest;
  /** The rows as the store should return them. */
  rows: FlowRow[];
  /** Absolute paths of the Parquet files written by this call. */
  files: string[];
}

export async function writeLake(dataDir: string, input: readonly LakeRowInput[], options: WriteLakeOptions = {}): Promise<WrittenLake> {
  const perPartition = options.filesPerPartition ?? 1;
  const prefix = options.prefix ?? 'part';
  const rows = input.map(completeRow);
  const manifest: Manifest = options.base ? structuredClone(options.base) : emptyManifest();
  const db = await openDuckDB({ threads: 1, memoryLimit: '256MB' });
  const files: string[] = [];
  try {
    const columns = LAKE_COLUMNS.map((c) => `"${c.name}" ${c.type}`).join(', ');
    await db.connection.run(`CREATE TABLE t (${columns}, file_key VARCHAR)`);
    const groups = new Map<string, FlowRow[]>();
    rows.forEach((row, i) => {
      const key = `${row.date}/${String(row.hour).padStart(2, '0')}/${i % perPartition}`;
      groups.set(key, [...(groups.get(key) ?? []), row]);
    });
    const appender = await db.connection.createAppender('t');
    for (const [key, group] of groups) for (const row of group) appendRow(appender, row, key);
    appender.closeSync();

    for (const [key, group] of groups) {
      const [date, hour, index] = key.split('/');
      const relative = `${LAKE_DIRS.flows}/date=${date}/hour=${hour}/${prefix}-${index}.parquet`;
      const absolute = path.join(dataDir, relative);
      await mkdir(path.dirname(absolute), { recursive: true });
      const select = `SELECT ${LAKE_COLUMNS.map((c) => `"${c.name}"`).join(', ')} FROM t WHERE file_key = '${key}' ORDER BY "timestamp"`;
      await db.connection.run(`COPY (${select}) TO '${absolute.replace(/'/g, "''")}' (FORMAT parquet, COMPRESSION zstd)`);
      const times = group.map((r) => r.timestamp);
      const file: ManifestFile = {
        path: relative,
        date,
        hour: Number(hour),
        rows: group.length,
        bytes: (await stat(absolute)).size,
        minTime: Math.min(...times),
        maxTime: Math.max(...times),
        objects: [...new Set(group.map((r) => r.object_id ?? 0))].sort((a, b) => a - b),
      };
      manifest.files[relative] = file;
      files.push(absolute);
    }
  } finally {
    db.close();
  }
  await writeManifest(dataDir, manifest);
  return { manifest, rows, files };
}

function completeRow(input: LakeRowInput): FlowRow {
  const row = Object.fromEntries(LAKE_COLUMNS.map((c) => [c.name, null])) as unknown as FlowRow;
  Object.assign(row, input);
  const v4 = (ip: string | null) => (ip === null || parseIPv4(ip) === -1 ? null : parseIPv4(ip));
  if (input.src_ipv4 === undefined) row.src_ipv4 = v4(row.src_ip);
  if (input.dst_ipv4 === undefined) row.dst_ipv4 = v4(row.dst_ip);
  const iso = new Date(row.timestamp).toISOString();
  row.date = iso.slice(0, 10);
  row.hour = Number(iso.slice(11, 13));
  return row;
}

function appendRow(appender: DuckDBAppender, row: FlowRow, fileKey: string): void {
  const record = row as unknown as Record<string, string | number | null>;
  for (const column of LAKE_COLUMNS) {
    const value = record[column.name];
    if (value === null || value === undefined) {
      appender.appendNull();
      continue;
    }
    switch (column.type) {
      case 'TIMESTAMP':
        appender.appendTimestamp(timestampValue(BigInt(value) * 1000n));
        break;
      case 'VARCHAR':
        appender.appendVarchar(String(value));
        break;
      case 'INTEGER':
        appender.appendInteger(Number(value));
        break;
      case 'BIGINT':
        appender.appendBigInt(BigInt(value));
        break;
    }
  }
  appender.appendVarchar(fileKey);
  appender.endRow();
}
