/**
 * Flow records → BatchEncoder → LakeWriter → Parquet → read back: every field survives, nulls stay null,
 * int64 counters beyond 2^32 stay exact, files land in the right date/hour partitions sorted by time, and
 * the file entries the writer returns describe the files.
 */
import fc from 'fast-check';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchEncoder } from '../../src/ingest/encode-batch.js';
import { newFlowRecord, type FlowRecord } from '../../src/model/index.js';
import { openDuckDB, type DuckDB } from '../../src/store/duckdb.js';
import { LakeWriter } from '../../src/store/lake-writer.js';
import { sqlPath } from '../../src/store/sql.js';
import type { ManifestFile } from '../../src/store/manifest.js';
import { ROLLUPS } from '../../src/store/rollups.js';
import { LAKE_COLUMNS } from '../../src/store/schema.js';

let db: DuckDB;
let dir: string;
beforeAll(async () => {
  db = await openDuckDB({ threads: 2, memoryLimit: '256MB' });
  dir = await mkdtemp(path.join(os.tmpdir(), 'nf-writer-'));
});
afterAll(async () => {
  db.close();
  await rm(dir, { recursive: true, force: true });
});

const T0 = Date.UTC(2026, 10, 2, 22, 0, 0);

function record(i: number, overrides: Partial<FlowRecord> = {}): FlowRecord {
  const r = newFlowRecord(i % 3 === 0 ? 'azure' : 'aws', i % 3 === 0 ? 'azure-nsg-v2' : 'aws-vpc-v2', `obj-${i % 4}.json`, i + 1);
  r.timestamp = T0 + i * 60_000; // crosses midnight into the next day
  r.end_time = i % 2 === 0 ? r.timestamp + 5_000 : null;
  r.subscription_id = `sub-${i % 2}`;
  r.resource_group = i % 5 === 0 ? null : `rg-${i % 3}`;
  r.nsg_name = `nsg-${i % 7}`;
  r.rule_name = i % 4 === 0 ? 'DefaultRule_DenyAllInBound' : null;
  r.src_ip = i % 6 === 0 ? `2001:db8::${i.toString(16)}` : `10.0.${i % 256}.${(i * 7) % 256}`;
  r.dst_ip = i % 9 === 0 ? null : `203.0.113.${i % 256}`;
  r.src_port = i % 8 === 0 ? null : 1024 + i;
  r.dst_port = 443;
  r.protocol = i % 5 === 0 ? 'UDP' : 'TCP';
  r.flow_direction = i % 2 === 0 ? 'Inbound' : 'Outbound';
  r.flow_decision = i % 4 === 0 ? 'Deny' : 'Allow';
  r.flow_state = i % 3 === 0 ? 'End' : null;
  r.packets = i * 3;
  r.bytes = i === 7 ? 2 ** 40 + 12345 : i * 1000;
  r.bytes_sent = i % 2 === 0 ? 2 ** 33 + i : null;
  r.packets_sent = i % 2 === 0 ? i : null;
  r.region = 'eastus';
  r.geo_src = i % 6 === 0 ? null : 'ZZ';
  r.geo_dst = i % 9 === 0 ? null : 'US';
  r.attributes = i % 3 === 0 ? { mac: '00-0D-3A', version: 2, "it's": 'quoted "x"' } : null;
  return Object.assign(r, overrides);
}

/** Writes records through encoder + writer (several batches) and returns the files and the rows read back. */
async function roundTrip(records: FlowRecord[], batchRows = 16, geo?: (ip: string) => string | null) {
  const out = await mkdtemp(path.join(dir, 'lake-'));
  const writer = new LakeWriter(db, out, { geo: geo ? () => Promise.resolve(geo) : null });
  let enc = new BatchEncoder({ capacity: batchRows });
  let skipped = 0;
  for (const r of records) {
    if (!enc.add(r)) skipped++;
    if (enc.full) {
      writer.add(enc.finish(), 42);
      enc = new BatchEncoder({ capacity: batchRows });
    }
  }
  if (enc.size > 0) writer.add(enc.finish(), 42);
  let seq = 1;
  const files = await writer.flush(() => seq++);
  const list = files.map((f) => sqlPath(path.join(out, f.path))).join(', ');
  const rows = files.length === 0 ? [] : (await db.connection.runAndReadAll(`SELECT *, CAST(epoch_ms("timestamp") AS DOUBLE) AS ts_ms, CAST(epoch_ms(end_time) AS DOUBLE) AS end_ms FROM read_parquet([${list}], hive_partitioning = true) ORDER BY source_line`)).getRowObjectsJS();
  return { out, files, rows, skipped };
}

