/**
 * AWS VPC flow logs (and Transit Gateway flow logs, which share the text format).
 *
 * Input: space-separated records, one per line, in the default version 2 format or any custom format.
 * The field list of a line comes from, in order of precedence:
 *   1. the last header line seen in the input (`version account-id …`, S3 style: every token name-like and at
 *      least one a documented field name). A header repeated later (concatenated files) re-sets the format for
 *      the lines after it;
 *   2. `options.awsFields` (the CLI's `--aws-fields "version account-id …"`);
 *   3. auto: 14 fields = the default v2 format; otherwise one of the documented "all fields" layouts, recognized
 *      by field count and shape: 21 (v3), 25 (v4), 29 (v5), 39 (v7), 40 (v8) = the default 14 fields followed
 *      by the fields each version added, in AWS's documented order (vpc-id at index 14 must be `vpc-…` or `-`),
 *      and 36 = the Transit Gateway default format (index 3 `tgw-…`). Any other field count is an error
 *      `unknown-custom-format` (hint: pass --aws-fields).
 * Header names with underscores (`account_id`, the Parquet/Athena spelling) are the same fields as hyphenated
 * ones. Lines starting with `{` are JSON: `{"message": "<record>"}` (forwarders, CloudWatch), CloudWatch Logs
 * subscription payloads (`{"logEvents":[{"message":…}]}`) and objects keyed by field name (the JSON/Parquet
 * style export, `{"version":2,"account_id":"…","srcaddr":"…"}`).
 *
 * Mapping: timestamp = start, end_time = end (epoch seconds → ms); subscription_id = account-id;
 * resource_group = vpc-id (TGW records: tgw-id); nsg_name = interface-id (TGW records, which have no
 * interface-id: tgw-attachment-id); region = region; protocol from its number; ports null for ICMP/ICMPv6
 * when AWS reports 0; flow_decision ACCEPT → Allow, REJECT → Deny (null where absent, e.g. TGW);
 * flow_direction from flow-direction (ingress → Inbound, egress → Outbound), else null (the analyzer may derive
 * it from the interface's addresses later). Every other field (version, log-status, tcp-flags, type, pkt-*,
 * az-id, ecs-*, tgw-*, …, and unknown names) goes to `attributes` under its hyphenated name, integers for the
 * numeric ones; `-` means "no value" everywhere and is omitted.
 * source_format = `aws-vpc-v<version>` when the record has a version field, else `aws-vpc-custom`.
 *
 * NODATA and SKIPDATA records (log-status) are not traffic: each becomes an `info` diagnostic (reason
 * `nodata` / `skipdata`) whose `detail` holds the record's fields by name (`-` as null, integer fields as
 * numbers, start/end as the epoch seconds AWS wrote).
 *
 * Bad values: an unparsable address, port, protocol, counter or time rejects the row (error diagnostic naming
 * line, field and value); an odd version, action or flow-direction keeps the row with a warning (the value goes
 * to attributes). Wrong field counts are errors (`wrong-field-count` against a header/awsFields,
 * `unknown-custom-format` otherwise).
 *
 * Speed: lines are read where they stand in the decoded chunk (readLineBlocks: no substring per line, and a flat
 * chunk string is faster to scan than a sliced line). A plain default-format (v2) line with every field present
 * and valid is parsed in one pass (`fastV2`, over the chunk's bytes when it is ASCII — byte reads are cheaper than
 * charCodeAt — else over the characters): no tokenizing pass, integers and IPv4 read while scanning, only the ENI
 * and the addresses sliced. Anything else is tokenized into field positions (compiled once per header into
 * per-position field ids), integers read in place, only text values sliced; v2 lines there take the
 * straight-line `recordV2`. Default-format attributes `{version, log-status: 'OK'}` are one shared frozen object
 * per version. Nothing cached grows with the input. Property tests check that the paths agree.
 */
import { diagnostic, newFlowRecord, type Diagnostic, type FlowDecision, type FlowRecord } from '../../model/index.js';
import { ipv4End, ipv4EndBytes, normalizeIp } from '../ip.js';
import { readLineBlocks } from '../lines.js';
import { epochToMs, parseUint } from '../values.js';
import { DEFAULT_BATCH_SIZE, type ByteSource, type FlowFormat, type ParseBatch, type ParseOptions } from '../types.js';
import {
  AUTO_LAYOUTS,
  AWS_KNOWN_FIELDS,
  F_ACCOUNT,
  F_ACTION,
  F_BYTES,
  F_DSTADDR,
  F_DSTPORT,
  F_END,
  F_FLOW_DIRECTION,
  F_INTERFACE,
  F_INT_ATTR,
  F_LOG_STATUS,
  F_PACKETS,
  F_PROTOCOL,
  F_REGION,
  F_SRCADDR,
  F_SRCPORT,
  F_START,
  F_TGW_ATTACHMENT,
  F_TGW_ID,
  F_VERSION,
  F_VPC,
  MAX_FIELDS,
  PROTOCOLS,
  SHARED_ATTRS,
  SOURCE_FORMATS,
  makeLayout,
  normalizeName,
  type Layout,
} from './aws-vpc-fields.js';

// ---------------------------------------------------------------------------------------------------------
// Small helpers (no allocation on the hot path)

function isDash(line: string, s: number, e: number): boolean {
  return e - s === 1 && line.charCodeAt(s) === 45;
}

