/**
 * One place that opens the embedded DuckDB: an in-memory database (the lake is the Parquet files; DuckDB
 * holds no state of its own), with bounded memory and threads so that ingest and queries stay within the
 * machine's budget, spilling to a temp folder rather than growing.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface DuckDBOptions {
  /** Worker threads of DuckDB (default: the machine's cores). */
  threads?: number;
  /** e.g. `512MB`; DuckDB spills above it (default 512MB). */
  memoryLimit?: string;
  /** Where DuckDB may spill (default: a folder of its own under the OS temp folder, removed at close). */
  tempDirectory?: string;
}

export interface DuckDB {
  instance: DuckDBInstance;
  connection: DuckDBConnection;
  close(): void;
}

export async function openDuckDB(options: DuckDBOptions = {}): Promise<DuckDB> {
  // DuckDB names its spill files the same in every process (duckdb_temp_storage_*.tmp): processes sharing one
  // temp folder overwrite each other's spills ("Corrupt temporary file"). Each instance gets its own folder.
  const ownTemp = options.tempDirectory === undefined ? mkdtempSync(path.join(os.tmpdir(), 'networkflow-duckdb-')) : undefined;
  const instance = await DuckDBInstance.create(':memory:', {
    threads: String(options.threads ?? Math.max(1, os.availableParallelism())),
    memory_limit: options.memoryLimit ?? '512MB',
    temp_directory: options.tempDirectory ?? (ownTemp as string),
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
      if (ownTemp) rmSync(ownTemp, { recursive: true, force: true });
    },
  };
}
