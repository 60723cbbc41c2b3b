/**
 * The streaming zip reader on crafted archives: data descriptors with and without signature, ZIP64 sizes,
 * compressed data that contains header signatures, CRC and size checks, names, unsupported methods and
 * every way an archive can end early, plus zips written by real zippers (fflate, Info-ZIP's zip, Python's
 * zipfile, the project's generator).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { Zip, ZipDeflate, ZipPassThrough, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { decodeCp437, openZlibInflaters, readZip } from '../../src/containers/zip.js';
import { zipStream } from '../../src/generate/writers/common.js';
import { NetworkflowError } from '../../src/model/index.js';
import { chunked } from '../helpers/parse.js';
import { buildZip, le32, type ZipEntrySpec } from '../helpers/zip-builder.js';
import { failure, settled } from '../helpers/async-errors.js';

/** Deterministic pseudo-random numbers (xorshift32). */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

function randomBytes(n: number, random: () => number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (random() * 256) | 0;
  return b;
}

/** CSV-like text that compresses 5–10×. */
function csvText(bytes: number, random: () => number): Buffer {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const r = (random() * 2 ** 32) >>> 0;
    const line = `2026-11-02T00:00:${String(i % 60).padStart(2, '0')}Z,10.${r & 255}.${(r >> 8) & 255}.1,${r % 65536},443,TCP,${r & 1 ? 'Inbound' : 'Outbound'},${r % 997}\n`;
    lines.push(line);
    size += line.length;
  }
  return Buffer.from(lines.join('').slice(0, bytes));
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

interface ReadEntry {
  name: string;
  data: Buffer;
}

async function readEntries(zip: Uint8Array, chunkSize = 4096, archive = 'a.zip'): Promise<ReadEntry[]> {
  const out: ReadEntry[] = [];
  for await (const e of readZip(chunked(zip, chunkSize), archive)) {
    const parts: Uint8Array[] = [];
    for await (const c of e.bytes) parts.push(c);
    out.push({ name: e.name, data: Buffer.concat(parts) });
  }
  return out;
}


/** Whether `hay` holds `needle`. */
const holds = (hay: Uint8Array, needle: number[]) => Buffer.from(hay).indexOf(Buffer.from(needle)) !== -1;
const PK_DESCRIPTOR = [0x50, 0x4b, 0x07, 0x08];
const PK_LOCAL = [0x50, 0x4b, 0x03, 0x04];
const PK_CENTRAL = [0x50, 0x4b, 0x01, 0x02];

