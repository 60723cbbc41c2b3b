/**
 * Generic CSV flow logs: the original product brief's schema
 * `timestamp,subscription_id,resource_group,nsg_name,src_ip,src_port,dst_ip,dst_port,protocol,
 *  flow_direction,flow_decision,flow_state,packets,bytes,region[,geo_src,geo_dst]`
 * (usually hourly zipped CSV files; the zip layer is handled by containers/), and also the CSV that
 * `networkflow parse --output csv` writes (the DESIGN.md `flows` columns), so our own output reads back.
 *
 * Header
 * - The first non-empty line is the header. Names are trimmed and case-insensitive (`-` and spaces
 *   count as `_`), in any order. Required: `timestamp`, `src_ip`, `dst_ip`; a header without them gives
 *   one `missing-column` error naming the missing ones, and no records (the rest of the input is not read).
 * - Known columns: every `flows` column name (timestamp, end_time, subscription_id, resource_group,
 *   nsg_name, rule_name, src_ip, src_port, dst_ip, dst_port, protocol, flow_direction, flow_decision,
 *   flow_state, packets, bytes, packets_sent, bytes_sent, packets_received, bytes_received, region,
 *   geo_src, geo_dst, attributes). Missing optional columns give null (packets/bytes 0).
 * - `provider`, `source_format`, `source_object`, `source_line` (present in our own output) do NOT
 *   override the record's own values (provider `generic`, source_format `csv`, this input and line):
 *   they are kept in `attributes` under those names, as text, like any other unknown column.
 * - Unknown columns are kept in `attributes` by their header name (trimmed, original case) as text;
 *   empty cells are left out. The `attributes` column (JSON text, as we write it) is merged into
 *   `attributes`; text that is not a JSON object gives a `bad-attributes` warning and is kept as the
 *   string `attributes.attributes`. On a name clash the column further right wins.
 * - A column named twice: `duplicate-column` warning; the first one is used, the later one is kept in
 *   `attributes` under its header name.
 *
 * Rows
 * - RFC 4180 quoting: quoted fields may hold commas, doubled quotes and newlines (a quoted newline
 *   joins the following physical lines, up to 100 lines and maxLineLength characters; beyond that, or at
 *   the end of the input, the row gets an `unterminated-quote` error and the lines after its first are
 *   read again as rows). Leniency: spaces/tabs around unquoted fields and around quotes are trimmed; a
 *   quote inside an unquoted field is a literal; text after a closing quote is appended to the field.
 * - CRLF, BOM and invalid UTF-8 are handled by readLineBlocks (lines.ts). Blank (or whitespace-only) lines are ignored.
 * - A row whose number of fields differs from the header's: `wrong-field-count` error.
 *
 * Values (the policy: a value we cannot trust rejects the row with an `error` diagnostic naming the
 * field, because a wrong number or a wrong verdict is worse than a missing row; only the geo codes, which
 * the analyzer can derive again from the IP, are merely dropped with a warning):
 * - timestamp / end_time: ISO 8601 (zone optional = UTC, fraction, `T` or space) or epoch s/ms/µs/ns by
 *   magnitude (values.ts). Empty timestamp: `missing-field`; unparsable: `bad-timestamp`. Empty end_time
 *   is null. The last parsed text of each is cached (consecutive rows usually share it).
 * - src_ip / dst_ip: required; IPv4 validated, IPv6 normalized (RFC 5952). Empty `missing-field`, else `bad-ip`.
 * - ports: 0–65535 or empty (null), else `bad-port`. For ICMP/ICMPv6 both ports are null (DESIGN.md);
 *   a non-zero value given there (some exporters put type/code in them) is kept in `attributes`.
 * - protocol: TCP/UDP/ICMP/ICMPv6 names or IANA numbers (any case), plus a few common names
 *   (GRE, ESP, AH, SCTP, IGMP → their numbers); else `bad-protocol`. Empty → null.
 * - flow_direction: Inbound/Outbound, I/O, in/out, ingress/egress (any case); else `bad-direction`.
 * - flow_decision: Allow/Deny, A/D, allowed/denied, accept/reject, accepted/rejected (any case); else `bad-decision`.
 * - flow_state: Begin/Continuing/End/Deny, B/C/E/D, Start→Begin, Established→Continuing,
 *   Teardown/Closed→End (any case); else `bad-flow-state`.
 * - packets/bytes and the directional counters: non-negative integers (≤ 2^53), else `bad-counter`. Empty
 *   packets/bytes are 0, or the sum of the sent/received columns when those are given; empty directional
 *   counters are null.
 * - geo_src/geo_dst: two letters, upper-cased; anything else → `bad-geo` warning and null.
 * - other text columns: the text, or null when empty.
 *
 * Empty input (no header at all) yields nothing.
 *
 * Speed: lines are read where they stand in the decoded chunk (readLineBlocks: no substring per line). An
 * unquoted line goes through a single-pass fast path (`fast`): each cell is read where it stands, the
 * timestamp text is compared with the previous row's, enum and repeated text cells (protocol, direction,
 * decision, state, subscription, resource group, NSG, rule, region) with the few spellings seen so far in
 * that column (no Map lookup, no new string on a hit), numbers and IPv4 are scanned digit by digit. When the
 * chunk is ASCII, the scans read its bytes and the comparisons take four bytes at a time (DataView), which
 * is several times cheaper than charCodeAt and string equality on slices; otherwise they read characters.
 * Any unusual cell sends the line to the general path (split, then `build`), which handles quoting and
 * blanks and reports what is wrong; property tests check that the paths agree.
 */
import { diagnostic, newFlowRecord, type Diagnostic, type FlowDecision, type FlowDirection, type FlowRecord, type FlowState } from '../../model/index.js';
import { ipv4End, ipv4EndBytes, normalizeIp } from '../ip.js';
import { readLineBlocks, type LineBlock } from '../lines.js';
import { protocolFromText } from '../../model/protocol.js';
import { DEFAULT_BATCH_SIZE, DEFAULT_MAX_LINE_LENGTH, type ByteSource, type FlowFormat, type ParseBatch, type ParseOptions } from '../types.js';
import { parseTimestamp, parseUint } from '../values.js';

