/**
 * Streams the records out of JSON inputs without parsing (or holding) the whole document:
 *   - a top-level array                       → each element is an item   (`[ {...}, {...} ]`)
 *   - a top-level object with a `records` array → each element is an item (Azure blobs `{"records":[...]}`)
 *   - any other top-level value               → the value is an item       (NDJSON: one object per line)
 * Several top-level values may follow each other (NDJSON, concatenated blobs). Only one item is held
 * at a time. Each item is parsed with JSON.parse; one that fails becomes a diagnostic and the scan goes on.
 *
 * Limits and damage: an item longer than `maxItemLength` characters is skipped with `record-too-large` (its text
 * is never buffered beyond the limit; the scan follows its structure to its end and goes on after it). Input
 * that was not valid UTF-8 keeps its items (with U+FFFD in place of the bad bytes) and gives an `invalid-utf8`
 * warning naming the line, as readLines does for line formats. Only the end of the input inside an unfinished
 * value is fatal (`truncated-json`).
 *
 * NDJSON fast path: a top-level `{` that starts a line is tried first as the whole line (found with indexOf and
 * handed to JSON.parse in one piece); only a line that does not parse as one object (or is a `records` wrapper)
 * is scanned character by character.
 */
import { diagnostic, type Diagnostic } from '../model/index.js';
import { decodeText, REPLACEMENT_CHAR } from './text.js';
import { DEFAULT_MAX_JSON_ITEM_LENGTH, type ByteSource } from './types.js';

export interface JsonItem {
  value: unknown;
  /** 1-based line where the item starts. */
  line: number;
  /** Characters of the item's JSON text (its size as received, for cost attribution; ASCII-exact bytes). */
  length: number;
}

export interface JsonItemBatch {
  items: JsonItem[];
  diagnostics: Diagnostic[];
}

export interface ReadJsonItemsOptions {
  object: string;
  maxItemLength?: number;
}

const QUOTE = 34, BACKSLASH = 92, LBRACE = 123, RBRACE = 125, LBRACKET = 91, RBRACKET = 93, COLON = 58, NEWLINE = 10;

// Where the scanner is in the document structure.
const enum Mode {
  TopLevel, // between top-level values
  Item, // inside an item: depth counts nesting relative to the item
  WrapperObject, // inside a top-level object that may be a `{"records": [...]}` wrapper, before we know
  RecordsArray, // inside the wrapper's records array, between items
  WrapperTail, // after the wrapper's records array, until the wrapper object closes
  SkipLine, // garbage at top level: skip to the end of the line
  Scalar, // an array element that is not an object or array (a number, literal or string): skipped
}

export const PARSE_FAILED: unique symbol = Symbol('parse-failed');

/** JSON.parse without an exception: PARSE_FAILED and the error message in `lastParseError`. */
let lastParseError = '';
export function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    lastParseError = (err as Error).message;
    return PARSE_FAILED;
  }
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 13;
}

/** The warning for a line whose invalid UTF-8 was replaced by U+FFFD (the wording of readLines). */
export function invalidUtf8(object: string, line: number): Diagnostic {
  // the wording of readLines (lines.ts)
  return diagnostic(object, line, null, 'invalid-utf8', `line ${line} contains invalid UTF-8 (replaced by U+FFFD)`, 'warning');
}

function tooLarge(object: string, line: number, maxLen: number): Diagnostic {
  return diagnostic(object, line, null, 'record-too-large', `JSON record at line ${line} is larger than ${maxLen} characters; skipped`);
}

