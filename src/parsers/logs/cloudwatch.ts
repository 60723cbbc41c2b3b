/**
 * Amazon CloudWatch Logs events (format id `aws-cloudwatch`).
 *
 * Inputs (told apart by their first character and shape):
 *   - API responses: FilterLogEvents `{"events":[{eventId,timestamp,message,ingestionTime,logStreamName}],
 *     "nextToken"}` and GetLogEvents `{"events":[{timestamp,message,ingestionTime}],"nextForwardToken"}` (no
 *     eventId or stream: the stream comes from the context); NDJSON or arrays of single such events;
 *   - subscription-filter payloads, decoded: `{"messageType":"DATA_MESSAGE","owner","logGroup","logStream",
 *     "logEvents":[{id,timestamp,message}]}`, one or several concatenated (Firehose → S3 writes them back to
 *     back); `CONTROL_MESSAGE` (CloudWatch checking the destination) yields no event, an `info` diagnostic
 *     `control-message`;
 *   - the same payloads still encoded, base64 of gzip (`H4sI…`): a bare payload (one per line), inside a Kinesis
 *     Lambda event (`Records[].kinesis.data`, region from `awsRegion`) or a Firehose transformation event
 *     (`records[].data`);
 *   - S3 exports (CreateExportTask; the gzip container unwrapped upstream): lines `<ISO time> <message>`; a
 *     line that does not start with a time continues the message before it (multi-line messages). The log
 *     group and stream come from the context (the export's key names them).
 *
 * Mapping (one line per column):
 *   timestamp          the event's timestamp (ms); exports: the line's ISO time
 *   observed_timestamp ingestionTime (API responses only), else null
 *   account_id         the payload's owner, else the context's account
 *   region             the context's region (or the Kinesis record's awsRegion)
 *   service            from the log group: `/aws/lambda/f` → `lambda`, `/aws/<svc>/…` → `<svc>` (not
 *                      `vendedlogs`); else null
 *   resource_id/_type  `/aws/lambda/f` with known account and region: `arn:aws:lambda:<region>:<account>:
 *                      function:f`, `AWS::Lambda::Function`; else null
 *   event_name         Lambda platform lines: START / END / REPORT; Lambda JSON platform events: their `type`
 *   category           `platform` for `/aws/<svc>/…` groups other than Lambda, else `application`
 *   severity           a level word where the message carries one (Lambda runtime lines `ISO\treqId\tLEVEL\tmsg`,
 *                      Python `[LEVEL]\tISO\treqId\tmsg`, JSON `level`/`severity`/`log_level`/`levelname`/
 *                      `loglevel`); severity_text as written, severity_number by severity.ts; else null
 *   message            the message without its trailing newline; JSON messages: their `message` (or `msg`)
 *                      field when it is a string
 *   outcome            REPORT lines with `Status: error|timeout` → failure; else unknown
 *   request_id         Lambda lines' request id; JSON `requestId`/`request_id`/`AWSRequestId`/`AWSRequestID`/
 *                      `awsRequestId`/`function_request_id`/`record.requestId`
 *   trace_id, span_id  REPORT `XRAY TraceId` / `SegmentId`; JSON `xray_trace_id`/`traceId`/`trace_id`,
 *                      `spanId`/`span_id`
 *   log_name           the log group
 *   event_id           the CloudWatch eventId (subscription payloads: logEvents[].id, the same id); null for
 *                      GetLogEvents and exports, which carry none
 *   attributes         `logStreamName`; the fields of a JSON message (the message's own keys, logStreamName
 *                      set over them); REPORT metrics as duration_ms, billed_duration_ms, memory_size_mb,
 *                      max_memory_used_mb, init_duration_ms, restore_duration_ms, status, xray_sampled
 *   size_bytes         UTF-8 bytes of the message + 26: CloudWatch's own event size (the PutLogEvents quota and
 *                      ingestion metering count each event so), the same whether it came from a file or the API
 */