// Column codes (index into a row's handling switch).
const C_EXTRA = 0;
const C_TIMESTAMP = 1;
const C_END_TIME = 2;
const C_SUBSCRIPTION = 3;
const C_RESOURCE_GROUP = 4;
const C_NSG = 5;
const C_RULE = 6;
const C_SRC_IP = 7;
const C_DST_IP = 8;
const C_SRC_PORT = 9;
const C_DST_PORT = 10;
const C_PROTOCOL = 11;
const C_DIRECTION = 12;
const C_DECISION = 13;
const C_STATE = 14;
const C_PACKETS = 15;
const C_BYTES = 16;
const C_PACKETS_SENT = 17;
const C_BYTES_SENT = 18;
const C_PACKETS_RECEIVED = 19;
const C_BYTES_RECEIVED = 20;
const C_REGION = 21;
const C_GEO_SRC = 22;
const C_GEO_DST = 23;
const C_ATTRIBUTES = 24;

const COLUMN_CODES: ReadonlyMap<string, number> = new Map([
  ['timestamp', C_TIMESTAMP],
  ['end_time', C_END_TIME],
  ['subscription_id', C_SUBSCRIPTION],
  ['resource_group', C_RESOURCE_GROUP],
  ['nsg_name', C_NSG],
  ['rule_name', C_RULE],
  ['src_ip', C_SRC_IP],
  ['dst_ip', C_DST_IP],
  ['src_port', C_SRC_PORT],
  ['dst_port', C_DST_PORT],
  ['protocol', C_PROTOCOL],
  ['flow_direction', C_DIRECTION],
  ['flow_decision', C_DECISION],
  ['flow_state', C_STATE],
  ['packets', C_PACKETS],
  ['bytes', C_BYTES],
  ['packets_sent', C_PACKETS_SENT],
  ['bytes_sent', C_BYTES_SENT],
  ['packets_received', C_PACKETS_RECEIVED],
  ['bytes_received', C_BYTES_RECEIVED],
  ['region', C_REGION],
  ['geo_src', C_GEO_SRC],
  ['geo_dst', C_GEO_DST],
  ['attributes', C_ATTRIBUTES],
]);

const REQUIRED_COLUMNS = ['timestamp', 'src_ip', 'dst_ip'] as const;

/** Lines a quoted field may span before the row is given up as an unterminated quote. */
const MAX_RECORD_LINES = 100;
const FORMAT_ID = 'csv';

/** Enum lookup tables keyed by the lower-case, UPPER-case and Capitalized spellings (other cases go through toLowerCase). */
function enumTable(entries: [string, string][]): Map<string, string> {
  const m = new Map<string, string>();
  for (const [k, v] of entries) {
    m.set(k, v);
    m.set(k.toUpperCase(), v);
    m.set(k.charAt(0).toUpperCase() + k.slice(1), v);
  }
  return m;
}

const DIRECTIONS = enumTable([
  ['inbound', 'Inbound'], ['outbound', 'Outbound'], ['i', 'Inbound'], ['o', 'Outbound'],
  ['in', 'Inbound'], ['out', 'Outbound'], ['ingress', 'Inbound'], ['egress', 'Outbound'],
]);
const DECISIONS = enumTable([
  ['allow', 'Allow'], ['deny', 'Deny'], ['a', 'Allow'], ['d', 'Deny'], ['allowed', 'Allow'], ['denied', 'Deny'],
  ['accept', 'Allow'], ['reject', 'Deny'], ['accepted', 'Allow'], ['rejected', 'Deny'],
]);
const STATES = enumTable([
  ['begin', 'Begin'], ['continuing', 'Continuing'], ['end', 'End'], ['deny', 'Deny'],
  ['b', 'Begin'], ['c', 'Continuing'], ['e', 'End'], ['d', 'Deny'],
  ['start', 'Begin'], ['established', 'Continuing'], ['teardown', 'End'], ['closed', 'End'],
]);
const PROTOCOLS = enumTable([
  ['tcp', 'TCP'], ['udp', 'UDP'], ['icmp', 'ICMP'], ['icmpv6', 'ICMPv6'], ['6', 'TCP'], ['17', 'UDP'], ['1', 'ICMP'], ['58', 'ICMPv6'],
]);
PROTOCOLS.set('ICMPv6', 'ICMPv6');
/** Names protocolFromText does not know, as their IANA numbers. */
const EXTRA_PROTOCOL_NAMES: ReadonlyMap<string, string> = new Map([
  ['igmp', '2'], ['gre', '47'], ['esp', '50'], ['ah', '51'], ['sctp', '132'],
]);

function lookupEnum(table: ReadonlyMap<string, string>, raw: string): string | null {
  return table.get(raw) ?? table.get(raw.toLowerCase()) ?? null;
}

function lookupProtocol(raw: string): string | null {
  return PROTOCOLS.get(raw) ?? protocolFromText(raw) ?? EXTRA_PROTOCOL_NAMES.get(raw.toLowerCase()) ?? null;
}

/** A flat copy of a string, so that a cached value does not keep the whole input chunk it was sliced from alive. */
function flatCopy(s: string): string {
  return s.length < 13 ? s : JSON.parse(JSON.stringify(s)) as string;
}

const MAX_CACHED_TOKENS = 16;
/** Cached texts up to this length also keep their bytes, for comparison with an ASCII chunk's bytes. */
const MAX_BYTE_TOKEN = 128;

/** a[ap, ap+n) equals b[bp, bp+n), four bytes at a time (the last word may overlap the one before). */
function bytesEqual(a: DataView, ap: number, b: DataView, bp: number, n: number): boolean {
  if (n >= 4) {
    const last = n - 4;
    for (let j = 0; j < last; j += 4) if (a.getUint32(ap + j, true) !== b.getUint32(bp + j, true)) return false;
    return a.getUint32(ap + last, true) === b.getUint32(bp + last, true);
  }
  for (let j = 0; j < n; j++) if (a.getUint8(ap + j) !== b.getUint8(bp + j)) return false;
  return true;
}

/** Writes the char codes of an ASCII string into view at `at`; false (nothing usable) when it is not ASCII or too long. */
function storeAscii(view: DataView, at: number, s: string): boolean {
  if (s.length > MAX_BYTE_TOKEN) return false;
  for (let j = 0; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c > 127) return false;
    view.setUint8(at + j, c);
  }
  return true;
}
/** Spellings up to this length are verified char by char, longer ones with a slice and ===. */
const SHORT_TOKEN = 12;

