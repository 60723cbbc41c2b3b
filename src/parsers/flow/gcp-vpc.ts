/**
 * GCP VPC flow logs, as Cloud Logging `LogEntry` JSON (`logName …/logs/compute.googleapis.com%2Fvpc_flows`).
 *
 * Inputs accepted (all streamed, never read whole):
 *   - NDJSON, one LogEntry per line: a Cloud Storage sink export, `gcloud logging read --format=json` piped
 *     through jq -c, Pub/Sub or Fluent Bit dumps;
 *   - a JSON array of LogEntries (`gcloud logging read --format=json`), pretty-printed or not;
 *   - the Logging API's `entries.list` response `{"entries":[…],"nextPageToken":…}` (its entries are read from
 *     the one parsed response object, so they all carry the line where the response starts), and
 *     `{"records":[…]}` wrappers;
 *   - a bare VPC flow payload (an object with `connection` and no `jsonPayload`), e.g. a BigQuery/Dataflow dump;
 *   - Firewall Rules Logging entries (`compute.googleapis.com%2Ffirewall`): they share `connection` and carry
 *     `disposition` (`ALLOWED`/`DENIED`), `rule_details`, `instance` and `vpc`.
 * The payload's `@type` is not required: any `jsonPayload` with a `connection` is a flow. Other LogEntries
 * (audit logs, text logs) are skipped with an `info` diagnostic `not-a-flow-entry`; JSON objects that are not
 * LogEntries at all give the same reason as a `warning`.
 *
 * Mapping (see DESIGN.md for the columns):
 *   timestamp/end_time  jsonPayload.start_time / end_time (RFC 3339 with nanoseconds → ms, truncated); a
 *                       firewall entry without start_time uses the LogEntry `timestamp`.
 *   src/dst ip, port    connection.src_ip/src_port/dest_ip/dest_port (ports null when absent, e.g. ICMP);
 *   protocol            connection.protocol (IANA number, number or numeric text) → name;
 *   packets, bytes      packets_sent / bytes_sent. GCP counts the packets/bytes of the flow in the direction
 *                       of `connection` (src → dest) as seen by the reporter; there is no reverse counter in a
 *                       record, so packets_sent/bytes_sent hold them and packets_received/bytes_received are
 *                       null. Counters may be JSON strings ("1776", int64 in proto3 JSON) or numbers.
 *   flow_direction      from the reporter: `SRC`/`SRC_GATEWAY` → Outbound (the reporter sent the flow),
 *                       `DEST`/`DEST_GATEWAY` → Inbound; firewall entries: rule_details.direction
 *                       EGRESS → Outbound, INGRESS → Inbound. Elastic's `network.direction` (internal /
 *                       outbound / inbound, from which sides carry instance or VPC details) is kept as
 *                       attributes.network_direction.
 *   flow_decision       Allow (VPC Flow Logs only record delivered traffic) unless jsonPayload.disposition is
 *                       `DENIED` (firewall logs) → Deny.
 *   subscription_id     project id: resource.labels.project_id, else the reporter side's instance/VPC project.
 *   resource_group      VPC network name of the reporter side (src_vpc.vpc_name for SRC, dest_vpc for DEST,
 *                       `vpc` for firewall entries).
 *   nsg_name            subnetwork: resource.labels.subnetwork_name, else the reporter side's subnetwork_name.
 *   rule_name           firewall entries only: rule_details.reference (`network:default/firewall:allow-ssh`).
 *   region              the reporter instance's region, else resource.labels.location (zone → region).
 *   attributes          every other jsonPayload field by its original name (reporter, rtt_msec as a number,
 *                       src_instance, dest_vpc, src_location, *_gke_details, …; sub-objects are referenced,
 *                       not copied), the other LogEntry fields (insertId, logName, resource, timestamp,
 *                       receiveTimestamp, severity, labels, …), `connection` when it has fields beyond the
 *                       5-tuple, plus two derived keys:
 *                         network_direction  'internal' | 'outbound' | 'inbound' (as above), absent if unknown;
 *                         flow_key           `<protocol>|<src_ip>|<src_port>|<dst_ip>|<dst_port>|<start_time>`
 *                                            (normalized protocol and addresses, ports empty when absent,
 *                                            start_time as written, e.g. `TCP|10.0.0.1|5601|192.0.2.7|33478|
 *                                            2019-06-14T03:45:37.186193305Z`).
 *
 * The same flow reported twice: when both ends of a flow are VMs with flow logging on (or a VM and a gateway),
 * GCP logs the connection once from each side (reporter SRC and reporter DEST), with the same `connection`
 * 5-tuple. They are two observations, so each LogEntry becomes one record; analytics that sum traffic dedupe by
 * attributes.flow_key (5-tuple + start time) and prefer one reporter (attributes.reporter). The two reporters
 * aggregate independently, so their start times can differ by a few seconds: a dedupe that must be exact should
 * also match on the 5-tuple within the aggregation interval.
 *
 * Speed: NDJSON (the common, large case) is split into lines here and each line goes straight to JSON.parse;
 * any line that is not one complete JSON object, and everything after a line that opens a multi-line value (an
 * array, pretty-printed JSON) or is longer than 1 MiB, is handed to readJsonItems (json-items.ts), which owns
 * all the non-trivial JSON framing and its diagnostics. (readJsonItems scans every character in JS; on ~1 KB
 * LogEntries that scan costs about as much as JSON.parse itself, which the line path avoids.) A line with
 * invalid UTF-8 keeps its entry and gets the `invalid-utf8` warning that readJsonItems and readLines give.
 *
 * Measured and rejected (2026-11): a hand-written reader that builds records and attributes straight from the
 * line text (no JSON.parse; values built as JSON.parse builds them, repeated strings and flat sub-objects reused,
 * objects made by generated literals) ran at ~115–130k entries/s against ~160–170k/s for this path: per token,
 * JS string builtins (indexOf, startsWith, slice) cost more than V8's JSON.parse does in C++. Building the
 * attributes with generated object literals instead of assignments gained nothing either: what attributes cost
 * (~1.2 µs an entry) is garbage collection of the sub-objects they keep alive, which any identical output keeps.
 */
