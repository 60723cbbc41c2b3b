/**
 * Splits a byte stream into lines, in batches, without holding more than one chunk plus one line.
 * Handles LF and CRLF, a leading BOM, lines longer than a limit (skipped with a diagnostic, never
 * buffered), and invalid UTF-8 (the line is kept with U+FFFD and a warning is given).
 */
import { isAscii } from 'node:buffer';
import { diagnostic, type Diagnostic } from '../model/index.js';
import { decodeText, REPLACEMENT_CHAR } from './text.js';
import { DEFAULT_MAX_LINE_LENGTH, type ByteSource } from './types.js';

export interface LineBatch {
  /** `lines[i]` is line number `firstLine + i` (1-based). A skipped over-long line is the empty string. */
  lines: string[];
  firstLine: number;
  diagnostics: Diagnostic[];
}

export interface ReadLinesOptions {
  object: string;
  maxLineLength?: number;
}

export async function* readLines(input: ByteSource, options: ReadLinesOptions): AsyncGenerator<LineBatch, void, undefined> {
  const maxLen = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
  let carry = '';
  let skippingLongLine = false; // inside a line that is already over the limit: drop until its newline
  let nextLine = 1;
  let first = true;
  let carryHasBadUtf8 = false;

  for await (let text of decodeText(input)) {
    if (first) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    const lines: string[] = [];
    const diagnostics: Diagnostic[] = [];
    const firstLine = nextLine;
    const hasBadUtf8 = carryHasBadUtf8 || text.includes(REPLACEMENT_CHAR);
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl === -1) break;
      let line: string;
      if (skippingLongLine) {
        line = '';
        skippingLongLine = false;
      } else {
        line = carry.length > 0 ? carry + text.slice(start, nl) : text.slice(start, nl);
        carry = '';
        if (line.length > maxLen) {
          diagnostics.push(tooLong(options.object, firstLine + lines.length, maxLen));
          line = '';
        }
      }
      if (line.length > 0 && line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
      if (hasBadUtf8 && line.includes(REPLACEMENT_CHAR)) {
        diagnostics.push(badUtf8(options.object, firstLine + lines.length));
      }
      lines.push(line);
      start = nl + 1;
    }
    if (!skippingLongLine && start < text.length) {
      if (carry.length + (text.length - start) > maxLen) {
        diagnostics.push(tooLong(options.object, firstLine + lines.length, maxLen));
        skippingLongLine = true;
        carry = '';
      } else {
        carry += text.slice(start);
      }
    }
    carryHasBadUtf8 = carry.includes(REPLACEMENT_CHAR);
    nextLine = firstLine + lines.length;
    if (lines.length > 0 || diagnostics.length > 0) yield { lines, firstLine, diagnostics };
  }
  if (carry.length > 0 && !skippingLongLine) {
    let line = carry;
    if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
    const diagnostics = line.includes(REPLACEMENT_CHAR) ? [badUtf8(options.object, nextLine)] : [];
    yield { lines: [line], firstLine: nextLine, diagnostics };
  }
}

function tooLong(object: string, line: number, maxLen: number): Diagnostic {
  return diagnostic(object, line, null, 'line-too-long', `line ${line} is longer than ${maxLen} characters; skipped`);
}

function badUtf8(object: string, line: number): Diagnostic {
  return diagnostic(object, line, null, 'invalid-utf8', `line ${line} contains invalid UTF-8 (replaced by U+FFFD)`, 'warning');
}

/**
 * A block of lines as positions in one string, so a parser can read each line where it stands (no substring
 * per line, and a flat string is faster to scan than a sliced one). Line `firstLine + i` (i < count) is
 * `text.slice(starts[i], ends[i])`, with the same content as readLines gives for it: CR and newline excluded,
 * an over-long skipped line empty. `starts` and `ends` may be longer than `count`, and they are reused: a block
 * is valid only until the next one is requested.
 */
export interface LineBlock {
  text: string;
  /**
   * When `text` is an all-ASCII input chunk: its bytes (byte i is char code i), for parsers that compare or
   * scan bytes faster than characters; else null.
   */
  bytes: Uint8Array | null;
  count: number;
  starts: Int32Array;
  ends: Int32Array;
  firstLine: number;
  diagnostics: Diagnostic[];
}

