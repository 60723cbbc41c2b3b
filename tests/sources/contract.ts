/**
 * The ObjectSource contract: one `describe` block that every implementation (local folder, Azurite,
 * the S3 emulator, the GCS fake) runs against itself, so they all behave the same way to callers.
 *
 * Usage, in an implementation's test file:
 *
 *   objectSourceContract('azure-blob (Azurite)', async () => ({ source, put, teardown }));
 *
 * `setup` is called once (beforeAll) and must return a source over an empty root; `put` writes an
 * object under that root by any means (usually the SDK directly, not the source under test), and
 * `teardown` stops whatever setup started. The contract calls `source.close()` itself before teardown.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceError, type ObjectInfo, type ObjectSource } from '../../src/sources/types.js';

export interface ContractFixture {
  source: ObjectSource;
  put(key: string, body: Uint8Array): Promise<void>;
  teardown(): Promise<void>;
}

/** How many small objects the pagination test lists, and the page size it asks for. */
export const CONTRACT_MANY = 50;
export const CONTRACT_PAGE_SIZE = 7;
/** The large object: big enough that every implementation must deliver it in more than one chunk. */
export const CONTRACT_LARGE_BYTES = 5 * 1024 * 1024;

/** Keys that trip naive URL building: spaces, unicode, `=` (Azure `y=2024/m=05` layout), `+`, `%`. */
export const CONTRACT_ODD_KEYS = [
  'odd/with space.log',
  'odd/ünïcødé-日本.log',
  'odd/y=2024/m=05/d=01/h=10/m=00/PT1H.json',
  'odd/plus+and%percent.log',
];

const encoder = new TextEncoder();

/** Deterministic content per key, so a read can be checked byte for byte. */
export function contractBody(key: string): Uint8Array {
  return encoder.encode(`object ${key}\n`.repeat(3 + (key.length % 5)));
}

/** Deterministic pseudo-random bytes (not compressible, not repetitive). */
export function contractLargeBody(size = CONTRACT_LARGE_BYTES): Uint8Array {
  const out = new Uint8Array(size);
  let x = 0x9e3779b9;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const manyKey = (i: number) => `many/obj-${String(i).padStart(3, '0')}.log`;

async function readAll(iter: AsyncIterable<Uint8Array>): Promise<{ bytes: Uint8Array; chunks: number }> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const c of iter) {
    parts.push(c);
    total += c.length;
  }
  const bytes = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    bytes.set(p, o);
    o += p.length;
  }
  return { bytes, chunks: parts.length };
}

async function listAll(source: ObjectSource, prefix?: string, pageSize?: number): Promise<{ items: ObjectInfo[]; pages: number }> {
  const items: ObjectInfo[] = [];
  let pages = 0;
  for await (const page of source.list({ prefix, pageSize })) {
    pages++;
    items.push(...page);
  }
  return { items, pages };
}