import { diagnostic, newFlowRecord, type Diagnostic, type FlowDirection, type FlowRecord } from '../../model/index.js';
import { normalizeIp } from '../ip.js';
import { invalidUtf8, PARSE_FAILED, readJsonItems, tryParseJson, type JsonItemBatch } from '../json-items.js';
import { protocolFromNumber, protocolFromText } from '../../model/protocol.js';
import { decodeText, prependText, REPLACEMENT_CHAR } from '../text.js';
import { DEFAULT_BATCH_SIZE, DEFAULT_MAX_JSON_ITEM_LENGTH, type ByteSource, type FlowFormat, type ParseBatch, type ParseOptions } from '../types.js';
import { parsePort, parseTimestamp, parseUint } from '../values.js';

const FORMAT_ID = 'gcp-vpc';
/** Lines longer than this are not parsed by the line fast path but streamed through readJsonItems. */
const FAST_LINE_MAX = 1 << 20;

type Json = Record<string, unknown>;

interface Ctx {
  object: string;
  records: FlowRecord[];
  diagnostics: Diagnostic[];
}

// ---------------------------------------------------------------------------------------------------------
// Detection

function detect(head: string): number {
  const hasPayload = head.includes('"jsonPayload"');
  const hasConnection = head.includes('"connection"');
  const hasAddresses = head.includes('"src_ip"') || head.includes('"dest_ip"');
  if (hasPayload && hasConnection && (hasAddresses || head.includes('vpc_flows'))) return 0.95;
  if (hasPayload && head.includes('vpc_flows')) return 0.6; // head cut before the first payload's connection
  if (hasConnection && head.includes('"dest_ip"') && head.includes('"reporter"')) return 0.6; // bare payloads
  return 0;
}