describe('readZip', () => {
  it('reads entries whose compressed data contains header and descriptor signatures whole', async () => {
    // deflated: CSV around incompressible stretches holding the signatures, which zlib (level 6) writes as
    // stored blocks between Huffman-coded ones; take the first seed whose compressed stream holds them all
    let deflated: { data: Buffer; body: Buffer } | undefined;
    for (let seed = 1; !deflated && seed < 50; seed++) {
      const random = rng(seed);
      const pieces: Buffer[] = [];
      for (const sig of [PK_DESCRIPTOR, PK_LOCAL]) {
        pieces.push(csvText(50_000, random));
        const noise = randomBytes(40_000, random);
        Buffer.from(sig).copy(noise, 1000 + ((random() * 38_000) | 0));
        pieces.push(noise);
      }
      pieces.push(csvText(50_000, random));
      const data = Buffer.concat(pieces);
      const body = deflateRawSync(data, { level: 6 });
      if (holds(body, PK_DESCRIPTOR) && holds(body, PK_LOCAL)) deflated = { data, body };
    }
    if (!deflated) throw new Error('no seed gave compressed data holding the signatures');
    const stored = Buffer.concat([Buffer.from('a,b\n'), Buffer.from(PK_DESCRIPTOR), le32(0), le32(0), le32(0), Buffer.from(PK_LOCAL), Buffer.from(PK_CENTRAL), Buffer.from('\n')]);
    const level0 = deflateRawSync(stored, { level: 0 }); // stored deflate blocks: the bytes appear as is
    expect(holds(level0, PK_DESCRIPTOR)).toBe(true);
    for (const descriptor of ['signature', 'bare', undefined] as const) {
      const entries: ZipEntrySpec[] = [
        { name: 'deflated.csv', data: deflated.data, body: deflated.body, descriptor },
        { name: 'stored.csv', data: stored, method: 0, descriptor },
        { name: 'level0.csv', data: stored, body: level0, descriptor },
        { name: 'after.csv', data: Buffer.from('x\n'), descriptor },
      ];
      if (descriptor === 'bare') entries.splice(1, 1); // stored data of unknown size needs the descriptor's signature
      const { zip } = buildZip(entries);
      for (const chunkSize of [1000, 65536, zip.length]) {
        const got = await readEntries(zip, chunkSize);
        expect(got.map((e) => [e.name, sha256(e.data)])).toEqual(entries.map((e) => [`${e.name}`, sha256(e.data)]));
      }
    }
  });

  it('finds where deflated entries of unknown size end for any chunking, including chunks ending exactly there', async () => {
    const random = rng(42);
    for (let archive = 0; archive < 150; archive++) {
      const entries: ZipEntrySpec[] = [];
      const count = 1 + ((random() * 4) | 0);
      for (let i = 0; i < count; i++) {
        const size = Math.floor(random() ** 3 * 400_000);
        const kind = (random() * 3) | 0;
        const data = kind === 0 ? randomBytes(size, random) : kind === 1 ? csvText(size, random) : Buffer.alloc(size, 65);
        const descriptor = (['signature', 'bare', 'signature64', 'bare64'] as const)[(random() * 4) | 0];
        entries.push({ name: `e${i}.bin`, data, descriptor, body: deflateRawSync(data, { level: (random() * 10) | 0 }) });
      }
      const { zip, ranges } = buildZip(entries);
      // chunk boundaries at random, or exactly at the end of an entry's deflate stream
      const cuts = new Set<number>();
      for (const r of ranges) if (random() < 0.5) cuts.add(r.end);
      for (let at = 0; at < zip.length; at += 1 + Math.floor(random() ** 2 * 90_000)) cuts.add(at);
      const sorted = [...cuts].filter((c) => c > 0 && c < zip.length).sort((a, b) => a - b);
      async function* source(): AsyncGenerator<Uint8Array> {
        let from = 0;
        for (const c of [...sorted, zip.length]) {
          yield zip.subarray(from, c);
          from = c;
        }
      }
      const got: string[] = [];
      for await (const e of readZip(source(), 'fuzz.zip')) {
        const parts: Uint8Array[] = [];
        for await (const c of e.bytes) parts.push(c);
        got.push(`${e.name}:${sha256(Buffer.concat(parts))}`);
      }
      expect(got).toEqual(entries.map((e) => `${e.name}:${sha256(e.data)}`));
    }
    await settled();
    expect(openZlibInflaters()).toBe(0);
  }, 60_000);

  it('reads sizes from the ZIP64 extra field and 8-byte sizes from ZIP64 data descriptors', async () => {
    const text = csvText(100_000, rng(3));
    const entries: ZipEntrySpec[] = [
      { name: 'z64.csv', data: text, zip64Extra: true },
      { name: 'z64-stored.csv', data: text, method: 0, zip64Extra: true },
      { name: 'dd64.csv', data: text, descriptor: 'signature64' },
      { name: 'dd64-bare.csv', data: text, descriptor: 'bare64' },
      { name: 'dd64-stored.csv', data: text, method: 0, descriptor: 'signature64' },
    ];
    const { zip } = buildZip(entries);
    for (const chunkSize of [7, 5000]) {
      expect((await readEntries(zip, chunkSize)).map((e) => [e.name, sha256(e.data)])).toEqual(entries.map((e) => [e.name, sha256(text)]));
    }
  });

  it('reads data descriptors with and without signature, and a CRC that equals the signature', async () => {
    const text = Buffer.from('a,b\n1,2\n'.repeat(1000));
    const entries: ZipEntrySpec[] = [
      { name: 'sig.csv', data: text, descriptor: 'signature' },
      { name: 'bare.csv', data: text, descriptor: 'bare' },
      { name: 'stored-sig.csv', data: text, method: 0, descriptor: 'signature' },
    ];
    const { zip } = buildZip(entries);
    expect((await readEntries(zip, 3)).map((e) => [e.name, e.data.equals(text)])).toEqual(entries.map((e) => [e.name, true]));
    // a descriptor without signature whose CRC reads as the signature: the layout is told by the sizes, so
    // the CRC is read as a CRC (here a wrong one: data with this CRC would take ~2^32 tries to find)
    const spoof = buildZip([{ name: 'odd.csv', data: text, descriptor: 'bare', crc: 0x08074b50 }]).zip;
    const err = await failure(() => readEntries(spoof));
    expect(err.code).toBe('corrupt-archive');
    expect(err.message).toMatch(/odd\.csv: CRC-32 mismatch \(recorded 0x08074b50/);
  });

  it('fails a CRC mismatch as corrupt-archive naming the entry, for known sizes, descriptors and stored data', async () => {
    const text = csvText(50_000, rng(5));
    for (const [method, descriptor] of [
      [8, undefined],
      [8, 'signature'],
      [0, undefined],
      [0, 'signature'],
    ] as const) {
      const { zip } = buildZip([
        { name: 'ok.csv', data: text, method, descriptor },
        { name: 'damaged.csv', data: text, method, descriptor, crc: crc32(text) ^ 1 },
      ]);
      const names: string[] = [];
      const err = await failure(async () => {
        for await (const e of readZip(chunked(zip, 1024), 'logs/x.zip')) {
          names.push(e.name);
          for await (const _ of e.bytes);
        }
      });
      expect(names).toEqual(['ok.csv', 'damaged.csv']);
      expect(err.code).toBe('corrupt-archive');
      expect(err.message).toContain('logs/x.zip');
      expect(err.message).toContain('damaged.csv: CRC-32 mismatch');
    }
  });

  it('skips bytes after the deflate stream inside an entry of known size, and fails them cut short as truncated', async () => {
    const text = csvText(200_000, rng(12));
    const padded = Buffer.concat([deflateRawSync(text), Buffer.alloc(70_000, 0x50)]);
    const { zip, ranges } = buildZip([
      { name: 'padded.csv', data: text, body: padded },
      { name: 'next.csv', data: Buffer.from('next\n') },
    ]);
    for (const chunkSize of [1000, zip.length]) {
      expect((await readEntries(zip, chunkSize)).map((e) => [e.name, sha256(e.data)])).toEqual([
        ['padded.csv', sha256(text)],
        ['next.csv', sha256(Buffer.from('next\n'))],
      ]);
    }
    const err = await failure(() => readEntries(zip.subarray(0, ranges[0].end - 10), 1000));
    expect(err.code).toBe('truncated-archive');
    expect(err.message).toContain('padded.csv');
  });

  it('fails sizes that do not match the data, and a descriptor that does not match, as corrupt', async () => {
    const text = csvText(20_000, rng(6));
    const wrongSize = buildZip([{ name: 'a.csv', data: text }]).zip;
    wrongSize.writeUInt32LE(text.length + 1, 22); // the header's inflated size
    expect((await failure(() => readEntries(wrongSize))).message).toMatch(/a\.csv: sizes .* do not match/);
    const { zip, ranges } = buildZip([{ name: 'b.csv', data: text, descriptor: 'signature' }]);
    zip.writeUInt32LE(12345, ranges[0].end + 8); // the descriptor's compressed size
    const err = await failure(() => readEntries(zip));
    expect(err.code).toBe('corrupt-archive');
    expect(err.message).toMatch(/b\.csv: no data descriptor matching/);
  });

  it('fails an unsupported compression method and encrypted entries as corrupt, naming archive and entry', async () => {
    const { zip } = buildZip([{ name: 'odd.bin', data: Buffer.from('data'), method: 12 }]);
    const err = await failure(() => readEntries(zip, 64, 'in.zip'));
    expect(err.code).toBe('corrupt-archive');
    expect(err.message).toContain('in.zip');
    expect(err.message).toContain('odd.bin: unsupported compression method 12');
    const locked = buildZip([{ name: 'secret.csv', data: Buffer.from('x'), flags: 1 }]).zip;
    expect((await failure(() => readEntries(locked))).message).toContain('secret.csv: encrypted entries are not supported');
  });

  it('fails an archive that ends inside a header, an entry, a descriptor or before its central directory as truncated', async () => {
    const text = csvText(100_000, rng(7));
    for (const descriptor of [undefined, 'signature', 'bare'] as const) {
      for (const method of [8, 0]) {
        if (method === 0 && descriptor === 'bare') continue;
        const { zip, ranges } = buildZip([
          { name: 'a.csv', data: text, method, descriptor },
          { name: 'b.csv', data: Buffer.from('b\n'), method, descriptor },
        ]);
        const descriptorBytes = descriptor === 'signature' ? 16 : descriptor === 'bare' ? 12 : 0;
        const cuts = [
          10, // inside the first header
          ranges[0].start - 2, // inside the name
          (ranges[0].start + ranges[0].end) >> 1, // inside the data
          ranges[0].end, // right after the data
          ranges[0].end + descriptorBytes - 3, // inside the descriptor
          ranges[1].end + descriptorBytes, // after the last entry, before the central directory
        ];
        for (const cut of cuts) {
          if (cut <= 4) continue;
          const err = await failure(() => readEntries(zip.subarray(0, cut), 1000, 'cut.zip'));
          expect([cut, err.code]).toEqual([cut, 'truncated-archive']);
          expect(err.message).toContain('cut.zip');
        }
      }
    }
    await settled();
    expect(openZlibInflaters()).toBe(0);
  });

  it('fails bytes that are no zip header where one is due as corrupt, and an archive without entries', async () => {
    const { zip, ranges } = buildZip([{ name: 'a.csv', data: Buffer.from('a\n') }, { name: 'b.csv', data: Buffer.from('b\n') }]);
    zip.write('JUNK', ranges[0].end);
    const err = await failure(() => readEntries(zip));
    expect(err.code).toBe('corrupt-archive');
    expect(err.message).toContain(`no zip entry header at byte ${ranges[0].end}`);
    const empty = await failure(() => readEntries(buildZip([]).zip, 64, 'empty.zip'));
    expect(empty.code).toBe('corrupt-archive');
    expect(empty.message).toContain('empty.zip');
    expect(empty.message).toContain('zip archive without entries');
  });

  it('skips directories, reads a split-archive marker, and decodes names as UTF-8, code page 437 or Info-ZIP Unicode path', async () => {
    const cp437 = Buffer.from([0x63, 0x61, 0x66, 0x82, 0x2e, 0x63, 0x73, 0x76]); // "café.csv" in code page 437
    const utf8Raw = Buffer.from('né.csv', 'utf8');
    const unicodePath = Buffer.concat([Buffer.from([0x75, 0x70]), Buffer.from([0, 0]), Buffer.from([1]), le32(crc32(utf8Raw)), utf8Raw]);
    unicodePath.writeUInt16LE(unicodePath.length - 4, 2);
    const stalePath = Buffer.from(unicodePath);
    stalePath.writeUInt32LE(crc32(utf8Raw) ^ 1, 5); // its CRC no longer matches the header name: ignored
    const { zip } = buildZip([
      { name: 'logs/', data: Buffer.alloc(0), method: 0 },
      { name: 'logs/ä.csv', data: Buffer.from('1\n') },
      { name: cp437, data: Buffer.from('2\n') },
      { name: utf8Raw, data: Buffer.from('3\n'), extra: unicodePath },
      { name: Buffer.from('x.csv'), data: Buffer.from('4\n'), extra: stalePath },
      { name: 'deflated-dir/', data: Buffer.alloc(0), descriptor: 'signature' },
    ]);
    const marked = Buffer.concat([le32(0x08074b50), zip]);
    const got = await readEntries(marked, 5);
    expect(got.map((e) => [e.name, e.data.toString()])).toEqual([
      ['logs/ä.csv', '1\n'],
      ['café.csv', '2\n'],
      ['né.csv', '3\n'],
      ['x.csv', '4\n'],
    ]);
    expect(decodeCp437(Buffer.from([0x41, 0xb0, 0xe1, 0xff]))).toBe('A░ß\u00a0');
  });

  it('skips entries the consumer leaves unread or stops early, by size or by inflating to the stream end', async () => {
    const random = rng(8);
    const texts = [csvText(2e6, random), csvText(1e6, random), csvText(500_000, random), csvText(300_000, random), csvText(10_000, random)];
    const entries: ZipEntrySpec[] = [
      { name: 'known.csv', data: texts[0] },
      { name: 'dd.csv', data: texts[1], descriptor: 'signature' },
      { name: 'stored-dd.csv', data: texts[2], method: 0, descriptor: 'signature' },
      { name: 'stored.csv', data: texts[3], method: 0 },
      { name: 'last.csv', data: texts[4], descriptor: 'bare' },
    ];
    const { zip } = buildZip(entries);
    for (const mode of ['unread', 'first chunk'] as const) {
      const read: string[] = [];
      for await (const e of readZip(chunked(zip, 16 * 1024), 'in')) {
        if (e.name === 'last.csv') {
          const parts: Uint8Array[] = [];
          for await (const c of e.bytes) parts.push(c);
          read.push(`${e.name}:${sha256(Buffer.concat(parts))}`);
        } else {
          if (mode === 'first chunk') for await (const _ of e.bytes) break;
          read.push(e.name);
        }
      }
      expect(read).toEqual(['known.csv', 'dd.csv', 'stored-dd.csv', 'stored.csv', `last.csv:${sha256(texts[4])}`]);
    }
    await settled();
    expect(openZlibInflaters()).toBe(0);
  });

  it('releases the source and every inflater when the iteration is abandoned, also mid-skip', async () => {
    const text = csvText(1e6, rng(9));
    const { zip } = buildZip([
      { name: 'a.csv', data: text, descriptor: 'signature' },
      { name: 'b.csv', data: text },
    ]);
    let released = 0;
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        yield* chunked(zip, 8192);
      } finally {
        released++;
      }
    }
    for await (const e of readZip(source(), 'in')) {
      for await (const _ of e.bytes) break;
      break;
    }
    const it = readZip(source(), 'in')[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.done).toBe(false);
    if (!first.done) for await (const _ of first.value.bytes) break;
    await it.return(undefined);
    expect(released).toBe(2);
    await settled();
    expect(openZlibInflaters()).toBe(0);
  });

  it('passes an error of the source on as it is, while inflating or reading headers', async () => {
    const { zip, ranges } = buildZip([{ name: 'a.csv', data: csvText(300_000, rng(13)), descriptor: 'signature' }]);
    const broken = new Error('connection reset');
    for (const at of [10, (ranges[0].start + ranges[0].end) >> 1]) {
      async function* source(): AsyncGenerator<Uint8Array> {
        yield zip.subarray(0, at);
        throw broken;
      }
      let caught: unknown;
      try {
        for await (const e of readZip(source(), 'in')) for await (const _ of e.bytes);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBe(broken);
    }
    await settled();
    expect(openZlibInflaters()).toBe(0);
  });

  it('meters compressed and inflated bytes through the hooks, and stops when a hook throws', async () => {
    const text = csvText(300_000, rng(10));
    const { zip } = buildZip([{ name: 'a.csv', data: text }]);
    let compressed = 0;
    let inflated = 0;
    for await (const e of readZip(chunked(zip, 1000), 'in', { onCompressed: (n) => (compressed += n), onInflated: (n) => (inflated += n) })) {
      for await (const _ of e.bytes);
    }
    expect([compressed, inflated]).toEqual([zip.length, text.length]);
    const limit = new NetworkflowError('archive-limit', 'in: too big');
    const err = await failure(async () => {
      for await (const e of readZip(chunked(zip, 1000), 'in', { onInflated: () => { throw limit; } })) for await (const _ of e.bytes);
    });
    expect(err).toBe(limit);
    await settled();
    expect(openZlibInflaters()).toBe(0);
  });
});