import { gunzipSync } from 'node:zlib';
import { diagnostic, newEventRecord, type Diagnostic, type EventRecord } from '../../model/index.js';
import { PARSE_FAILED, readJsonItems, tryParseJson } from '../json-items.js';
import { readLines } from '../lines.js';
import { decodeText, prependText } from '../text.js';
import { DEFAULT_BATCH_SIZE, DEFAULT_MAX_JSON_ITEM_LENGTH, type ByteSource } from '../types.js';
import { severityNumber } from './severity.js';
import type { LogContext, LogFormat, LogParseBatch, LogParseOptions } from './types.js';
import { awsRecordsText, isObject, parseIsoTime, quote, str, utf8Length, type Json } from './aws-common.js';

const FORMAT_ID = 'aws-cloudwatch';
/** CloudWatch adds 26 bytes to each event's message size (PutLogEvents quotas, ingestion metering). */
export const CLOUDWATCH_EVENT_OVERHEAD = 26;

// ---------------------------------------------------------------------------------------------------------
// Detection

const EXPORT_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z /;

function detect(head: string): number {
  if (head.includes('"messageType"') && (head.includes('"logEvents"') || head.includes('DATA_MESSAGE') || head.includes('CONTROL_MESSAGE'))) return 0.95;
  if (head.includes('"logEvents"') && head.includes('"logGroup"')) return 0.9;
  if (head.includes('"events"') && (head.includes('"ingestionTime"') || (head.includes('"eventId"') && head.includes('"logStreamName"')))) return 0.9;
  if (head.includes('"kinesis"') && head.includes('"data"') && head.includes('"H4sI')) return 0.85;
  if (head.includes('"records"') && head.includes('"recordId"') && head.includes('"H4sI')) return 0.8;
  const t = head.trimStart();
  if (t.startsWith('H4sI') && /^[A-Za-z0-9+/=\r\n]+$/.test(t.slice(0, 4096))) return 0.7;
  if (head.includes('"ingestionTime"') && head.includes('"timestamp"') && head.includes('"message"')) return 0.8;
  if (EXPORT_LINE.test(t)) return 0.5;
  return 0;
}

// ---------------------------------------------------------------------------------------------------------
// Log group → service, category, resource

interface GroupInfo {
  logGroup: string | null;
  account: string | null;
  region: string | null;
  service: string | null;
  category: 'application' | 'platform';
  resourceId: string | null;
  resourceType: string | null;
}

let lastGroup: GroupInfo | null = null;

function groupInfo(logGroup: string | null, account: string | null, region: string | null): GroupInfo {
  const last = lastGroup;
  if (last !== null && last.logGroup === logGroup && last.account === account && last.region === region) return last;
  const info: GroupInfo = { logGroup, account, region, service: null, category: 'application', resourceId: null, resourceType: null };
  if (logGroup !== null && logGroup.startsWith('/aws/')) {
    const end = logGroup.indexOf('/', 5);
    const svc = end === -1 ? logGroup.slice(5) : logGroup.slice(5, end);
    if (svc === 'lambda') {
      info.service = 'lambda';
      const fn = end === -1 ? '' : logGroup.slice(end + 1);
      if (fn !== '' && account !== null && region !== null) {
        info.resourceId = `arn:aws:lambda:${region}:${account}:function:${fn}`;
        info.resourceType = 'AWS::Lambda::Function';
      }
    } else if (svc !== '') {
      info.category = 'platform';
      if (svc !== 'vendedlogs') info.service = svc;
    }
  }
  lastGroup = info;
  return info;
}

// ---------------------------------------------------------------------------------------------------------
// Message analysis


/** `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` */
function isUuid(s: string): boolean {
  return s.length === 36 && s.charCodeAt(8) === 45 && s.charCodeAt(13) === 45 && s.charCodeAt(18) === 45 && s.charCodeAt(23) === 45;
}

function firstString(o: Json, keys: readonly string[]): string | null {
  for (const k of keys) {
    const v = o[k];
    if (typeof v === 'string' && v.length > 0) return v;
  }
  return null;
}

