import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeText, endsInsideCharacter } from '../../src/parsers/text.js';
import { chunked } from '../helpers/parse.js';

async function decodeAll(bytes: Uint8Array, chunkSize: number): Promise<string> {
  let out = '';
  for await (const t of decodeText(chunked(bytes, chunkSize))) out += t;
  return out;
}

// bytes drawn mostly from the UTF-8 classes (ASCII, continuation, lead bytes) so that partial characters
// across chunk boundaries come up often
const utf8ishBytes = fc
  .array(fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0x80, max: 0xbf }), fc.integer({ min: 0xc2, max: 0xf4 }), fc.integer({ min: 0, max: 255 })), {
    maxLength: 80,
  })
  .map((a) => Uint8Array.from(a));

describe('decodeText', () => {
  it('decodes ASCII and multi-byte UTF-8 split across any chunk boundary, dropping only a leading BOM', async () => {
    const text = '\uFEFFabc,é,€,😀\ndef\uFEFF\n';
    const bytes = new TextEncoder().encode(text);
    for (const size of [1, 2, 3, 4, 5, 64]) expect(await decodeAll(bytes, size)).toBe(text.slice(1));
  });

  it('keeps a character whose bytes arrive one chunk at a time in order', async () => {
    expect(await decodeAll(new Uint8Array([224, 160, 0]), 1)).toBe(new TextDecoder().decode(new Uint8Array([224, 160, 0])));
    expect(await decodeAll(new Uint8Array([0xf0, 0x9f, 0x98, 0x80, 0x41]), 1)).toBe('😀A');
  });

  it('replaces invalid UTF-8 with U+FFFD and keeps the rest', async () => {
    expect(await decodeAll(new Uint8Array([0x61, 0xff, 0x62, 0xe2, 0x82]), 2)).toBe('a\uFFFDb\uFFFD');
  });

  it('gives the same text as a one-shot UTF-8 decode for any bytes and chunking', async () => {
    await fc.assert(
      fc.asyncProperty(utf8ishBytes, fc.integer({ min: 1, max: 17 }), async (bytes, size) => {
        let expected = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
        if (expected.charCodeAt(0) === 0xfeff) expected = expected.slice(1);
        expect(await decodeAll(bytes, size)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('passes string chunks through', async () => {
    async function* strings() {
      yield 'ab';
      yield 'c';
    }
    let out = '';
    for await (const t of decodeText(strings())) out += t;
    expect(out).toBe('abc');
  });
});

describe('endsInsideCharacter', () => {
  it('sees a partial multi-byte character at the end', () => {
    const euro = [0xe2, 0x82, 0xac];
    expect(endsInsideCharacter(new Uint8Array([0x61]))).toBe(false);
    expect(endsInsideCharacter(new Uint8Array(euro))).toBe(false);
    expect(endsInsideCharacter(new Uint8Array(euro.slice(0, 2)))).toBe(true);
    expect(endsInsideCharacter(new Uint8Array(euro.slice(0, 1)))).toBe(true);
    expect(endsInsideCharacter(new Uint8Array([0xf0, 0x9f, 0x98]))).toBe(true);
    expect(endsInsideCharacter(new Uint8Array([]))).toBe(false);
  });
});
