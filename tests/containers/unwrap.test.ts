import { gzipSync } from 'node:zlib';
import { Zip, ZipDeflate, zipSync, strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { detectContainer, unwrap, type ContainerLimits } from '../../src/containers/index.js';
import { NetworkflowError } from '../../src/model/index.js';
import { chunked } from '../helpers/parse.js';

interface Opened {
  name: string;
  containers: string[];
  text: string;
}

async function open(data: Uint8Array, chunkSize = 1024, limits: Partial<ContainerLimits> = {}): Promise<Opened[]> {
  const out: Opened[] = [];
  for await (const e of unwrap(chunked(data, chunkSize), 'in', limits)) {
    let text = '';
    for await (const c of e.bytes) text += Buffer.from(c).toString('utf8');
    out.push({ name: e.name, containers: e.containers, text });
  }
  return out;
}

async function openError(data: Uint8Array, limits: Partial<ContainerLimits> = {}): Promise<NetworkflowError> {
  try {
    await open(data, 512, limits);
  } catch (err) {
    expect(err).toBeInstanceOf(NetworkflowError);
    return err as NetworkflowError;
  }
  throw new Error('expected an error');
}

/** A zip written as a stream (entries with data descriptors, sizes unknown up front). */
function streamingZip(files: Record<string, string>): Uint8Array {
  const parts: Uint8Array[] = [];
  const zip = new Zip((err, data) => {
    if (err) throw err;
    parts.push(data);
  });
  for (const [name, text] of Object.entries(files)) {
    const f = new ZipDeflate(name, { level: 6 });
    zip.add(f);
    f.push(strToU8(text), true);
  }
  zip.end();
  return Buffer.concat(parts);
}

const bigText = (n: number) => Array.from({ length: n }, (_, i) => `line ${i} ${(i * 7919) % 10007}`).join('\n') + '\n';

describe('detectContainer', () => {
  it('tells gzip, zip and plain apart by magic bytes', () => {
    expect(detectContainer(gzipSync('x'))).toBe('gzip');
    expect(detectContainer(zipSync({ a: strToU8('x') }))).toBe('zip');
    expect(detectContainer(strToU8('PK but text'))).toBe('plain');
    expect(detectContainer(new Uint8Array([0x1f]))).toBe('plain');
  });
});

describe('unwrap', () => {
  it('passes plain input through unchanged', async () => {
    expect(await open(strToU8('hello\nworld\n'), 3)).toEqual([{ name: 'in', containers: [], text: 'hello\nworld\n' }]);
  });

  it('inflates gzip, including several concatenated members', async () => {
    const data = Buffer.concat([gzipSync('a,b\n'), gzipSync('1,2\n')]);
    expect(await open(data, 5)).toEqual([{ name: 'in', containers: ['gzip'], text: 'a,b\n1,2\n' }]);
  });

  it('yields every zip entry, each unwrapped on its own (nested gzip too), skipping folders', async () => {
    const zip = zipSync({
      'logs/': {},
      'logs/a.csv': strToU8('a,b\n'),
      'logs/b.json.gz': gzipSync('{"x":1}\n'),
      'big.txt': strToU8(bigText(5000)),
    });
    const out = await open(zip, 100);
    expect(out.map((e) => [e.name, e.containers])).toEqual([
      ['in!logs/a.csv', ['zip']],
      ['in!logs/b.json.gz', ['zip', 'gzip']],
      ['in!big.txt', ['zip']],
    ]);
    expect(out[1].text).toBe('{"x":1}\n');
    expect(out[2].text).toBe(bigText(5000));
  });

  it('reads zips written by streaming zippers (data descriptors)', async () => {
    const zip = streamingZip({ 'one.log': bigText(3000), 'two.log': 'two\n' });
    const out = await open(zip, 333);
    expect(out.map((e) => e.name)).toEqual(['in!one.log', 'in!two.log']);
    expect(out[0].text).toBe(bigText(3000));
    expect(out[1].text).toBe('two\n');
  });

  it('reaches later entries when the consumer abandons one early', async () => {
    const zip = zipSync({ 'a.txt': strToU8(bigText(20000)), 'b.txt': strToU8('b\n') });
    const names: string[] = [];
    for await (const e of unwrap(chunked(zip, 256), 'in')) {
      names.push(e.name);
      for await (const _ of e.bytes) break;
    }
    expect(names).toEqual(['in!a.txt', 'in!b.txt']);
  });

  it('fails a truncated gzip with a clear error naming the input', async () => {
    const gz = gzipSync(bigText(2000));
    const err = await openError(gz.subarray(0, gz.length - 100));
    expect(err.code).toBe('truncated-archive');
    expect(err.message).toContain('in');
  });

  it('fails a zip cut inside an entry as truncated', async () => {
    const zip = zipSync({ 'a.txt': strToU8(bigText(20000)) });
    const err = await openError(zip.subarray(0, Math.floor(zip.length / 2)));
    expect(err.code).toBe('truncated-archive');
    expect(err.message).toContain('in');
  });

  it('fails corrupt gzip data as corrupt', async () => {
    const gz = Buffer.from(gzipSync(bigText(2000)));
    for (let i = 20; i < 60; i++) gz[i] ^= 0xff;
    const err = await openError(gz);
    expect(['corrupt-archive', 'truncated-archive']).toContain(err.code);
  });

  it('stops archive bombs by ratio and by size', async () => {
    const zeros = new Uint8Array(64 * 1024 * 1024);
    const bomb = gzipSync(zeros, { level: 9 });
    const byRatio = await openError(bomb);
    expect(byRatio.code).toBe('archive-limit');
    expect(byRatio.message).toMatch(/ratio/);
    const bySize = await openError(gzipSync(bigText(100000)), { maxInflatedBytes: 100_000 });
    expect(bySize.code).toBe('archive-limit');
    expect(bySize.message).toMatch(/more than 100000 bytes/);
    const zipBomb = await openError(zipSync({ 'z.bin': zeros }, { level: 9 }));
    expect(zipBomb.code).toBe('archive-limit');
  });
});