const LEVEL_KEYS = ['level', 'severity', 'log_level', 'levelname', 'loglevel'] as const;
const REQUEST_KEYS = ['requestId', 'request_id', 'AWSRequestId', 'AWSRequestID', 'awsRequestId', 'function_request_id'] as const;
const TRACE_KEYS = ['xray_trace_id', 'traceId', 'trace_id'] as const;
const SPAN_KEYS = ['spanId', 'span_id'] as const;

function setLevel(rec: EventRecord, level: string): void {
  const n = severityNumber(level);
  if (n !== null) {
    rec.severity_text = level;
    rec.severity_number = n;
  }
}

/** A JSON message's fields: attributes, level, ids, message. */
function applyJson(rec: EventRecord, o: Json, keepMessage: boolean): void {
  rec.attributes = o;
  const level = firstString(o, LEVEL_KEYS);
  if (level !== null) setLevel(rec, level);
  rec.request_id ??= firstString(o, REQUEST_KEYS) ?? str(o.record, 'requestId');
  rec.trace_id ??= firstString(o, TRACE_KEYS);
  rec.span_id ??= firstString(o, SPAN_KEYS);
  if (!keepMessage) {
    const m = str(o, 'message') ?? str(o, 'msg');
    if (m !== null) rec.message = m;
  }
  if (typeof o.type === 'string' && o.type.startsWith('platform.')) rec.event_name = o.type;
}

const REPORT_KEYS: Record<string, string> = {
  Duration: 'duration_ms',
  'Billed Duration': 'billed_duration_ms',
  'Memory Size': 'memory_size_mb',
  'Max Memory Used': 'max_memory_used_mb',
  'Init Duration': 'init_duration_ms',
  'Restore Duration': 'restore_duration_ms',
};

/** `START|END|REPORT RequestId: <id> …` */
function applyPlatformLine(rec: EventRecord, msg: string, nameEnd: number): void {
  rec.event_name = msg.slice(0, nameEnd);
  const idStart = nameEnd + 12; // ' RequestId: '
  let idEnd = idStart;
  while (idEnd < msg.length && msg.charCodeAt(idEnd) > 32) idEnd++;
  if (idEnd > idStart) rec.request_id = msg.slice(idStart, idEnd);
  if (rec.event_name !== 'REPORT') return;
  const a: Json = {};
  for (const part of msg.slice(idEnd).split(/[\t\n]/)) {
    const colon = part.indexOf(': ');
    if (colon === -1) continue;
    const key = part.slice(0, colon).trim();
    const value = part.slice(colon + 2).trim();
    const name = REPORT_KEYS[key];
    if (name !== undefined) {
      const num = Number.parseFloat(value);
      a[name] = Number.isNaN(num) ? value : num;
    } else if (key === 'XRAY TraceId') rec.trace_id = value;
    else if (key === 'SegmentId') rec.span_id = value;
    else if (key === 'Sampled') a.xray_sampled = value === 'true';
    else if (key === 'Status') {
      a.status = value;
      if (value === 'error' || value === 'timeout') rec.outcome = 'failure';
    }
  }
  rec.attributes = a;
}

/** `ISO\treqId\tLEVEL\tmsg` (Node.js, Java, .NET runtimes) from `start`, the ISO time's first character. */
function applyRuntimeLine(rec: EventRecord, msg: string, start: number, level: string | null): void {
  const t1 = msg.indexOf('\t', start);
  if (t1 === -1 || t1 - start < 19 || t1 - start > 35) return;
  const t2 = msg.indexOf('\t', t1 + 1);
  const reqId = t2 === -1 ? msg.slice(t1 + 1) : msg.slice(t1 + 1, t2);
  if (!isUuid(reqId)) return;
  rec.request_id = reqId;
  if (t2 === -1) return;
  let rest = t2 + 1;
  if (level === null) {
    const t3 = msg.indexOf('\t', t2 + 1);
    if (t3 !== -1 && t3 - t2 <= 9) {
      const word = msg.slice(t2 + 1, t3);
      if (severityNumber(word) !== null) {
        setLevel(rec, word);
        rest = t3 + 1;
      }
    }
  } else {
    setLevel(rec, level);
  }
  if (msg.charCodeAt(rest) === 123 && msg.charCodeAt(msg.length - 1) === 125) {
    const v = tryParseJson(msg.slice(rest));
    if (isObject(v)) applyJson(rec, v, true);
  }
}