/**
 * The values of one column seen so far (up to 16), compared in place with the cell text (no slicing,
 * no hashing): enum spellings and the few subscription / resource group / NSG / region names of a file.
 * Cells resolve through `resolve` on a miss; null means invalid and is not cached.
 */
class TokenCache {
  private readonly raws: string[] = [];
  private readonly values: string[] = [];
  private readonly lens = new Int32Array(MAX_CACHED_TOKENS);
  private readonly firsts = new Int32Array(MAX_CACHED_TOKENS);
  private readonly lasts = new Int32Array(MAX_CACHED_TOKENS);
  /** The characters of each short spelling, SHORT_TOKEN slots per spelling. */
  private readonly chars = new Uint16Array(MAX_CACHED_TOKENS * SHORT_TOKEN);
  /** The bytes of each ASCII spelling, MAX_BYTE_TOKEN slots per spelling, and whether they are there. */
  private readonly bytes = new DataView(new ArrayBuffer(MAX_CACHED_TOKENS * MAX_BYTE_TOKEN));
  private readonly hasBytes = new Uint8Array(MAX_CACHED_TOKENS);
  private count = 0;
  /** Index of the spelling matchAt found. */
  hit = 0;
  constructor(private readonly resolve: (raw: string) => string | null) {}

  /** The value of the cell text[s, e). */
  lookup(text: string, s: number, e: number): string | null {
    const len = e - s;
    const raws = this.raws;
    for (let k = 0; k < raws.length; k++) {
      const r = raws[k];
      if (r.length === len && text.startsWith(r, s)) return this.values[k];
    }
    return this.miss(text.slice(s, e));
  }

  /**
   * The end of the cached spelling found at `pos` and followed by a comma or `len` (its index is left in
   * `hit`), else -1.
   */
  matchAt(text: string, pos: number, len: number): number {
    const count = this.count;
    if (count === 0 || pos >= len) return -1;
    const lens = this.lens;
    const firsts = this.firsts;
    const c0 = text.charCodeAt(pos);
    for (let k = 0; k < count; k++) {
      if (firsts[k] !== c0) continue;
      const n = lens[k];
      const end = pos + n;
      if (end > len || (end !== len && text.charCodeAt(end) !== 44) || text.charCodeAt(end - 1) !== this.lasts[k]) continue;
      // Verify the rest: short tokens char by char against a typed copy (a short slice would be a copy),
      // long ones with a slice and === (faster than a loop or startsWith there).
      if (n > 2) {
        if (n <= SHORT_TOKEN) {
          const chars = this.chars;
          const base = k * SHORT_TOKEN;
          let j = 1;
          while (j < n - 1 && text.charCodeAt(pos + j) === chars[base + j]) j++;
          if (j !== n - 1) continue;
        } else if (text.slice(pos, end) !== this.raws[k]) {
          continue;
        }
      }
      this.hit = k;
      return end;
    }
    return -1;
  }

  /** matchAt over the bytes of an ASCII text (`u8` and `view` over the same bytes). */
  matchBytes(text: string, u8: Uint8Array, view: DataView, pos: number, len: number): number {
    const count = this.count;
    if (count === 0 || pos >= len) return -1;
    const lens = this.lens;
    const firsts = this.firsts;
    const c0 = u8[pos];
    for (let k = 0; k < count; k++) {
      if (firsts[k] !== c0) continue;
      const n = lens[k];
      const end = pos + n;
      if (end > len || (end !== len && u8[end] !== 44)) continue;
      if (this.hasBytes[k] === 1) {
        if (n > 1 && !bytesEqual(view, pos, this.bytes, k * MAX_BYTE_TOKEN, n)) continue;
      } else if (text.slice(pos, end) !== this.raws[k]) { // longer than MAX_BYTE_TOKEN (or not ASCII: no match)
        continue;
      }
      this.hit = k;
      return end;
    }
    return -1;
  }

  value(k: number): string {
    return this.values[k];
  }

  miss(raw: string): string | null {
    const v = this.resolve(raw);
    const raws = this.raws;
    if (v !== null && raws.length < MAX_CACHED_TOKENS && raw.length > 0) {
      const k = raws.length;
      this.lens[k] = raw.length;
      this.firsts[k] = raw.charCodeAt(0);
      this.lasts[k] = raw.charCodeAt(raw.length - 1);
      if (raw.length <= SHORT_TOKEN) for (let j = 0; j < raw.length; j++) this.chars[k * SHORT_TOKEN + j] = raw.charCodeAt(j);
      this.hasBytes[k] = storeAscii(this.bytes, k * MAX_BYTE_TOKEN, raw) ? 1 : 0;
      this.count = k + 1;
      raws.push(flatCopy(raw));
      this.values.push(v === raw ? raws[raws.length - 1] : v);
    }
    return v;
  }
}

/**
 * The last parsed text of a time column and its value. Consecutive rows usually share it, so a cell is first
 * compared with it in place: as two halves of at most 12 characters when it is short enough (slices that
 * short are flat copies, which === compares without leaving the fast path: measured faster than one slice or
 * a char loop), else as one slice.
 */
class TimeCache {
  text = '';
  value = 0;
  private a = '';
  private b = '';
  private readonly bytes = new DataView(new ArrayBuffer(MAX_BYTE_TOKEN));
  private hasBytes = false;

  /** Whether `text` is an ISO date-time with seconds (at 17–18), and those seconds. */
  private isoSeconds = false;
  private seconds = 0;

  set(v: string, ms: number): void {
    this.text = v;
    this.value = ms;
    this.isoSeconds = v.length >= 19 && v.charCodeAt(4) === 45 && v.charCodeAt(13) === 58 && v.charCodeAt(16) === 58;
    this.seconds = this.isoSeconds ? (v.charCodeAt(17) - 48) * 10 + (v.charCodeAt(18) - 48) : 0;
    this.hasBytes = storeAscii(this.bytes, 0, v);
    if (v.length <= 24) {
      const h = v.length >> 1;
      this.a = v.slice(0, h);
      this.b = v.slice(h);
    } else {
      this.a = '';
      this.b = '';
    }
  }

