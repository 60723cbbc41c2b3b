/**
 * Zip entries inflated by node:zlib through the streaming zip reader: whole and identical bytes on large archives,
 * bounded read-ahead, errors naming archive and entry, early stops and abandoned iterations that free
 * every zlib handle.
 */
import { createHash } from 'node:crypto';
import { Zip, ZipPassThrough, strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { unwrap } from '../../src/containers/index.js';
import { openZlibInflaters } from '../../src/containers/zip.js';
import { chunked } from '../helpers/parse.js';
import { buildZip } from '../helpers/zip-builder.js';
import { failure, settled } from '../helpers/async-errors.js';

/** Flow-log-like CSV text (compresses about 5–10×, like real logs), deterministic. */
function csvText(bytes: number, seed: number): Buffer {
  const lines: string[] = [];
  let size = 0;
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  for (let i = 0; size < bytes; i++) {
    const r = next();
    const line = `2026-11-02T${String((i >> 12) % 24).padStart(2, '0')}:00:${String(i % 60).padStart(2, '0')}Z,sub-${r % 7},rg-${r % 13},10.${r & 255}.${(r >> 8) & 255}.${(r >> 16) & 255},${r % 65536},52.${(r >> 3) & 255}.1.${r % 200},443,TCP,${r & 1 ? 'Inbound' : 'Outbound'},Allow,${r % 997},${r % 1_000_003}\n`;
    lines.push(line);
    size += line.length;
  }
  return Buffer.from(lines.join(''));
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A source of fixed-size chunks that records how many bytes have been pulled from it, and whether it was released. */
class MeteredSource implements AsyncIterable<Uint8Array> {
  pulled = 0;
  released = false;
  constructor(
    private readonly data: Uint8Array,
    private readonly chunkSize = 64 * 1024,
  ) {}
  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    try {
      for (let i = 0; i < this.data.length; i += this.chunkSize) {
        const chunk = this.data.subarray(i, i + this.chunkSize);
        this.pulled += chunk.length;
        yield chunk;
      }
    } finally {
      this.released = true;
    }
  }
}

async function readAll(bytes: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of bytes) parts.push(c);
  return Buffer.concat(parts);
}