function analyzeMessage(rec: EventRecord, msg: string): void {
  const c0 = msg.charCodeAt(0);
  if (c0 === 123) {
    if (msg.charCodeAt(msg.length - 1) === 125) {
      const v = tryParseJson(msg);
      if (isObject(v)) applyJson(rec, v, false);
    }
  } else if (c0 === 83 && msg.startsWith('START RequestId: ')) applyPlatformLine(rec, msg, 5);
  else if (c0 === 69 && msg.startsWith('END RequestId: ')) applyPlatformLine(rec, msg, 3);
  else if (c0 === 82 && msg.startsWith('REPORT RequestId: ')) applyPlatformLine(rec, msg, 6);
  else if (c0 >= 48 && c0 <= 57 && msg.charCodeAt(4) === 45 && msg.charCodeAt(10) === 84) applyRuntimeLine(rec, msg, 0, null);
  else if (c0 === 91) {
    // Python: `[LEVEL]\tISO\treqId\tmsg`
    const close = msg.indexOf(']\t');
    if (close > 1 && close < 12) applyRuntimeLine(rec, msg, close + 2, msg.slice(1, close));
  }
}

function trimNewline(s: string): string {
  let e = s.length;
  while (e > 0) {
    const c = s.charCodeAt(e - 1);
    if (c !== 10 && c !== 13) break;
    e--;
  }
  return e === s.length ? s : s.slice(0, e);
}

// ---------------------------------------------------------------------------------------------------------
// Normalizing one event

/** One CloudWatch event as FilterLogEvents / GetLogEvents / a subscription payload gives it (SDK objects too). */
export interface CloudWatchEventInput {
  eventId?: string | null;
  /** Subscription payloads call the eventId `id`. */
  id?: string | null;
  timestamp?: number | null;
  message?: string | null;
  ingestionTime?: number | null;
  logStreamName?: string | null;
}

/**
 * One event as an EventRecord; null (with a diagnostic) when it has no usable timestamp or message.
 * `context` names the log group (and stream, account, region) the event came from.
 */
export function normalizeCloudWatchEvent(
  ev: CloudWatchEventInput,
  context: LogContext,
  object: string,
  line: number,
  diagnostics: Diagnostic[],
): EventRecord | null {
  const ts = ev.timestamp;
  if (typeof ts !== 'number' || !Number.isFinite(ts)) {
    diagnostics.push(
      diagnostic(object, line, 'timestamp', ts === undefined || ts === null ? 'missing-field' : 'bad-timestamp', `line ${line}: CloudWatch event timestamp is not epoch milliseconds: ${quote(ts ?? null)}; event skipped`),
    );
    return null;
  }
  const raw = ev.message;
  if (typeof raw !== 'string') {
    diagnostics.push(diagnostic(object, line, 'message', 'missing-field', `line ${line}: CloudWatch event without a message: ${quote(raw ?? null)}; event skipped`));
    return null;
  }
  const rec = newEventRecord('aws', FORMAT_ID, object, line);
  rec.timestamp = Math.floor(ts);
  const ing = ev.ingestionTime;
  if (typeof ing === 'number' && Number.isFinite(ing)) rec.observed_timestamp = Math.floor(ing);
  const group = context.logGroup ?? null;
  const account = context.accountId ?? null;
  const region = context.region ?? null;
  const info = groupInfo(group, account, region);
  rec.account_id = account;
  rec.region = region;
  rec.service = info.service;
  rec.category = info.category;
  rec.resource_id = info.resourceId;
  rec.resource_type = info.resourceType;
  rec.log_name = group;
  const id = ev.eventId ?? ev.id;
  rec.event_id = typeof id === 'string' && id.length > 0 ? id : null;
  rec.size_bytes = utf8Length(raw) + CLOUDWATCH_EVENT_OVERHEAD;
  const msg = trimNewline(raw);
  rec.message = msg.length > 0 ? msg : null;
  if (msg.length > 0) analyzeMessage(rec, msg);
  const stream = ev.logStreamName ?? context.logStream ?? null;
  if (stream !== null) {
    if (rec.attributes === null) rec.attributes = { logStreamName: stream };
    else rec.attributes.logStreamName = stream;
  }
  return rec;
}