// ---------------------------------------------------------------------------------------------------------
// Values

let cachedHourPrefix = '';
let cachedHourMs = 0;

/**
 * RFC 3339 UTC text to epoch ms. Fast path for `YYYY-MM-DDTHH:MM:SS[.f…]Z` (the hour is cached; minutes,
 * seconds and milliseconds are read at fixed positions); everything else goes to parseTimestamp.
 */
export function parseGcpTime(s: string): number | null {
  const n = s.length;
  if (
    n < 20 ||
    s.charCodeAt(n - 1) !== 90 ||
    s.charCodeAt(4) !== 45 ||
    s.charCodeAt(7) !== 45 ||
    s.charCodeAt(10) !== 84 ||
    s.charCodeAt(13) !== 58 ||
    s.charCodeAt(16) !== 58
  ) {
    return parseTimestamp(s);
  }
  const m1 = s.charCodeAt(14) - 48, m2 = s.charCodeAt(15) - 48, s1 = s.charCodeAt(17) - 48, s2 = s.charCodeAt(18) - 48;
  if (m1 < 0 || m1 > 5 || m2 < 0 || m2 > 9 || s1 < 0 || s1 > 5 || s2 < 0 || s2 > 9) return parseTimestamp(s);
  let ms = 0;
  if (n > 20) {
    if (s.charCodeAt(19) !== 46 || n === 21) return parseTimestamp(s);
    let scale = 100;
    for (let i = 20; i < n - 1; i++) {
      const d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return parseTimestamp(s);
      ms += d * scale;
      scale = scale > 1 ? scale / 10 : 0;
    }
  }
  let hour: number;
  if (s.startsWith(cachedHourPrefix) && cachedHourPrefix.length === 13) {
    hour = cachedHourMs;
  } else {
    const prefix = s.slice(0, 13);
    const h = parseTimestamp(`${prefix}:00:00Z`);
    if (h === null) return null;
    cachedHourPrefix = prefix;
    cachedHourMs = hour = h;
  }
  return hour + (m1 * 10 + m2) * 60_000 + (s1 * 10 + s2) * 1000 + ms;
}

/** A non-negative integer counter given as a JSON number or as decimal text; undefined when absent; NaN when bad. */
function counter(v: unknown): number | undefined {
  if (typeof v === 'string') return parseUint(v) ?? NaN;
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : NaN;
  return v === undefined || v === null ? undefined : NaN;
}

/** A port given as a JSON number or decimal text: null when absent, NaN when bad. */
function port(v: unknown): number | null {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 && v <= 65535 ? v : NaN;
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return parsePort(v) ?? NaN;
  return NaN;
}