/** Non-negative integer of at most 15 digits from line[s, e); -1 when not digits. */
function intAt(line: string, s: number, e: number): number {
  const n = e - s;
  if (n === 0 || n > 15) return -1;
  let v = 0;
  for (let i = s; i < e; i++) {
    const c = line.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * The address at line[s, e) in normalized text form, or null. Fast paths check, without allocating, that the
 * text is already a valid IPv4 address or an IPv6 address in RFC 5952 form (as AWS writes them) and slice it;
 * anything else goes through normalizeIp.
 */
function ipAt(line: string, s: number, e: number): string | null {
  if (isIPv4At(line, s, e) || isCanonicalIPv6At(line, s, e)) return line.slice(s, e);
  return normalizeIp(line.slice(s, e));
}

/**
 * The end of a valid dotted-quad IPv4 address at text[pos…] followed by a space (before `e`), else -1.
 * Same rules as isIPv4At (no leading zeros, parts ≤ 255).
 */
function ipv4EndAt(text: string, pos: number, e: number): number {
  const q = ipv4End(text, pos, e, 32);
  return q === e ? -1 : q; // the address must be followed by a space inside the line
}

/** ipv4EndAt over bytes. */
function ipv4EndBytesAt(b: Uint8Array, pos: number, e: number): number {
  const q = ipv4EndBytes(b, pos, e, 32);
  return q === e ? -1 : q;
}

/** The first space in b[pos, e), else -1. */
function spaceAt(b: Uint8Array, pos: number, e: number): number {
  for (let i = pos; i < e; i++) if (b[i] === 32) return i;
  return -1;
}

function isIPv4At(line: string, s: number, e: number): boolean {
  const n = e - s;
  if (n < 7 || n > 15) return false;
  let parts = 0, digits = 0, value = 0, lead = 0;
  for (let i = s; i <= e; i++) {
    const c = i < e ? line.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || value > 255 || (digits > 1 && lead === 48)) return false;
      parts++;
      digits = 0;
      value = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits === 0) lead = c;
      if (++digits > 3) return false;
      value = value * 10 + (c - 48);
    } else {
      return false;
    }
  }
  return parts === 4;
}

/**
 * True only for IPv6 text that is already canonical (RFC 5952): lower-case hex groups without leading zeros,
 * `::` (at most one) standing for a run of two or more zero groups longer than any other zero run, and no run
 * of two zero groups left uncompressed. Conservative: false sends the text to the full normalizer.
 */
function isCanonicalIPv6At(line: string, s: number, e: number): boolean {
  if (e - s < 2 || e - s > 39) return false;
  let i = s;
  let groups = 0;
  let compressedAt = -1;
  let run = 0, bestRun = 0;
  if (line.charCodeAt(i) === 58) {
    if (line.charCodeAt(i + 1) !== 58) return false;
    if (line.startsWith('::ffff:', s)) return false; // IPv4-mapped: written with a dotted tail by normalizeIp
    compressedAt = 0;
    i += 2;
    if (i === e) return true; // `::`
  }
  for (;;) {
    const g = i;
    let first = 0;
    while (i < e) {
      const c = line.charCodeAt(i);
      if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) break;
      if (i === g) first = c;
      i++;
    }
    const d = i - g;
    if (d === 0 || d > 4 || (d > 1 && first === 48)) return false;
    groups++;
    if (d === 1 && first === 48) {
      if (compressedAt === groups - 1) return false; // a zero group right after `::` belongs in it
      if (++run > bestRun) bestRun = run;
    } else {
      run = 0;
    }
    if (i === e) break;
    if (line.charCodeAt(i) !== 58) return false; // `.` (embedded IPv4), `%` (zone), upper case …
    i++;
    if (i < e && line.charCodeAt(i) === 58) {
      if (compressedAt !== -1 || run > 0) return false; // a second `::`, or a zero group right before it
      compressedAt = groups;
      run = 0;
      i++;
      if (i === e) break;
    } else if (i === e) {
      return false; // trailing single `:`
    }
  }
  if (compressedAt === -1) return groups === 8 && bestRun < 2;
  return groups <= 6 && bestRun < 8 - groups;
}

function allDigits(t: string): boolean {
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return t.length > 0;
}

/** line[s, e) as a string, reusing `prev` when it holds the same text. */
function reuse(line: string, s: number, e: number, prev: string): string {
  return eqAt(line, s, e, prev) ? prev : line.slice(s, e);
}

/** line[s, e) === text, without allocating. */
function eqAt(line: string, s: number, e: number, text: string): boolean {
  return e - s === text.length && line.startsWith(text, s);
}

function quote(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

function isNameToken(t: string): boolean {
  const c0 = t.charCodeAt(0);
  if (!(c0 >= 97 && c0 <= 122)) return false;
  for (let i = 1; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 95)) return false;
  }
  return true;
}

/**
 * A header line: every token looks like a field name (lower case, digits, `-`, `_`) and at least one is a
 * documented field name. Values never qualify: addresses, numbers, ACCEPT/OK and the like are not name-like,
 * and name-like values (`eni-…`, `i-…`) are not field names. Returns the names as written, or null.
 */
export function parseAwsHeader(line: string): string[] | null {
  const t = line.trim();
  const c0 = t.charCodeAt(0);
  if (!(c0 >= 97 && c0 <= 122)) return null;
  const tokens: string[] = [];
  let known = false;
  const len = t.length;
  let pos = 0;
  while (pos < len) {
    let sp = t.indexOf(' ', pos);
    if (sp === -1) sp = len;
    if (sp > pos) {
      const tok = t.slice(pos, sp);
      if (!isNameToken(tok)) return null;
      if (!known && AWS_KNOWN_FIELDS.has(normalizeName(tok))) known = true;
      tokens.push(tok);
    }
    pos = sp + 1;
  }
  return known ? tokens : null;
}

/** Field names given as options.awsFields: each element may itself hold several names (`"version account-id"`). */
function splitFieldList(fields: readonly string[]): string[] {
  const out: string[] = [];
  for (const f of fields) for (const p of f.split(/[\s,]+/)) if (p.length > 0) out.push(p);
  return out;
}

const INT_FIELDS = new Set([F_VERSION, F_SRCPORT, F_DSTPORT, F_PROTOCOL, F_PACKETS, F_BYTES, F_START, F_END, F_INT_ATTR]);

// ---------------------------------------------------------------------------------------------------------
// The parser state for one input