  /**
   * The value of text[pos, end) when it differs from the cached ISO text only in the seconds digits (the
   * common change from one row to the next), without parsing it again: parseTimestamp is linear in the
   * seconds (60, a leap second, counts into the next minute) and the rest of the text, zone and fraction
   * included, is the same. NaN when that does not apply.
   */
  derive(text: string, pos: number, end: number): number {
    const c = this.text;
    const n = c.length;
    if (!this.isoSeconds || end - pos !== n) return NaN;
    const s1 = text.charCodeAt(pos + 17) - 48;
    const s2 = text.charCodeAt(pos + 18) - 48;
    if (s1 < 0 || s1 > 9 || s2 < 0 || s2 > 9) return NaN;
    const sec = s1 * 10 + s2;
    if (sec > 60) return NaN;
    for (let j = 0; j < 17; j++) if (text.charCodeAt(pos + j) !== c.charCodeAt(j)) return NaN;
    for (let j = 19; j < n; j++) if (text.charCodeAt(pos + j) !== c.charCodeAt(j)) return NaN;
    return this.value + (sec - this.seconds) * 1000;
  }

  /** The end of the cached text found at `pos` and followed by a comma or `len`, else -1. */
  matchAt(text: string, view: DataView | null, pos: number, len: number): number {
    const cl = this.text.length;
    const end = pos + cl;
    if (cl === 0 || end > len || (end !== len && text.charCodeAt(end) !== 44)) return -1;
    if (view !== null && this.hasBytes) return bytesEqual(view, pos, this.bytes, 0, cl) ? end : -1;
    const a = this.a;
    if (a.length > 0) {
      const h = pos + a.length;
      return text.slice(h, end) === this.b && text.slice(pos, h) === a ? end : -1;
    }
    return text.slice(pos, end) === this.text ? end : -1;
  }
}

const identity = (raw: string): string => raw;
const resolveDirection = (raw: string): string | null => lookupEnum(DIRECTIONS, raw);
const resolveDecision = (raw: string): string | null => lookupEnum(DECISIONS, raw);
const resolveState = (raw: string): string | null => lookupEnum(STATES, raw);

/** Upper-case two-letter codes, by (first letter, second letter), so geo cells need no new strings. */
const GEO_CODES: string[] = [];
for (let a = 0; a < 26; a++) for (let b = 0; b < 26; b++) GEO_CODES.push(String.fromCharCode(65 + a, 65 + b));

