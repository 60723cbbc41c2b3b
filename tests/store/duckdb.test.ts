/** The embedded DuckDB: limits applied, and a spill folder of its own per instance, removed at close. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDuckDB } from '../../src/store/duckdb.js';

async function setting(db: Awaited<ReturnType<typeof openDuckDB>>, name: string): Promise<string> {
  const reader = await db.connection.runAndReadAll(`SELECT current_setting('${name}') AS v`);
  return String(reader.getRowObjects()[0].v);
}

describe('openDuckDB', () => {
  it('gives each instance its own spill folder and removes it at close', async () => {
    const a = await openDuckDB({ threads: 1, memoryLimit: '64MB' });
    const b = await openDuckDB({ threads: 1 });
    const dirA = await setting(a, 'temp_directory');
    const dirB = await setting(b, 'temp_directory');
    expect(dirA).not.toBe(dirB);
    expect(path.dirname(dirA)).toBe(os.tmpdir());
    expect(path.basename(dirA)).toMatch(/^networkflow-duckdb-/);
    expect(existsSync(dirA)).toBe(true);
    expect(await setting(a, 'threads')).toBe('1');
    expect(await setting(a, 'memory_limit')).toMatch(/^6\d(\.\d+)? MiB$/);
    // a query larger than the memory limit spills there and still answers
    const reader = await a.connection.runAndReadAll('SELECT count(DISTINCT i) AS n FROM range(5000000) t(i)');
    expect(Number(reader.getRowObjects()[0].n)).toBe(5_000_000);
    a.close();
    b.close();
    expect(existsSync(dirA)).toBe(false);
    expect(existsSync(dirB)).toBe(false);
  });

  it('uses a given temp folder and leaves it in place', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nf-duck-given-'));
    try {
      const db = await openDuckDB({ tempDirectory: dir });
      expect(await setting(db, 'temp_directory')).toBe(dir);
      db.close();
      expect(existsSync(dir)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
