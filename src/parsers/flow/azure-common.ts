/**
 * Code shared by the Azure flow-log parsers (azure-nsg.ts, azure-vnet.ts):
 *   - the JSON driver: items out of `{"records":[…]}` blobs / NDJSON / arrays (via readJsonItems), the
 *     nested-`records` quirk, batching;
 *   - tuple scanning: the comma positions of one flow tuple in one indexOf pass, and number parsing straight
 *     from the tuple text (no split(), no regex, no substring for numeric fields);
 *   - resource ids, MAC addresses, diagnostics wording.
 *
 * Conventions both parsers follow (documented once here):
 *   - resource ids: `subscription_id` is the subscription GUID lower-cased (GUIDs are case-insensitive and
 *     NSG blobs upper-case the whole resourceId, VNet blobs do not; lower-casing lets the two join);
 *     `resource_group` and the resource name are kept exactly as written in the input.
 *   - MAC addresses are written as Elastic does and as IEEE 802 prints them: upper-case hex pairs joined
 *     by dashes (`00-0D-3A-F8-78-56`); a value that is not 12 hex digits (with or without separators) is kept
 *     as given with a warning.
 *   - `attributes` objects are shared by all records of one flow group (same record, rule and MAC; for VNet
 *     also the same encryption value) to save allocations at millions of tuples; they are frozen, so treat
 *     them as read-only (copy before changing).
 */
import { diagnostic, type Diagnostic, type FlowRecord } from '../../model/index.js';
import { isIPv4, normalizeIp } from '../ip.js';
import { readJsonItems } from '../json-items.js';
import { DEFAULT_BATCH_SIZE, type ByteSource, type ParseBatch, type ParseOptions } from '../types.js';

// ---------------------------------------------------------------------------------------------------------
// Output sink and JSON driver

/** Where a record handler puts what it finds. */
export interface Sink {
  readonly object: string;
  records: FlowRecord[];
  diagnostics: Diagnostic[];
}

/**
 * Handles one flow-log record (one element of `records`). `line` is where its JSON item starts; `path` is
 * the JSON path prefix of the record inside the item ('' normally, `records[2].` for a nested record; nested
 * records carry the line of the item that holds them, as JSON.parse gives no positions inside an item).
 */
export type RecordHandler = (value: Record<string, unknown>, line: number, path: string, sink: Sink) => void;

/** How deep `{"records":[{"records":[…]}]}` nesting is followed before it is reported instead. */
const MAX_NESTING = 4;

/**
 * Streams JSON items out of the input and hands each flow-log record to `handle`.
 * `rootKey` is the key every record of the format has (`properties` / `flowRecords`): an item without it
 * that holds a `records` array is a nested blob (the Microsoft docs v1 example has one) and is descended
 * into with a warning.
 */
export async function* parseAzureJson(
  input: ByteSource,
  options: ParseOptions,
  rootKey: string,
  handle: RecordHandler,
): AsyncGenerator<ParseBatch, void, undefined> {
  const batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH_SIZE);
  const sink: Sink = { object: options.object, records: [], diagnostics: [] };
  const visit = (value: unknown, line: number, path: string, depth: number): void => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      sink.diagnostics.push(
        diagnostic(sink.object, line, path === '' ? null : path.slice(0, -1), 'not-a-record',
          `line ${line}: ${path === '' ? 'a JSON item' : path.slice(0, -1)} is ${describe(value)}, not a flow-log record object; skipped`),
      );
      return;
    }
    const rec = value as Record<string, unknown>;
    const nested = rec.records;
    if (rec[rootKey] === undefined && Array.isArray(nested)) {
      if (depth >= MAX_NESTING) {
        sink.diagnostics.push(
          diagnostic(sink.object, line, `${path}records`, 'nested-records',
            `line ${line}: ${path}records is nested more than ${MAX_NESTING} levels deep; skipped`),
        );
        return;
      }
      sink.diagnostics.push(
        diagnostic(sink.object, line, `${path}records`, 'nested-records',
          `line ${line}: a record holds its own "records" array (${nested.length} records); read them as records of the blob`, 'warning'),
      );
      for (let i = 0; i < nested.length; i++) visit(nested[i], line, `${path}records[${i}].`, depth + 1);
      return;
    }
    handle(rec, line, path, sink);
  };

  for await (const batch of readJsonItems(input, { object: options.object, maxItemLength: options.maxJsonItemLength })) {
    // Diagnostics of the JSON reader concern the items around them; they come first within the batch.
    if (batch.diagnostics.length > 0) for (const d of batch.diagnostics) sink.diagnostics.push(d);
    const items = batch.items;
    for (let i = 0; i < items.length; i++) {
      visit(items[i].value, items[i].line, '', 0);
      if (sink.records.length >= batchSize) yield* drain(sink, batchSize);
    }
  }
  if (sink.records.length > 0 || sink.diagnostics.length > 0) yield { records: sink.records, diagnostics: sink.diagnostics };
}

