import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readJsonItems } from '../../src/parsers/json-items.js';
import type { Diagnostic } from '../../src/model/index.js';
import { chunked } from '../helpers/parse.js';

async function items(text: string | Uint8Array, chunkSize = 7, maxItemLength?: number) {
  const values: unknown[] = [];
  const lines: number[] = [];
  const reasons: string[] = [];
  const diagnostics: Diagnostic[] = [];
  for await (const b of readJsonItems(chunked(text, chunkSize), { object: 'x', maxItemLength })) {
    for (const it of b.items) {
      values.push(it.value);
      lines.push(it.line);
    }
    for (const d of b.diagnostics) {
      reasons.push(d.reason);
      diagnostics.push(d);
    }
  }
  return { values, lines, reasons, diagnostics };
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

  it('refuses every over-size record, whole in one chunk or not, and goes on after it', async () => {
    const big = `{"a":"${'x'.repeat(100)}"}`;
    for (const doc of [`{"records":[{"a":1},${big},{"a":2}]}`, `[{"a":1},${big},{"a":2}]`, `{"a":1}\n${big}\n{"a":2}\n`, `{"a":1} ${big} {"a":2}`]) {
      for (const size of [1, 7, 16, 1 << 16]) {
        const r = await items(doc, size, 50);
        expect(r.values).toEqual([{ a: 1 }, { a: 2 }]);
        expect(r.reasons).toEqual(['record-too-large']);
        expect(r.diagnostics[0].fatal).toBeUndefined();
        expect(r.diagnostics[0].message).toContain('larger than 50 characters');
      }
    }
    // an over-size record with strings that hold brackets, quotes and backslashes is followed to its real end
    const tricky = `{"s":"${'\\\\'.repeat(40)}\\"]}{[","t":[${'1,'.repeat(30)}2]}`;
    expect(JSON.parse(tricky)).toBeTruthy();
    for (const size of [1, 3, 7, 1 << 16]) {
      const r = await items(`[${tricky},{"a":3}]\n{"records":[${tricky},{"a":4}],"x":"\\\\"}`, size, 50);
      expect(r.values).toEqual([{ a: 3 }, { a: 4 }]);
      expect(r.reasons).toEqual(['record-too-large', 'record-too-large']);
    }
    // a records wrapper may itself be longer than the limit: only its items count
    const many = `{"records":[${Array.from({ length: 20 }, (_, k) => `{"a":${k}}`).join(',')}]}`;
    for (const size of [1, 7, 1 << 16]) {
      expect((await items(many, size, 20)).values).toHaveLength(20);
      expect(await items(`${many}\n${many}\n{"records":[{"b":"${'y'.repeat(30)}"}]}\n`, size, 20)).toMatchObject({ reasons: ['record-too-large'] });
      expect((await items(`${many}\n${many}\n`, size, 20)).values).toHaveLength(40);
    }
    // one-line wrappers and objects that merely mention "records" are told apart on the NDJSON fast path too
    const mixed = '{"records":[{"a":1},{"a":2}]}\n{"x":"records"}\n{"records":"none"}\n{"y":{"records":[3]}}\n';
    for (const size of [1, 7, 1 << 16]) {
      expect((await items(mixed, size)).values).toEqual([{ a: 1 }, { a: 2 }, { x: 'records' }, { records: 'none' }, { y: { records: [3] } }]);
    }
    const longHead = `{"meta":"${'m'.repeat(100)}","records":[{"a":1}]}`;
    for (const size of [1, 7, 1 << 16]) expect(await items(longHead, size, 20)).toMatchObject({ values: [{ a: 1 }], reasons: [] });
  });

  it('warns about invalid UTF-8, naming the line, and keeps the record', async () => {
    const enc = new TextEncoder();
    const doc = new Uint8Array([...enc.encode('{"a":"ok"}\n{"b":"x'), 0xff, 0xfe, ...enc.encode('y"}\n[{"c":1},\n{"d":"'), 0xc3, ...enc.encode('"}]\n')]);
    for (const size of [1, 2, 7, 1 << 16]) {
      const r = await items(doc, size);
      expect(r.values).toEqual([{ a: 'ok' }, { b: 'x\uFFFD\uFFFDy' }, { c: 1 }, { d: '\uFFFD' }]);
      expect(r.diagnostics.map((d) => [d.reason, d.line, d.severity, d.message])).toEqual([
        ['invalid-utf8', 2, 'warning', 'line 2 contains invalid UTF-8 (replaced by U+FFFD)'],
        ['invalid-utf8', 4, 'warning', 'line 4 contains invalid UTF-8 (replaced by U+FFFD)'],
      ]);
    }
    // the line named is the one with the bad byte, also inside a pretty-printed record
    const pretty = new Uint8Array([...enc.encode('{"records":[{\n  "a": 1,\n  "b": "'), 0x80, ...enc.encode('"\n}]}')]);
    const r = await items(pretty, 5);
    expect(r.lines).toEqual([1]);
    expect(r.diagnostics.map((d) => [d.reason, d.line])).toEqual([['invalid-utf8', 3]]);
  });

  it('skips array elements that are not objects, whatever the chunking', async () => {
    for (const size of [1, 2, 7, 1 << 16]) {
      const r = await items('[{"a":1}, 12345, "x,]\\"y", true ,{"a":2}, null]\n{"records":[-1.5e3,{"a":3}]}', size);
      expect(r.values).toEqual([{ a: 1 }, { a: 2 }, { a: 3 }]);
      expect(r.reasons).toEqual(['not-a-record', 'not-a-record', 'not-a-record', 'not-a-record', 'not-a-record']);
    }
  });

  it('keeps escaped quotes right after a chunk boundary in the text after a wrapper', async () => {
    const doc = '{"records":[{"a":1}],"tail":"\\\\\\\\\\"}]{\\\\"}\n{"a":2}\n';
    expect(JSON.parse(doc.split('\n')[0])).toBeTruthy();
    for (let size = 1; size <= 12; size++) expect(await items(doc, size)).toMatchObject({ values: [{ a: 1 }, { a: 2 }], reasons: [] });
  });

  it('gives the same items on the NDJSON fast path as JSON.parse line by line, in any chunking', async () => {
    // values as JSON text carries them (-0 is written as 0, so compare with what the text says)
    const value = fc
      .dictionary(fc.string({ unit: 'binary', maxLength: 6 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 })
      .map((v) => JSON.parse(JSON.stringify(v)) as Record<string, unknown>);
    const lineArb = fc.oneof(
      value.map((v) => ({ text: JSON.stringify(v), items: [v] })),
      value.map((v) => ({ text: ` \t${JSON.stringify(v, null, 0)}\r`, items: [v] })),
      fc.array(value, { maxLength: 3 }).map((vs) => ({ text: JSON.stringify({ records: vs }), items: vs })),
      fc.constant({ text: '', items: [] as unknown[] }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(lineArb, { maxLength: 8 }), fc.constantFrom(1, 3, 7, 1 << 16), async (ls, size) => {
        const doc = ls.map((l) => l.text).join('\n');
        const r = await items(doc, size);
        expect(r.reasons).toEqual([]);
        expect(r.values).toEqual(ls.flatMap((l) => l.items));
        expect(r.lines).toEqual(ls.flatMap((l, k) => l.items.map(() => k + 1)));
      }),
      { numRuns: 150 },
    );
  });

  it('never throws on random text and mutations of valid input', async () => {
    const base = '{"records":[{"a":"x\\\\"y","b":[1,{"c":null}]},{"d":2}]}\n{"e":[true,false]}\n[{"f":1},2]\n';
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.tuple(fc.nat(base.length), fc.nat(base.length), fc.string({ maxLength: 5 })).map(([a, b, ins]) => base.slice(0, Math.min(a, b)) + ins + base.slice(Math.max(a, b)))),
        fc.constantFrom(1, 5, 1 << 16),
        async (doc, size) => {
          const r = await items(doc, size, 64);
          const whole = await items(doc, 1 << 16, 64);
          expect(r.values).toEqual(whole.values);
          expect(r.reasons).toEqual(whole.reasons);
        },
      ),
      { numRuns: 200 },
    );
  });
});