class AwsVpcParser {
  readonly object: string;
  records: FlowRecord[] = [];
  diagnostics: Diagnostic[] = [];
  /** Field list from a header or awsFields; null = auto (v2 / documented all-fields layouts). */
  layout: Layout | null;
  readonly starts = new Int32Array(MAX_FIELDS);
  readonly ends = new Int32Array(MAX_FIELDS);
  /** Layout of the last JSON object keyed by field names (one entry: nothing grows). */
  jsonKeys = '';
  jsonLayout: Layout | null = null;
  /**
   * The previous value of short fields that are usually constant through a file (one account, VPC and region per
   * S3 object), so that equal values share one string instead of a copy each. (Measured: for the ENI, which
   * varies and is long enough to be sliced without copying, comparing costs more than it saves.)
   */
  lastAccount = '';
  lastVpc = '';
  lastRegion = '';
  /** The bytes of the current block's text when it is an ASCII chunk (same offsets), else null. */
  u8: Uint8Array | null = null;

  constructor(options: ParseOptions) {
    this.object = options.object;
    const fields = options.awsFields ? splitFieldList(options.awsFields) : [];
    this.layout = fields.length > 0 ? makeLayout(fields) : null;
  }

  error(line: number, field: string | null, reason: string, message: string, severity: 'error' | 'warning' | 'info' = 'error', detail?: Record<string, unknown>): void {
    this.diagnostics.push(diagnostic(this.object, line, field, reason, `line ${line}: ${message}`, severity, detail));
  }

  /** One input line (or the message text of a JSON wrapper). */
  line(text: string, lineNo: number, depth: number): void {
    let line = text;
    const len0 = line.length;
    if (len0 === 0) return;
    let c0 = line.charCodeAt(0);
    if (c0 === 32 || c0 === 9 || line.charCodeAt(len0 - 1) <= 32) {
      line = line.trim();
      if (line.length === 0) return;
      c0 = line.charCodeAt(0);
    }
    if (c0 === 123 /* { */) {
      this.json(line, lineNo, depth);
      return;
    }
    if (c0 >= 97 && c0 <= 122) {
      const header = parseAwsHeader(line);
      if (header !== null) {
        this.layout = makeLayout(header);
        return;
      }
    }
    this.fields(line, null, 0, line.length, lineNo);
  }

  /**
   * One input line as text[s, e): the common case (a data line, not trimmed, JSON or header) is read where it
   * stands; anything else goes through `line` as a string of its own.
   */
  lineAt(text: string, s: number, e: number, lineNo: number): void {
    if (e === s) return;
    const c0 = text.charCodeAt(s);
    if (c0 === 32 || c0 === 9 || c0 === 123 || (c0 >= 97 && c0 <= 122) || text.charCodeAt(e - 1) <= 32) {
      this.line(text.slice(s, e), lineNo, 0);
      return;
    }
    this.fields(text, this.u8, s, e, lineNo);
  }

  /** A data line text[s, e) (trimmed): tokenized into field positions, then mapped through its layout. */
  fields(line: string, bytes: Uint8Array | null, s: number, len: number, lineNo: number): void {
    const current = this.layout;
    if ((current === null || current.isV2) && (bytes !== null ? this.fastV2Bytes(line, bytes, s, len, lineNo) : this.fastV2(line, s, len, lineNo))) return;
    // tokenize: field positions only, no substrings (indexOf measured faster than a charCodeAt loop)
    const starts = this.starts, ends = this.ends;
    let n = 0;
    let pos = s;
    while (pos < len) {
      let sp = line.indexOf(' ', pos);
      if (sp === -1 || sp > len) sp = len;
      if (sp > pos) {
        if (n === MAX_FIELDS) {
          this.error(lineNo, null, 'too-many-fields', `more than ${MAX_FIELDS} fields; record skipped`);
          return;
        }
        starts[n] = pos;
        ends[n] = sp;
        n++;
      }
      pos = sp + 1;
    }
    let layout = this.layout;
    if (layout === null) {
      layout = AUTO_LAYOUTS.get(n) ?? null;
      if (layout !== null && layout.guardIdx >= 0) {
        const g = layout.guardIdx;
        if (!isDash(line, starts[g], ends[g]) && !line.startsWith(layout.guardPrefix, starts[g])) layout = null;
      }
      if (layout === null) {
        this.error(lineNo, null, 'unknown-custom-format',
          `${n} fields, not the default AWS VPC flow-log format (14 fields) nor a documented all-fields layout, and no header line; record skipped: ${quote(line.slice(s, len))} (hint: pass the format with --aws-fields "version account-id …")`);
        return;
      }
    } else if (n !== layout.count) {
      this.error(lineNo, null, 'wrong-field-count', `${n} fields where the format has ${layout.count} (${quote(layout.names.join(' '))}); record skipped: ${quote(line.slice(s, len))}`);
      return;
    }
    if (layout.isV2 && this.recordV2(line, lineNo)) return;
    this.record(line, lineNo, layout);
  }