// ---------------------------------------------------------------------------------------------------------
// Items

interface Ctx {
  object: string;
  events: EventRecord[];
  diagnostics: Diagnostic[];
  context: LogContext;
  maxItem: number;
}

function bad(ctx: Ctx, line: number, field: string | null, reason: string, message: string, severity: 'error' | 'warning' | 'info' = 'error'): void {
  ctx.diagnostics.push(diagnostic(ctx.object, line, field, reason, `line ${line}: ${message}`, severity));
}

function eventsOf(ctx: Ctx, list: unknown[], context: LogContext, line: number, field: string): void {
  for (let i = 0; i < list.length; i++) {
    const ev = list[i];
    if (!isObject(ev)) {
      bad(ctx, line, `${field}[${i}]`, 'not-a-record', `${field}[${i}] is not an object; skipped`);
      continue;
    }
    const rec = normalizeCloudWatchEvent(ev as CloudWatchEventInput, context, ctx.object, line, ctx.diagnostics);
    if (rec !== null) ctx.events.push(rec);
  }
}

/** A base64-of-gzip (or base64 of plain JSON) subscription payload: its JSON documents. */
async function decodePayload(ctx: Ctx, data: string, line: number, field: string, context: LogContext): Promise<void> {
  let bytes: Buffer;
  try {
    const raw = Buffer.from(data, 'base64');
    bytes = raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw, { maxOutputLength: ctx.maxItem }) : raw;
  } catch (err) {
    const tooBig = (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
    bad(
      ctx,
      line,
      field,
      tooBig ? 'record-too-large' : 'bad-payload',
      tooBig ? `${field} decompresses to more than ${ctx.maxItem} characters; skipped` : `${field} is not base64 of gzip: ${(err as Error).message}; skipped`,
    );
    return;
  }
  const text = bytes.toString('utf8');
  const first = text.trimStart().charCodeAt(0);
  if (first !== 123 && first !== 91) {
    bad(ctx, line, field, 'bad-payload', `${field} does not decode to JSON (base64 of gzip expected): ${quote(text.slice(0, 40))}; skipped`);
    return;
  }
  const v = tryParseJson(text);
  if (v !== PARSE_FAILED) {
    await handleItem(ctx, v, line, 1, context);
    return;
  }
  // several documents back to back (Firehose) or damage: frame them
  for await (const b of readJsonItems(once(text), { object: ctx.object, maxItemLength: ctx.maxItem })) {
    for (const d of b.diagnostics) {
      d.line = line;
      d.field = field;
      d.message = `line ${line} (${field}, decoded): ${d.message}`;
      ctx.diagnostics.push(d);
    }
    for (const it of b.items) await handleItem(ctx, it.value, line, 1, context);
  }
}

async function* once(text: string): AsyncGenerator<string> {
  yield text;
}

