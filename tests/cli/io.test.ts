import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { writeOut } from '../../src/cli/io.js';
import { countDiagnostic, emptySummary, formatSummary } from '../../src/ingest/summary.js';
import { diagnostic } from '../../src/model/index.js';

describe('writeOut', () => {
  it('waits for a full stream to drain before returning (backpressure)', async () => {
    const written: string[] = [];
    let release: () => void = () => {};
    const slow = new Writable({
      highWaterMark: 4,
      write(chunk: Buffer, _enc, cb) {
        written.push(chunk.toString());
        release = cb;
      },
    });
    let done = false;
    const p = writeOut(slow, 'more than four bytes').then(() => {
      done = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toBe(false);
    release();
    await p;
    expect(done).toBe(true);
    expect(written).toEqual(['more than four bytes']);
    await writeOut(slow, ''); // nothing to write: returns at once
  });

  it('rejects when the stream fails while waiting', async () => {
    const failing = new Writable({
      highWaterMark: 1,
      write(_chunk, _enc, cb) {
        setTimeout(() => cb(new Error('disk full')), 5);
      },
    });
    failing.on('error', () => {});
    await expect(writeOut(failing, 'xx')).rejects.toThrow('disk full');
  });
});

describe('run summary', () => {
  it('counts diagnostics by severity and reason and prints them', () => {
    const s = emptySummary();
    s.objects = 2;
    s.entries = 2;
    s.records = 10;
    s.formats['aws-vpc'] = 2;
    countDiagnostic(s, diagnostic('a', 1, 'srcport', 'bad-port', 'x'));
    countDiagnostic(s, diagnostic('a', 2, 'srcport', 'bad-port', 'x'));
    countDiagnostic(s, diagnostic('a', 3, null, 'invalid-utf8', 'x', 'warning'));
    countDiagnostic(s, diagnostic('a', 4, null, 'nodata', 'x', 'info'));
    s.failures.push({ object: 'b', code: 'truncated-archive', message: 'b: truncated gzip data' });
    expect(s).toMatchObject({ badRecords: 2, badByReason: { 'bad-port': 2 }, warnings: 1, info: 1, infoByReason: { nodata: 1 } });
    const text = formatSummary(s);
    expect(text).toContain('2 input(s), 2 entries, 10 record(s), 2 bad row(s), 1 failed input(s)');
    expect(text).toContain('formats: aws-vpc ×2');
    expect(text).toContain('bad rows by reason: bad-port: 2');
    expect(text).toContain('warnings: invalid-utf8: 1');
    expect(text).toContain('not traffic (kept as diagnostics): nodata: 1');
    expect(text).toContain('FAILED b: truncated gzip data');
    s.failures.push({ object: 'c', code: 'input-unreadable', message: 'no such file or folder' });
    expect(formatSummary(s)).toContain('FAILED c: no such file or folder');
  });
});