  /**
   * Single-pass fast path for a default-format (v2) line text[s, e) with single spaces and every field present
   * and valid: each field is read where it stands while the line is scanned once (no tokenizing pass). Returns
   * false, having done nothing, for anything else, which then takes the general path (tokenize, recordV2 or
   * record) with its diagnostics.
   */
  fastV2(t: string, s: number, e: number, lineNo: number): boolean {
    let p = s;
    // version: 1–2 digits
    let c = t.charCodeAt(p) - 48;
    if (c < 0 || c > 9) return false;
    let version = c;
    c = t.charCodeAt(++p) - 48;
    if (c >= 0 && c <= 9) {
      version = version * 10 + c;
      c = t.charCodeAt(++p) - 48;
    }
    if (c !== -16 || p >= e) return false; // a space
    // account-id: compared with the previous one in place
    const a = ++p;
    let q = t.indexOf(' ', a);
    if (q === -1 || q >= e || q === a || (q - a === 1 && t.charCodeAt(a) === 45)) return false;
    const prevAccount = this.lastAccount;
    let account = prevAccount;
    if (q - a === prevAccount.length) {
      let j = 0;
      while (j < prevAccount.length && t.charCodeAt(a + j) === prevAccount.charCodeAt(j)) j++;
      if (j !== prevAccount.length) account = t.slice(a, q);
    } else {
      account = t.slice(a, q);
    }
    // interface-id
    const ia = q + 1;
    q = t.indexOf(' ', ia);
    if (q === -1 || q >= e || q === ia || (q - ia === 1 && t.charCodeAt(ia) === 45)) return false;
    const ib = q;
    // srcaddr, dstaddr
    p = q + 1;
    let src: string | null;
    q = ipv4EndAt(t, p, e);
    if (q > 0) {
      src = t.slice(p, q);
    } else {
      q = t.indexOf(' ', p);
      if (q === -1 || q >= e || q === p) return false;
      src = ipAt(t, p, q);
      if (src === null) return false;
    }
    p = q + 1;
    let dst: string | null;
    q = ipv4EndAt(t, p, e);
    if (q > 0) {
      dst = t.slice(p, q);
    } else {
      q = t.indexOf(' ', p);
      if (q === -1 || q >= e || q === p) return false;
      dst = ipAt(t, p, q);
      if (dst === null) return false;
    }
    // srcport dstport protocol packets bytes start end: digits, each followed by a space
    p = q + 1;
    let srcPort = 0;
    q = p;
    while ((c = t.charCodeAt(q) - 48) >= 0 && c <= 9) { srcPort = srcPort * 10 + c; q++; }
    if (c !== -16 || q === p || q - p > 5 || srcPort > 65535) return false;
    p = q + 1;
    let dstPort = 0;
    q = p;
    while ((c = t.charCodeAt(q) - 48) >= 0 && c <= 9) { dstPort = dstPort * 10 + c; q++; }
    if (c !== -16 || q === p || q - p > 5 || dstPort > 65535) return false;
    p = q + 1;
    let proto = 0;
    q = p;
    while ((c = t.charCodeAt(q) - 48) >= 0 && c <= 9) { proto = proto * 10 + c; q++; }
    if (c !== -16 || q === p || q - p > 3 || proto > 255) return false;
    p = q + 1;
    let packets = 0;
    q = p;
    while ((c = t.charCodeAt(q) - 48) >= 0 && c <= 9) { packets = packets * 10 + c; q++; }
    if (c !== -16 || q === p || q - p > 15) return false;
    p = q + 1;
    let bytes = 0;
    q = p;
    while ((c = t.charCodeAt(q) - 48) >= 0 && c <= 9) { bytes = bytes * 10 + c; q++; }
    if (c !== -16 || q === p || q - p > 15) return false;
    p = q + 1;
    let start = 0;
    q = p;
    while ((c = t.charCodeAt(q) - 48) >= 0 && c <= 9) { start = start * 10 + c; q++; }
    if (c !== -16 || q === p || q - p > 11) return false;
    p = q + 1;
    let end = 0;
    q = p;
    while ((c = t.charCodeAt(q) - 48) >= 0 && c <= 9) { end = end * 10 + c; q++; }
    if (c !== -16 || q === p || q - p > 11) return false;
    // action, log-status OK, end of line
    p = q + 1;
    if (p + 9 !== e || t.charCodeAt(p + 6) !== 32 || t.charCodeAt(p + 7) !== 79 || t.charCodeAt(p + 8) !== 75) return false;
    let decision: FlowDecision;
    c = t.charCodeAt(p);
    if (c === 65 && t.charCodeAt(p + 1) === 67 && t.charCodeAt(p + 2) === 67 && t.charCodeAt(p + 3) === 69 && t.charCodeAt(p + 4) === 80 && t.charCodeAt(p + 5) === 84) decision = 'Allow';
    else if (c === 82 && t.charCodeAt(p + 1) === 69 && t.charCodeAt(p + 2) === 74 && t.charCodeAt(p + 3) === 69 && t.charCodeAt(p + 4) === 67 && t.charCodeAt(p + 5) === 84) decision = 'Deny';
    else return false;
    const r = newFlowRecord('aws', SOURCE_FORMATS[version], this.object, lineNo);
    r.timestamp = start * 1000;
    r.end_time = end * 1000;
    r.subscription_id = this.lastAccount = account;
    r.nsg_name = t.slice(ia, ib);
    r.src_ip = src;
    r.dst_ip = dst;
    r.protocol = PROTOCOLS[proto];
    if ((proto === 1 || proto === 58) && srcPort === 0) r.src_port = null;
    else r.src_port = srcPort;
    if ((proto === 1 || proto === 58) && dstPort === 0) r.dst_port = null;
    else r.dst_port = dstPort;
    r.flow_decision = decision;
    r.packets = packets;
    r.bytes = bytes;
    r.attributes = SHARED_ATTRS[version];
    this.records.push(r);
    return true;
  }

