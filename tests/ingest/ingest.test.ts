/**
 * ingest(): generated flow logs → the Parquet lake, checked against `parseInputs` over the same folder
 * (an independent path through the same parsers): same records, same per-hour sums; reruns skip what is
 * unchanged, replace exactly a changed object's rows, retry failed objects; one writer per data dir.
 */
import { copyFile, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFlowLogs, localObjectWriter } from '../../src/generate/index.js';
import { ingest, type IngestProgress } from '../../src/ingest/ingest.js';
import { parseInputs } from '../../src/ingest/parse-inputs.js';
import type { FlowRecord } from '../../src/model/index.js';
import { openDuckDB, type DuckDB } from '../../src/store/duckdb.js';
import { sqlPath } from '../../src/store/sql.js';
import { readManifest, writeManifest } from '../../src/store/manifest.js';
import { ROLLUPS } from '../../src/store/rollups.js';
import { listFiles } from '../generate/helpers.js';

let root: string;
let csvDir: string;
let awsDir: string;
let db: DuckDB;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'nf-ingest-'));
  csvDir = path.join(root, 'csv');
  awsDir = path.join(root, 'aws');
  await generateFlowLogs(localObjectWriter(csvDir), { format: 'csv-zip', hours: 3, start: '2026-11-02T00:00:00Z', seed: 11, flowsPerHour: 4000 });
  await generateFlowLogs(localObjectWriter(awsDir), { format: 'aws-vpc', hours: 2, start: '2026-11-02T00:00:00Z', seed: 12, flowsPerHour: 3000 });
  db = await openDuckDB({ threads: 2, memoryLimit: '256MB' });
}, 120_000);

afterAll(async () => {
  db?.close();
  await rm(root, { recursive: true, force: true });
});

/** Per (date, hour): flows, bytes, packets — from records. */
function hourly(records: FlowRecord[]): Record<string, [number, number, number]> {
  const out: Record<string, [number, number, number]> = {};
  for (const r of records) {
    const d = new Date(r.timestamp!);
    const key = `${d.toISOString().slice(0, 10)}/${d.getUTCHours()}`;
    const v = (out[key] ??= [0, 0, 0]);
    v[0]++;
    v[1] += r.bytes;
    v[2] += r.packets;
  }
  return out;
}

async function parsed(dir: string): Promise<FlowRecord[]> {
  const records: FlowRecord[] = [];
  await parseInputs([dir], {}, { onRecords: (batch) => void records.push(...batch) });
  return records;
}

/** The live rows of a data dir (manifest-listed files only), per hour. */
async function lakeHourly(dataDir: string): Promise<Record<string, [number, number, number]>> {
  const m = await readManifest(dataDir);
  const files = Object.keys(m.files).map((f) => sqlPath(path.join(dataDir, f)));
  if (files.length === 0) return {};
  const rows = (
    await db.connection.runAndReadAll(
      `SELECT strftime(date, '%Y-%m-%d') || '/' || hour, count(*), CAST(sum(bytes) AS DOUBLE), CAST(sum(packets) AS DOUBLE) FROM read_parquet([${files.join(', ')}], hive_partitioning = true, hive_types = {'date': DATE, 'hour': INTEGER}) GROUP BY ALL`,
    )
  ).getRows();
  return Object.fromEntries(rows.map(([k, n, b, p]) => [k as string, [Number(n), Number(b), Number(p)]]));
}

async function lakeScalar(dataDir: string, sql: string): Promise<unknown[]> {
  const m = await readManifest(dataDir);
  const files = Object.keys(m.files).map((f) => sqlPath(path.join(dataDir, f)));
  return (await db.connection.runAndReadAll(sql.replace('{{flows}}', `read_parquet([${files.join(', ')}], hive_partitioning = true, hive_types = {'date': DATE, 'hour': INTEGER})`))).getRows()[0];
}

