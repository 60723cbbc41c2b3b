/**
 * One object through runObjectTask, in this thread: the messages it emits (batches of columns, progress,
 * a final `done` with counts) and how each kind of failure is reported — what a parsing worker posts.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runObjectTask, SourceCache, type ObjectTask, type TaskMessage } from '../../src/ingest/object-task.js';
import { SourceError, type ObjectInfo } from '../../src/sources/types.js';
import { parseLocation } from '../../src/sources/uri.js';
import { transferList, validityBytes } from '../../src/store/column-batch.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'nf-task-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const CSV_HEADER = 'timestamp,subscription_id,resource_group,nsg_name,src_ip,dst_ip,src_port,dst_port,protocol,flow_direction,flow_decision,packets,bytes';
const csvRow = (i: number) => `2026-11-02T00:${String(i % 60).padStart(2, '0')}:00Z,sub,rg,nsg,10.0.0.${i % 250},8.8.8.8,${1000 + i},443,TCP,Outbound,Allow,${i},${i * 10}`;

function task(name: string, batchRows = 4): ObjectTask {
  const info: ObjectInfo = { key: name, uri: `file://${path.join(dir, name)}`, size: null, etag: null, lastModified: null };
  return { objectId: 7, info, location: parseLocation(dir), sourceOptions: {}, format: 'auto', batchRows };
}

async function run(t: ObjectTask, sources = new SourceCache()): Promise<TaskMessage[]> {
  const out: TaskMessage[] = [];
  await runObjectTask(t, sources, (m) => void out.push(m));
  await sources.close();
  return out;
}

describe('runObjectTask', () => {
  it('emits full batches, then the rest, then done with the counts', async () => {
    await writeFile(path.join(dir, 'ok.csv.gz'), gzipSync([CSV_HEADER, ...Array.from({ length: 10 }, (_, i) => csvRow(i)), 'garbage,row'].join('\n')));
    const msgs = await run(task('ok.csv.gz'));
    const batches = msgs.filter((m) => m.type === 'batch');
    expect(batches.map((m) => m.batch.rows)).toEqual([4, 4, 2]);
    expect(batches.every((m) => m.objectId === 7)).toBe(true);
    expect(msgs.some((m) => m.type === 'progress')).toBe(true);
    const done = msgs.at(-1)!;
    expect(done.type).toBe('done');
    if (done.type !== 'done') return;
    expect(done.failure).toBeNull();
    expect(done.stats.records).toBe(10);
    expect(done.stats.entries).toBe(1);
    expect(done.stats.formats).toEqual({ csv: 1 });
    expect(Object.values(done.stats.badByReason).reduce((a, b) => a + b, 0)).toBe(1);
    expect(done.stats.bytesRead).toBeGreaterThan(0);
    // the buffers a worker transfers: every column's data and validity, each once
    const b = batches[0];
    if (b.type !== 'batch') return;
    const buffers = transferList(b.batch);
    expect(new Set(buffers).size).toBe(buffers.length);
    expect(buffers.length).toBeGreaterThan(20);
  });

  it('counts records without a timestamp as bad rows (the lake cannot place them)', async () => {
    // an AWS custom format without start/end: records carry no time
    const lines = ['version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes action log-status', '2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 ACCEPT OK'];
    await writeFile(path.join(dir, 'notime.log'), lines.join('\n'));
    const done = (await run(task('notime.log'))).at(-1)!;
    expect(done.type === 'done' && done.stats).toMatchObject({ records: 0, badByReason: { 'missing-timestamp': 1 } });
  });

  it('reports a truncated archive as a failure of the object, with the rows read so far already sent', async () => {
    const gz = gzipSync([CSV_HEADER, ...Array.from({ length: 2000 }, (_, i) => csvRow(i))].join('\n'));
    await writeFile(path.join(dir, 'cut.csv.gz'), gz.subarray(0, gz.length - 40));
    const msgs = await run(task('cut.csv.gz', 64));
    const done = msgs.at(-1)!;
    expect(done.type === 'done' && done.failure?.code).toBe('truncated-archive');
  });

  it('reports entries that are not flow logs apart, and goes on', async () => {
    await writeFile(path.join(dir, 'readme.txt'), 'hello, not a flow log\n');
    const done = (await run(task('readme.txt'))).at(-1)!;
    expect(done.type === 'done' && done.failure).toBeNull();
    expect(done.type === 'done' && done.stats.entryFailures.map((e) => e.code)).toEqual(['unknown-format']);
  });

  it('reports source errors by status, and other errors as unreadable', async () => {
    const failing = (err: Error) => {
      const sources = new SourceCache();
      (sources as unknown as { sources: Map<string, Promise<unknown>> }).sources.set(parseLocation(dir).uri, Promise.resolve({
        kind: 'local',
        uri: parseLocation(dir).uri,
        list: () => ({ async *[Symbol.asyncIterator]() {} }),
        stat: () => Promise.reject(err),
        read: () => ({
          [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(err) }),
        }),
        close: () => Promise.resolve(),
      }));
      return sources;
    };
    const denied = (await run(task('x.csv'), failing(new SourceError('x.csv: 403 forbidden', { transient: false, target: 'x.csv', status: 403 })))).at(-1)!;
    expect(denied.type === 'done' && denied.failure).toEqual({ code: 'http-403', message: 'x.csv: 403 forbidden' });
    const odd = (await run(task('x.csv'), failing(new Error('disk on fire')))).at(-1)!;
    expect(odd.type === 'done' && odd.failure).toEqual({ code: 'input-unreadable', message: 'disk on fire' });
    const noStatus = (await run(task('x.csv'), failing(new SourceError('x.csv: reset', { transient: false, target: 'x.csv' })))).at(-1)!;
    expect(noStatus.type === 'done' && noStatus.failure?.code).toBe('source-error');
  });

  it('a source that cannot be opened fails the task, and the next task opens it again', async () => {
    const sources = new SourceCache();
    const folder = path.join(dir, 'later');
    const info: ObjectInfo = { key: 'a.csv', uri: `file://${path.join(folder, 'a.csv')}`, size: null, etag: null, lastModified: null };
    const t: ObjectTask = { ...task('a.csv'), info, location: parseLocation(folder) };
    const out: TaskMessage[] = [];
    await runObjectTask(t, sources, (m) => void out.push(m));
    const first = out.at(-1)!;
    expect(first.type === 'done' && first.failure?.code).toBe('source-error');
    expect(first.type === 'done' && first.failure?.message).toContain('later');
    await mkdir(folder);
    await writeFile(path.join(folder, 'a.csv'), [CSV_HEADER, csvRow(1)].join('\n'));
    out.length = 0;
    await runObjectTask(t, sources, (m) => void out.push(m));
    await sources.close();
    expect(out.at(-1)!.type === 'done' && (out.at(-1) as Extract<TaskMessage, { type: 'done' }>).stats.records).toBe(1);
    expect(validityBytes(65)).toBe(16);
  });
});