  /** fastV2 over the bytes of an ASCII block (`b[i]` is `t.charCodeAt(i)`). */
  fastV2Bytes(t: string, b: Uint8Array, s: number, e: number, lineNo: number): boolean {
    let p = s;
    // version: 1–2 digits
    let c = b[p] - 48;
    if (c < 0 || c > 9) return false;
    let version = c;
    c = b[++p] - 48;
    if (c >= 0 && c <= 9) {
      version = version * 10 + c;
      c = b[++p] - 48;
    }
    if (c !== -16 || p >= e) return false; // a space
    // account-id: compared with the previous one in place
    const a = ++p;
    let q = spaceAt(b, a, e);
    if (q === -1 || q >= e || q === a || (q - a === 1 && b[a] === 45)) return false;
    const prevAccount = this.lastAccount;
    let account = prevAccount;
    if (q - a === prevAccount.length) {
      let j = 0;
      while (j < prevAccount.length && b[a + j] === prevAccount.charCodeAt(j)) j++;
      if (j !== prevAccount.length) account = t.slice(a, q);
    } else {
      account = t.slice(a, q);
    }
    // interface-id
    const ia = q + 1;
    q = spaceAt(b, ia, e);
    if (q === -1 || q >= e || q === ia || (q - ia === 1 && b[ia] === 45)) return false;
    const ib = q;
    // srcaddr, dstaddr
    p = q + 1;
    let src: string | null;
    q = ipv4EndBytesAt(b, p, e);
    if (q > 0) {
      src = t.slice(p, q);
    } else {
      q = spaceAt(b, p, e);
      if (q === -1 || q >= e || q === p) return false;
      src = ipAt(t, p, q);
      if (src === null) return false;
    }
    p = q + 1;
    let dst: string | null;
    q = ipv4EndBytesAt(b, p, e);
    if (q > 0) {
      dst = t.slice(p, q);
    } else {
      q = spaceAt(b, p, e);
      if (q === -1 || q >= e || q === p) return false;
      dst = ipAt(t, p, q);
      if (dst === null) return false;
    }
    // srcport dstport protocol packets bytes start end: digits, each followed by a space
    p = q + 1;
    let srcPort = 0;
    q = p;
    while ((c = b[q] - 48) >= 0 && c <= 9) { srcPort = srcPort * 10 + c; q++; }
    if (c !== -16 || q === p || q - p > 5 || srcPort > 65535) return false;
    p = q + 1;
    let dstPort = 0;
    q = p;
    while ((c = b[q] - 48) >= 0 && c <= 9) { dstPort = dstPort * 10 + c; q++; }
    if (c !== -16 || q === p || q - p > 5 || dstPort > 65535) return false;
    p = q + 1;
    let proto = 0;
    q = p;
    while ((c = b[q] - 48) >= 0 && c <= 9) { proto = proto * 10 + c; q++; }
    if (c !== -16 || q === p || q - p > 3 || proto > 255) return false;
    p = q + 1;
    let packets = 0;
    q = p;
    while ((c = b[q] - 48) >= 0 && c <= 9) { packets = packets * 10 + c; q++; }
    if (c !== -16 || q === p || q - p > 15) return false;
    p = q + 1;
    let bytes = 0;
    q = p;
    while ((c = b[q] - 48) >= 0 && c <= 9) { bytes = bytes * 10 + c; q++; }
    if (c !== -16 || q === p || q - p > 15) return false;
    p = q + 1;
    let start = 0;
    q = p;
    while ((c = b[q] - 48) >= 0 && c <= 9) { start = start * 10 + c; q++; }
    if (c !== -16 || q === p || q - p > 11) return false;
    p = q + 1;
    let end = 0;
    q = p;
    while ((c = b[q] - 48) >= 0 && c <= 9) { end = end * 10 + c; q++; }
    if (c !== -16 || q === p || q - p > 11) return false;
    // action, log-status OK, end of line
    p = q + 1;
    if (p + 9 !== e || b[p + 6] !== 32 || b[p + 7] !== 79 || b[p + 8] !== 75) return false;
    let decision: FlowDecision;
    c = b[p];
    if (c === 65 && b[p + 1] === 67 && b[p + 2] === 67 && b[p + 3] === 69 && b[p + 4] === 80 && b[p + 5] === 84) decision = 'Allow';
    else if (c === 82 && b[p + 1] === 69 && b[p + 2] === 74 && b[p + 3] === 69 && b[p + 4] === 67 && b[p + 5] === 84) decision = 'Deny';
    else return false;
    const r = newFlowRecord('aws', SOURCE_FORMATS[version], this.object, lineNo);
    r.timestamp = start * 1000;
    r.end_time = end * 1000;
    r.subscription_id = this.lastAccount = account;
    r.nsg_name = t.slice(ia, ib);
    r.src_ip = src;
    r.dst_ip = dst;
    r.protocol = PROTOCOLS[proto];
    if ((proto === 1 || proto === 58) && srcPort === 0) r.src_port = null;
    else r.src_port = srcPort;
    if ((proto === 1 || proto === 58) && dstPort === 0) r.dst_port = null;
    else r.dst_port = dstPort;
    r.flow_decision = decision;
    r.packets = packets;
    r.bytes = bytes;
    r.attributes = SHARED_ATTRS[version];
    this.records.push(r);
    return true;
  }

  /**
   * Straight-line fast path for a default-format (v2) line whose fields are all present and valid: the common
   * case. Returns false, having done nothing, for anything else (`-`, NODATA, bad values), which then takes the
   * general path with its diagnostics.
   */
  recordV2(line: string, lineNo: number): boolean {
    const st = this.starts, en = this.ends;
    const version = intAt(line, st[0], en[0]);
    if (version < 0 || version >= 100 || !eqAt(line, st[13], en[13], 'OK')) return false;
    const srcPort = intAt(line, st[5], en[5]);
    const dstPort = intAt(line, st[6], en[6]);
    const proto = intAt(line, st[7], en[7]);
    const packets = intAt(line, st[8], en[8]);
    const bytes = intAt(line, st[9], en[9]);
    const start = en[10] - st[10] <= 11 ? intAt(line, st[10], en[10]) : -1;
    const end = en[11] - st[11] <= 11 ? intAt(line, st[11], en[11]) : -1;
    if (srcPort < 0 || srcPort > 65535 || dstPort < 0 || dstPort > 65535 || proto < 0 || proto > 255
      || packets < 0 || bytes < 0 || start < 0 || end < 0) return false;
    let decision: FlowDecision;
    if (eqAt(line, st[12], en[12], 'ACCEPT')) decision = 'Allow';
    else if (eqAt(line, st[12], en[12], 'REJECT')) decision = 'Deny';
    else return false;
    if (isDash(line, st[1], en[1]) || isDash(line, st[2], en[2])) return false;
    const src = ipAt(line, st[3], en[3]);
    const dst = src === null ? null : ipAt(line, st[4], en[4]);
    if (dst === null) return false;
    const r = newFlowRecord('aws', SOURCE_FORMATS[version], this.object, lineNo);
    r.timestamp = start * 1000;
    r.end_time = end * 1000;
    r.subscription_id = this.lastAccount = reuse(line, st[1], en[1], this.lastAccount);
    r.nsg_name = line.slice(st[2], en[2]);
    r.src_ip = src;
    r.dst_ip = dst;
    const protocol = PROTOCOLS[proto];
    r.protocol = protocol;
    if ((proto === 1 || proto === 58) && srcPort === 0) r.src_port = null;
    else r.src_port = srcPort;
    if ((proto === 1 || proto === 58) && dstPort === 0) r.dst_port = null;
    else r.dst_port = dstPort;
    r.flow_decision = decision;
    r.packets = packets;
    r.bytes = bytes;
    r.attributes = SHARED_ATTRS[version];
    this.records.push(r);
    return true;
  }

