import { deflateRawSync } from 'node:zlib';
import { Unzip, zipSync, type UnzipFile } from 'fflate';
import { describe, expect, it } from 'vitest';
import { MAX_WRITES_IN_FLIGHT, ZlibInflateDecoder, openZlibInflaters, zlibInflateDecoder } from '../../src/containers/zlib-unzip-decoder.js';

const tick = () => new Promise((r) => setImmediate(r));
const waitFor = async (cond: () => boolean) => {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setTimeout(r, 1));
  expect(cond()).toBe(true);
};

function collect(decoder: ZlibInflateDecoder) {
  const got = { bytes: 0, parts: [] as Uint8Array[], final: false, error: null as Error | null };
  decoder.ondata = (err, data, final) => {
    if (err) got.error = err;
    got.bytes += data.length;
    if (data.length) got.parts.push(data);
    if (final) got.final = true;
  };
  return got;
}

describe('ZlibInflateDecoder', () => {
  it('inflates asynchronously, from a copy of the input, and reports the end', async () => {
    const text = Buffer.from('abc,def\n'.repeat(50_000));
    const deflated = new Uint8Array(deflateRawSync(text));
    const decoder = new ZlibInflateDecoder('a.csv');
    const got = collect(decoder);
    const half = deflated.length >> 1;
    decoder.push(deflated.subarray(0, half), false);
    decoder.push(deflated.subarray(half), true);
    deflated.fill(0); // fflate may reuse the memory once push returns
    expect(got.bytes).toBe(0); // nothing inflated synchronously
    expect(decoder.acceptsInput).toBe(false); // input complete
    await waitFor(() => got.final);
    expect(got.error).toBeNull();
    expect(Buffer.concat(got.parts).equals(text)).toBe(true);
    expect(decoder.finished).toBe(true);
  });

  it(`accepts input until ${MAX_WRITES_IN_FLIGHT} chunks are in flight, and reports each one inflated`, async () => {
    const deflated = deflateRawSync(Buffer.from('x'.repeat(1_000_000)));
    const decoder = new ZlibInflateDecoder('x');
    collect(decoder);
    let progress = 0;
    decoder.onprogress = () => progress++;
    const step = Math.ceil(deflated.length / MAX_WRITES_IN_FLIGHT);
    for (let i = 0; i < MAX_WRITES_IN_FLIGHT; i++) {
      expect(decoder.acceptsInput).toBe(true);
      decoder.push(deflated.subarray(i * step, (i + 1) * step), false);
    }
    expect(decoder.acceptsInput).toBe(false);
    await waitFor(() => progress === MAX_WRITES_IN_FLIGHT);
    expect(decoder.acceptsInput).toBe(true);
    decoder.terminate();
  });

  it('stops inflating while paused, so output does not pile up, and goes on when resumed', async () => {
    const zeros = new Uint8Array(64 * 1024 * 1024);
    const decoder = new ZlibInflateDecoder('zeros');
    const got = collect(decoder);
    decoder.push(deflateRawSync(zeros, { level: 9 }), true);
    decoder.pause();
    decoder.pause();
    await new Promise((r) => setTimeout(r, 300)); // unpaused, zlib inflates all 64 MiB in far less
    expect(got.bytes).toBeLessThan(1024 * 1024);
    decoder.resume();
    decoder.resume();
    await waitFor(() => got.final);
    expect(got.bytes).toBe(zeros.length);
  });

  it('reports corrupt and truncated deflate data as a final error, and frees the zlib handle', async () => {
    const before = openZlibInflaters();
    const corrupt = new ZlibInflateDecoder('c');
    const c = collect(corrupt);
    corrupt.push(new Uint8Array([0xff, 0xff, 0xff]), true);
    const truncated = new ZlibInflateDecoder('t');
    const t = collect(truncated);
    const deflated = deflateRawSync(Buffer.from('hello world '.repeat(1000)));
    truncated.push(deflated.subarray(0, deflated.length >> 1), true);
    await waitFor(() => c.final && t.final);
    expect((c.error as NodeJS.ErrnoException).code).toBe('Z_DATA_ERROR');
    expect((t.error as NodeJS.ErrnoException).code).toBe('Z_BUF_ERROR');
    corrupt.push(new Uint8Array([1]), true); // ignored once finished
    await waitFor(() => openZlibInflaters() === before);
  });

  it('drops input silently after terminate and delivers no more data', async () => {
    const decoder = new ZlibInflateDecoder('x');
    const got = collect(decoder);
    decoder.push(deflateRawSync(Buffer.from('y'.repeat(100_000))), false);
    decoder.terminate();
    decoder.push(new Uint8Array([1, 2, 3]), true);
    expect(decoder.inputEnded).toBe(true);
    for (let i = 0; i < 10; i++) await tick();
    expect(got.bytes).toBe(0);
    expect(got.final).toBe(false);
  });

  it('plugs into fflate Unzip as the deflate decoder', async () => {
    const created: ZlibInflateDecoder[] = [];
    const files = new Map<string, Uint8Array[]>();
    let finals = 0;
    const unzip = new Unzip((file: UnzipFile) => {
      files.set(file.name, []);
      file.ondata = (err, data, final) => {
        expect(err).toBeNull();
        files.get(file.name)?.push(data);
        if (final) finals++;
      };
      file.start();
    });
    unzip.register(zlibInflateDecoder((d) => created.push(d)));
    unzip.push(zipSync({ 'a.txt': Buffer.from('aaa\n'.repeat(1000)), 'b.txt': [Buffer.from('stored'), { level: 0 }] }), true);
    await waitFor(() => finals === 2);
    expect(created.map((d) => d.filename)).toEqual(['a.txt']);
    expect(Buffer.concat(files.get('a.txt') ?? []).toString()).toBe('aaa\n'.repeat(1000));
    expect(Buffer.concat(files.get('b.txt') ?? []).toString()).toBe('stored');
  });
});
