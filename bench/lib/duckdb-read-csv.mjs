// Child process of bench/ingest.mjs: DuckDB's own read of already-unzipped CSV into a table, in a fresh
// in-memory instance with default settings (all cores, default memory limit).
//   node bench/lib/duckdb-read-csv.mjs <folder>  → prints {"rows": n, "seconds": s} (the CREATE TABLE only)
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const dir = process.argv[2];
if (!dir) throw new Error('usage: node bench/lib/duckdb-read-csv.mjs <folder of unzipped CSV>');
const glob = path.join(dir, '**', '*.csv').replaceAll("'", "''");

const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
const t0 = process.hrtime.bigint();
await connection.run(`CREATE TABLE t AS SELECT * FROM read_csv('${glob}')`);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const reader = await connection.runAndReadAll('SELECT count(*)::BIGINT AS n FROM t');
const rows = Number(reader.getRowObjectsJS()[0].n);
connection.closeSync();
instance.closeSync();
process.stdout.write(JSON.stringify({ rows, seconds }));