  /** Maps the fields of a tokenized line (positions in this.starts/ends) through a layout. */
  record(line: string, lineNo: number, layout: Layout): void {
    const starts = this.starts, ends = this.ends;
    const si = layout.statusIdx;
    if (si >= 0) {
      const s = starts[si], e = ends[si];
      const n = e - s;
      if (n === 6 && eqAt(line, s, e, 'NODATA')) return this.noData(line, lineNo, layout, 'nodata', 'NODATA');
      if (n === 8 && eqAt(line, s, e, 'SKIPDATA')) return this.noData(line, lineNo, layout, 'skipdata', 'SKIPDATA');
    }
    const ids = layout.ids;
    const names = layout.names;
    const r = newFlowRecord('aws', 'aws-vpc-custom', this.object, lineNo);
    let attrs: Record<string, unknown> | null = null;
    let tgwId: string | null = null;
    let tgwAttachment: string | null = null;
    let version: number | string | null = null;
    let status: string | null = null;
    for (let i = 0; i < layout.count; i++) {
      const s = starts[i], e = ends[i];
      if (e - s === 1 && line.charCodeAt(s) === 45) continue; // `-`: no value
      switch (ids[i]) {
        case F_VERSION: {
          const v = intAt(line, s, e);
          if (v < 0) {
            version = line.slice(s, e);
            this.error(lineNo, 'version', 'bad-version', `field version: not a number ${quote(version)}; kept in attributes`, 'warning');
          } else {
            r.source_format = v < 100 ? SOURCE_FORMATS[v] : `aws-vpc-v${v}`;
            version = v;
          }
          break;
        }
        case F_ACCOUNT:
          r.subscription_id = this.lastAccount = reuse(line, s, e, this.lastAccount);
          break;
        case F_INTERFACE:
          r.nsg_name = line.slice(s, e);
          break;
        case F_SRCADDR: {
          const ip = ipAt(line, s, e);
          if (ip === null) return this.bad(line, lineNo, names[i], 'bad-ip', 'not an IP address', s, e);
          r.src_ip = ip;
          break;
        }
        case F_DSTADDR: {
          const ip = ipAt(line, s, e);
          if (ip === null) return this.bad(line, lineNo, names[i], 'bad-ip', 'not an IP address', s, e);
          r.dst_ip = ip;
          break;
        }
        case F_SRCPORT: {
          const v = intAt(line, s, e);
          if (v < 0 || v > 65535) return this.bad(line, lineNo, names[i], 'bad-port', 'not a port number', s, e);
          r.src_port = v;
          break;
        }
        case F_DSTPORT: {
          const v = intAt(line, s, e);
          if (v < 0 || v > 65535) return this.bad(line, lineNo, names[i], 'bad-port', 'not a port number', s, e);
          r.dst_port = v;
          break;
        }
        case F_PROTOCOL: {
          const v = intAt(line, s, e);
          if (v < 0 || v > 255) return this.bad(line, lineNo, names[i], 'bad-protocol', 'not a protocol number (0–255)', s, e);
          r.protocol = PROTOCOLS[v];
          break;
        }
        case F_PACKETS: {
          const v = e - s > 15 ? (parseUint(line.slice(s, e)) ?? -1) : intAt(line, s, e);
          if (v < 0) return this.bad(line, lineNo, names[i], 'bad-number', 'not a packet count', s, e);
          r.packets = v;
          break;
        }
        case F_BYTES: {
          const v = e - s > 15 ? (parseUint(line.slice(s, e)) ?? -1) : intAt(line, s, e);
          if (v < 0) return this.bad(line, lineNo, names[i], 'bad-number', 'not a byte count', s, e);
          r.bytes = v;
          break;
        }
        case F_START:
        case F_END: {
          let ms: number | null;
          if (e - s <= 11) {
            const v = intAt(line, s, e);
            ms = v < 0 ? null : v * 1000;
          } else {
            const t = line.slice(s, e);
            ms = allDigits(t) ? epochToMs(t) : null; // ms/µs/ns epochs, by magnitude
          }
          if (ms === null) return this.bad(line, lineNo, names[i], 'bad-timestamp', 'not an epoch time', s, e);
          if (ids[i] === F_START) r.timestamp = ms;
          else r.end_time = ms;
          break;
        }
        case F_ACTION: {
          if (eqAt(line, s, e, 'ACCEPT')) r.flow_decision = 'Allow';
          else if (eqAt(line, s, e, 'REJECT')) r.flow_decision = 'Deny';
          else {
            const v = line.slice(s, e);
            this.error(lineNo, 'action', 'bad-action', `field action: ${quote(v)} is neither ACCEPT nor REJECT; decision left empty, value kept in attributes`, 'warning');
            (attrs ??= {}).action = v;
          }
          break;
        }
        case F_LOG_STATUS:
          status = eqAt(line, s, e, 'OK') ? 'OK' : line.slice(s, e);
          break;
        case F_VPC:
          r.resource_group = this.lastVpc = reuse(line, s, e, this.lastVpc);
          break;
        case F_REGION:
          r.region = this.lastRegion = reuse(line, s, e, this.lastRegion);
          break;
        case F_FLOW_DIRECTION: {
          const v = line.slice(s, e);
          if (v === 'ingress') r.flow_direction = 'Inbound';
          else if (v === 'egress') r.flow_direction = 'Outbound';
          else {
            this.error(lineNo, 'flow-direction', 'bad-direction', `field flow-direction: ${quote(v)} is neither ingress nor egress; direction left empty, value kept in attributes`, 'warning');
            (attrs ??= {})['flow-direction'] = v;
          }
          break;
        }
        case F_TGW_ID:
          tgwId = line.slice(s, e);
          (attrs ??= {})[names[i]] = tgwId;
          break;
        case F_TGW_ATTACHMENT:
          tgwAttachment = line.slice(s, e);
          (attrs ??= {})[names[i]] = tgwAttachment;
          break;
        case F_INT_ATTR: {
          const v = intAt(line, s, e);
          (attrs ??= {})[names[i]] = v < 0 ? line.slice(s, e) : v;
          break;
        }
        default:
          (attrs ??= {})[names[i]] = line.slice(s, e);
      }
    }
    // Transit Gateway records have no ENI or VPC of their own: the attachment and the gateway stand in.
    if (r.nsg_name === null) r.nsg_name = tgwAttachment;
    if (r.resource_group === null) r.resource_group = tgwId;
    // AWS writes 0 for the ports of ICMP flows, which have none.
    if (r.protocol === 'ICMP' || r.protocol === 'ICMPv6') {
      if (r.src_port === 0) r.src_port = null;
      if (r.dst_port === 0) r.dst_port = null;
    }
    if (attrs === null) {
      // The common case (default format): one shared, frozen attributes object per version.
      if (status === 'OK' && typeof version === 'number' && version < 100) attrs = SHARED_ATTRS[version];
      else if (status !== null || version !== null) {
        attrs = {};
        if (version !== null) attrs.version = version;
        if (status !== null) attrs['log-status'] = status;
      }
    } else {
      if (version !== null) attrs.version = version;
      if (status !== null) attrs['log-status'] = status;
    }
    r.attributes = attrs;
    this.records.push(r);
  }

