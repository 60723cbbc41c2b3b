/** RawInflater: where a deflate stream ends, bounded output for a slow reader, errors, and freed handles. */
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { RawInflater, openZlibInflaters } from '../../src/containers/zlib-unzip-decoder.js';

const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

async function readAll(inflater: RawInflater): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let out = await inflater.read(); out; out = await inflater.read()) parts.push(out);
  return Buffer.concat(parts);
}

describe('RawInflater', () => {
  it('reports how many written bytes the deflate stream used: all before its end, fewer in the piece it ends in', async () => {
    const text = Buffer.from('abc,def\n'.repeat(50_000));
    const deflated = deflateRawSync(text);
    const trailer = Buffer.from('PK\x07\x08 and whatever follows the entry');
    const half = deflated.length >> 1;
    const inflater = new RawInflater();
    const reading = readAll(inflater);
    expect(await inflater.write(deflated.subarray(0, half))).toBe(half);
    expect(await inflater.write(Buffer.concat([deflated.subarray(half), trailer]))).toBe(deflated.length - half);
    inflater.end();
    expect((await reading).equals(text)).toBe(true);
    inflater.destroy();
    await settle();
    expect(openZlibInflaters()).toBe(0);
  });

  it('uses none of a piece written after a stream that ended exactly at the previous piece', async () => {
    const deflated = deflateRawSync(Buffer.from('x'.repeat(10_000)));
    const inflater = new RawInflater();
    const reading = readAll(inflater);
    expect(await inflater.write(deflated)).toBe(deflated.length);
    expect(await inflater.write(Buffer.from('next header'))).toBe(0);
    expect((await reading).length).toBe(10_000);
    inflater.destroy();
  });

  it('stops inflating while the reader is behind, so little output waits, and goes on when it reads', async () => {
    const zeros = new Uint8Array(64 * 1024 * 1024);
    const inflater = new RawInflater();
    let written = false;
    const writing = inflater.write(deflateRawSync(zeros, { level: 9 })).then(() => (written = true));
    await new Promise((r) => setTimeout(r, 300)); // unpaused, zlib inflates all 64 MiB in far less
    expect(written).toBe(false); // zlib stopped with the queue full: the write is still in progress
    let total = 0;
    for (let out = await inflater.read(); out; out = await inflater.read()) {
      total += out.length;
      if (total === zeros.length) inflater.end();
    }
    await writing;
    expect(total).toBe(zeros.length);
  });

  it('throws corrupt and truncated deflate data from read, and frees the handle', async () => {
    const corrupt = new RawInflater();
    await corrupt.write(new Uint8Array([0xff, 0xff, 0xff]));
    await expect(corrupt.read()).rejects.toMatchObject({ code: 'Z_DATA_ERROR' });
    expect(corrupt.stopped).toBe(true);
    corrupt.end(); // ignored once failed
    const truncated = new RawInflater();
    const deflated = deflateRawSync(Buffer.from('hello world '.repeat(1000)));
    const reading = readAll(truncated);
    await truncated.write(deflated.subarray(0, deflated.length >> 1));
    truncated.end();
    await expect(reading).rejects.toMatchObject({ code: 'Z_BUF_ERROR' });
    await settle();
    expect(openZlibInflaters()).toBe(0);
  });

  it('releases a write in flight and a waiting reader when destroyed, and keeps the first error', async () => {
    const inflater = new RawInflater();
    const writing = inflater.write(deflateRawSync(new Uint8Array(32 * 1024 * 1024)));
    const first = await inflater.read(); // output flows; the write waits for the reader
    expect(first?.length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 50));
    inflater.fail(new Error('limit crossed'));
    inflater.fail(new Error('second'));
    await writing; // resolves instead of hanging
    await expect(inflater.read()).rejects.toThrow('limit crossed');
    await settle();
    expect(openZlibInflaters()).toBe(0);
  });
});