async function handleItem(ctx: Ctx, value: unknown, line: number, depth: number, context: LogContext): Promise<void> {
  if (!isObject(value)) {
    bad(ctx, line, null, 'not-a-record', `a JSON ${Array.isArray(value) ? 'array' : 'value'} where a CloudWatch Logs object was expected; skipped`);
    return;
  }
  const type = value.messageType;
  if (type !== undefined || Array.isArray(value.logEvents)) {
    if (type === 'CONTROL_MESSAGE') {
      ctx.diagnostics.push(
        diagnostic(ctx.object, line, 'messageType', 'control-message', `line ${line}: CloudWatch Logs CONTROL_MESSAGE (destination check), not an event; skipped`, 'info'),
      );
      return;
    }
    if (type !== undefined && type !== 'DATA_MESSAGE') {
      bad(ctx, line, 'messageType', 'bad-field', `unknown CloudWatch Logs messageType ${quote(type)}; skipped`, 'warning');
      return;
    }
    if (!Array.isArray(value.logEvents)) {
      bad(ctx, line, 'logEvents', 'missing-field', 'DATA_MESSAGE without a logEvents array; skipped');
      return;
    }
    const c: LogContext = {
      logGroup: str(value, 'logGroup') ?? context.logGroup,
      logStream: str(value, 'logStream') ?? context.logStream,
      accountId: str(value, 'owner') ?? context.accountId,
      region: context.region,
    };
    eventsOf(ctx, value.logEvents, c, line, 'logEvents');
    return;
  }
  if (Array.isArray(value.events)) {
    eventsOf(ctx, value.events, context, line, 'events');
    return;
  }
  if (typeof value.timestamp === 'number' && typeof value.message === 'string') {
    const rec = normalizeCloudWatchEvent(value as CloudWatchEventInput, context, ctx.object, line, ctx.diagnostics);
    if (rec !== null) ctx.events.push(rec);
    return;
  }
  if (isObject(value.kinesis) && typeof value.kinesis.data === 'string') {
    const region = str(value, 'awsRegion');
    await decodePayload(ctx, value.kinesis.data, line, 'kinesis.data', region === null ? context : { ...context, region });
    return;
  }
  if (typeof value.data === 'string' && (value.recordId !== undefined || value.data.startsWith('H4sI'))) {
    await decodePayload(ctx, value.data, line, 'data', context);
    return;
  }
  if (depth < 2) {
    const list = Array.isArray(value.Records) ? value.Records : Array.isArray(value.records) ? value.records : null;
    if (list !== null) {
      const region = str(value, 'region') ?? context.region;
      const c = region === context.region ? context : { ...context, region };
      for (const item of list) await handleItem(ctx, item, line, depth + 1, c);
      return;
    }
  }
  bad(ctx, line, null, 'not-a-cloudwatch-record', 'JSON object is not a CloudWatch Logs event, response or subscription payload; skipped', 'warning');
}

// ---------------------------------------------------------------------------------------------------------
// Framing


function takeBatch(ctx: Ctx): LogParseBatch {
  const b = { events: ctx.events, diagnostics: ctx.diagnostics };
  ctx.events = [];
  ctx.diagnostics = [];
  return b;
}

async function* parseJson(ctx: Ctx, texts: AsyncIterable<string>, batchSize: number): AsyncGenerator<LogParseBatch> {
  for await (const b of readJsonItems(awsRecordsText(texts), { object: ctx.object, maxItemLength: ctx.maxItem })) {
    const diags = b.diagnostics;
    let di = 0;
    for (const it of b.items) {
      while (di < diags.length && (diags[di].line ?? 0) < it.line) ctx.diagnostics.push(diags[di++]);
      await handleItem(ctx, it.value, it.line, 0, ctx.context);
      if (ctx.events.length >= batchSize) yield takeBatch(ctx);
    }
    while (di < diags.length) ctx.diagnostics.push(diags[di++]);
  }
}

/** One base64 payload per line (blank lines skipped). */
async function* parseBase64(ctx: Ctx, texts: AsyncIterable<string>, batchSize: number, maxLine: number): AsyncGenerator<LogParseBatch> {
  for await (const b of readLines(texts, { object: ctx.object, maxLineLength: maxLine })) {
    ctx.diagnostics.push(...b.diagnostics);
    for (let i = 0; i < b.lines.length; i++) {
      const text = b.lines[i].trim();
      if (text.length === 0) continue;
      await decodePayload(ctx, text, b.firstLine + i, 'payload', ctx.context);
      if (ctx.events.length >= batchSize) yield takeBatch(ctx);
    }
  }
}