  bad(line: string, lineNo: number, field: string, reason: string, what: string, s: number, e: number): void {
    this.error(lineNo, field, reason, `field ${field}: ${what}: ${quote(line.slice(s, e))}; record skipped`);
  }

  /** NODATA / SKIPDATA: an info diagnostic with the record's fields in `detail`. */
  noData(line: string, lineNo: number, layout: Layout, reason: string, status: string): void {
    const detail: Record<string, unknown> = {};
    for (let i = 0; i < layout.count; i++) {
      const s = this.starts[i], e = this.ends[i];
      if (isDash(line, s, e)) {
        detail[layout.names[i]] = null;
        continue;
      }
      const v = INT_FIELDS.has(layout.ids[i]) && e - s <= 15 ? intAt(line, s, e) : -1;
      detail[layout.names[i]] = v >= 0 ? v : line.slice(s, e);
    }
    const what = status === 'NODATA' ? 'no traffic in the capture window' : 'records skipped in the capture window';
    const who = detail['interface-id'] ?? detail['tgw-attachment-id'] ?? null;
    this.error(lineNo, 'log-status', reason, `${status} record (${what})${who === null ? '' : ` for ${String(who)}`}; not counted as traffic`, 'info', detail);
  }

  /** A JSON line: a `{"message": …}` wrapper, a CloudWatch Logs payload, or an object keyed by field names. */
  json(text: string, lineNo: number, depth: number): void {
    const value = parseJson(text);
    if (value === undefined) {
      this.error(lineNo, null, 'bad-json', `not valid JSON: ${quote(text)}`);
      return;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.error(lineNo, null, 'unknown-json-record', `JSON value is not an AWS flow-log object: ${quote(text)}`);
      return;
    }
    const obj = value as Record<string, unknown>;
    if (depth < 3 && typeof obj.message === 'string') {
      if (obj.message.trim().length === 0) this.error(lineNo, 'message', 'missing-field', 'empty "message"');
      else this.line(obj.message, lineNo, depth + 1);
      return;
    }
    if (Array.isArray(obj.logEvents)) {
      // CloudWatch Logs subscription payload (Firehose / Lambda delivery): one record per log event.
      if (obj.logEvents.length === 0) this.error(lineNo, 'logEvents', 'no-log-events', 'CloudWatch Logs payload without log events', 'info');
      for (const ev of obj.logEvents as unknown[]) {
        const msg = ev !== null && typeof ev === 'object' ? (ev as Record<string, unknown>).message : undefined;
        if (typeof msg === 'string' && depth < 3) this.line(msg, lineNo, depth + 1);
        else this.error(lineNo, 'logEvents', 'missing-field', 'a log event without a "message" text');
      }
      return;
    }
    if (obj.messageType === 'CONTROL_MESSAGE') {
      this.error(lineNo, 'messageType', 'control-message', 'CloudWatch Logs control message (no flow data)', 'info');
      return;
    }
    const keys = Object.keys(obj);
    let known = 0;
    for (const k of keys) if (AWS_KNOWN_FIELDS.has(normalizeName(k))) known++;
    if (known === 0) {
      this.error(lineNo, null, 'unknown-json-record', `JSON object without AWS flow-log fields: ${quote(text)}`);
      return;
    }
    const sig = keys.join(' ');
    if (this.jsonLayout === null || sig !== this.jsonKeys) {
      if (keys.length > MAX_FIELDS) {
        this.error(lineNo, null, 'too-many-fields', `more than ${MAX_FIELDS} fields; record skipped`);
        return;
      }
      this.jsonLayout = makeLayout(keys);
      this.jsonKeys = sig;
    }
    // Build a synthetic line of the values; positions are explicit, so values may contain spaces.
    let line = '';
    for (let i = 0; i < keys.length; i++) {
      const v = obj[keys[i]];
      const t = v === null || v === undefined || v === '' ? '-' : typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
      this.starts[i] = line.length;
      line += t;
      this.ends[i] = line.length;
      line += ' ';
    }
    this.record(line, lineNo, this.jsonLayout);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

async function* parseAwsVpc(input: ByteSource, options: ParseOptions): AsyncGenerator<ParseBatch, void, undefined> {
  const p = new AwsVpcParser(options);
  const batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH_SIZE);
  for await (const lb of readLineBlocks(input, { object: options.object, maxLineLength: options.maxLineLength })) {
    const text = lb.text;
    const count = lb.count;
    const starts = lb.starts;
    const ends = lb.ends;
    const lineDiags = lb.diagnostics;
    p.u8 = lb.bytes;
    let d = 0;
    for (let i = 0; i < count; i++) {
      const lineNo = lb.firstLine + i;
      while (d < lineDiags.length && (lineDiags[d].line ?? 0) <= lineNo) p.diagnostics.push(lineDiags[d++]);
      p.lineAt(text, starts[i], ends[i], lineNo);
      if (p.records.length >= batchSize) {
        yield { records: p.records, diagnostics: p.diagnostics };
        p.records = [];
        p.diagnostics = [];
      }
    }
    while (d < lineDiags.length) p.diagnostics.push(lineDiags[d++]);
  }
  if (p.records.length > 0 || p.diagnostics.length > 0) yield { records: p.records, diagnostics: p.diagnostics };
}

// ---------------------------------------------------------------------------------------------------------
// Detection

const IPISH = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*|-)$/;