async function expectSourceError(p: Promise<unknown>, transient: boolean): Promise<SourceError> {
  let caught: unknown;
  try {
    await p;
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected a SourceError').toBeInstanceOf(SourceError);
  const e = caught as SourceError;
  expect(e.transient).toBe(transient);
  return e;
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export function objectSourceContract(name: string, setup: () => Promise<ContractFixture>): void {
  describe(`ObjectSource contract: ${name}`, () => {
    let fx: ContractFixture;
    let large: Uint8Array;
    const small = new Map<string, Uint8Array>();

    beforeAll(async () => {
      fx = await setup();
      for (let i = 0; i < CONTRACT_MANY; i++) small.set(manyKey(i), contractBody(manyKey(i)));
      for (const k of CONTRACT_ODD_KEYS) small.set(k, contractBody(k));
      small.set('top.log', contractBody('top.log'));
      small.set('empty/zero.log', new Uint8Array(0));
      for (const [k, b] of small) await fx.put(k, b);
      large = contractLargeBody();
      await fx.put('large/big.bin', large);
    }, 120_000);

    afterAll(async () => {
      await fx?.source.close();
      await fx?.teardown();
    }, 60_000);

    it('lists every object exactly once across several pages, with size, etag and lastModified', async () => {
      const { items, pages } = await listAll(fx.source, 'many/', CONTRACT_PAGE_SIZE);
      expect(pages).toBeGreaterThan(1);
      const keys = items.map((i) => i.key);
      expect(new Set(keys).size).toBe(keys.length);
      expect(new Set(keys)).toEqual(new Set(Array.from({ length: CONTRACT_MANY }, (_, i) => manyKey(i))));
      for (const info of items) {
        expect(info.size, info.key).toBe(small.get(info.key)!.length);
        expect(typeof info.etag, info.key).toBe('string');
        expect(info.etag!.length).toBeGreaterThan(0);
        expect(typeof info.lastModified, info.key).toBe('number');
        expect(Number.isFinite(info.lastModified)).toBe(true);
        expect(info.uri.length).toBeGreaterThan(info.key.length);
      }
    });

    it('lists everything under the root without a prefix (small objects, odd keys, empty and large)', async () => {
      const { items } = await listAll(fx.source);
      const keys = items.map((i) => i.key);
      expect(new Set(keys).size).toBe(keys.length);
      expect(new Set(keys)).toEqual(new Set([...small.keys(), 'large/big.bin']));
      expect(items.find((i) => i.key === 'large/big.bin')!.size).toBe(CONTRACT_LARGE_BYTES);
      expect(items.find((i) => i.key === 'empty/zero.log')!.size).toBe(0);
    });

    it('filters by prefix, and an unmatched prefix is an empty listing (not an error)', async () => {
      const { items } = await listAll(fx.source, 'odd/');
      expect(new Set(items.map((i) => i.key))).toEqual(new Set(CONTRACT_ODD_KEYS));
      const deep = await listAll(fx.source, 'odd/y=2024/m=05/');
      expect(deep.items.map((i) => i.key)).toEqual(['odd/y=2024/m=05/d=01/h=10/m=00/PT1H.json']);
      const none = await listAll(fx.source, 'no-such-prefix/');
      expect(none.items).toEqual([]);
    });

    it('stats one object like the listing does', async () => {
      const info = await fx.source.stat('top.log');
      expect(info.key).toBe('top.log');
      expect(info.size).toBe(small.get('top.log')!.length);
      expect(typeof info.etag).toBe('string');
      expect(typeof info.lastModified).toBe('number');
      const listed = (await listAll(fx.source, 'top')).items.find((i) => i.key === 'top.log')!;
      expect(info.uri).toBe(listed.uri);
      expect(info.size).toBe(listed.size);
    });

    it('stat of a missing key is a permanent SourceError that names it (404 where HTTP)', async () => {
      const e = await expectSourceError(fx.source.stat('many/does-not-exist.log'), false);
      expect(e.status === null || e.status === 404).toBe(true);
      expect(e.message + e.target).toContain('does-not-exist.log');
    });

    it('reads whole objects', async () => {
      for (const key of ['top.log', manyKey(7)]) {
        const { bytes } = await readAll(fx.source.read(key));
        expect(sha(bytes), key).toBe(sha(small.get(key)!));
      }
    });

    it('reads ranges: from a start, and from a start to an (exclusive) end', async () => {
      const body = small.get('top.log')!;
      expect((await readAll(fx.source.read('top.log', { start: 5 }))).bytes).toEqual(body.subarray(5));
      expect((await readAll(fx.source.read('top.log', { start: 3, end: 11 }))).bytes).toEqual(body.subarray(3, 11));
      expect((await readAll(fx.source.read('top.log', { start: 0, end: 1 }))).bytes).toEqual(body.subarray(0, 1));
      expect((await readAll(fx.source.read('large/big.bin', { start: 1_000_000, end: 1_000_100 }))).bytes).toEqual(
        large.subarray(1_000_000, 1_000_100),
      );
    });

    it('reading a missing key is a permanent SourceError', async () => {
      const e = await expectSourceError(readAll(fx.source.read('many/missing-too.log')), false);
      expect(e.status === null || e.status === 404).toBe(true);
      expect(e.message + e.target).toContain('missing-too.log');
    });

    it('reads with the current etag as ifMatch, and refuses a stale one with a permanent SourceError', async () => {
      const info = await fx.source.stat(manyKey(3));
      const { bytes } = await readAll(fx.source.read(manyKey(3), { ifMatch: info.etag!, start: 2 }));
      expect(bytes).toEqual(small.get(manyKey(3))!.subarray(2));
      const stale = info.etag!.startsWith('"') ? '"0000stale0000"' : '0000stale0000';
      await expectSourceError(readAll(fx.source.read(manyKey(3), { ifMatch: stale })), false);
    });

    it('streams a large object in several chunks, byte for byte', async () => {
      const { bytes, chunks } = await readAll(fx.source.read('large/big.bin'));
      expect(chunks).toBeGreaterThan(1);
      expect(bytes.length).toBe(CONTRACT_LARGE_BYTES);
      expect(sha(bytes)).toBe(sha(large));
      const tail = await readAll(fx.source.read('large/big.bin', { start: CONTRACT_LARGE_BYTES - 10 }));
      expect(tail.bytes).toEqual(large.subarray(CONTRACT_LARGE_BYTES - 10));
    });

    it('handles keys with spaces, unicode, =, + and %', async () => {
      for (const key of CONTRACT_ODD_KEYS) {
        const info = await fx.source.stat(key);
        expect(info.key, key).toBe(key);
        expect(info.size, key).toBe(small.get(key)!.length);
        expect((await readAll(fx.source.read(key))).bytes, key).toEqual(small.get(key));
      }
    });

    it('reads an empty object as no bytes', async () => {
      const info = await fx.source.stat('empty/zero.log');
      expect(info.size).toBe(0);
      expect((await readAll(fx.source.read('empty/zero.log'))).bytes.length).toBe(0);
    });

    it('writes an object from a stream and reads it back (when the source can write)', async (ctx) => {
      const write = fx.source.write?.bind(fx.source);
      if (!write) {
        ctx.skip();
        return;
      }
      const parts = [encoder.encode('first part\n'), contractLargeBody(300_000), encoder.encode('last part\n')];
      async function* body() {
        for (const p of parts) yield p;
      }
      const key = 'written/y=2024/round trip ü.bin';
      const info = await write(key, body(), { contentType: 'application/octet-stream' });
      const expected = (await readAll(body())).bytes;
      expect(info.key).toBe(key);
      expect(info.size).toBe(expected.length);
      const stat = await fx.source.stat(key);
      expect(stat.size).toBe(expected.length);
      expect(sha((await readAll(fx.source.read(key))).bytes)).toBe(sha(expected));
      // overwriting replaces the content
      const again = await write(key, body2(), {});
      async function* body2() {
        yield encoder.encode('replaced\n');
      }
      expect(again.size).toBe(9);
      expect(new TextDecoder().decode((await readAll(fx.source.read(key))).bytes)).toBe('replaced\n');
    });
  });
}