/**
 * The same lines, numbering and diagnostics as readLines, as LineBlocks over the decoded chunks. A line that
 * spans two chunks comes in a block of its own.
 */
export async function* readLineBlocks(input: ByteSource, options: ReadLinesOptions): AsyncGenerator<LineBlock, void, undefined> {
  const maxLen = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
  let carry = '';
  let skippingLongLine = false;
  let nextLine = 1;
  let first = true;
  let carryHasBadUtf8 = false;
  let starts = new Int32Array(4096);
  let ends = new Int32Array(4096);
  let lastChunk: Uint8Array | string | null = null;
  async function* tap(): AsyncGenerator<Uint8Array | string, void, undefined> {
    for await (const chunk of input) {
      lastChunk = chunk;
      yield chunk;
    }
  }

  for await (let text of decodeText(tap())) {
    // decodeText gives one text per chunk, right after reading it: an ASCII chunk's text is its Latin-1 decoding
    const chunk = lastChunk as Uint8Array | string | null;
    const bytes = chunk !== null && typeof chunk !== 'string' && chunk.length === text.length && isAscii(chunk) ? chunk : null;
    if (first) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    const hasBadUtf8 = carryHasBadUtf8 || text.includes(REPLACEMENT_CHAR);
    let start = 0;
    if (carry.length > 0 || skippingLongLine) {
      // the line that began in an earlier chunk: a block of its own
      const nl = text.indexOf('\n');
      if (nl !== -1) {
        const diagnostics: Diagnostic[] = [];
        let line: string;
        if (skippingLongLine) {
          line = '';
          skippingLongLine = false;
        } else {
          line = carry + text.slice(0, nl);
          carry = '';
          if (line.length > maxLen) {
            diagnostics.push(tooLong(options.object, nextLine, maxLen));
            line = '';
          }
        }
        if (line.length > 0 && line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
        if (hasBadUtf8 && line.includes(REPLACEMENT_CHAR)) diagnostics.push(badUtf8(options.object, nextLine));
        starts[0] = 0;
        ends[0] = line.length;
        yield { text: line, bytes: null, count: 1, starts, ends, firstLine: nextLine, diagnostics };
        nextLine++;
        start = nl + 1;
      }
    }
    const diagnostics: Diagnostic[] = [];
    const firstLine = nextLine;
    let count = 0;
    let nextBad = -1; // position of the next U+FFFD at or after `start` (text.length when none), when hasBadUtf8
    if (!skippingLongLine && carry.length === 0) {
      for (;;) {
        const nl = text.indexOf('\n', start);
        if (nl === -1) break;
        if (count === starts.length) {
          const s2 = new Int32Array(count * 2);
          s2.set(starts);
          starts = s2;
          const e2 = new Int32Array(count * 2);
          e2.set(ends);
          ends = e2;
        }
        let e = nl;
        if (e - start > maxLen) {
          diagnostics.push(tooLong(options.object, firstLine + count, maxLen));
          e = start;
        } else {
          if (e > start && text.charCodeAt(e - 1) === 13) e--;
          if (hasBadUtf8) {
            if (nextBad < start) {
              nextBad = text.indexOf(REPLACEMENT_CHAR, start);
              if (nextBad === -1) nextBad = text.length;
            }
            if (nextBad < e) diagnostics.push(badUtf8(options.object, firstLine + count));
          }
        }
        starts[count] = start;
        ends[count] = e;
        count++;
        start = nl + 1;
      }
    }
    if (!skippingLongLine && start < text.length) {
      if (carry.length + (text.length - start) > maxLen) {
        diagnostics.push(tooLong(options.object, firstLine + count, maxLen));
        skippingLongLine = true;
        carry = '';
      } else {
        carry += text.slice(start);
      }
    }
    carryHasBadUtf8 = carry.includes(REPLACEMENT_CHAR);
    nextLine = firstLine + count;
    if (count > 0 || diagnostics.length > 0) yield { text, bytes, count, starts, ends, firstLine, diagnostics };
  }
  if (carry.length > 0 && !skippingLongLine) {
    let line = carry;
    if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
    const diagnostics = line.includes(REPLACEMENT_CHAR) ? [badUtf8(options.object, nextLine)] : [];
    starts[0] = 0;
    ends[0] = line.length;
    yield { text: line, bytes: null, count: 1, starts, ends, firstLine: nextLine, diagnostics };
  }
}
