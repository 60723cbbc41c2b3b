// Checks that an ingested data dir is queryable and complete: DuckDB reads the Parquet files the
// manifest lists (the live ones) with Hive partitioning, and the row count must equal the flows generated.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { filesUnder } from './ingest-data.mjs';

const sqlString = (s) => `'${s.replaceAll("'", "''")}'`;

/** Resolves to { rows, files, partitions, strayFiles, complete, problem? }. */
export async function checkLake(dataDir, expectedRows) {
  const manifest = JSON.parse(readFileSync(path.join(dataDir, 'manifest.json'), 'utf8'));
  const live = Object.keys(manifest.files ?? {}).filter((f) => f.startsWith('flows/'));
  const onDisk = filesUnder(path.join(dataDir, 'flows'), '.parquet').map((f) => path.relative(dataDir, f).split(path.sep).join('/'));
  const liveSet = new Set(live);
  // Files a folder-listing engine would also see; a finished, uncrashed ingest should leave none.
  const strayFiles = onDisk.filter((f) => !liveSet.has(f)).length;
  if (live.length === 0) return { rows: 0, files: 0, partitions: 0, strayFiles, complete: expectedRows === 0, problem: 'manifest lists no flows files' };

  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const list = `[${live.map((f) => sqlString(path.join(dataDir, f))).join(', ')}]`;
    const reader = await connection.runAndReadAll(
      `SELECT count(*)::BIGINT AS n, count(DISTINCT (date, hour))::BIGINT AS partitions FROM read_parquet(${list}, hive_partitioning = true)`,
    );
    const [{ n, partitions }] = reader.getRowObjectsJS();
    const rows = Number(n);
    return {
      rows,
      files: live.length,
      partitions: Number(partitions),
      strayFiles,
      complete: rows === expectedRows,
      problem: rows === expectedRows ? undefined : `lake has ${rows} rows, ${expectedRows} flows were generated`,
    };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
