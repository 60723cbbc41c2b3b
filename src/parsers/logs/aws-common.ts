/**
 * Helpers shared by the AWS log formats (cloudwatch.ts, cloudtrail.ts): a fast ISO 8601 time reader, the
 * `{"Records":[…]}` wrapper (CloudTrail files, Kinesis and S3 Lambda events) streamed through readJsonItems,
 * and the text framing helpers.
 */
import type { Diagnostic } from '../../model/index.js';
import { invalidUtf8, PARSE_FAILED, readJsonItems, tryParseJson, type JsonItem, type JsonItemBatch } from '../json-items.js';
import { decodeText, prependText, REPLACEMENT_CHAR } from '../text.js';
import type { ByteSource } from '../types.js';

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A non-empty string field, else null. */
export function str(o: unknown, key: string): string | null {
  if (typeof o !== 'object' || o === null) return null;
  const v = (o as Json)[key];
  return typeof v === 'string' && v.length > 0 ? v : null;
}

/** The value as JSON text (values come from JSON.parse, so stringify cannot throw), cut to ~80 characters. */
export function quote(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** ISO 8601 UTC text to epoch ms: the flow parsers' fast reader (hour cached, the rest at fixed positions). */
export { parseGcpTime as parseIsoTime } from '../flow/gcp-vpc.js';

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 10;
}

/**
 * readJsonItems unwraps only a lower-case `{"records":[…]}`; AWS writes `{"Records":[…]}` (CloudTrail log
 * files, Kinesis / S3 / SQS Lambda events). When the document's first key is `"Records"`, that one key is
 * renamed in the text (same length, so lines and sizes stay exact) and each element becomes an item. Other
 * top-level `Records` wrappers (e.g. several files concatenated) arrive whole as one item; the formats
 * unwrap those themselves.
 */
export async function* awsRecordsText(texts: AsyncIterable<string>): AsyncGenerator<string, void, undefined> {
  let head = '';
  let decided = false;
  for await (const t of texts) {
    if (decided) {
      yield t;
      continue;
    }
    head += t;
    let i = 0;
    while (i < head.length && isSpace(head.charCodeAt(i))) i++;
    if (i === head.length) continue; // only blanks so far
    if (head.charCodeAt(i) !== 123) {
      decided = true;
      yield head;
      continue;
    }
    let j = i + 1;
    while (j < head.length && isSpace(head.charCodeAt(j))) j++;
    if (head.length - j < 9) {
      if (head.length < 4096) continue; // wait for the key
      j = head.length; // absurd run of blanks: leave the text alone
    }
    decided = true;
    if (head.startsWith('"Records"', j)) head = `${head.slice(0, j + 1)}r${head.slice(j + 2)}`;
    yield head;
  }
  if (!decided && head.length > 0) {
    let i = 0;
    while (i < head.length && isSpace(head.charCodeAt(i))) i++;
    let j = i + 1;
    while (j < head.length && isSpace(head.charCodeAt(j))) j++;
    if (head.charCodeAt(i) === 123 && head.startsWith('"Records"', j)) head = `${head.slice(0, j + 1)}r${head.slice(j + 2)}`;
    yield head;
  }
}



function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 13;
}

/** Lines longer than this leave the line path for readJsonItems. */
const FAST_LINE_MAX = 1 << 20;

/**
 * The items of an AWS JSON input, as readJsonItems over awsRecordsText gives them, faster for NDJSON: each line that is one
 * complete object goes straight to JSON.parse (measured ~20% faster than readJsonItems' own NDJSON path on
 * CloudTrail records). From the first line that is not (a `{"Records":[…]}` file, an array, pretty-printed
 * JSON, a damaged line, a line over 1 MiB), the rest of the input is streamed through readJsonItems (after awsRecordsText), which
 * owns all other framing and its diagnostics; its line numbers are shifted to the input's.
 */
export async function* readAwsItemsFast(input: ByteSource, object: string, maxItem: number, batchSize: number): AsyncGenerator<JsonItemBatch, void, undefined> {
  const fastMax = Math.min(FAST_LINE_MAX, maxItem);
  const texts = decodeText(input)[Symbol.asyncIterator]();
  let items: JsonItem[] = [];
  let diagnostics: Diagnostic[] = [];
  let carry = '';
  let buf = '';
  let lineNo = 1;
  let fallbackFrom = -1;
  lines: for (;;) {
    const r = await texts.next();
    if (r.done) {
      if (carry.length === 0) break;
      buf = carry;
      carry = '';
    } else {
      buf = carry.length > 0 ? carry + r.value : r.value;
      carry = '';
    }
    const n = buf.length;
    let start = 0;
    let badPos = buf.indexOf(REPLACEMENT_CHAR);
    for (;;) {
      let nl = buf.indexOf('\n', start);
      if (nl === -1) {
        if (!r.done) {
          if (n - start > fastMax) {
            fallbackFrom = start;
            break lines;
          }
          carry = buf.slice(start);
          break;
        }
        nl = n;
      }
      let s = start, e = nl;
      while (s < e && isBlank(buf.charCodeAt(s))) s++;
      while (e > s && isBlank(buf.charCodeAt(e - 1))) e--;
      if (s < e) {
        const value = e - s <= fastMax && buf.charCodeAt(s) === 123 && buf.charCodeAt(e - 1) === 125 && !buf.startsWith('{"Records"', s) ? tryParseJson(buf.slice(s, e)) : PARSE_FAILED;
        if (value === PARSE_FAILED) {
          fallbackFrom = start;
          break lines;
        }
        items.push({ value, line: lineNo, length: e - s });
        if (badPos !== -1 && badPos < e) {
          diagnostics.push(invalidUtf8(object, lineNo));
        }
        if (items.length >= batchSize) {
          yield { items, diagnostics };
          items = [];
          diagnostics = [];
        }
      }
      start = nl + 1;
      if (badPos !== -1 && badPos < start) badPos = buf.indexOf(REPLACEMENT_CHAR, start);
      if (nl >= n) break;
      lineNo++;
    }
    if (r.done) break;
  }
  if (items.length > 0 || diagnostics.length > 0) yield { items, diagnostics };
  if (fallbackFrom < 0) return;
  const offset = lineNo - 1;
  const rest = prependText(buf.slice(fallbackFrom), texts);
  buf = '';
  for await (const b of readJsonItems(awsRecordsText(rest), { object, maxItemLength: maxItem })) {
    if (offset !== 0) {
      for (const it of b.items) it.line += offset;
      for (const d of b.diagnostics) {
        if (d.line !== null) d.line += offset;
        d.message = d.message.replace(/\bline (\d+)/g, (_m, k: string) => `line ${Number(k) + offset}`);
      }
    }
    yield b;
  }
}

/** The UTF-8 size of a string (ASCII fast path). */
export function utf8Length(s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) if (s.charCodeAt(i) > 127) return Buffer.byteLength(s, 'utf8');
  return n;
}