/** The value as JSON text (values come from JSON.parse, so stringify cannot throw), cut to ~80 characters. */
function quote(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(o: unknown, key: string): string | null {
  if (typeof o !== 'object' || o === null) return null;
  const v = (o as Json)[key];
  return typeof v === 'string' && v.length > 0 ? v : null;
}

/** `us-east1-b` → `us-east1`; a region (or `global`) stays as it is. */
export function zoneToRegion(location: string): string {
  const n = location.length;
  if (n > 3 && location.charCodeAt(n - 2) === 45) {
    const c = location.charCodeAt(n - 1);
    if (c >= 97 && c <= 122) return location.slice(0, n - 2);
  }
  return location;
}

// ---------------------------------------------------------------------------------------------------------
// Mapping one item

function reject(ctx: Ctx, line: number, field: string, reason: string, what: string, value: unknown): void {
  ctx.diagnostics.push(diagnostic(ctx.object, line, field, reason, `line ${line}: ${field} ${what}: ${quote(value)}; record skipped`));
}

function warn(ctx: Ctx, line: number, field: string, reason: string, what: string, value: unknown): void {
  ctx.diagnostics.push(diagnostic(ctx.object, line, field, reason, `line ${line}: ${field} ${what}: ${quote(value)}`, 'warning'));
}

function looksLikeLogEntry(o: Json): boolean {
  return (
    o.logName !== undefined ||
    o.insertId !== undefined ||
    o.jsonPayload !== undefined ||
    o.textPayload !== undefined ||
    o.protoPayload !== undefined ||
    o.resource !== undefined
  );
}

function isFlowLogName(entry: Json, payload: Json): boolean {
  const logName = entry.logName;
  const type = payload['@type'];
  return (
    (typeof logName === 'string' && (logName.includes('vpc_flows') || logName.includes('%2Ffirewall'))) ||
    (typeof type === 'string' && type.includes('VpcFlow'))
  );
}

function handleItem(ctx: Ctx, value: unknown, line: number, depth: number): void {
  if (!isObject(value)) {
    ctx.diagnostics.push(
      diagnostic(ctx.object, line, null, 'not-a-record', `line ${line}: a JSON ${Array.isArray(value) ? 'array' : 'value'} where a LogEntry object was expected; skipped`),
    );
    return;
  }
  const payload = value.jsonPayload;
  if (isObject(payload)) {
    if (payload.connection !== undefined) {
      mapFlow(ctx, value, payload, line);
      return;
    }
    if (isFlowLogName(value, payload)) {
      reject(ctx, line, 'jsonPayload.connection', 'missing-field', 'is missing in a flow-log entry', payload.connection);
      return;
    }
  } else if (payload === undefined) {
    if (isObject(value.connection)) {
      mapFlow(ctx, null, value, line); // a bare VPC flow payload
      return;
    }
    if (depth < 2) {
      const list = Array.isArray(value.entries) ? value.entries : Array.isArray(value.records) ? value.records : null;
      if (list !== null) {
        for (let i = 0; i < list.length; i++) handleItem(ctx, list[i], line, depth + 1);
        return;
      }
    }
  }
  const logEntry = looksLikeLogEntry(value);
  const logName = typeof value.logName === 'string' ? value.logName : null;
  ctx.diagnostics.push(
    diagnostic(
      ctx.object,
      line,
      null,
      'not-a-flow-entry',
      logEntry
        ? `line ${line}: LogEntry ${logName === null ? '(no logName)' : quote(logName)} is not a VPC flow log; skipped`
        : `line ${line}: JSON object is neither a LogEntry nor a VPC flow record; skipped`,
      logEntry ? 'info' : 'warning',
      logName === null ? undefined : { logName },
    ),
  );
}

function mapFlow(ctx: Ctx, entry: Json | null, p: Json, line: number): void {
  const pre = entry === null ? '' : 'jsonPayload.';
  const conn = p.connection;
  if (!isObject(conn)) {
    reject(ctx, line, `${pre}connection`, 'bad-field', 'is not an object', conn);
    return;
  }
  const rawSrc = conn.src_ip;
  const src = typeof rawSrc === 'string' ? normalizeIp(rawSrc) : null;
  if (src === null) {
    if (rawSrc === undefined || rawSrc === null || rawSrc === '') reject(ctx, line, `${pre}connection.src_ip`, 'missing-field', 'is missing', rawSrc ?? null);
    else reject(ctx, line, `${pre}connection.src_ip`, 'bad-ip', 'is not an IP address', rawSrc);
    return;
  }
  const rawDst = conn.dest_ip;
  const dst = typeof rawDst === 'string' ? normalizeIp(rawDst) : null;
  if (dst === null) {
    if (rawDst === undefined || rawDst === null || rawDst === '') reject(ctx, line, `${pre}connection.dest_ip`, 'missing-field', 'is missing', rawDst ?? null);
    else reject(ctx, line, `${pre}connection.dest_ip`, 'bad-ip', 'is not an IP address', rawDst);
    return;
  }
  const srcPort = port(conn.src_port);
  if (srcPort !== srcPort) {
    reject(ctx, line, `${pre}connection.src_port`, 'bad-port', 'is not a port', conn.src_port);
    return;
  }
  const dstPort = port(conn.dest_port);
  if (dstPort !== dstPort) {
    reject(ctx, line, `${pre}connection.dest_port`, 'bad-port', 'is not a port', conn.dest_port);
    return;
  }
  const rawProto = conn.protocol;
  let protocol: string | null = null;
  if (typeof rawProto === 'number') protocol = protocolFromNumber(rawProto);
  else if (typeof rawProto === 'string') protocol = protocolFromText(rawProto);
  else if (rawProto === undefined || rawProto === null) protocol = null;
  if (protocol === null && rawProto !== undefined && rawProto !== null) {
    reject(ctx, line, `${pre}connection.protocol`, 'bad-protocol', 'is not an IP protocol number', rawProto);
    return;
  }

  // Times
  let start: number | null;
  let startText: string;
  const rawStart = p.start_time;
  if (typeof rawStart === 'string') {
    startText = rawStart;
    start = parseGcpTime(rawStart);
    if (start === null) {
      reject(ctx, line, `${pre}start_time`, 'bad-timestamp', 'is not an RFC 3339 time', rawStart);
      return;
    }
  } else if (rawStart === undefined && entry !== null && typeof entry.timestamp === 'string') {
    startText = entry.timestamp;
    start = parseGcpTime(startText);
    if (start === null) {
      reject(ctx, line, 'timestamp', 'bad-timestamp', 'is not an RFC 3339 time', entry.timestamp);
      return;
    }
  } else {
    if (rawStart === undefined) reject(ctx, line, `${pre}start_time`, 'missing-field', 'is missing (and there is no LogEntry timestamp)', null);
    else reject(ctx, line, `${pre}start_time`, 'bad-timestamp', 'is not an RFC 3339 time', rawStart);
    return;
  }

  // Counters
  const packets = counter(p.packets_sent);
  if (packets !== packets) {
    reject(ctx, line, `${pre}packets_sent`, 'bad-counter', 'is not a non-negative integer', p.packets_sent);
    return;
  }
  const bytes = counter(p.bytes_sent);
  if (bytes !== bytes) {
    reject(ctx, line, `${pre}bytes_sent`, 'bad-counter', 'is not a non-negative integer', p.bytes_sent);
    return;
  }

  const rec = newFlowRecord('gcp', FORMAT_ID, ctx.object, line);
  rec.timestamp = start;
  const rawEnd = p.end_time;
  if (rawEnd !== undefined && rawEnd !== null) {
    const end = typeof rawEnd === 'string' ? parseGcpTime(rawEnd) : null;
    if (end === null) warn(ctx, line, `${pre}end_time`, 'bad-timestamp', 'is not an RFC 3339 time (end_time left empty)', rawEnd);
    rec.end_time = end;
  }
  rec.src_ip = src;
  rec.dst_ip = dst;
  rec.src_port = srcPort;
  rec.dst_port = dstPort;
  rec.protocol = protocol;
  if (packets !== undefined) {
    rec.packets = packets;
    rec.packets_sent = packets;
  }
  if (bytes !== undefined) {
    rec.bytes = bytes;
    rec.bytes_sent = bytes;
  }

  // Reporter side, direction
  const reporter = p.reporter;
  let inst: unknown, vpc: unknown, direction: FlowDirection | null = null;
  if (reporter === 'SRC' || reporter === 'SRC_GATEWAY') {
    direction = 'Outbound';
    inst = p.src_instance;
    vpc = p.src_vpc;
  } else if (reporter === 'DEST' || reporter === 'DEST_GATEWAY') {
    direction = 'Inbound';
    inst = p.dest_instance;
    vpc = p.dest_vpc;
  } else {
    inst = p.instance; // firewall logs: the VM the rule applied to
    vpc = p.vpc;
    const rule = p.rule_details;
    if (isObject(rule)) {
      if (rule.direction === 'EGRESS') direction = 'Outbound';
      else if (rule.direction === 'INGRESS') direction = 'Inbound';
      rec.rule_name = str(rule, 'reference');
    }
    if (reporter !== undefined) warn(ctx, line, `${pre}reporter`, 'bad-field', 'is not SRC or DEST (flow_direction left empty)', reporter);
  }
  rec.flow_direction = direction;
  rec.flow_decision = p.disposition === 'DENIED' ? 'Deny' : 'Allow';

  const resource = entry === null ? undefined : entry.resource;
  const labels = isObject(resource) ? resource.labels : undefined;
  rec.subscription_id = str(labels, 'project_id') ?? str(inst, 'project_id') ?? str(vpc, 'project_id');
  rec.resource_group = str(vpc, 'vpc_name');
  rec.nsg_name = str(labels, 'subnetwork_name') ?? str(vpc, 'subnetwork_name');
  let region = str(inst, 'region');
  if (region === null) {
    const location = str(labels, 'location');
    if (location !== null) region = zoneToRegion(location);
  }
  rec.region = region;

  // Attributes: everything else, by original name (sub-objects referenced, not copied).
  const a: Json = {};
  for (const k in p) {
    switch (k) {
      case 'connection':
      case 'start_time':
      case 'end_time':
      case 'bytes_sent':
      case 'packets_sent':
        break;
      case 'rtt_msec': {
        const rtt = counter(p.rtt_msec);
        if (rtt !== rtt) warn(ctx, line, `${pre}rtt_msec`, 'bad-field', 'is not a non-negative integer (kept as is)', p.rtt_msec);
        a.rtt_msec = rtt === undefined || rtt !== rtt ? p.rtt_msec : rtt;
        break;
      }
      default:
        a[k] = p[k];
    }
  }
  for (const k in conn) {
    if (k !== 'src_ip' && k !== 'dest_ip' && k !== 'src_port' && k !== 'dest_port' && k !== 'protocol') {
      a.connection = conn;
      break;
    }
  }
  if (entry !== null) {
    for (const k in entry) {
      if (k !== 'jsonPayload' && a[k] === undefined) a[k] = entry[k];
    }
  }
  const srcSide = p.src_instance !== undefined || p.src_vpc !== undefined;
  const dstSide = p.dest_instance !== undefined || p.dest_vpc !== undefined;
  if (srcSide || dstSide) a.network_direction = srcSide ? (dstSide ? 'internal' : 'outbound') : 'inbound';
  // one flat string (join), from the time text as given: no number formatting, no rope kept per record
  a.flow_key = [protocol, src, srcPort, dst, dstPort, startText].join('|');
  rec.attributes = a;
  ctx.records.push(rec);
}

// ---------------------------------------------------------------------------------------------------------
// Framing: NDJSON fast path, readJsonItems for everything else


async function* once(text: string): AsyncGenerator<string> {
  yield text;
}


/** readJsonItems numbers lines from 1; shift its items and diagnostics to where its text starts in the input. */
function takeJsonBatch(ctx: Ctx, batch: JsonItemBatch, lineOffset: number): void {
  for (const d of batch.diagnostics) {
    if (lineOffset !== 0) {
      if (d.line !== null) d.line += lineOffset;
      d.message = d.message.replace(/\bline (\d+)/g, (_m, n: string) => `line ${Number(n) + lineOffset}`);
    }
  }
  // Items and diagnostics of one batch: keep input order as far as the batch tells it (by line).
  let di = 0;
  const diags = batch.diagnostics;
  for (const it of batch.items) {
    const line = it.line + lineOffset;
    while (di < diags.length && (diags[di].line ?? 0) < line) ctx.diagnostics.push(diags[di++]);
    handleItem(ctx, it.value, line, 0);
  }
  while (di < diags.length) ctx.diagnostics.push(diags[di++]);
}

function takeBatch(ctx: Ctx): ParseBatch {
  const batch = { records: ctx.records, diagnostics: ctx.diagnostics };
  ctx.records = [];
  ctx.diagnostics = [];
  return batch;
}

async function* parse(input: ByteSource, options: ParseOptions): AsyncGenerator<ParseBatch, void, undefined> {
  const ctx: Ctx = { object: options.object, records: [], diagnostics: [] };
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const maxItem = options.maxJsonItemLength ?? DEFAULT_MAX_JSON_ITEM_LENGTH;
  const fastMax = Math.min(FAST_LINE_MAX, maxItem);
  const texts = decodeText(input)[Symbol.asyncIterator]();
  let carry = '';
  let lineNo = 1;
  let first = true;
  let fallbackFrom = -1; // offset in `buf` where streaming through readJsonItems starts
  let buf = '';

  lines: for (;;) {
    const r = await texts.next();
    if (r.done) {
      if (carry.length === 0) break;
      buf = carry;
      carry = '';
    } else {
      let text = r.value;
      if (first) {
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        first = false;
      }
      buf = carry.length > 0 ? carry + text : text;
      carry = '';
    }
    let start = 0;
    const n = buf.length;
    // next U+FFFD (invalid UTF-8 replaced by decodeText) at or after the current line; -1: none
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
        nl = n; // last line without a newline
      }
      if (nl - start > fastMax) {
        fallbackFrom = start;
        break lines;
      }
      // trim spaces, tabs and CR around the line
      let s = start, e = nl;
      while (s < e && isBlank(buf.charCodeAt(s))) s++;
      while (e > s && isBlank(buf.charCodeAt(e - 1))) e--;
      if (s < e) {
        const value = buf.charCodeAt(s) === 123 && buf.charCodeAt(e - 1) === 125 ? tryParseJson(buf.slice(s, e)) : PARSE_FAILED;
        if (value !== PARSE_FAILED) {
          handleItem(ctx, value, lineNo, 0);
          if (badPos !== -1 && badPos < e) {
            // as readJsonItems (and readLines) warn: the entry is kept with U+FFFD in place of the bad bytes
            ctx.diagnostics.push(invalidUtf8(ctx.object, lineNo));
          }
        } else {
          // Not one complete object: let readJsonItems frame and diagnose this line alone.
          const batches: JsonItemBatch[] = [];
          let truncated = false;
          for await (const b of readJsonItems(once(buf.slice(s, e)), { object: ctx.object, maxItemLength: maxItem })) {
            batches.push(b);
            for (const d of b.diagnostics) if (d.reason === 'truncated-json') truncated = true;
          }
          if (truncated) {
            // The line opens a multi-line value (an array, pretty-printed JSON) or is cut off: stream the rest
            // of the input, from this line on, through readJsonItems.
            fallbackFrom = start;
            break lines;
          }
          for (const b of batches) takeJsonBatch(ctx, b, lineNo - 1);
        }
        if (ctx.records.length >= batchSize || ctx.diagnostics.length >= batchSize) yield takeBatch(ctx);
      }
      start = nl + 1;
      if (badPos !== -1 && badPos < start) badPos = buf.indexOf(REPLACEMENT_CHAR, start);
      if (nl >= n) break;
      lineNo++;
    }
    if (r.done) break;
  }

  if (fallbackFrom >= 0) {
    // Everything from this line on goes through readJsonItems, streamed.
    const offset = lineNo - 1;
    const rest = prependText(buf.slice(fallbackFrom), texts);
    buf = '';
    for await (const b of readJsonItems(rest, { object: ctx.object, maxItemLength: maxItem })) {
      takeJsonBatch(ctx, b, offset);
      if (ctx.records.length >= batchSize || ctx.diagnostics.length >= batchSize) yield takeBatch(ctx);
    }
  }
  if (ctx.records.length > 0 || ctx.diagnostics.length > 0) yield takeBatch(ctx);
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 13;
}

export const gcpVpcFormat: FlowFormat = {
  id: 'gcp-vpc',
  description: 'GCP VPC flow logs (Cloud Logging LogEntry JSON: NDJSON, JSON array or entries.list response)',
  provider: 'gcp',
  detect,
  parse,
};