describe('LakeWriter round trip', () => {
  it('stores every field of every record, nulls as nulls, in date/hour partitions', async () => {
    const records = Array.from({ length: 300 }, (_, i) => record(i));
    const { files, rows, out } = await roundTrip(records);
    expect(rows).toHaveLength(records.length);
    for (const [i, r] of records.entries()) {
      const row = rows[i];
      expect(row.ts_ms).toBe(r.timestamp);
      expect(row.end_ms ?? null).toBe(r.end_time);
      for (const c of ['subscription_id', 'resource_group', 'nsg_name', 'rule_name', 'src_ip', 'dst_ip', 'protocol', 'flow_direction', 'flow_decision', 'flow_state', 'region', 'geo_src', 'geo_dst', 'provider', 'source_format', 'source_object'] as const) {
        expect(row[c] ?? null, `${c} of record ${i}`).toBe(r[c]);
      }
      for (const c of ['src_port', 'dst_port', 'source_line'] as const) expect(row[c] ?? null).toBe(r[c]);
      for (const c of ['packets', 'bytes', 'packets_sent', 'bytes_sent', 'packets_received', 'bytes_received'] as const) {
        expect(row[c] === null || row[c] === undefined ? null : Number(row[c]), `${c} of record ${i}`).toBe(r[c]);
      }
      expect(row.attributes === null ? null : JSON.parse(row.attributes as string)).toEqual(r.attributes);
      const v4 = r.src_ip && !r.src_ip.includes(':') ? r.src_ip.split('.').reduce((n, p) => n * 256 + Number(p), 0) : null;
      expect(row.src_ipv4 == null ? null : Number(row.src_ipv4)).toBe(v4);
      expect(Number(row.object_id)).toBe(42);
      const d = new Date(r.timestamp!);
      expect((row.date as Date).toISOString().slice(0, 10)).toBe(d.toISOString().slice(0, 10));
      expect(Number(row.hour)).toBe(d.getUTCHours());
    }
    // 300 minutes from 22:00 → hours 22, 23 of day one and 00–02 of day two
    expect(files.map((f) => `${f.date}/${f.hour}`)).toEqual(['2026-11-02/22', '2026-11-02/23', '2026-11-03/0', '2026-11-03/1', '2026-11-03/2']);
    for (const f of files) {
      expect(f.path).toMatch(/^flows\/date=\d{4}-\d{2}-\d{2}\/hour=\d{2}\/f-\d{8}\.parquet$/);
      const inFile = rows.filter((r) => (r.date as Date).toISOString().slice(0, 10) === f.date && Number(r.hour) === f.hour);
      expect(f.rows).toBe(inFile.length);
      expect(f.minTime).toBe(Math.min(...inFile.map((r) => r.ts_ms as number)));
      expect(f.maxTime).toBe(Math.max(...inFile.map((r) => r.ts_ms as number)));
      expect(f.objects).toEqual([42]);
    }
    // each file carries every rollup, computed from its own rows
    for (const f of files) {
      expect(Object.keys(f.rollups ?? {}).sort()).toEqual(ROLLUPS.map((r) => r.name).sort());
      const [sum] = (await db.connection.runAndReadAll(`SELECT CAST(sum(flows) AS DOUBLE), CAST(sum(bytes) AS DOUBLE) FROM read_parquet(${sqlPath(path.join(out, f.rollups!.minute.path))})`)).getRows();
      const inFile = records.filter((r) => new Date(r.timestamp!).toISOString().slice(0, 10) === f.date && new Date(r.timestamp!).getUTCHours() === f.hour);
      expect(sum.map(Number)).toEqual([inFile.length, inFile.reduce((n, r) => n + r.bytes, 0)]);
      expect(f.rollups!.minute.rows).toBeGreaterThan(0);
    }
    // nothing left in the staging folder
    expect(await readdir(path.join(out, '.staging'))).toEqual([]);
  });

  it('writes the columns in LAKE_COLUMNS order with the declared types, partition keys only in the path', async () => {
    const { files, out } = await roundTrip([record(1)]);
    const schema = (await db.connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlPath(path.join(out, files[0].path))}, hive_partitioning = false)`)).getRowObjectsJS();
    expect(schema.map((c) => c.column_name)).toEqual(LAKE_COLUMNS.map((c) => c.name));
    expect(schema.map((c) => c.column_type)).toEqual(LAKE_COLUMNS.map((c) => c.type));
  });

  it('sorts rows by time within each file', async () => {
    const records = Array.from({ length: 50 }, (_, i) => record(i, { timestamp: T0 + ((i * 37) % 50) * 1000 }));
    const { files, out } = await roundTrip(records, 7);
    const ts = (await db.connection.runAndReadAll(`SELECT epoch_ms("timestamp") FROM read_parquet(${sqlPath(path.join(out, files[0].path))})`)).getRows().map((r) => Number(r[0]));
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
  });

  it('skips records without a timestamp and reports them to the caller', async () => {
    const { rows, skipped } = await roundTrip([record(1), record(2, { timestamp: null }), record(3)]);
    expect(skipped).toBe(1);
    expect(rows.map((r) => r.source_line)).toEqual([2, 4]);
  });

  it('fills missing countries from the address with the given lookup, and keeps the input’s own', async () => {
    const records = [record(1, { geo_src: null, src_ip: '8.8.8.8' }), record(2, { geo_src: 'FR', src_ip: '8.8.4.4' }), record(3, { geo_src: null, src_ip: null })];
    const { rows } = await roundTrip(records, 16, (ip) => (ip.startsWith('8.') ? 'US' : null));
    expect(rows.map((r) => r.geo_src ?? null)).toEqual(['US', 'FR', null]);
  });

  it('a column that is null in every row is written as an all-null string column', async () => {
    const { rows } = await roundTrip([record(1, { region: null }), record(5, { region: null })]);
    expect(rows.map((r) => r.region ?? null)).toEqual([null, null]);
  });

  it('flush with nothing buffered writes nothing; drop forgets an object’s buffered rows', async () => {
    const writer = new LakeWriter(db, dir);
    expect(await writer.flush(() => 1)).toEqual([]);
    const enc = new BatchEncoder({ capacity: 4 });
    enc.add(record(1));
    writer.add(enc.finish(), 7);
    writer.add(new BatchEncoder({ capacity: 4 }).finish(), 8); // empty batch: ignored
    expect(writer.bufferedRows).toBe(1);
    writer.drop(7);
    expect(writer.bufferedRows).toBe(0);
    expect(await writer.flush(() => 1)).toEqual([]);
  });

  it('counts the characters of the buffered dictionaries, which drop and flush give back', async () => {
    const writer = new LakeWriter(db, dir);
    const batch = (objectId: number, attributes: string) => {
      const enc = new BatchEncoder({ capacity: 4 });
      enc.add(record(1, { attributes: { note: attributes } }));
      enc.add(record(2, { attributes: { note: attributes } }));
      const b = enc.finish();
      writer.add(b, objectId);
      return Object.values(b.text).reduce((n, c) => n + c.values.reduce((m, v) => m + v.length, 0), 0);
    };
    const a = batch(1, 'x'.repeat(1000));
    const b = batch(2, 'y'.repeat(10));
    expect(a).toBeGreaterThan(1000);
    expect(writer.bufferedTextChars).toBe(a + b);
    writer.drop(1);
    expect(writer.bufferedTextChars).toBe(b);
    expect(await writer.flush(() => 900)).toHaveLength(1);
    expect(writer.bufferedTextChars).toBe(0);
  });

  it('dictionaries wider than 255 and 65,535 values keep every value (1-, 2- and 4-byte ENUM codes)', async () => {
    const n = 70_000;
    const records = Array.from({ length: n }, (_, i) => record(i, { timestamp: T0 + (i % 3_600) * 1000, src_ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, nsg_name: `nsg-${i % 300}` }));
    const { files, out } = await roundTrip(records, 8192);
    const list = files.map((f) => sqlPath(path.join(out, f.path))).join(', ');
    const [row] = (await db.connection.runAndReadAll(`SELECT count(*), count(DISTINCT src_ip), count(DISTINCT nsg_name), min(src_ip), max(src_ipv4) FROM read_parquet([${list}])`)).getRows();
    expect(row.map((v) => (typeof v === 'bigint' ? Number(v) : v))).toEqual([n, n, 300, '10.0.0.0', n - 1 + 10 * 2 ** 24]);
  });

  it('paths with quotes are safe in the COPY statement', async () => {
    const odd = path.join(dir, "it's a lake");
    const writer = new LakeWriter(db, odd);
    const enc = new BatchEncoder({ capacity: 2 });
    enc.add(record(1));
    writer.add(enc.finish(), 1);
    const files: ManifestFile[] = await writer.flush(() => 9);
    expect(files).toHaveLength(1);
    expect(files[0].path).toBe('flows/date=2026-11-02/hour=22/f-00000009.parquet');
  });

  it('property: any mix of values and nulls survives the round trip', async () => {
    const text = fc.option(fc.string({ maxLength: 12 }), { nil: null });
    const count = fc.option(fc.integer({ min: 0, max: 2 ** 53 - 1 }), { nil: null });
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ t: fc.integer({ min: 0, max: 3 * 86_400_000 }), nsg: text, rule: text, port: fc.option(fc.integer({ min: 0, max: 65535 }), { nil: null }), bytes: fc.integer({ min: 0, max: 2 ** 53 - 1 }), sent: count }),
          { minLength: 1, maxLength: 40 },
        ),
        async (items) => {
          const records = items.map((it, i) =>
            record(i, { timestamp: T0 + it.t, nsg_name: it.nsg, rule_name: it.rule, dst_port: it.port, bytes: it.bytes, bytes_sent: it.sent }),
          );
          const { rows } = await roundTrip(records, 5);
          expect(rows.map((r) => [r.ts_ms, r.nsg_name ?? null, r.rule_name ?? null, r.dst_port ?? null, Number(r.bytes), r.bytes_sent == null ? null : Number(r.bytes_sent)])).toEqual(
            records.map((r) => [r.timestamp, r.nsg_name, r.rule_name, r.dst_port, r.bytes, r.bytes_sent]),
          );
        },
      ),
      { numRuns: 25 },
    );
  });
});