/**
 * Yields the sink's records in batches of exactly `batchSize` (one record of a busy hour can hold tens of
 * thousands of tuples); the smaller remainder stays in the sink. Pending diagnostics go with the first batch.
 */
function* drain(sink: Sink, batchSize: number): Generator<ParseBatch, void, undefined> {
  const records = sink.records;
  let diagnostics = sink.diagnostics;
  sink.diagnostics = [];
  if (records.length === batchSize) {
    sink.records = [];
    yield { records, diagnostics };
    return;
  }
  let i = 0;
  for (; i + batchSize <= records.length; i += batchSize) {
    yield { records: records.slice(i, i + batchSize), diagnostics };
    diagnostics = [];
  }
  sink.records = records.slice(i);
  sink.diagnostics = diagnostics;
}

// ---------------------------------------------------------------------------------------------------------
// Tuple scanning

/** The most fields any Azure tuple has (NSG v2 and VNet v4: 13); one more slot detects "too many". */
export const MAX_TUPLE_FIELDS = 13;

/**
 * Field starts of the last tuple scanned: field i spans [starts[i], starts[i + 1] - 1). Shared scratch space
 * (parsers are synchronous between awaits, so one array serves every parser instance).
 */
export const starts = new Int32Array(MAX_TUPLE_FIELDS + 2);

/**
 * Records where the fields of a comma-separated tuple start (in `starts`) and returns how many fields it
 * has; MAX_TUPLE_FIELDS + 1 means "more than MAX_TUPLE_FIELDS".
 */
export function scanTuple(s: string): number {
  starts[0] = 0;
  let n = 1;
  let from = 0;
  for (;;) {
    const c = s.indexOf(',', from);
    if (c === -1) break;
    from = c + 1;
    starts[n] = from;
    if (n > MAX_TUPLE_FIELDS) return n;
    n++;
  }
  starts[n] = s.length + 1;
  return n;
}

/** Returned by readUint for an empty field. */
export const EMPTY = -1;
/** Returned by readUint / readEpochMs for a field that is not a non-negative integer. */
export const INVALID = -2;

/** A non-negative decimal integer (up to 2^53) read from s[a, b); EMPTY or INVALID otherwise. */
export function readUint(s: string, a: number, b: number): number {
  if (a >= b) return EMPTY;
  let v = 0;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return INVALID;
    v = v * 10 + c;
  }
  return b - a > 15 && !Number.isSafeInteger(v) ? INVALID : v;
}

/**
 * Epoch time from s[a, b) as milliseconds, read by magnitude: up to 11 digits are seconds (NSG), 12–14
 * digits milliseconds (VNet). Anything else (empty, not digits, longer) is INVALID.
 */
export function readEpochMs(s: string, a: number, b: number): number {
  const len = b - a;
  if (len === 0 || len > 14) return INVALID;
  const v = readUint(s, a, b);
  if (v < 0) return INVALID;
  return len <= 11 ? v * 1000 : v;
}

// ---------------------------------------------------------------------------------------------------------
// Addresses

const v6Cache = new Map<string, string | null>();
const V6_CACHE_SIZE = 4096;