/** Normalized header name used for matching. */
function columnKey(name: string): string {
  return name.trim().toLowerCase().replace(/[\s-]+/g, '_');
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

function trimBlanks(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isBlank(s.charCodeAt(a))) a++;
  while (b > a && isBlank(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/**
 * Splits one logical CSV record (quoted newlines already joined) into unquoted field values.
 * Lenient as described in the header comment; an unterminated quote takes the rest of the text.
 */
export function splitCsvRecord(text: string): string[] {
  const fields: string[] = [];
  const n = text.length;
  let i = 0;
  for (;;) {
    let j = i;
    while (j < n && isBlank(text.charCodeAt(j))) j++;
    let comma: number;
    if (j < n && text.charCodeAt(j) === 34) {
      let value = '';
      let k = j + 1;
      for (;;) {
        const q = text.indexOf('"', k);
        if (q === -1) {
          value += text.slice(k);
          k = n;
          break;
        }
        value += text.slice(k, q);
        if (text.charCodeAt(q + 1) === 34) {
          value += '"';
          k = q + 2;
        } else {
          k = q + 1;
          break;
        }
      }
      comma = text.indexOf(',', k);
      const tail = trimBlanks(text.slice(k, comma === -1 ? n : comma));
      fields.push(tail.length === 0 ? value : value + tail);
    } else {
      comma = text.indexOf(',', i);
      fields.push(trimBlanks(text.slice(i, comma === -1 ? n : comma)));
    }
    if (comma === -1) return fields;
    i = comma + 1;
  }
}

// Quote scanner states (consistent with splitCsvRecord).
const Q_FIELD_START = 0;
const Q_UNQUOTED = 1;
const Q_QUOTED = 2;
const Q_QUOTE_IN_QUOTED = 3;
const Q_AFTER_QUOTED = 4;

/** The quote state at the end of `text`, starting in `state`; Q_QUOTED means a quoted field is still open. */
function quoteState(text: string, state: number): number {
  const n = text.length;
  let i = 0;
  while (i < n) {
    if (state === Q_QUOTED) {
      const q = text.indexOf('"', i);
      if (q === -1) return Q_QUOTED;
      state = Q_QUOTE_IN_QUOTED;
      i = q + 1;
      continue;
    }
    const c = text.charCodeAt(i++);
    switch (state) {
      case Q_FIELD_START:
        if (c === 34) state = Q_QUOTED;
        else if (c !== 44 && !isBlank(c)) state = Q_UNQUOTED;
        break;
      case Q_QUOTE_IN_QUOTED:
        if (c === 34) state = Q_QUOTED;
        else state = c === 44 ? Q_FIELD_START : Q_AFTER_QUOTED;
        break;
      default: // Q_UNQUOTED, Q_AFTER_QUOTED
        if (c === 44) state = Q_FIELD_START;
    }
  }
  return state;
}

function quote(value: string): string {
  const v = value.length > 80 ? value.slice(0, 77) + '...' : value;
  return JSON.stringify(v);
}

function setAttribute(attrs: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(attrs, key, { value, enumerable: true, writable: true, configurable: true });
  else attrs[key] = value;
}

function parseAttributesJson(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** A non-negative integer from text[s, e) without slicing; -1 when it is not one. */
function uintAt(text: string, s: number, e: number): number {
  if (e - s > 15) {
    const v = parseUint(text.slice(s, e));
    return v === null ? -1 : v;
  }
  if (s === e) return -1;
  let v = 0;
  for (let i = s; i < e; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** Whether the cell text[pos, end) starts with a quote or starts or ends with a blank: left to the general path. */
function oddEdges(text: string, pos: number, end: number): boolean {
  const c = text.charCodeAt(pos);
  return c === 34 || c === 32 || c === 9 || isBlank(text.charCodeAt(end - 1));
}

/** The end of the unquoted field starting at `pos`: the next comma, or the end of the line. */
function fieldEnd(text: string, pos: number, len: number): number {
  const c = text.indexOf(',', pos);
  return c === -1 ? len : c;
}

class CsvParser {
  readonly records: FlowRecord[] = [];
  readonly diagnostics: Diagnostic[] = [];
  /** Set when the header is unusable: nothing more is read. */
  stopped = false;

  private readonly object: string;
  private readonly maxLen: number;
  private haveHeader = false;
  private ncols = 0;
  private codes: Int32Array = new Int32Array(0);
  private names: string[] = [];
  private starts: Int32Array = new Int32Array(0);
  private ends: Int32Array = new Int32Array(0);
  private hasCounterSplit = false;
  /** Per column: its TokenCache (enum and repeated-text columns), else null. */
  private caches: (TokenCache | null)[] = [];
  /** Whether the header allows the single-pass fast path (it does unless an `attributes` column is present). */
  private fastOk = false;

  /** The bytes of the current block's text when it is an ASCII chunk (offsets are the same), else null. */
  view: DataView | null = null;
  /** The same bytes (null exactly when view is). */
  u8: Uint8Array | null = null;
  private readonly ts = new TimeCache();
  private readonly endTs = new TimeCache();

  private pending: string[] | null = null;
  private pendingLine = 0;
  private pendingLen = 0;

  constructor(options: ParseOptions) {
    this.object = options.object;
    this.maxLen = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
  }

  take(): ParseBatch {
    const batch: ParseBatch = { records: this.records.splice(0), diagnostics: this.diagnostics.splice(0) };
    return batch;
  }

  /** One physical line: text[s, e). */
  lineAt(text: string, s: number, e: number, lineNo: number): void {
    if (this.fastOk && this.pending === null && e > s && !isBlank(text.charCodeAt(s)) && this.fast(text, s, e, lineNo)) return;
    this.line(s === 0 && e === text.length ? text : text.slice(s, e), lineNo, true);
  }

  /** The fast path over a line of its own (not a block's text, so without its bytes). */
  private fastString(line: string, lineNo: number): boolean {
    const view = this.view;
    const u8 = this.u8;
    this.view = null;
    this.u8 = null;
    const ok = this.fast(line, 0, line.length, lineNo);
    this.view = view;
    this.u8 = u8;
    return ok;
  }

  /** One physical line (`fastTried`: the fast path has already declined it). */
  line(line: string, lineNo: number, fastTried = false): void {
    const pending = this.pending;
    if (pending !== null) {
      pending.push(line);
      this.pendingLen += line.length + 1;
      if (quoteState(line, Q_QUOTED) !== Q_QUOTED) {
        this.pending = null;
        this.row(pending.join('\n'), this.pendingLine, true);
      } else if (pending.length > MAX_RECORD_LINES || this.pendingLen > this.maxLen) {
        this.abandonPending(`a quoted field is still open after ${pending.length} lines`);
      }
      return;
    }
    const n = line.length;
    if (n === 0) return;
    if (isBlank(line.charCodeAt(0)) && trimBlanks(line).length === 0) return;
    if (!this.haveHeader) {
      this.header(line, lineNo);
      return;
    }
    if (this.fastOk && !fastTried && this.fastString(line, lineNo)) return;
    if (line.indexOf('"') === -1) {
      this.row(line, lineNo, false);
    } else if (quoteState(line, Q_FIELD_START) === Q_QUOTED) {
      this.pending = [line];
      this.pendingLine = lineNo;
      this.pendingLen = n;
    } else {
      this.row(line, lineNo, true);
    }
  }

  /** End of input. */
  finish(): void {
    if (this.pending !== null) this.abandonPending('the input ends inside a quoted field');
  }

  /** The open quoted row is rejected; the lines after its first are read again as rows. */
  private abandonPending(why: string): void {
    const lines = this.pending as string[];
    const first = this.pendingLine;
    this.pending = null;
    this.diagnostics.push(
      diagnostic(this.object, first, null, 'unterminated-quote', `line ${first}: ${why}; row rejected (${quote(lines[0])})`),
    );
    for (let i = 1; i < lines.length; i++) this.line(lines[i], first + i);
  }

  private header(line: string, lineNo: number): void {
    this.haveHeader = true;
    const raw = splitCsvRecord(line);
    const n = raw.length;
    const codes = new Int32Array(n);
    const names: string[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < n; i++) {
      const name = raw[i].trim();
      names.push(name.length > 0 ? name : `column_${i + 1}`);
      const key = columnKey(name);
      const code = COLUMN_CODES.get(key) ?? C_EXTRA;
      if (code !== C_EXTRA && seen.has(key)) {
        this.diagnostics.push(
          diagnostic(this.object, lineNo, name, 'duplicate-column', `line ${lineNo}: column ${quote(name)} appears more than once; the first is used, later ones go to attributes`, 'warning'),
        );
        codes[i] = C_EXTRA;
      } else {
        seen.add(key);
        codes[i] = code;
      }
    }
    const missing = REQUIRED_COLUMNS.filter((c) => !seen.has(c));
    if (missing.length > 0) {
      this.diagnostics.push(
        diagnostic(this.object, lineNo, missing.join(','), 'missing-column', `line ${lineNo}: the CSV header lacks the required column(s) ${missing.join(', ')} (header: ${quote(line)}); no records read`),
      );
      this.stopped = true;
      return;
    }
    this.ncols = n;
    this.codes = codes;
    this.names = names;
    this.starts = new Int32Array(n);
    this.ends = new Int32Array(n);
    this.hasCounterSplit = codes.some((c) => c >= C_PACKETS_SENT && c <= C_BYTES_RECEIVED);
    this.fastOk = !codes.includes(C_ATTRIBUTES);
    this.caches = Array.from(codes, (c) => {
      switch (c) {
        case C_PROTOCOL: return new TokenCache(lookupProtocol);
        case C_DIRECTION: return new TokenCache(resolveDirection);
        case C_DECISION: return new TokenCache(resolveDecision);
        case C_STATE: return new TokenCache(resolveState);
        case C_SUBSCRIPTION: case C_RESOURCE_GROUP: case C_NSG: case C_RULE: case C_REGION: return new TokenCache(identity);
        default: return null;
      }
    });
  }

  /**
   * The single-pass fast path for an unquoted line: each field is read where it stands (cached
   * timestamp and tokens compared in place, numbers and IPv4 scanned digit by digit), so the line is
   * neither split nor sliced more than needed. It handles only the common, valid case: on anything
   * unusual (a bad or oddly spaced value, a quote, a wrong field count) it returns false having pushed
   * nothing (it may have cached valid values), and the general path (row → build) parses the line again
   * and reports what is wrong.
   */
  private fast(text: string, start: number, len: number, lineNo: number): boolean {
    const view = this.view;
    const u8 = this.u8;
    const n = this.ncols;
    const last = n - 1;
    const codes = this.codes;
    const caches = this.caches;
    const r = newFlowRecord('generic', FORMAT_ID, this.object, lineNo);
    let attrs: Record<string, unknown> | null = null;
    let packetsGiven = false;
    let bytesGiven = false;
    let pos = start;
    for (let i = 0; i < n; i++) {
      let end: number;
      const code = codes[i];
      switch (code) {
        case C_TIMESTAMP:
        case C_END_TIME: {
          const isStart = code === C_TIMESTAMP;
          const cache = isStart ? this.ts : this.endTs;
          end = cache.matchAt(text, view, pos, len);
          if (end >= 0) {
            if (isStart) r.timestamp = cache.value;
            else r.end_time = cache.value;
            break;
          }
          end = fieldEnd(text, pos, len);
          if (end === pos) {
            if (isStart) return false;
            break;
          }
          if (oddEdges(text, pos, end)) return false;
          const v = text.slice(pos, end);
          let ms: number | null = cache.derive(text, pos, end);
          if (Number.isNaN(ms)) {
            ms = parseTimestamp(v);
            if (ms === null) return false;
          }
          cache.set(v, ms);
          if (isStart) r.timestamp = ms;
          else r.end_time = ms;
          break;
        }
        case C_SRC_IP:
        case C_DST_IP: {
          let ip: string | null;
          end = u8 !== null ? ipv4EndBytes(u8, pos, len, 44) : ipv4End(text, pos, len, 44);
          if (end > 0) {
            ip = text.slice(pos, end);
          } else {
            end = fieldEnd(text, pos, len);
            if (end === pos) return false;
            ip = normalizeIp(text.slice(pos, end));
            if (ip === null) return false;
          }
          if (code === C_SRC_IP) r.src_ip = ip;
          else r.dst_ip = ip;
          break;
        }
        case C_SRC_PORT:
        case C_DST_PORT:
        case C_PACKETS:
        case C_BYTES:
        case C_PACKETS_SENT:
        case C_BYTES_SENT:
        case C_PACKETS_RECEIVED:
        case C_BYTES_RECEIVED: {
          let v = 0;
          let c = 0;
          end = pos;
          if (u8 !== null) {
            for (; end < len; end++) {
              c = u8[end] - 48;
              if (c < 0 || c > 9) break;
              v = v * 10 + c;
            }
          } else {
            for (; end < len; end++) {
              c = text.charCodeAt(end) - 48;
              if (c < 0 || c > 9) break;
              v = v * 10 + c;
            }
          }
          if (end !== len && c !== -4) return false; // not followed by a comma: not a number, the general path
          if (end === pos) break; // empty
          if (end - pos > 15) return false;
          switch (code) {
            case C_SRC_PORT: if (v > 65535) return false; r.src_port = v; break;
            case C_DST_PORT: if (v > 65535) return false; r.dst_port = v; break;
            case C_PACKETS: r.packets = v; packetsGiven = true; break;
            case C_BYTES: r.bytes = v; bytesGiven = true; break;
            case C_PACKETS_SENT: r.packets_sent = v; break;
            case C_BYTES_SENT: r.bytes_sent = v; break;
            case C_PACKETS_RECEIVED: r.packets_received = v; break;
            default: r.bytes_received = v;
          }
          break;
        }
        case C_GEO_SRC:
        case C_GEO_DST: {
          end = pos;
          if (pos < len && text.charCodeAt(pos) !== 44) {
            if (pos + 2 > len) return false;
            const ua = (text.charCodeAt(pos) | 32) - 97;
            const ub = (text.charCodeAt(pos + 1) | 32) - 97;
            if (ua < 0 || ua >= 26 || ub < 0 || ub >= 26) return false;
            end = pos + 2;
            if (end !== len && text.charCodeAt(end) !== 44) return false;
            if (code === C_GEO_SRC) r.geo_src = GEO_CODES[ua * 26 + ub];
            else r.geo_dst = GEO_CODES[ua * 26 + ub];
          }
          break;
        }
        case C_EXTRA: {
          end = fieldEnd(text, pos, len);
          if (end > pos) {
            if (oddEdges(text, pos, end)) return false;
            setAttribute((attrs ??= {}), this.names[i], text.slice(pos, end));
          }
          break;
        }
        default: {
          // enum and text columns with a TokenCache
          const cache = caches[i] as TokenCache;
          let v: string | null = null;
          end = view !== null ? cache.matchBytes(text, u8 as Uint8Array, view, pos, len) : cache.matchAt(text, pos, len);
          if (end >= 0) {
            v = cache.value(cache.hit);
          } else {
            end = fieldEnd(text, pos, len);
            if (end > pos) {
              if (oddEdges(text, pos, end)) return false;
              v = cache.miss(text.slice(pos, end));
              if (v === null) return false;
            }
          }
          switch (code) {
            case C_PROTOCOL: r.protocol = v; break;
            case C_DIRECTION: r.flow_direction = v as FlowDirection | null; break;
            case C_DECISION: r.flow_decision = v as FlowDecision | null; break;
            case C_STATE: r.flow_state = v as FlowState | null; break;
            case C_SUBSCRIPTION: r.subscription_id = v; break;
            case C_RESOURCE_GROUP: r.resource_group = v; break;
            case C_NSG: r.nsg_name = v; break;
            case C_RULE: r.rule_name = v; break;
            default: r.region = v;
          }
        }
      }
      // every case has checked that `end` is at a comma or at the end of the line
      if ((end === len) !== (i === last)) return false;
      pos = end + 1;
    }
    this.finishRecord(r, attrs, packetsGiven, bytesGiven);
    return true;
  }

  /** Splits a logical row into field positions and builds its record. */
  private row(text: string, lineNo: number, quoted: boolean): void {
    const n = this.ncols;
    const starts = this.starts;
    const ends = this.ends;
    if (quoted) {
      const fields = splitCsvRecord(text);
      if (fields.length !== n) {
        this.wrongCount(lineNo, fields.length, text);
        return;
      }
      let pos = 0;
      for (let i = 0; i < n; i++) {
        starts[i] = pos;
        pos += fields[i].length;
        ends[i] = pos;
        pos++;
      }
      this.build(fields.join(','), lineNo);
      return;
    }
    const len = text.length;
    let pos = 0;
    const last = n - 1;
    for (let i = 0; i < n; i++) {
      let comma = text.indexOf(',', pos);
      if (comma === -1) {
        if (i !== last) {
          this.wrongCount(lineNo, i + 1, text);
          return;
        }
        comma = len;
      } else if (i === last) {
        this.wrongCount(lineNo, splitCsvRecord(text).length, text);
        return;
      }
      let s = pos;
      let e = comma;
      while (s < e && isBlank(text.charCodeAt(s))) s++;
      while (e > s && isBlank(text.charCodeAt(e - 1))) e--;
      starts[i] = s;
      ends[i] = e;
      pos = comma + 1;
    }
    this.build(text, lineNo);
  }

  private wrongCount(lineNo: number, found: number, text: string): void {
    this.diagnostics.push(
      diagnostic(this.object, lineNo, null, 'wrong-field-count', `line ${lineNo}: expected ${this.ncols} fields (as in the header), found ${found}: ${quote(text)}; row rejected`),
    );
  }

  private reject(lineNo: number, col: number, reason: string, what: string, text: string): void {
    const field = this.names[col];
    const value = text.slice(this.starts[col], this.ends[col]);
    this.diagnostics.push(
      diagnostic(this.object, lineNo, field, reason, `line ${lineNo}: ${field} ${what} ${quote(value)}; row rejected`),
    );
  }

  /** Builds the record from text and the field positions; pushes it, or an error diagnostic. */
  private build(text: string, lineNo: number): void {
    const n = this.ncols;
    const codes = this.codes;
    const starts = this.starts;
    const ends = this.ends;
    const caches = this.caches;
    const r = newFlowRecord('generic', FORMAT_ID, this.object, lineNo);
    let attrs: Record<string, unknown> | null = null;
    let packetsGiven = false;
    let bytesGiven = false;
    for (let i = 0; i < n; i++) {
      const s = starts[i];
      const e = ends[i];
      switch (codes[i]) {
        case C_TIMESTAMP: {
          if (s === e) return this.reject(lineNo, i, 'missing-field', 'is empty', text);
          const cached = this.ts.text;
          if (e - s === cached.length && text.startsWith(cached, s)) {
            r.timestamp = this.ts.value;
          } else {
            const v = text.slice(s, e);
            const ms = parseTimestamp(v);
            if (ms === null) return this.reject(lineNo, i, 'bad-timestamp', 'is not a timestamp:', text);
            this.ts.set(v, ms);
            r.timestamp = ms;
          }
          break;
        }
        case C_SRC_IP:
        case C_DST_IP: {
          if (s === e) return this.reject(lineNo, i, 'missing-field', 'is empty', text);
          const ip = normalizeIp(text.slice(s, e));
          if (ip === null) return this.reject(lineNo, i, 'bad-ip', 'is not an IP address:', text);
          if (codes[i] === C_SRC_IP) r.src_ip = ip;
          else r.dst_ip = ip;
          break;
        }
        case C_SRC_PORT:
        case C_DST_PORT: {
          if (s === e) break;
          const port = uintAt(text, s, e);
          if (port < 0 || port > 65535) return this.reject(lineNo, i, 'bad-port', 'is not a port (0-65535):', text);
          if (codes[i] === C_SRC_PORT) r.src_port = port;
          else r.dst_port = port;
          break;
        }
        case C_PROTOCOL: {
          if (s === e) break;
          const p = (caches[i] as TokenCache).lookup(text, s, e);
          if (p === null) return this.reject(lineNo, i, 'bad-protocol', 'is not a protocol:', text);
          r.protocol = p;
          break;
        }
        case C_DIRECTION: {
          if (s === e) break;
          const d = (caches[i] as TokenCache).lookup(text, s, e);
          if (d === null) return this.reject(lineNo, i, 'bad-direction', 'is not a flow direction:', text);
          r.flow_direction = d as FlowDirection;
          break;
        }
        case C_DECISION: {
          if (s === e) break;
          const d = (caches[i] as TokenCache).lookup(text, s, e);
          if (d === null) return this.reject(lineNo, i, 'bad-decision', 'is not a flow decision:', text);
          r.flow_decision = d as FlowDecision;
          break;
        }
        case C_STATE: {
          if (s === e) break;
          const st = (caches[i] as TokenCache).lookup(text, s, e);
          if (st === null) return this.reject(lineNo, i, 'bad-flow-state', 'is not a flow state:', text);
          r.flow_state = st as FlowState;
          break;
        }
        case C_PACKETS:
        case C_BYTES:
        case C_PACKETS_SENT:
        case C_BYTES_SENT:
        case C_PACKETS_RECEIVED:
        case C_BYTES_RECEIVED: {
          if (s === e) break;
          const v = uintAt(text, s, e);
          if (v < 0) return this.reject(lineNo, i, 'bad-counter', 'is not a non-negative integer:', text);
          switch (codes[i]) {
            case C_PACKETS: r.packets = v; packetsGiven = true; break;
            case C_BYTES: r.bytes = v; bytesGiven = true; break;
            case C_PACKETS_SENT: r.packets_sent = v; break;
            case C_BYTES_SENT: r.bytes_sent = v; break;
            case C_PACKETS_RECEIVED: r.packets_received = v; break;
            default: r.bytes_received = v;
          }
          break;
        }
        case C_END_TIME: {
          if (s === e) break;
          const cached = this.endTs.text;
          if (e - s === cached.length && text.startsWith(cached, s)) {
            r.end_time = this.endTs.value;
          } else {
            const v = text.slice(s, e);
            const ms = parseTimestamp(v);
            if (ms === null) return this.reject(lineNo, i, 'bad-timestamp', 'is not a timestamp:', text);
            this.endTs.set(v, ms);
            r.end_time = ms;
          }
          break;
        }
        case C_SUBSCRIPTION:
          if (s !== e) r.subscription_id = (caches[i] as TokenCache).lookup(text, s, e);
          break;
        case C_RESOURCE_GROUP:
          if (s !== e) r.resource_group = (caches[i] as TokenCache).lookup(text, s, e);
          break;
        case C_NSG:
          if (s !== e) r.nsg_name = (caches[i] as TokenCache).lookup(text, s, e);
          break;
        case C_RULE:
          if (s !== e) r.rule_name = (caches[i] as TokenCache).lookup(text, s, e);
          break;
        case C_REGION:
          if (s !== e) r.region = (caches[i] as TokenCache).lookup(text, s, e);
          break;
        case C_GEO_SRC:
        case C_GEO_DST: {
          if (s === e) break;
          const geo = this.geo(text, s, e, lineNo, i);
          if (codes[i] === C_GEO_SRC) r.geo_src = geo;
          else r.geo_dst = geo;
          break;
        }
        case C_ATTRIBUTES: {
          if (s === e) break;
          const raw = text.slice(s, e);
          const obj = parseAttributesJson(raw);
          attrs ??= {};
          if (obj === null) {
            this.diagnostics.push(
              diagnostic(this.object, lineNo, this.names[i], 'bad-attributes', `line ${lineNo}: ${this.names[i]} is not a JSON object: ${quote(raw)}; kept as text`, 'warning'),
            );
            attrs.attributes = raw;
          } else {
            for (const k of Object.keys(obj)) setAttribute(attrs, k, obj[k]);
          }
          break;
        }
        default: // C_EXTRA
          if (s !== e) setAttribute((attrs ??= {}), this.names[i], text.slice(s, e));
      }
    }
    this.finishRecord(r, attrs, packetsGiven, bytesGiven);
  }

  private finishRecord(r: FlowRecord, attrs: Record<string, unknown> | null, packetsGiven: boolean, bytesGiven: boolean): void {
    if (this.hasCounterSplit) {
      if (!packetsGiven && (r.packets_sent !== null || r.packets_received !== null)) r.packets = (r.packets_sent ?? 0) + (r.packets_received ?? 0);
      if (!bytesGiven && (r.bytes_sent !== null || r.bytes_received !== null)) r.bytes = (r.bytes_sent ?? 0) + (r.bytes_received ?? 0);
    }
    if ((r.src_port !== null || r.dst_port !== null) && (r.protocol === 'ICMP' || r.protocol === 'ICMPv6')) {
      if (r.src_port) setAttribute((attrs ??= {}), 'src_port', r.src_port);
      if (r.dst_port) setAttribute((attrs ??= {}), 'dst_port', r.dst_port);
      r.src_port = null;
      r.dst_port = null;
    }
    r.attributes = attrs;
    this.records.push(r);
  }

  private geo(text: string, s: number, e: number, lineNo: number, col: number): string | null {
    if (e - s === 2) {
      const a = text.charCodeAt(s);
      const b = text.charCodeAt(s + 1);
      const ua = (a | 32) - 97;
      const ub = (b | 32) - 97;
      if (ua >= 0 && ua < 26 && ub >= 0 && ub < 26) return GEO_CODES[ua * 26 + ub];
    }
    const field = this.names[col];
    this.diagnostics.push(
      diagnostic(this.object, lineNo, field, 'bad-geo', `line ${lineNo}: ${field} is not a two-letter country code: ${quote(text.slice(s, e))}; set to null`, 'warning'),
    );
    return null;
  }
}

async function* parseCsv(input: ByteSource, options: ParseOptions): AsyncGenerator<ParseBatch, void, undefined> {
  const batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH_SIZE);
  const p = new CsvParser(options);
  const records = p.records;
  const diagnostics = p.diagnostics;
  for await (const block of readLineBlocks(input, { object: options.object, maxLineLength: options.maxLineLength })) {
    const text = block.text;
    const count = block.count;
    const starts = block.starts;
    const ends = block.ends;
    const first = block.firstLine;
    const lineDiags = block.diagnostics;
    const bytes = block.bytes;
    p.view = bytes === null ? null : new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    p.u8 = bytes;
    let d = 0;
    for (let i = 0; i < count; i++) {
      if (d < lineDiags.length) d = passLineDiagnostics(lineDiags, d, first + i, diagnostics);
      p.lineAt(text, starts[i], ends[i], first + i);
      if (p.stopped) {
        yield p.take();
        return;
      }
      if (records.length >= batchSize || diagnostics.length >= batchSize) yield p.take();
    }
    if (d < lineDiags.length) passLineDiagnostics(lineDiags, d, Infinity, diagnostics);
  }
  p.finish();
  if (records.length > 0 || diagnostics.length > 0) yield p.take();
}

/** Moves readLines' diagnostics up to line `upTo` into `out`, keeping input order; returns the next index. */
function passLineDiagnostics(from: LineBlock['diagnostics'], start: number, upTo: number, out: Diagnostic[]): number {
  let d = start;
  while (d < from.length && (from[d].line ?? 0) <= upTo) out.push(from[d++]);
  return d;
}

/** High confidence when the first non-empty line is a comma-separated header with timestamp, src_ip and dst_ip. */
function detectCsv(head: string): number {
  let start = 0;
  let line = '';
  for (;;) {
    const nl = head.indexOf('\n', start);
    line = trimBlanks(head.slice(start, nl === -1 ? head.length : nl).replace(/\r$/, ''));
    if (line.length > 0 || nl === -1) break;
    start = nl + 1;
  }
  if (line.indexOf(',') === -1) return 0;
  const c = line.charCodeAt(0);
  if (c === 123 || c === 91) return 0; // JSON
  const keys = new Set(splitCsvRecord(line).map(columnKey));
  return REQUIRED_COLUMNS.every((k) => keys.has(k)) ? 0.9 : 0;
}

export const csvFormat: FlowFormat = {
  id: 'csv',
  description: 'Generic CSV flow logs with a header line (timestamp, src_ip, dst_ip, …; also networkflow CSV output)',
  provider: 'generic',
  detect: detectCsv,
  parse: parseCsv,
};
