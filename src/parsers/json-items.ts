/**
 * Streams the records out of JSON inputs without parsing (or holding) the whole document:
 *   - a top-level array                       → each element is an item   (`[ {...}, {...} ]`)
 *   - a top-level object with a `records` array → each element is an item (Azure blobs `{"records":[...]}`)
 *   - any other top-level value               → the value is an item       (NDJSON: one object per line)
 * Several top-level values may follow each other (NDJSON, concatenated blobs). Only one item is held
 * at a time. Each item is parsed with JSON.parse; one that fails becomes a diagnostic and the scan goes on.
 */
import { diagnostic, type Diagnostic } from '../model/index.js';
import { decodeText } from './text.js';
import { DEFAULT_MAX_JSON_ITEM_LENGTH, type ByteSource } from './types.js';

export interface JsonItem {
  value: unknown;
  /** 1-based line where the item starts. */
  line: number;
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
  let wrapperStart = -1; // offset of the `{` of a possible wrapper (kept until we know)
  let wrapperLine = 0;
  let keyStart = -1;
  let lastKey = '';
  let afterColon = false;
  let oversized = false;
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
    let i = base;
    const n = buf.length;

    const emit = (end: number) => {
      const raw = buf.slice(itemStart, end);
      try {
        items.push({ value: JSON.parse(raw), line: itemLine });
      } catch (err) {
        diagnostics.push(
          diagnostic(object, itemLine, null, 'bad-json', `invalid JSON record at line ${itemLine}: ${(err as Error).message}`),
        );
      }
      itemStart = -1;
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
            } else {
              mode = Mode.WrapperTail;
              depth = 1; // still inside the wrapper object
            }
          } else if (c === 44) {
            // comma between items
          } else {
            itemStart = i;
            itemLine = line;
            mode = Mode.Item;
            depth = 0;
            if (c === QUOTE) {
              inString = true;
            } else if (c === LBRACE || c === LBRACKET) {
              depth = 1;
            } else {
              // a scalar element: scan to its end
              let k = i + 1;
              while (k < n) {
                const d = buf.charCodeAt(k);
                if (d === 44 || d === RBRACKET || d === 32 || d === NEWLINE || d === 13 || d === 9) break;
                k++;
              }
              if (k === n) {
                i = n;
                continue;
              }
              diagnostics.push(diagnostic(object, line, null, 'not-a-record', `line ${line}: an array element that is not an object; skipped`));
              itemStart = -1;
              mode = Mode.RecordsArray;
              i = k;
              continue;
            }
          }
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
            }
          }
          i++;
          continue;
      }
    }

    // Keep only what an unfinished item (or wrapper prefix) still needs.
    const keepFrom = mode === Mode.Item ? itemStart : mode === Mode.WrapperObject ? wrapperStart : -1;
    if (keepFrom >= 0) {
      if (n - keepFrom > maxLen) {
        if (!oversized) {
          const at = mode === Mode.Item ? itemLine : wrapperLine;
          const d = diagnostic(object, at, null, 'record-too-large', `JSON record at line ${at} is larger than ${maxLen} characters; the rest of the input is skipped`);
          d.fatal = true;
          diagnostics.push(d);
          oversized = true;
        }
        buf = '';
      } else {
        const shift = keepFrom;
        buf = buf.slice(keepFrom);
        if (itemStart >= 0) itemStart -= shift;
        if (wrapperStart >= 0) wrapperStart -= shift;
        if (keyStart >= 0) keyStart -= shift;
      }
    } else {
      buf = keyStart >= 0 ? buf.slice(keyStart) : '';
      if (keyStart >= 0) keyStart = 0;
    }
    if (items.length > 0 || diagnostics.length > 0) yield { items, diagnostics };
    if (oversized) break;
  }

  if (!oversized && (mode === Mode.Item || mode === Mode.WrapperObject || mode === Mode.RecordsArray || mode === Mode.WrapperTail || inString)) {
    const at = mode === Mode.Item ? itemLine : mode === Mode.WrapperObject ? wrapperLine : line;
    const d = diagnostic(object, at, null, 'truncated-json', `JSON input ends inside a record that starts at line ${at} (truncated file?)`);
    d.fatal = true;
    yield { items: [], diagnostics: [d] };
  }
}