describe('unwrap of deflated zip entries (node:zlib)', () => {
  it('reads a 50 MB multi-entry zip whole and identical, never reading far ahead of the entry being read', async () => {
    const texts = [csvText(20e6, 1), csvText(12e6, 2), csvText(18e6, 3)];
    for (const descriptor of [undefined, 'signature'] as const) {
      const { zip, ranges } = buildZip(texts.map((data, i) => ({ name: `flows_${i}.csv`, data, descriptor })));
      const source = new MeteredSource(zip);
      const seen: { name: string; sha: string; pulledAtFirstOutput: number; maxPulledBeyondEntryEnd: number }[] = [];
      let i = 0;
      for await (const entry of unwrap(source, 'archive.zip')) {
        const hash = createHash('sha256');
        let pulledAtFirstOutput = -1;
        let maxPulledBeyondEntryEnd = -Infinity;
        for await (const chunk of entry.bytes) {
          if (pulledAtFirstOutput < 0) pulledAtFirstOutput = source.pulled - ranges[i].start;
          maxPulledBeyondEntryEnd = Math.max(maxPulledBeyondEntryEnd, source.pulled - ranges[i].end);
          hash.update(chunk);
        }
        seen.push({ name: entry.name, sha: hash.digest('hex'), pulledAtFirstOutput, maxPulledBeyondEntryEnd });
        i++;
      }
      expect(seen.map((s) => [s.name, s.sha])).toEqual(texts.map((t, k) => [`archive.zip!flows_${k}.csv`, sha256(t)]));
      for (const s of seen) {
        // the first output arrives after at most a couple of 64 KiB chunks of the entry were read
        expect(s.pulledAtFirstOutput).toBeLessThan(1024 * 1024);
        // and reading never runs more than a couple of chunks past the entry being read
        expect(s.maxPulledBeyondEntryEnd).toBeLessThan(3 * 64 * 1024);
      }
      await settled();
      expect(openZlibInflaters()).toBe(0);
    }
  }, 60_000);

  it('reads stored, empty and deflated entries, with and without data descriptors, side by side', async () => {
    const big = csvText(300_000, 9);
    const { zip } = buildZip([
      { name: 'stored.csv', data: big, method: 0 },
      { name: 'empty.csv', data: new Uint8Array(0) },
      { name: 'dd.csv', data: big, descriptor: 'signature' },
      { name: 'plain.csv', data: strToU8('a,b\n1,2\n') },
    ]);
    for (const chunkSize of [7, 4096, zip.length]) {
      const out: [string, string][] = [];
      for await (const e of unwrap(chunked(zip, chunkSize), 'mixed.zip')) out.push([e.name, sha256(await readAll(e.bytes))]);
      expect(out).toEqual([
        ['mixed.zip!stored.csv', sha256(big)],
        ['mixed.zip!empty.csv', sha256(new Uint8Array(0))],
        ['mixed.zip!dd.csv', sha256(big)],
        ['mixed.zip!plain.csv', sha256(strToU8('a,b\n1,2\n'))],
      ]);
    }
  });

  it('reads stored entries written by a streaming zipper (data descriptors)', async () => {
    const parts: Uint8Array[] = [];
    const zip = new Zip((err, data) => {
      if (err) throw err;
      parts.push(data);
    });
    const f = new ZipPassThrough('raw.txt');
    zip.add(f);
    f.push(strToU8('stored bytes\n'), true);
    zip.end();
    const out: string[] = [];
    for await (const e of unwrap(chunked(Buffer.concat(parts), 5), 'in')) out.push(`${e.name}=${(await readAll(e.bytes)).toString()}`);
    expect(out).toEqual(['in!raw.txt=stored bytes\n']);
  });

  it('fails a corrupt deflate stream as corrupt-archive naming the archive and the entry, after earlier entries were read', async () => {
    const first = csvText(200_000, 4);
    const { zip, ranges } = buildZip([
      { name: 'good.csv', data: first },
      { name: 'bad.csv', data: csvText(200_000, 5) },
    ]);
    zip[ranges[1].start] = 0xff; // final block of the invalid type 3
    const got: string[] = [];
    const err = await failure(async () => {
      for await (const e of unwrap(chunked(zip, 1000), 'logs/h03.zip')) got.push(sha256(await readAll(e.bytes)));
    });
    expect(got).toEqual([sha256(first)]);
    expect(err.code).toBe('corrupt-archive');
    expect(err.message).toContain('logs/h03.zip');
    expect(err.message).toContain('bad.csv');
    await settled();
    expect(openZlibInflaters()).toBe(0);
  });

  it('fails a zip cut inside an entry as truncated-archive, for known sizes and data descriptors', async () => {
    const text = csvText(400_000, 6);
    for (const descriptor of [undefined, 'signature'] as const) {
      const { zip, ranges } = buildZip([
        { name: 'whole.csv', data: strToU8('x\n') },
        { name: 'cut.csv', data: text, descriptor },
      ]);
      const cut = zip.subarray(0, Math.floor((ranges[1].start + ranges[1].end) / 2));
      const names: string[] = [];
      let received = 0;
      const err = await failure(async () => {
        for await (const e of unwrap(chunked(cut, 4096), 'h04.zip')) {
          names.push(e.name);
          for await (const c of e.bytes) received += c.length;
        }
      });
      expect(err.code).toBe('truncated-archive');
      expect(err.message).toContain('h04.zip');
      expect(names).toEqual(['h04.zip!whole.csv', 'h04.zip!cut.csv']);
      expect(received).toBeGreaterThan(2); // the cut entry's first bytes reached the reader before the error
      await settled();
      expect(openZlibInflaters()).toBe(0);
    }
  });

  it('moves on to the next entry when the consumer stops early or skips an entry, freeing the inflater', async () => {
    const tail = csvText(100_000, 8);
    const { zip } = buildZip([
      { name: 'a.csv', data: csvText(3e6, 7) },
      { name: 'skipped.csv', data: csvText(1e6, 7), descriptor: 'signature' },
      { name: 'b.csv', data: tail, descriptor: 'signature' },
    ]);
    const source = new MeteredSource(zip, 16 * 1024);
    const read: [string, number | string][] = [];
    for await (const e of unwrap(source, 'in')) {
      if (e.name === 'in!a.csv') {
        for await (const c of e.bytes) {
          read.push([e.name, c.length]);
          break;
        }
        await settled();
        expect(openZlibInflaters()).toBeLessThanOrEqual(1); // a.csv's was destroyed; at most the next entry's is open
      } else if (e.name === 'in!b.csv') {
        read.push([e.name, sha256(await readAll(e.bytes))]);
      }
    }
    expect(read).toEqual([
      ['in!a.csv', expect.any(Number)],
      ['in!b.csv', sha256(tail)],
    ]);
    await settled();
    expect(openZlibInflaters()).toBe(0);
  });

  it('frees in-flight inflaters and releases the source when the consumer abandons the iteration', async () => {
    const { zip } = buildZip([
      { name: 'a.csv', data: csvText(2e6, 11) },
      { name: 'b.csv', data: csvText(2e6, 12) },
    ]);
    const source = new MeteredSource(zip, 32 * 1024);
    for await (const e of unwrap(source, 'in')) {
      for await (const _ of e.bytes) break; // inflating is in flight when both loops are left
      break;
    }
    expect(source.released).toBe(true);
    expect(source.pulled).toBeLessThan(zip.length);
    await settled();
    expect(openZlibInflaters()).toBe(0);
  });

  it('frees the inflater of an entry that is never read when the iteration is abandoned', async () => {
    const { zip } = buildZip([{ name: 'a.csv', data: csvText(1e6, 13) }]);
    const it = unwrap(chunked(zip, 8192), 'in')[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.done).toBe(false);
    await it.return(undefined);
    await settled();
    expect(openZlibInflaters()).toBe(0);
  });

  it('still enforces the inflate limits on deflated entries', async () => {
    const { zip } = buildZip([{ name: 'a.csv', data: csvText(2e6, 14) }]);
    const err = await failure(async () => {
      for await (const e of unwrap(chunked(zip, 4096), 'in', { maxInflatedBytes: 1_000_000 })) await readAll(e.bytes);
    });
    expect(err.code).toBe('archive-limit');
    expect(err.message).toMatch(/more than 1000000 bytes/);
    await settled();
    expect(openZlibInflaters()).toBe(0);
  });

  it('inflates a highly compressed entry delivered in one chunk completely when the limits allow it', async () => {
    const zeros = new Uint8Array(48 * 1024 * 1024);
    const { zip } = buildZip([{ name: 'zeros.bin', data: zeros }]);
    let total = 0;
    let nonZero = 0;
    for await (const e of unwrap(chunked(zip, zip.length), 'in', { maxInflateRatio: 5000 })) {
      for await (const c of e.bytes) {
        // a reader that stalls at first: output queues up until the decoder is paused, then flows again
        if (total === 0) await new Promise((r) => setTimeout(r, 200));
        total += c.length;
        for (let i = 0; i < c.length; i += 4096) nonZero |= c[i];
      }
    }
    expect(total).toBe(zeros.length);
    expect(nonZero).toBe(0);
  });

  it('fails an entry with an unknown compression method as corrupt, naming it', async () => {
    const { zip } = buildZip([{ name: 'odd.bin', data: strToU8('data') }]);
    zip.writeUInt16LE(99, 8); // the local header's method
    const err = await failure(async () => {
      for await (const e of unwrap(chunked(zip, 64), 'in')) await readAll(e.bytes);
    });
    expect(err.code).toBe('corrupt-archive');
    expect(err.message).toContain('odd.bin');
    expect(err.message).toContain('unsupported compression method 99');
  });

  it('fails a zip without entries as corrupt', async () => {
    const err = await failure(async () => {
      for await (const e of unwrap(chunked(buildZip([]).zip, 64), 'empty.zip')) await readAll(e.bytes);
    });
    expect(err.code).toBe('corrupt-archive');
    expect(err.message).toContain('empty.zip');
  });
});
