import { describe, expect, it } from 'vitest';
import { readJsonItems } from '../../src/parsers/json-items.js';
import { chunked } from '../helpers/parse.js';

async function items(text: string, chunkSize = 7, maxItemLength?: number) {
  const values: unknown[] = [];
  const lines: number[] = [];
  const reasons: string[] = [];
  for await (const b of readJsonItems(chunked(text, chunkSize), { object: 'x', maxItemLength })) {
    for (const it of b.items) {
      values.push(it.value);
      lines.push(it.line);
    }
    for (const d of b.diagnostics) reasons.push(d.reason);
  }
  return { values, lines, reasons };
}

describe('readJsonItems', () => {
  it('splits the records of an Azure-style wrapper, across any chunk boundary', async () => {
    const doc = '{"records":[{"a":1,"s":"x\\"}{["},\n{"a":2}],"other":{"k":[1]}}';
    for (const size of [1, 2, 3, 5, 64]) {
      const r = await items(doc, size);
      expect(r.values).toEqual([{ a: 1, s: 'x"}{[' }, { a: 2 }]);
      expect(r.lines).toEqual([1, 2]);
      expect(r.reasons).toEqual([]);
    }
  });

  it('reads NDJSON objects and top-level arrays, and several wrappers in a row', async () => {
    expect((await items('{"a":1}\n{"b":[2]}\n')).values).toEqual([{ a: 1 }, { b: [2] }]);
    expect((await items('[{"a":1},{"a":2}]')).values).toEqual([{ a: 1 }, { a: 2 }]);
    expect((await items('{"x":1,"records":[{"a":1}]}{"records":[]}{"records":[{"a":3}]}')).values).toEqual([{ a: 1 }, { a: 3 }]);
  });

  it('reports bad and truncated JSON and keeps the good records around it', async () => {
    const r = await items('{"a":1}\ngarbage here\n{"a":tru}\n{"a":2}\n{"a":');
    expect(r.values).toEqual([{ a: 1 }, { a: 2 }]);
    expect(r.reasons).toEqual(['not-json', 'bad-json', 'truncated-json']);
  });

  it('refuses a record larger than the limit', async () => {
    const r = await items(`{"records":[{"a":"${'x'.repeat(100)}"}]}`, 16, 50);
    expect(r.values).toEqual([]);
    expect(r.reasons).toEqual(['record-too-large']);
  });
});