describe('readZip on zips written by real zippers', () => {
  const random = rng(11);
  const files: Record<string, Buffer> = {
    'flows.csv': csvText(3e6, random),
    'noise.bin': randomBytes(200_000, random),
    'empty.txt': Buffer.alloc(0),
    'sub/small.txt': Buffer.from('small\n'),
  };
  const expected = Object.entries(files).map(([name, data]) => [name, sha256(data)]);
  const digest = async (zip: Uint8Array, chunkSize = 65536) => (await readEntries(zip, chunkSize)).map((e) => [e.name, sha256(e.data)]);

  it('reads fflate zipSync output (sizes in the local headers)', async () => {
    expect(await digest(zipSync({ ...files, 'sub/': {} }))).toEqual(expected);
  });

  it("reads fflate's streaming Zip output (data descriptors, deflated and stored)", async () => {
    const parts: Uint8Array[] = [];
    const zip = new Zip((err, data) => {
      if (err) throw err;
      parts.push(data);
    });
    for (const [i, [name, data]] of Object.entries(files).entries()) {
      const file = i % 2 ? new ZipPassThrough(name) : new ZipDeflate(name, { level: 6 });
      zip.add(file);
      for (let k = 0; k < data.length; k += 100_000) file.push(data.subarray(k, k + 100_000));
      file.push(new Uint8Array(0), true);
    }
    zip.end();
    expect(await digest(Buffer.concat(parts), 5000)).toEqual(expected);
  });

  it("reads the project generator's CSV zips (deflate with a data descriptor)", async () => {
    const parts: Uint8Array[] = [];
    for await (const c of zipStream('flows.csv', Date.UTC(2026, 10, 2), chunked(files['flows.csv'], 70_000))) parts.push(c);
    expect(await digest(Buffer.concat(parts))).toEqual([['flows.csv', sha256(files['flows.csv'])]]);
  });

  const hasZip = spawnSync('zip', ['-v']).status === 0;
  it.skipIf(!hasZip)("reads Info-ZIP zip's archives: to a file, to a pipe (descriptors), ZIP64 (-fz) and stored (-0)", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nf-zip-'));
    try {
      for (const [name, data] of Object.entries(files)) {
        const file = path.join(dir, 'in', name);
        spawnSync('mkdir', ['-p', path.dirname(file)]);
        writeFileSync(file, data);
      }
      const opts = { cwd: path.join(dir, 'in') };
      const names = Object.keys(files);
      for (const args of [['-q'], ['-q', '-0'], ['-q', '-fz']]) {
        expect(spawnSync('zip', [...args, '../out.zip', ...names], opts).status).toBe(0);
        expect(await digest(readFileSync(path.join(dir, 'out.zip')))).toEqual(expected);
        rmSync(path.join(dir, 'out.zip'));
      }
      // zip writing to a pipe cannot seek back: data descriptors after every entry
      const piped = spawnSync('zip', ['-q', '-', ...names], { ...opts, maxBuffer: 64e6 });
      expect(piped.status).toBe(0);
      expect(piped.stdout.readUInt16LE(6) & 8).toBe(8);
      expect(await digest(piped.stdout)).toEqual(expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const hasPython = spawnSync('python3', ['-c', 'import zipfile']).status === 0;
  it.skipIf(!hasPython)("reads Python zipfile's archives, including ZIP64 descriptors written to an unseekable stream", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nf-zip-'));
    try {
      for (const [name, data] of Object.entries(files)) writeFileSync(path.join(dir, name.replace('/', '_')), data);
      const script = `
import io, os, sys, zipfile
d = sys.argv[1]
names = ${JSON.stringify(Object.keys(files))}
class Pipe(io.RawIOBase):
    def __init__(s, f): s.f = f
    def writable(s): return True
    def write(s, b): s.f.write(b); return len(b)
for out, seekable, zip64 in (('plain.zip', True, False), ('stream.zip', False, False), ('stream64.zip', False, True)):
    with open(os.path.join(d, out), 'wb') as f:
        with zipfile.ZipFile(f if seekable else Pipe(f), 'w', zipfile.ZIP_DEFLATED) as z:
            for n in names:
                with z.open(n, 'w', force_zip64=zip64) as w, open(os.path.join(d, n.replace('/', '_')), 'rb') as r:
                    w.write(r.read())
`;
      const run = spawnSync('python3', ['-c', script, dir]);
      expect(run.stderr.toString()).toBe('');
      for (const out of ['plain.zip', 'stream.zip', 'stream64.zip']) {
        expect([out, await digest(readFileSync(path.join(dir, out)), 3000)]).toEqual([out, expected]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
