import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readLineBlocks, readLines } from '../../src/parsers/lines.js';
import { chunked } from '../helpers/parse.js';

async function lines(data: string | Uint8Array, chunkSize = 3, maxLineLength?: number) {
  const out: [number, string][] = [];
  const reasons: [number | null, string][] = [];
  for await (const b of readLines(chunked(data, chunkSize), { object: 'x', maxLineLength })) {
    b.lines.forEach((l, i) => out.push([b.firstLine + i, l]));
    for (const d of b.diagnostics) reasons.push([d.line, d.reason]);
  }
  return { out, reasons };
}

describe('readLines', () => {
  it('splits LF and CRLF lines, drops a BOM, keeps the last line without newline', async () => {
    for (const size of [1, 2, 4, 100]) {
      const r = await lines('\uFEFFa,b\r\nc\n\nd', size);
      expect(r.out).toEqual([[1, 'a,b'], [2, 'c'], [3, ''], [4, 'd']]);
    }
  });

  it('skips over-long lines without losing the numbering', async () => {
    const r = await lines(`ok\n${'x'.repeat(50)}\nok2\n`, 4, 10);
    expect(r.out).toEqual([[1, 'ok'], [2, ''], [3, 'ok2']]);
    expect(r.reasons).toEqual([[2, 'line-too-long']]);
  });

  it('warns about invalid UTF-8 and keeps the line', async () => {
    const bytes = new Uint8Array([0x61, 0x0a, 0x62, 0xff, 0x63, 0x0a, 0x64]);
    const r = await lines(bytes, 2);
    expect(r.out).toEqual([[1, 'a'], [2, 'b\uFFFDc'], [3, 'd']]);
    expect(r.reasons).toEqual([[2, 'invalid-utf8']]);
  });
});

/** Lines and diagnostics (with the line each diagnostic is given after) from readLineBlocks. */
async function blockLines(data: string | Uint8Array, chunkSize = 3, maxLineLength?: number) {
  const out: [number, string][] = [];
  const reasons: [number | null, string][] = [];
  for await (const b of readLineBlocks(chunked(data, chunkSize), { object: 'x', maxLineLength })) {
    expect(b.count).toBeGreaterThanOrEqual(0);
    if (b.bytes !== null) {
      // the bytes of an ASCII chunk: byte i is char i of the text
      expect(b.bytes.length).toBe(b.text.length);
      for (let i = 0; i < b.text.length; i++) expect(b.bytes[i]).toBe(b.text.charCodeAt(i));
    }
    for (let i = 0; i < b.count; i++) out.push([b.firstLine + i, b.text.slice(b.starts[i], b.ends[i])]);
    for (const d of b.diagnostics) {
      expect(d.line).toBeGreaterThanOrEqual(b.firstLine);
      reasons.push([d.line, d.reason]);
    }
  }
  return { out, reasons };
}

describe('readLineBlocks', () => {
  it('gives the same lines as readLines: LF, CRLF, BOM, last line without newline', async () => {
    for (const size of [1, 2, 4, 100]) {
      const r = await blockLines('\uFEFFa,b\r\nc\n\nd', size);
      expect(r.out).toEqual([[1, 'a,b'], [2, 'c'], [3, ''], [4, 'd']]);
    }
  });

  it('skips over-long lines, inside a chunk and across chunks', async () => {
    for (const size of [4, 1000]) {
      const r = await blockLines(`ok\n${'x'.repeat(50)}\nok2\n${'y'.repeat(11)}\r\nz`, size, 10);
      expect(r.out).toEqual([[1, 'ok'], [2, ''], [3, 'ok2'], [4, ''], [5, 'z']]);
      expect(r.reasons).toEqual([[2, 'line-too-long'], [4, 'line-too-long']]);
    }
  });

  it('warns about invalid UTF-8 and keeps the line', async () => {
    const bytes = new Uint8Array([0x61, 0x0a, 0x62, 0xff, 0x63, 0x0a, 0x64, 0x0a, 0xff]);
    for (const size of [1, 2, 100]) {
      const r = await blockLines(bytes, size);
      expect(r.out).toEqual([[1, 'a'], [2, 'b\uFFFDc'], [3, 'd'], [4, '\uFFFD']]);
      expect(r.reasons).toEqual([[2, 'invalid-utf8'], [4, 'invalid-utf8']]);
    }
  });

  it('gives the bytes of ASCII chunks only', async () => {
    const seen: (boolean | null)[] = [];
    for await (const b of readLineBlocks(chunked('ab\ncd\nxé\nz\n', 3), { object: 'x' })) seen.push(b.bytes === null ? false : b.bytes.length === b.text.length);
    // chunks "ab\n", "cd\n", "xé" (not ASCII, no newline: no block yet), "\nz\n": the line "xé" that spans
    // chunks comes alone without bytes, then the rest of the last chunk with its bytes
    expect(seen).toEqual([true, true, false, true]);
    async function* strings() {
      yield 'a\nb\n';
    }
    for await (const b of readLineBlocks(strings(), { object: 'x' })) expect(b.bytes).toBeNull();
  });

  it('grows past 4096 lines in one chunk', async () => {
    const text = Array.from({ length: 10000 }, (_, i) => `l${i}`).join('\n');
    const r = await blockLines(text, 1 << 20);
    expect(r.out.length).toBe(10000);
    expect(r.out[9999]).toEqual([10000, 'l9999']);
  });

  it('agrees with readLines on random input, chunk sizes and limits', async () => {
    const piece = fc.constantFrom('a', 'bc', ',', '\n', '\r', '\r\n', '\uFFFD', 'é', '\uFEFF', 'xxxxxxx', ' ');
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 60 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 12 }), async (parts, size, max) => {
        const text = parts.join('');
        const a = await lines(text, size, max);
        const b = await blockLines(text, size, max);
        expect(b).toEqual(a);
      }),
      { numRuns: 300 },
    );
  });
});