/** How much a whitespace-separated line looks like an AWS flow-log record (0–1). */
function recordShape(line: string): number {
  if (line.indexOf(',') !== -1 || line.indexOf('\t') !== -1) return 0;
  const t = line.trim().split(/ +/);
  if (t.length < 4 || !/^\d{1,2}$/.test(t[0])) {
    // custom formats: an ENI and an address and a status word
    const hasEni = t.some((x) => /^eni-[0-9a-f]+$/.test(x));
    const hasIp = t.some((x) => x !== '-' && IPISH.test(x) && x.length >= 3);
    return hasEni && hasIp ? 0.6 : 0;
  }
  if (t.length >= 14 && /^(?:\d{10,12}|-)$/.test(t[1]) && /^(?:eni-[0-9a-zA-Z]+|-)$/.test(t[2]) && IPISH.test(t[3]) && IPISH.test(t[4])
    && /^(?:ACCEPT|REJECT|-)$/.test(t[12]) && /^(?:OK|NODATA|SKIPDATA)$/.test(t[13])) {
    return t.length === 14 ? 0.95 : 0.9;
  }
  if (t.length >= 5 && /^(?:\d{12}|-)$/.test(t[2]) && t[3].startsWith('tgw-')) return 0.9;
  const hasEni = t.some((x) => /^eni-[0-9a-zA-Z]+$/.test(x));
  const hasStatus = t.some((x) => x === 'OK' || x === 'NODATA' || x === 'SKIPDATA');
  const hasIp = t.some((x) => x !== '-' && IPISH.test(x) && x.length >= 3);
  return hasEni && hasIp && hasStatus ? 0.7 : 0;
}

function detectLine(line: string): number {
  if (line.charCodeAt(0) === 123) {
    const v = parseJson(line);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return 0;
    const o = v as Record<string, unknown>;
    if (typeof o.message === 'string') return recordShape(o.message) * 0.95;
    if (Array.isArray(o.logEvents)) {
      const ev = o.logEvents[0] as Record<string, unknown> | undefined;
      return ev && typeof ev.message === 'string' ? recordShape(ev.message) * 0.95 : 0;
    }
    const keys = Object.keys(o).map(normalizeName);
    const hasAddr = keys.includes('srcaddr') && keys.includes('dstaddr');
    const hasAws = keys.includes('interface-id') || keys.includes('account-id') || keys.includes('log-status') || keys.includes('tgw-id');
    return hasAddr && hasAws ? 0.9 : 0;
  }
  const header = parseAwsHeader(line);
  if (header !== null) {
    const names = header.map(normalizeName);
    const known = names.filter((n) => AWS_KNOWN_FIELDS.has(n)).length;
    const core = names.some((n) => n === 'srcaddr' || n === 'dstaddr' || n === 'interface-id' || n === 'account-id' || n === 'log-status');
    return known >= 2 && core ? 0.95 : 0;
  }
  return recordShape(line);
}

function detectAwsVpc(head: string): number {
  const all = head.split('\n');
  // the last line may be cut off by the head limit
  if (all.length > 1 && !head.endsWith('\n')) all.pop();
  let best = 0;
  let seen = 0;
  let headerFields = 0; // after a header, data lines need only its field count
  for (const raw of all) {
    const line = raw.trim();
    if (line.length === 0) continue;
    let score: number;
    if (headerFields > 0 && line.charCodeAt(0) !== 123 && parseAwsHeader(line) === null) {
      score = line.indexOf(',') === -1 && line.split(/ +/).length === headerFields ? 0.95 : 0;
    } else {
      score = detectLine(line);
      const header = score > 0 ? parseAwsHeader(line) : null;
      if (header !== null) headerFields = header.length;
    }
    if (score === 0) return 0;
    if (score > best) best = score;
    if (++seen === 5) break;
  }
  return best;
}

function safeDetect(head: string): number {
  try {
    return detectAwsVpc(head);
  } catch {
    return 0;
  }
}

export const awsVpcFormat: FlowFormat = {
  id: 'aws-vpc',
  description: 'AWS VPC / Transit Gateway flow logs: default v2 and custom formats (header line or --aws-fields), v3–v8 fields, {"message": …} wrappers, JSON/Parquet-style objects',
  provider: 'aws',
  detect: safeDetect,
  parse: parseAwsVpc,
};