/**
 * normalizeIp with a bounded cache for IPv6 text (RFC 5952 normalization costs ~1–2 µs; the same local and
 * remote addresses recur across the tuples of a blob). IPv4 is validated directly.
 */
export function normalizeAddress(text: string): string | null {
  if (text.indexOf(':') === -1) return isIPv4(text) ? text : null;
  let v = v6Cache.get(text);
  if (v === undefined) {
    v = normalizeIp(text);
    if (v6Cache.size >= V6_CACHE_SIZE) v6Cache.clear();
    v6Cache.set(text, v);
  }
  return v;
}

/**
 * The address at t[s, e), normalized. A flow group's own address recurs in most of its tuples, so the
 * last raw text and its normalized form are kept and reused when the next tuple has the same text.
 */
export class AddressCache {
  private raw = '';
  private normalized = '';

  at(t: string, s: number, e: number): string | null {
    if (e > s && e - s === this.raw.length && t.startsWith(this.raw, s)) return this.normalized;
    const raw = t.slice(s, e);
    const address = normalizeAddress(raw);
    if (address !== null) {
      this.raw = raw;
      this.normalized = address;
    }
    return address;
  }
}

/**
 * ICMP/ICMPv6 have no ports, so the port columns are null (DESIGN); a non-zero value in the tuple's port
 * fields (some producers put type/code there) is kept in `attributes` as `src_port` / `dst_port`, as the CSV
 * parser does. Returns the attributes for such a tuple (a copy of the group's, frozen like it).
 */
export function icmpPortAttributes(attributes: Record<string, unknown>, srcPort: number, dstPort: number): Record<string, unknown> {
  if (srcPort <= 0 && dstPort <= 0) return attributes;
  const out: Record<string, unknown> = { ...attributes };
  if (srcPort > 0) out.src_port = srcPort;
  if (dstPort > 0) out.dst_port = dstPort;
  return Object.freeze(out);
}

// ---------------------------------------------------------------------------------------------------------
// Resource ids and MAC addresses

export interface ResourceIdParts {
  /** Subscription GUID, lower-cased; null if absent. */
  subscription: string | null;
  /** Resource group as written; null if absent. */
  resourceGroup: string | null;
  /**
   * Name of the resource the id points at, as written: the last name for a top-level resource (`myVNet`,
   * `FABRIAKMVM1-NSG`); parent and child names joined by `/` for a child resource (`myVNet/subnet1`), which
   * is how Azure names child resources.
   */
  name: string | null;
}

/**
 * Splits `/subscriptions/<sub>/resourceGroups/<rg>/providers/<Namespace>/<type>/<name>[/<type>/<name>…]`
 * (any letter case). Returns null when the text is not shaped like a resource id.
 */
export function parseResourceId(id: string): ResourceIdParts | null {
  const parts = id.split('/');
  if (parts.length < 3 || parts[0] !== '' || parts[1].toLowerCase() !== 'subscriptions' || parts[2] === '') return null;
  const out: ResourceIdParts = { subscription: parts[2].toLowerCase(), resourceGroup: null, name: null };
  if (parts.length < 5) return parts.length === 3 ? out : null;
  if (parts[3].toLowerCase() !== 'resourcegroups' || parts[4] === '') return null;
  out.resourceGroup = parts[4];
  if (parts.length === 5) return out;
  // providers/<Namespace>/<type>/<name>[/<type>/<name>]…
  if (parts.length < 9 || parts[5].toLowerCase() !== 'providers' || (parts.length - 7) % 2 !== 0) return null;
  const names: string[] = [];
  for (let i = 8; i < parts.length; i += 2) {
    if (parts[i] === '') return null;
    names.push(parts[i]);
  }
  out.name = names.join('/');
  return out;
}

const NO_RESOURCE: ResourceIdParts = { subscription: null, resourceGroup: null, name: null };

/**
 * The subscription, resource group and resource name of a record's resource-id field (`resourceId` for NSG,
 * `targetResourceID` for VNet); a missing or malformed id gives a warning and empty columns. `what` names
 * the resource in the message ('NSG', 'target').
 */
