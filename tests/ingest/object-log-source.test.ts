/**
 * Log files in object storage as a log source: CloudTrail objects and Azure Activity blobs in their real
 * layouts, read in key order, filtered by path time, split into pages, resumed inside an object, stored once.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createObjectLogSource } from '../../src/ingest/object-log-source.js';
import { pullLogs } from '../../src/ingest/logs-pull.js';
import type { LogCursor, LogPage } from '../../src/sources/logs/types.js';
import { openDuckDB, type DuckDB } from '../../src/store/duckdb.js';
import { EventLake } from '../../src/store/event-lake.js';
import { runCli } from '../helpers/cli.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'nf-objlogs-'));
const root = path.join(tmp, 'bucket');
const T0 = Date.parse('2026-11-25T10:00:00Z');
const WINDOW = { since: Date.parse('2026-11-25T00:00:00Z'), until: Date.parse('2026-11-26T00:00:00Z') };
let db: DuckDB;

function trail(n: number, from: number): string {
  const records = Array.from({ length: n }, (_, i) => ({
    eventVersion: '1.08',
    eventTime: new Date(T0 + (from + i) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource: 'ec2.amazonaws.com',
    eventName: 'DescribeInstances',
    awsRegion: 'eu-west-1',
    sourceIPAddress: '203.0.113.7',
    userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/alice', accountId: '111122223333' },
    eventID: `e-${from + i}`,
    requestID: `r-${from + i}`,
    recipientAccountId: '111122223333',
  }));
  return JSON.stringify({ Records: records });
}

function put(key: string, body: string | Buffer) {
  const p = path.join(root, key);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, body);
}

beforeAll(async () => {
  db = await openDuckDB({ threads: 1 });
  const base = 'AWSLogs/111122223333/CloudTrail/eu-west-1';
  put(`${base}/2026/11/25/111122223333_CloudTrail_eu-west-1_20261125T1000Z_a.json.gz`, gzipSync(trail(25, 0)));
  put(`${base}/2026/11/25/111122223333_CloudTrail_eu-west-1_20261125T1005Z_b.json.gz`, gzipSync(trail(5, 25)));
  put(`${base}/2026/11/20/111122223333_CloudTrail_eu-west-1_20261120T1000Z_c.json.gz`, gzipSync(trail(7, 100))); // outside the window
  put('AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2026/11/25/digest.json.gz', gzipSync(JSON.stringify({ awsAccountId: '111122223333', digestStartTime: '2026-11-25T09:00:00Z', digestEndTime: '2026-11-25T10:00:00Z', logFiles: [] })));
  put('notes/readme.txt', 'not a log\n');
  put('flows/vpc.log', 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1764064800 1764064860 ACCEPT OK\n');
});

afterAll(() => {
  db.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function collect(pages: AsyncGenerator<LogPage>): Promise<LogPage[]> {
  const out: LogPage[] = [];
  for await (const p of pages) out.push(p);
  return out;
}

describe('createObjectLogSource', () => {
  it('reads the log objects of the window in key order, in pages, and says what it skipped', async () => {
    const source = createObjectLogSource({ uri: root, pageEvents: 10 });
    expect(source.id).toBe(`objects:file://${root}`);
    const pages = await collect(source.pages(WINDOW, null));
    const events = pages.flatMap((p) => p.events);
    expect(events.map((e) => e.event_id)).toEqual(Array.from({ length: 30 }, (_, i) => `e-${i}`));
    expect(events[0]).toMatchObject({ source_format: 'aws-cloudtrail', account_id: '111122223333', actor: 'arn:aws:iam::111122223333:user/alice' });
    // the digest (CloudTrail-Digest sorts before CloudTrail/), a.json.gz in pages of 10, b, the flow log, the text file, the end
    expect(pages.map((p) => p.events.length)).toEqual([0, 10, 10, 5, 5, 0, 0, 0]);
    const reasons = pages.flatMap((p) => p.diagnostics.map((d) => d.reason));
    expect(reasons).toEqual(expect.arrayContaining(['cloudtrail-digest', 'flow-log-object', 'unknown-format']));
    expect(pages.at(-1)?.cursor).toBeNull();
  });

  it('resumes inside an object from any page cursor: nothing lost, nothing repeated', async () => {
    const source = createObjectLogSource({ uri: root, pageEvents: 10 });
    const all = await collect(source.pages(WINDOW, null));
    for (let k = 0; k < all.length - 1; k++) {
      const cursor = JSON.parse(JSON.stringify(all[k].cursor)) as LogCursor;
      const rest = await collect(source.pages(WINDOW, cursor));
      const ids = [...all.slice(0, k + 1), ...rest].flatMap((p) => p.events.map((e) => e.event_id));
      expect(ids, `after page ${k}`).toEqual(Array.from({ length: 30 }, (_, i) => `e-${i}`));
    }
  });

  it('stores them through pullLogs once; a rerun reads nothing new', async () => {
    const dir = path.join(tmp, 'lake');
    const lake = await EventLake.open(db, dir);
    const [r] = await pullLogs(lake, [{ source: createObjectLogSource({ uri: root }), ...WINDOW }]);
    expect(r).toMatchObject({ stored: 30, error: null });
    const [again] = await pullLogs(lake, [{ source: createObjectLogSource({ uri: root }), ...WINDOW }]);
    expect(again).toMatchObject({ stored: 0, pages: 0 });
  });

  it('is what networkflow logs pull --source reads, and refuses standard input', async () => {
    const dir = path.join(tmp, 'cli-lake');
    const r = await runCli(['logs', 'pull', '--source', root, '--since', '2026-11-25', '--until', '2026-11-26', '--data-dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('30 events stored');
    const stdin = await runCli(['logs', 'pull', '--source', '-', '--since', '1h', '--data-dir', dir]);
    expect(stdin.code).toBe(2);
    expect(stdin.stderr).toContain('not standard input');
  });
});
