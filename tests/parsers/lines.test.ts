import { describe, expect, it } from 'vitest';
import { readLines } from '../../src/parsers/lines.js';
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