/** S3 export lines `<ISO time> <message>`; lines without a leading time continue the message before them. */
async function* parseExport(ctx: Ctx, texts: AsyncIterable<string>, batchSize: number, maxLine: number): AsyncGenerator<LogParseBatch> {
  let pendingTs = 0;
  let pendingMsg: string | null = null;
  let pendingLine = 0;
  const flush = () => {
    if (pendingMsg === null) return;
    const rec = normalizeCloudWatchEvent({ timestamp: pendingTs, message: pendingMsg }, ctx.context, ctx.object, pendingLine, ctx.diagnostics);
    if (rec !== null) ctx.events.push(rec);
    pendingMsg = null;
  };
  for await (const b of readLines(texts, { object: ctx.object, maxLineLength: maxLine })) {
    ctx.diagnostics.push(...b.diagnostics);
    for (let i = 0; i < b.lines.length; i++) {
      const text = b.lines[i];
      const lineNo = b.firstLine + i;
      const sp = text.indexOf(' ');
      const ts = sp >= 20 && sp <= 35 && text.charCodeAt(sp - 1) === 90 ? parseIsoTime(text.slice(0, sp)) : null;
      if (ts !== null) {
        flush();
        pendingTs = ts;
        pendingMsg = text.slice(sp + 1);
        pendingLine = lineNo;
        if (ctx.events.length >= batchSize) yield takeBatch(ctx);
      } else if (pendingMsg !== null) {
        pendingMsg += `\n${text}`;
      } else if (text.trim().length > 0) {
        bad(ctx, lineNo, null, 'bad-timestamp', `export line does not start with an ISO 8601 time: ${quote(text.slice(0, 60))}; skipped`);
      }
    }
  }
  flush();
}

const FIREHOSE_ARN = /"deliveryStreamArn"\s*:\s*"arn:[^:"]+:firehose:([^:"]+):/;

async function* parse(input: ByteSource, options: LogParseOptions): AsyncGenerator<LogParseBatch, void, undefined> {
  const ctx: Ctx = {
    object: options.object,
    events: [],
    diagnostics: [],
    context: options.context ?? {},
    maxItem: options.maxJsonItemLength ?? DEFAULT_MAX_JSON_ITEM_LENGTH,
  };
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const maxLine = Math.max(options.maxLineLength ?? 0, Math.min(ctx.maxItem, 64 << 20));
  const texts = decodeText(input)[Symbol.asyncIterator]();
  // Peek at the first non-blank characters to choose the framing.
  let head = '';
  let i = 0;
  for (;;) {
    while (i < head.length && head.charCodeAt(i) <= 32) i++;
    if (head.length - i >= 4) break;
    const r = await texts.next();
    if (r.done) break;
    head += r.value;
  }
  if (i >= head.length) return; // empty input
  const rest = prependText(head, texts);
  const c = head.charCodeAt(i);
  let gen: AsyncGenerator<LogParseBatch>;
  if (c === 123 || c === 91) {
    // A Firehose transformation event names its region only in the wrapper, which readJsonItems unwraps.
    if (ctx.context.region === undefined) {
      const m = FIREHOSE_ARN.exec(head);
      if (m !== null) ctx.context = { ...ctx.context, region: m[1] };
    }
    gen = parseJson(ctx, rest, batchSize);
  }
  else if (head.startsWith('H4sI', i)) gen = parseBase64(ctx, rest, batchSize, maxLine);
  else gen = parseExport(ctx, rest, batchSize, options.maxLineLength ?? maxLine);
  for await (const b of gen) yield b;
  if (ctx.events.length > 0 || ctx.diagnostics.length > 0) yield takeBatch(ctx);
}

export const cloudWatchFormat: LogFormat = {
  id: 'aws-cloudwatch',
  description: 'Amazon CloudWatch Logs: FilterLogEvents/GetLogEvents responses, subscription payloads (plain, base64+gzip, Kinesis, Firehose), S3 exports',
  provider: 'aws',
  detect,
  parse,
};
