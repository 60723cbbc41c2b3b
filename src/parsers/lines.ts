/**
 * Splits a byte stream into lines, in batches, without holding more than one chunk plus one line.
 * Handles LF and CRLF, a leading BOM, lines longer than a limit (skipped with a diagnostic, never
 * buffered), and invalid UTF-8 (the line is kept with U+FFFD and a warning is given).
 */
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
