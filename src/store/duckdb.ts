/**
 * One place that opens the embedded DuckDB: an in-memory database (the lake is the Parquet files; DuckDB
 * holds no state of its own), with bounded memory and threads so that ingest and queries stay within the
 * machine's budget, spilling to a temp folder rather than growing.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import os from 'node:os';

export interface DuckDBOptions {
  /** Worker threads of DuckDB (default: the machine's cores). */
  threads?: number;
  /** e.g. `512MB`; DuckDB spills above it (default 512MB). */
  memoryLimit?: string;
  /** Where DuckDB may spill (default: the OS temp folder). */
  tempDirectory?: string;
}

export interface DuckDB {
  instance: DuckDBInstance;
  connection: DuckDBConnection;
  close(): void;
}

export async function openDuckDB(options: DuckDBOptions = {}): Promise<DuckDB> {
  const instance = await DuckDBInstance.create(':memory:', {
    threads: String(options.threads ?? Math.max(1, os.availableParallelism())),
    memory_limit: options.memoryLimit ?? '512MB',
    temp_directory: options.tempDirectory ?? os.tmpdir(),
    // results in insertion order are not needed by any query of ours; letting DuckDB reorder saves memory
    preserve_insertion_order: 'false',
    // the lake is local files; never reach for the network to autoload an extension
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  const connection = await instance.connect();
  return {
    instance,
    connection,
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
