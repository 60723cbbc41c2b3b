/** The shared writer pieces: chunking, the streamed zip, the per-hour time texts. */
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { gzipStream, HourSeconds, textChunks, zipStream } from '../../src/generate/writers/common.js';

async function all(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of it) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

describe('textChunks', () => {
  it('packs strings into bounded chunks, keeps multi-byte text whole, passes over-long strings through', async () => {
    const big = 'x'.repeat(300 * 1024);
    const parts = ['héllo ', '€uro ', ...Array.from({ length: 20_000 }, (_, i) => `line ${i}\n`), big, 'tail'];
    const chunks: Uint8Array[] = [];
    for await (const c of textChunks(parts)) chunks.push(c);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(parts.join(''));
    expect(chunks.length).toBeGreaterThan(2);
    for (const c of chunks) if (c.byteLength !== Buffer.byteLength(big)) expect(c.byteLength).toBeLessThanOrEqual(256 * 1024);
    expect(chunks.some((c) => c.byteLength === Buffer.byteLength(big))).toBe(true);
    expect(await all(textChunks([]))).toEqual(Buffer.alloc(0));
  });
});

describe('zipStream', () => {
  it('writes a valid one-entry zip (name, content, UTC time), the same bytes in any time zone', async () => {
    const text = Array.from({ length: 5000 }, (_, i) => `row ${i}\n`).join('');
    const mtime = Date.parse('2026-11-02T13:45:30Z');
    const zip = await all(zipStream('flows_20261102_13.csv', mtime, textChunks([text])));
    const entries = unzipSync(zip);
    expect(Object.keys(entries)).toEqual(['flows_20261102_13.csv']);
    expect(Buffer.from(entries['flows_20261102_13.csv']).toString('utf8')).toBe(text);
    // DOS time/date in the local header: 13:45:30, 2026-11-02
    expect(zip.readUInt16LE(10)).toBe((13 << 11) | (45 << 5) | 15);
    expect(zip.readUInt16LE(12)).toBe(((2026 - 1980) << 9) | (11 << 5) | 2);
    expect(await all(zipStream('flows_20261102_13.csv', mtime, textChunks([text])))).toEqual(zip);
  });

  it('an empty entry is still a valid zip; times before 1980 (the DOS epoch) are written as 1980-01-01', async () => {
    const zip = await all(zipStream('empty.csv', 0, textChunks([])));
    expect(Buffer.from(unzipSync(zip)['empty.csv'])).toEqual(Buffer.alloc(0));
    expect(zip.readUInt16LE(12)).toBe((1 << 5) | 1);
  });
});

describe('HourSeconds', () => {
  it('formats the seconds of its hour from a table and other times from scratch', () => {
    const h = new HourSeconds(Date.parse('2026-11-02T05:00:00Z'));
    expect(h.at(Date.parse('2026-11-02T05:07:09.999Z'))).toBe('2026-11-02T05:07:09');
    expect(h.at(Date.parse('2026-11-02T06:00:01Z'))).toBe('2026-11-02T06:00:01');
    expect(h.at(Date.parse('2026-11-02T04:59:59Z'))).toBe('2026-11-02T04:59:59');
  });
});

describe('compression streams', () => {
  it('a failing body fails the zip and the gzip stream instead of hanging', async () => {
    const failing = async function* (): AsyncGenerator<Uint8Array> {
      yield Buffer.from('some text\n');
      throw new Error('body broke');
    };
    await expect(all(zipStream('x.csv', 0, failing()))).rejects.toThrow('body broke');
    await expect(all(gzipStream(failing()))).rejects.toThrow('body broke');
  });
});