export function resourceColumns(value: unknown, sink: Sink, line: number, field: string, what: string): ResourceIdParts {
  if (typeof value === 'string') {
    const parts = parseResourceId(value);
    if (parts !== null) return parts;
    sink.diagnostics.push(
      diagnostic(sink.object, line, field, 'bad-resource-id',
        `line ${line}: ${field} ${quote(value)} is not an Azure resource id; subscription, resource group and ${what} left empty`, 'warning'),
    );
  } else {
    sink.diagnostics.push(
      diagnostic(sink.object, line, field, 'missing-field',
        `line ${line}: ${field} is ${describe(value)}; subscription, resource group and ${what} left empty`, 'warning'),
    );
  }
  return NO_RESOURCE;
}

/** The record's top-level fields for `attributes`, except those in `skip`; the MAC normalized. */
export function recordAttributes(rec: Record<string, unknown>, skip: readonly string[], sink: Sink, line: number, path: string): Record<string, unknown> {
  const base: Record<string, unknown> = {};
  for (const key in rec) {
    if (skip.includes(key)) continue;
    base[key] = key === 'macAddress' ? macAttribute(rec[key], sink, line, `${path}macAddress`) : rec[key];
  }
  return base;
}

/** `000D3AF87856`, `00:0d:3a:f8:78:56`, `00-0D-…` → `00-0D-3A-F8-78-56`; null if not a 48-bit MAC. */
export function normalizeMac(text: string): string | null {
  let hex = '';
  const n = text.length;
  if (n === 12) hex = text;
  else if (n === 17) {
    const sep = text.charCodeAt(2);
    if (sep !== 45 && sep !== 58) return null;
    for (let i = 0; i < 17; i++) {
      if (i % 3 === 2) {
        if (text.charCodeAt(i) !== sep) return null;
      } else hex += text[i];
    }
  } else return null;
  for (let i = 0; i < 12; i++) {
    const c = hex.charCodeAt(i) | 0x20;
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return null;
  }
  const u = hex.toUpperCase();
  return `${u.slice(0, 2)}-${u.slice(2, 4)}-${u.slice(4, 6)}-${u.slice(6, 8)}-${u.slice(8, 10)}-${u.slice(10, 12)}`;
}

/**
 * A MAC value for `attributes`: normalized when it is a MAC; otherwise kept as given with a warning.
 * Returns the value to store.
 */
export function macAttribute(value: unknown, sink: Sink, line: number, field: string): unknown {
  if (typeof value === 'string') {
    const mac = normalizeMac(value);
    if (mac !== null) return mac;
  }
  if (value === undefined || value === null) return value;
  sink.diagnostics.push(
    diagnostic(sink.object, line, field, 'bad-mac', `line ${line}: ${field} ${quote(value)} is not a MAC address; kept as given`, 'warning'),
  );
  return value;
}

// ---------------------------------------------------------------------------------------------------------
// Diagnostics wording

/** A value for a message: JSON text, truncated to ~80 characters. */
export function quote(value: unknown): string {
  let s: string;
  if (typeof value === 'string') s = JSON.stringify(value);
  else if (value === undefined) s = 'undefined';
  else {
    try {
      s = JSON.stringify(value) ?? String(value);
    } catch {
      s = String(value);
    }
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** What a JSON value is, for messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${quote(value)}`;
}

/** A plain JSON object (not an array, not null), or null. */
export function asObject(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** Adds a rejected-tuple diagnostic: names the line, the JSON path, the tuple column and the value. */
export function badTuple(
  sink: Sink,
  line: number,
  path: string,
  reason: string,
  what: string,
  tuple: string,
  a: number,
  b: number,
): void {
  const value = a < b ? tuple.slice(a, b) : '';
  sink.diagnostics.push(
    diagnostic(sink.object, line, path, reason, `line ${line}, ${path}: ${what} ${quote(value)} in tuple ${quote(tuple)}; tuple skipped`),
  );
}