describe('ingest', () => {
  it('writes every record of every object, in workers, with the same per-hour sums as parsing', { timeout: 120_000 }, async () => {
    const dataDir = path.join(root, 'data-workers');
    const phases: IngestProgress['phase'][] = [];
    const s = await ingest({ source: csvDir, dataDir, concurrency: 2, flushRows: 800, batchRows: 256, onProgress: (p) => void (phases.at(-1) !== p.phase && phases.push(p.phase)) });
    const records = await parsed(csvDir);
    expect(s.records).toBe(records.length);
    expect(s.objectsIngested).toBe(4); // truth.json included: read, not a flow log, 0 records
    expect(s.failures).toEqual([]);
    expect(s.warningsByReason['unknown-format']).toBe(1); // truth.json beside the data
    expect(await lakeHourly(dataDir)).toEqual(hourly(records));
    expect(phases).toEqual(['listing', 'ingesting', 'compacting', 'done']);
    const m = await readManifest(dataDir);
    expect(Object.values(m.objects).every((o) => !o.partial && !o.failed)).toBe(true);
    // ~15 small flushes per hour were compacted: fewer than 4 (COMPACT_MIN_FILES) small files left per hour
    const perHour = new Map<string, number>();
    for (const f of Object.values(m.files)) perHour.set(`${f.date}/${f.hour}`, (perHour.get(`${f.date}/${f.hour}`) ?? 0) + 1);
    expect(perHour.size).toBe(3);
    for (const n of perHour.values()) expect(n).toBeLessThan(4);
    expect(s.filesRemoved).toBeGreaterThan(0);
    // every live file carries its rollups, and they agree with the raw rows
    for (const f of Object.values(m.files)) expect(Object.keys(f.rollups ?? {}).sort()).toEqual(ROLLUPS.map((r) => r.name).sort());
    const rollupPaths = Object.values(m.files).map((f) => sqlPath(path.join(dataDir, f.rollups!.hour.path)));
    const [rolled] = (await db.connection.runAndReadAll(`SELECT CAST(sum(flows) AS DOUBLE), CAST(sum(bytes) AS DOUBLE) FROM read_parquet([${rollupPaths.join(', ')}])`)).getRows();
    expect(rolled.map(Number)).toEqual([records.length, records.reduce((n, r) => n + r.bytes, 0)]);
    expect(listFiles(dataDir).filter((f) => f.startsWith('.staging'))).toEqual([]);
  });

  it('gives the same lake in this thread (concurrency 0) as with workers, for AWS logs too', { timeout: 120_000 }, async () => {
    const a = await ingest({ source: awsDir, dataDir: path.join(root, 'aws-0'), concurrency: 0 });
    const b = await ingest({ source: awsDir, dataDir: path.join(root, 'aws-2'), concurrency: 2, flushRows: 2000 });
    expect(a.records).toBe(b.records);
    expect(a.records).toBe((await parsed(awsDir)).length);
    expect(await lakeHourly(path.join(root, 'aws-0'))).toEqual(await lakeHourly(path.join(root, 'aws-2')));
    // the numeric IPv4 columns match the text ones
    const [mismatches] = await lakeScalar(
      path.join(root, 'aws-0'),
      `SELECT count(*) FILTER (WHERE src_ipv4 IS DISTINCT FROM (CASE WHEN src_ip LIKE '%.%' THEN (string_split(src_ip, '.')[1]::UBIGINT << 24) + (string_split(src_ip, '.')[2]::UBIGINT << 16) + (string_split(src_ip, '.')[3]::UBIGINT << 8) + string_split(src_ip, '.')[4]::UBIGINT END)) FROM {{flows}}`,
    );
    expect(Number(mismatches)).toBe(0);
  });

  it('flushes on the text budget before the row count: long distinct values (GCP attributes) in small flushes, same lake', { timeout: 120_000 }, async () => {
    const gcpDir = path.join(root, 'gcp');
    await generateFlowLogs(localObjectWriter(gcpDir), { format: 'gcp-vpc', hours: 2, start: '2026-11-02T00:00:00Z', seed: 13, flowsPerHour: 1500 });
    const whole = await ingest({ source: gcpDir, dataDir: path.join(root, 'gcp-a'), concurrency: 0 });
    const budget = await ingest({ source: gcpDir, dataDir: path.join(root, 'gcp-b'), concurrency: 0, flushTextChars: 200_000 });
    expect(budget.records).toBe(whole.records);
    // ~700 characters of attributes per entry: a 200k budget flushes every few hundred rows (compaction then merges)
    expect(budget.filesWritten).toBeGreaterThan(whole.filesWritten);
    expect(await lakeHourly(path.join(root, 'gcp-b'))).toEqual(await lakeHourly(path.join(root, 'gcp-a')));
  });

  it('a rerun with nothing new reads nothing and changes nothing', { timeout: 60_000 }, async () => {
    const dataDir = path.join(root, 'data-workers');
    const before = await readFile(path.join(dataDir, 'manifest.json'), 'utf8');
    const s = await ingest({ source: csvDir, dataDir });
    expect(s.objectsUnchanged).toBe(4);
    expect(s.objectsIngested).toBe(0);
    expect(s.records).toBe(0);
    expect(s.filesWritten).toBe(0);
    expect(await readFile(path.join(dataDir, 'manifest.json'), 'utf8')).toBe(before);
  });

  it('a changed object replaces exactly its rows; a new object adds its own', { timeout: 120_000 }, async () => {
    const src = path.join(root, 'changing');
    await generateFlowLogs(localObjectWriter(src), { format: 'csv-zip', hours: 3, start: '2026-11-02T00:00:00Z', seed: 21, flowsPerHour: 2000 });
    const dataDir = path.join(root, 'data-changing');
    await ingest({ source: src, dataDir, concurrency: 0 });
    // hour 01 is rewritten with other content (another seed), and a fourth hour appears
    const other = path.join(root, 'other');
    await generateFlowLogs(localObjectWriter(other), { format: 'csv-zip', hours: 4, start: '2026-11-02T00:00:00Z', seed: 99, flowsPerHour: 1500 });
    const rel = listFiles(src).find((f) => f.endsWith('_01.zip'))!;
    const added = listFiles(other).find((f) => f.endsWith('_03.zip'))!;
    await copyFile(path.join(other, rel), path.join(src, rel));
    await copyFile(path.join(other, added), path.join(src, added));
    const s = await ingest({ source: src, dataDir, concurrency: 2 });
    expect(s.objectsReplaced).toBe(1);
    expect(s.objectsIngested).toBe(2);
    expect(s.objectsUnchanged).toBe(3); // two hours + truth.json
    expect(await lakeHourly(dataDir)).toEqual(hourly(await parsed(src)));
    const m = await readManifest(dataDir);
    expect(Object.keys(m.objects)).toHaveLength(5);
  });

  it('a truncated archive fails that object alone; it is retried on the next run and ingested once mended', { timeout: 120_000 }, async () => {
    const src = path.join(root, 'broken');
    await generateFlowLogs(localObjectWriter(src), { format: 'csv-zip', hours: 2, start: '2026-11-02T00:00:00Z', seed: 31, flowsPerHour: 3000 });
    const rel = listFiles(src).find((f) => f.endsWith('_00.zip'))!;
    const good = await readFile(path.join(src, rel));
    await truncate(path.join(src, rel), Math.floor(good.length / 2));
    const dataDir = path.join(root, 'data-broken');
    const s = await ingest({ source: src, dataDir, concurrency: 2, flushRows: 500, batchRows: 256 });
    expect(s.failures.map((f) => [path.basename(f.object), f.code])).toEqual([[path.basename(rel), 'truncated-archive']]);
    expect(s.objectsIngested).toBe(2);
    const m = await readManifest(dataDir);
    const failed = Object.values(m.objects).find((o) => o.failed)!;
    expect(failed.files).toEqual([]);
    // none of its rows stayed in the lake, although some were flushed before the archive broke off
    const [rows] = await lakeScalar(dataDir, `SELECT count(*) FROM {{flows}} WHERE source_object LIKE '%_00.zip%'`);
    expect(Number(rows)).toBe(0);
    const again = await ingest({ source: src, dataDir });
    expect(again.failures).toHaveLength(1);
    await writeFile(path.join(src, rel), good);
    const mended = await ingest({ source: src, dataDir });
    expect(mended.failures).toEqual([]);
    expect(mended.objectsIngested).toBe(1);
    expect(await lakeHourly(dataDir)).toEqual(hourly(await parsed(src)));
  });

  it('an object left partial by a killed run is purged and ingested again', { timeout: 120_000 }, async () => {
    const src = path.join(root, 'partial');
    await generateFlowLogs(localObjectWriter(src), { format: 'csv-zip', hours: 2, start: '2026-11-02T00:00:00Z', seed: 41, flowsPerHour: 2000 });
    const dataDir = path.join(root, 'data-partial');
    await ingest({ source: src, dataDir, concurrency: 0 });
    // what a kill between two flushes of one object leaves: the object recorded as partial, with its rows live
    const m = await readManifest(dataDir);
    const victim = Object.values(m.objects).find((o) => o.records > 0)!;
    victim.partial = true;
    await writeManifest(dataDir, m);
    const s = await ingest({ source: src, dataDir, concurrency: 0 });
    expect(s.objectsIngested).toBe(1);
    expect(await lakeHourly(dataDir)).toEqual(hourly(await parsed(src)));
  });

  it('takes over a stale lock, refuses a live one, and removes files a crashed run left uncommitted', { timeout: 60_000 }, async () => {
    const dataDir = path.join(root, 'data-locks');
    const src = path.join(root, 'aws');
    await ingest({ source: src, dataDir, concurrency: 0 });
    await writeFile(path.join(dataDir, '.lock'), '999999999'); // no such process
    const stray = path.join(dataDir, 'flows', 'date=2026-11-02', 'hour=00', 'f-99999999.parquet');
    await writeFile(stray, 'not committed');
    const s = await ingest({ source: src, dataDir });
    expect(s.filesRemoved).toBeGreaterThanOrEqual(1);
    expect(listFiles(dataDir)).not.toContain('flows/date=2026-11-02/hour=00/f-99999999.parquet');
    // a live lock: this very process
    await writeFile(path.join(dataDir, '.lock'), String(process.ppid));
    await expect(ingest({ source: src, dataDir })).rejects.toMatchObject({ code: 'data-dir-locked' });
    await rm(path.join(dataDir, '.lock'));
  });

  it('refuses standard input as a source', async () => {
    await expect(ingest({ source: '-', dataDir: path.join(root, 'stdin') })).rejects.toMatchObject({ code: 'bad-option' });
  });
});