export async function* readJsonItems(input: ByteSource, options: ReadJsonItemsOptions): AsyncGenerator<JsonItemBatch, void, undefined> {
  const maxLen = options.maxItemLength ?? DEFAULT_MAX_JSON_ITEM_LENGTH;
  const object = options.object;
  let buf = ''; // unconsumed text; item text starts at itemStart
  let mode: Mode = Mode.TopLevel;
  let depth = 0;
  let inString = false;
  let itemStart = -1;
  let itemLine = 0;
  let line = 1;
  let topLevelArray = false; // the items are elements of a top-level array
  let wrapperStart = -1; // offset of the `{` of a possible wrapper (kept until we know); -2: it is a wrapper
  let wrapperLine = 0;
  let keyStart = -1;
  let lastKey = '';
  let afterColon = false;
  let dropping = false; // the current item (or undecided wrapper) is over the limit: its text is not kept
  let pendingTooLarge = false; // dropping an undecided wrapper: refuse it if it ends as a plain object
  let fresh = true; // nothing but blanks since the start of the current line
  let carryBadUtf8 = false; // the text kept from the chunk before holds U+FFFD
  let first = true;

  for await (let text of decodeText(input)) {
    if (first) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    const base = buf.length;
    buf = base === 0 ? text : buf + text;
    const items: JsonItem[] = [];
    const diagnostics: Diagnostic[] = [];
    const hasBadUtf8: boolean = carryBadUtf8 || text.includes(REPLACEMENT_CHAR);
    let i = base;
    const n = buf.length;

    // The item text [itemStart, end) is complete: parse it (or refuse it when over the limit).
    const emit = (end: number) => {
      if (dropping) {
        if (pendingTooLarge) diagnostics.push(tooLarge(object, itemLine, maxLen));
        dropping = pendingTooLarge = false;
        itemStart = -1;
        return;
      }
      if (end - itemStart > maxLen) {
        diagnostics.push(tooLarge(object, itemLine, maxLen));
        itemStart = -1;
        return;
      }
      const raw = buf.slice(itemStart, end);
      const value = tryParseJson(raw);
      if (value === PARSE_FAILED) {
        diagnostics.push(diagnostic(object, itemLine, null, 'bad-json', `invalid JSON record at line ${itemLine}: ${lastParseError}`));
      } else {
        items.push({ value, line: itemLine, length: raw.length });
        if (hasBadUtf8) checkUtf8(raw, itemLine);
      }
      itemStart = -1;
    };

    // A warning for the line of the first U+FFFD in an item that starts at `startLine`.
    const checkUtf8 = (raw: string, startLine: number) => {
      const at = raw.indexOf(REPLACEMENT_CHAR);
      if (at === -1) return;
      let l = startLine;
      for (let k = raw.indexOf('\n'); k !== -1 && k < at; k = raw.indexOf('\n', k + 1)) l++;
      diagnostics.push(invalidUtf8(object, l));
    };

    while (i < n) {
      const c = buf.charCodeAt(i);
      if (inString) {
        // Jump to the next quote; count newlines skipped (JSON strings cannot hold raw newlines, but be safe).
        const q = buf.indexOf('"', i);
        if (q === -1) {
          i = n;
          break;
        }
        let bs = 0;
        for (let k = q - 1; k >= 0 && buf.charCodeAt(k) === BACKSLASH; k--) bs++;
        i = q + 1;
        if ((bs & 1) === 0) {
          inString = false;
          if (keyStart >= 0) {
            lastKey = buf.slice(keyStart, q);
            keyStart = -1;
          }
        }
        continue;
      }
      if (c === NEWLINE) {
        line++;
        fresh = true;
        if (mode === Mode.SkipLine) mode = Mode.TopLevel;
        i++;
        continue;
      }
      if (mode === Mode.SkipLine || c === 32 || c === 9 || c === 13) {
        i++;
        continue;
      }
      switch (mode) {
        case Mode.TopLevel:
          if (c === LBRACKET) {
            topLevelArray = true;
            mode = Mode.RecordsArray;
          } else if (c === LBRACE) {
            if (fresh) {
              // NDJSON fast path: the whole line as one object.
              const nl = buf.indexOf('\n', i);
              if (nl !== -1) {
                let e = nl;
                while (e > i && isBlank(buf.charCodeAt(e - 1))) e--;
                // (over the limit, or possibly a `{"records":[…]}` wrapper whose elements are the items: the
                // scan below decides)
                if (buf.charCodeAt(e - 1) === RBRACE && e - i <= maxLen) {
                  const raw = buf.slice(i, e);
                  const value = raw.indexOf('"records"') === -1 ? tryParseJson(raw) : PARSE_FAILED;
                  if (value !== PARSE_FAILED) {
                    items.push({ value, line, length: raw.length });
                    if (hasBadUtf8) checkUtf8(raw, line);
                    i = nl;
                    fresh = false;
                    continue;
                  }
                }
              }
            }
            mode = Mode.WrapperObject;
            depth = 1;
            wrapperStart = i;
            wrapperLine = line;
            afterColon = false;
            lastKey = '';
          } else if (c === QUOTE || c === 45 || (c >= 48 && c <= 57) || c === 116 || c === 102 || c === 110) {
            diagnostics.push(diagnostic(object, line, null, 'not-a-record', `line ${line}: a JSON value that is not an object or array; skipped`));
            mode = Mode.SkipLine;
          } else {
            diagnostics.push(diagnostic(object, line, null, 'not-json', `line ${line} is not JSON; skipped`));
            mode = Mode.SkipLine;
          }
          i++;
          continue;
        case Mode.RecordsArray:
          if (c === RBRACKET) {
            if (topLevelArray) {
              topLevelArray = false;
              mode = Mode.TopLevel;
              fresh = false;
            } else {
              mode = Mode.WrapperTail;
              depth = 1; // still inside the wrapper object
            }
          } else if (c === 44) {
            // comma between items
          } else if (c === LBRACE || c === LBRACKET) {
            itemStart = i;
            itemLine = line;
            mode = Mode.Item;
            depth = 1;
          } else {
            // a string, number or literal element: skip it (strings through the string scan above)
            diagnostics.push(diagnostic(object, line, null, 'not-a-record', `line ${line}: an array element that is not an object; skipped`));
            mode = Mode.Scalar;
            if (c === QUOTE) inString = true;
          }
          i++;
          continue;
        case Mode.Scalar:
          if (c === 44 || c === RBRACKET || c === LBRACE || c === LBRACKET) {
            mode = Mode.RecordsArray; // this character is read again as the array's
            continue;
          }
          if (c === QUOTE) inString = true;
          i++;
          continue;
        case Mode.Item:
          if (c === QUOTE) inString = true;
          else if (c === LBRACE || c === LBRACKET) depth++;
          else if (c === RBRACE || c === RBRACKET) depth--;
          i++;
          if (depth === 0) {
            emit(i);
            mode = topLevelArray || wrapperStart === -2 ? Mode.RecordsArray : Mode.TopLevel;
            if (mode === Mode.TopLevel) fresh = false;
          }
          continue;
        case Mode.WrapperObject:
          if (c === QUOTE) {
            inString = true;
            if (depth === 1 && !afterColon) keyStart = i + 1;
          } else if (c === COLON && depth === 1) {
            afterColon = true;
          } else if (c === 44 && depth === 1) {
            afterColon = false;
          } else if (c === LBRACKET && depth === 1 && afterColon && lastKey === 'records') {
            // It is a wrapper: its elements are the items. Forget the wrapper's own text.
            wrapperStart = -2;
            dropping = pendingTooLarge = false;
            mode = Mode.RecordsArray;
          } else if (c === LBRACE || c === LBRACKET) {
            depth++;
          } else if (c === RBRACE || c === RBRACKET) {
            depth--;
            if (depth === 0) {
              // A plain object (NDJSON record): the whole object is the item.
              itemStart = wrapperStart;
              itemLine = wrapperLine;
              wrapperStart = -1;
              emit(i + 1);
              mode = Mode.TopLevel;
              fresh = false;
            }
          }
          i++;
          continue;
        case Mode.WrapperTail:
          if (c === QUOTE) inString = true;
          else if (c === LBRACE || c === LBRACKET) depth++;
          else if (c === RBRACE || c === RBRACKET) {
            depth--;
            if (depth === 0) {
              mode = Mode.TopLevel;
              wrapperStart = -1;
              fresh = false;
            }
          }
          i++;
          continue;
      }
    }

    // Keep only what an unfinished item (or wrapper prefix) still needs.
    let keepFrom = dropping ? -1 : mode === Mode.Item ? itemStart : mode === Mode.WrapperObject ? wrapperStart : -1;
    if (keepFrom >= 0 && n - keepFrom > maxLen) {
      // Over the limit and not finished: stop keeping its text; the scan follows it to its end and skips it.
      // (An undecided wrapper is only refused if it turns out to be a plain object.)
      if (mode === Mode.Item) {
        diagnostics.push(tooLarge(object, itemLine, maxLen));
        itemStart = -1;
      } else {
        pendingTooLarge = true;
        wrapperStart = -3; // (not -1: no wrapper, nor -2: a wrapper)
      }
      dropping = true;
      keepFrom = -1;
    }
    if (keepFrom < 0) {
      // Nothing to keep but a key being read, or the backslashes before the next quote of a string.
      if (keyStart >= 0 && n - keyStart <= maxLen) {
        keepFrom = keyStart;
      } else {
        if (keyStart >= 0) lastKey = ''; // a key longer than the limit: not `records`
        keyStart = -1;
        keepFrom = n;
        if (inString) while (keepFrom > 0 && buf.charCodeAt(keepFrom - 1) === BACKSLASH) keepFrom--;
      }
    }
    const shift = keepFrom;
    buf = keepFrom < n ? buf.slice(keepFrom) : '';
    if (itemStart >= 0) itemStart -= shift;
    if (wrapperStart >= 0) wrapperStart -= shift;
    if (keyStart >= 0) keyStart -= shift;
    carryBadUtf8 = hasBadUtf8 && buf.includes(REPLACEMENT_CHAR);
    if (items.length > 0 || diagnostics.length > 0) yield { items, diagnostics };
  }

  if (mode === Mode.Item || mode === Mode.WrapperObject || mode === Mode.RecordsArray || mode === Mode.WrapperTail || mode === Mode.Scalar || inString) {
    const at = mode === Mode.Item ? itemLine : mode === Mode.WrapperObject ? wrapperLine : line;
    const d = diagnostic(object, at, null, 'truncated-json', `JSON input ends inside a record that starts at line ${at} (truncated file?)`);
    d.fatal = true;
    yield { items: [], diagnostics: [d] };
  }
}
