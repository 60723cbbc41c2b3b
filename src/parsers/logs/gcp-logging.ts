/**
 * Google Cloud Logging `LogEntry` JSON (https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry),
 * including Cloud Audit Logs (`protoPayload` of `@type` type.googleapis.com/google.cloud.audit.AuditLog).
 *
 * Inputs accepted (streamed through readJsonItems, never read whole):
 *   - NDJSON, one LogEntry per line (Cloud Storage sink exports, Pub/Sub dumps, `gcloud logging read | jq -c`);
 *   - a JSON array of LogEntries (`gcloud logging read --format=json`);
 *   - the API's `entries.list` response `{"entries":[…],"nextPageToken":…}` (the entries of one response carry
 *     the line where the response starts, and their size_bytes is that of their compact JSON);
 *   - `{"records":[…]}` wrappers.
 *
 * Mapping (one line per column; see DESIGN.md "events"):
 *   timestamp            `timestamp` (RFC 3339 with up to 9 fraction digits → ms, truncated; `{seconds,nanos}`
 *                        accepted); absent → receiveTimestamp (warning); neither → record skipped.
 *   observed_timestamp   `receiveTimestamp`.
 *   account_id           the project of `logName` (`projects/<p>/logs/…`); `organizations/<id>`, `folders/<id>`,
 *                        `billingAccounts/<id>` for logs of those parents; else resource.labels.project_id.
 *   region               resource.labels.region, else .zone, else .location (a zone `us-central1-a` → `us-central1`).
 *   service              AuditLog serviceName; else from resource.type (gce_* → compute.googleapis.com,
 *                        k8s_* → container.googleapis.com, cloud_run_* → run.googleapis.com, …); null if unknown.
 *   resource_id          AuditLog resourceName as a full resource name: `//<serviceName>/<resourceName>` unless
 *                        it already starts with `//`; null for other entries.
 *   resource_type        resource.type.
 *   event_name           AuditLog methodName.
 *   category             audit (AuditLog payload or a cloudaudit.googleapis.com log); flow (vpc_flows / firewall
 *                        logs); platform (a log id naming a *.googleapis.com service, load-balancer and other
 *                        GCP-produced resource logs); else application.
 *   severity_number/text `severity` name (`NOTICE`) or LogSeverity number (200 → `INFO`) → severityNumber(…,'gcp');
 *                        DEFAULT keeps its text with a null number; absent → both null.
 *   message              textPayload; jsonPayload.message (or .msg) when a string; AuditLog status.message.
 *   actor                authenticationInfo.principalEmail, else .principalSubject.
 *   source_ip            requestMetadata.callerIp (when an address; `private`, `gce-internal-ip` stay in the
 *                        payload); else httpRequest.remoteIp without its `:port` / `[…]:port`.
 *   outcome              AuditLog: status.code non-zero → failure, else success; otherwise httpRequest.status
 *                        < 400 → success, ≥ 400 → failure; else unknown.
 *   error_code           AuditLog non-zero status.code as its canonical gRPC name (7 → PERMISSION_DENIED).
 *   status_code          AuditLog status.code (non-zero) as text, else httpRequest.status as text.
 *   request_id           null (LogEntry has none; operation.id is kept in attributes).
 *   trace_id, span_id    `trace` (`projects/<p>/traces/<32 hex>` → the hex id), `spanId`.
 *   log_name             `logName`.
 *   event_id             `<logName>|<timestamp as written>|<insertId>` (Cloud Logging's own identity of an entry:
 *                        insertId is only unique within a log and timestamp); null without insertId.
 *   attributes           every other LogEntry field by its original name, objects referenced not copied:
 *                        resource, jsonPayload, protoPayload, httpRequest, labels, operation, sourceLocation,
 *                        split, traceSampled, …; plus `audit_log` (activity | data_access | system_event |
 *                        policy) for Cloud Audit Logs.
 *   size_bytes           characters of the entry's JSON as read (readJsonItems `length`; ASCII = bytes).
 *
 * Diagnostics: `not-a-record` (a JSON value that is not an object), `not-a-log-entry` (an object without any
 * LogEntry field; warning), `bad-timestamp` / `missing-field` (record skipped), `bad-field` (warning, field left
 * null), plus readJsonItems' framing reasons (`bad-json`, `record-too-large`, `truncated-json`, `invalid-utf8`).
 */
import { diagnostic, newEventRecord, type Diagnostic, type EventCategory, type EventRecord } from '../../model/index.js';
import { normalizeIp } from '../ip.js';
import { zoneToRegion } from '../flow/gcp-vpc.js';
import { readJsonItems } from '../json-items.js';
import { DEFAULT_BATCH_SIZE, DEFAULT_MAX_JSON_ITEM_LENGTH, type ByteSource } from '../types.js';
import { parseTimestamp } from '../values.js';
import { severityNumber } from './severity.js';
import type { LogFormat, LogParseBatch, LogParseOptions } from './types.js';

export const GCP_LOGGING_FORMAT_ID = 'gcp-logging';
const AUDIT_LOG_TYPE = 'type.googleapis.com/google.cloud.audit.AuditLog';

type Json = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------------------
// Detection

/**
 * A LogEntry: `logName` with a payload or LogEntry-only fields. VPC flow and firewall entries belong to the
 * flow format gcp-vpc: a head that shows them is not claimed (and gcp-vpc claims no other LogEntry).
 */
function detect(head: string): number {
  if (!head.includes('"logName"')) {
    // a head cut before the first logName: LogEntry-only field names together
    return head.includes('"insertId"') && head.includes('"receiveTimestamp"') && !isFlowHead(head) ? 0.5 : 0;
  }
  if (isFlowHead(head)) return 0;
  if (head.includes('"protoPayload"') && head.includes('cloudaudit.googleapis.com')) return 0.95;
  if (head.includes('"textPayload"') || head.includes('"jsonPayload"') || head.includes('"protoPayload"')) return 0.9;
  if (head.includes('"insertId"') || head.includes('"receiveTimestamp"')) return 0.7;
  return 0;
}

function isFlowHead(head: string): boolean {
  return (
    head.includes('vpc_flows') ||
    head.includes('%2Ffirewall') ||
    (head.includes('"connection"') && (head.includes('"src_ip"') || head.includes('"dest_ip"')))
  );
}

// ---------------------------------------------------------------------------------------------------------
// Values

/** google.rpc.Code names (https://github.com/googleapis/googleapis/blob/master/google/rpc/code.proto). */
export const GRPC_CODE_NAMES: readonly string[] = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
];

/** LogSeverity enum numbers → names. */
const SEVERITY_NAMES: Record<number, string> = {
  0: 'DEFAULT',
  100: 'DEBUG',
  200: 'INFO',
  300: 'NOTICE',
  400: 'WARNING',
  500: 'ERROR',
  600: 'CRITICAL',
  700: 'ALERT',
  800: 'EMERGENCY',
};

/** Monitored-resource types → the service that produces their logs. */
const SERVICE_BY_RESOURCE: Record<string, string> = {
  gce_instance: 'compute.googleapis.com',
  gce_network: 'compute.googleapis.com',
  gce_subnetwork: 'compute.googleapis.com',
  gce_firewall_rule: 'compute.googleapis.com',
  gce_router: 'compute.googleapis.com',
  gce_disk: 'compute.googleapis.com',
  gce_instance_group: 'compute.googleapis.com',
  gce_instance_group_manager: 'compute.googleapis.com',
  http_load_balancer: 'compute.googleapis.com',
  tcp_ssl_proxy_rule: 'compute.googleapis.com',
  l4_proxy_rule: 'compute.googleapis.com',
  internal_http_lb_rule: 'compute.googleapis.com',
  nat_gateway: 'compute.googleapis.com',
  vpn_gateway: 'compute.googleapis.com',
  k8s_cluster: 'container.googleapis.com',
  k8s_node: 'container.googleapis.com',
  k8s_pod: 'container.googleapis.com',
  k8s_container: 'container.googleapis.com',
  gke_cluster: 'container.googleapis.com',
  gke_nodepool: 'container.googleapis.com',
  cloud_run_revision: 'run.googleapis.com',
  cloud_run_job: 'run.googleapis.com',
  cloud_function: 'cloudfunctions.googleapis.com',
  gae_app: 'appengine.googleapis.com',
  cloudsql_database: 'cloudsql.googleapis.com',
  gcs_bucket: 'storage.googleapis.com',
  bigquery_resource: 'bigquery.googleapis.com',
  bigquery_dataset: 'bigquery.googleapis.com',
  bigquery_project: 'bigquery.googleapis.com',
  pubsub_topic: 'pubsub.googleapis.com',
  pubsub_subscription: 'pubsub.googleapis.com',
  dataflow_step: 'dataflow.googleapis.com',
  dns_query: 'dns.googleapis.com',
  cloud_dns_query: 'dns.googleapis.com',
  spanner_instance: 'spanner.googleapis.com',
  redis_instance: 'redis.googleapis.com',
  cloud_composer_environment: 'composer.googleapis.com',
  cloud_scheduler_job: 'cloudscheduler.googleapis.com',
  cloud_tasks_queue: 'cloudtasks.googleapis.com',
  build: 'cloudbuild.googleapis.com',
};

/** Resource types whose logs GCP itself writes (request logs, NAT, DNS): category platform. */
const PLATFORM_RESOURCES = new Set([
  'http_load_balancer',
  'tcp_ssl_proxy_rule',
  'l4_proxy_rule',
  'internal_http_lb_rule',
  'nat_gateway',
  'vpn_gateway',
  'gce_router',
  'dns_query',
  'cloud_dns_query',
  'audited_resource',
  'gcs_bucket',
  'bigquery_resource',
  'cloudsql_database',
]);

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(o: Json, key: string): string | null {
  const v = o[key];
  return typeof v === 'string' && v.length > 0 ? v : null;
}


/** An address from `1.2.3.4`, `1.2.3.4:80`, `[2001:db8::1]:443` or `2001:db8::1`; null when none. */
export function ipWithoutPort(text: string): string | null {
  if (text.charCodeAt(0) === 91) {
    const end = text.indexOf(']');
    return end === -1 ? null : normalizeIp(text.slice(1, end));
  }
  const colon = text.indexOf(':');
  if (colon !== -1 && text.indexOf(':', colon + 1) === -1) return normalizeIp(text.slice(0, colon));
  return normalizeIp(text);
}

/** The parent of a logName: `projects/p/logs/x` → `p`; organizations/folders/billingAccounts keep their kind. */
function accountOfLogName(logName: string): string | null {
  const slash = logName.indexOf('/');
  if (slash <= 0) return null;
  const end = logName.indexOf('/', slash + 1);
  if (end === -1) return null;
  const kind = logName.slice(0, slash);
  if (kind === 'projects') return logName.slice(slash + 1, end);
  if (kind === 'organizations' || kind === 'folders' || kind === 'billingAccounts') return logName.slice(0, end);
  return null;
}

/** The log id after `/logs/` (URL-encoded as the API writes it: `cloudaudit.googleapis.com%2Factivity`). */
function logIdOf(logName: string): string {
  const at = logName.indexOf('/logs/');
  return at === -1 ? logName : logName.slice(at + 6);
}

/** `cloudaudit.googleapis.com%2Factivity` → `activity`; null when not an audit log. */
function auditLogKind(logId: string): string | null {
  if (!logId.startsWith('cloudaudit.googleapis.com')) return null;
  const rest = logId.slice(25);
  if (rest.startsWith('%2F') || rest.startsWith('%2f')) return rest.slice(3) || null;
  if (rest.startsWith('/')) return rest.slice(1) || null;
  return null;
}

function digits2(s: string, at: number): number {
  const a = s.charCodeAt(at) - 48, b = s.charCodeAt(at + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * RFC 3339 UTC text (`YYYY-MM-DDTHH:MM:SS[.f…]Z`, as Cloud Logging writes every time) to epoch ms, read at
 * fixed positions with the days-from-civil arithmetic (no regex, no cache: timestamps and receiveTimestamps of
 * different hours alternate); fraction digits past milliseconds are truncated. Anything else → parseTimestamp.
 */
export function parseRfc3339(s: string): number | null {
  const n = s.length;
  if (n < 20 || s.charCodeAt(n - 1) !== 90 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) {
    return parseTimestamp(s);
  }
  const yh = digits2(s, 0), yl = digits2(s, 2), mo = digits2(s, 5), d = digits2(s, 8), h = digits2(s, 11), mi = digits2(s, 14), se = digits2(s, 17);
  if (yh < 0 || yl < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 59) return parseTimestamp(s);
  let ms = 0;
  if (n > 20) {
    if (s.charCodeAt(19) !== 46 || n === 21) return parseTimestamp(s);
    let scale = 100;
    for (let i = 20; i < n - 1; i++) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return parseTimestamp(s);
      ms += c * scale;
      scale = scale > 1 ? scale / 10 : 0;
    }
  }
  let y = yh * 100 + yl;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  if (d > (mo === 2 ? (leap ? 29 : 28) : mo === 4 || mo === 6 || mo === 9 || mo === 11 ? 30 : 31)) return null;
  // days from 1970-01-01 (H. Hinnant's days_from_civil)
  if (mo <= 2) y--;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  const days = era * 146097 + doe - 719468;
  return ((days * 24 + h) * 60 + mi) * 60_000 + se * 1000 + ms;
}

/** RFC 3339 text, or `{seconds, nanos}` as protobuf JSON dumps may write it. Undefined when absent, null when bad. */
function timeOf(v: unknown): number | null | undefined {
  if (typeof v === 'string') return parseRfc3339(v);
  if (v === undefined || v === null) return undefined;
  if (isObject(v)) {
    const s = Number(v.seconds);
    const ns = v.nanos === undefined ? 0 : Number(v.nanos);
    if (Number.isFinite(s) && Number.isFinite(ns)) return s * 1000 + Math.floor(ns / 1e6);
  }
  return null;
}

function quote(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

// ---------------------------------------------------------------------------------------------------------
// Normalizing one LogEntry

function looksLikeLogEntry(o: Json): boolean {
  return (
    o.logName !== undefined ||
    o.insertId !== undefined ||
    o.jsonPayload !== undefined ||
    o.textPayload !== undefined ||
    o.protoPayload !== undefined ||
    o.receiveTimestamp !== undefined
  );
}

/**
 * One LogEntry (as the REST API and sinks write it) to an EventRecord; null when it cannot be one (the
 * reason is pushed to `diagnostics`). Used by the file parser and by the Cloud Logging source alike.
 */
export function normalizeLogEntry(entry: Json, object: string, line: number, sizeBytes: number, diagnostics: Diagnostic[]): EventRecord | null {
  if (!looksLikeLogEntry(entry)) {
    diagnostics.push(diagnostic(object, line, null, 'not-a-log-entry', `line ${line}: JSON object is not a Cloud Logging LogEntry; skipped`, 'warning'));
    return null;
  }
  const rawTime = entry.timestamp;
  let timestamp = timeOf(rawTime);
  const observed = timeOf(entry.receiveTimestamp);
  if (timestamp === null) {
    diagnostics.push(diagnostic(object, line, 'timestamp', 'bad-timestamp', `line ${line}: timestamp is not an RFC 3339 time: ${quote(rawTime)}; record skipped`));
    return null;
  }
  if (timestamp === undefined) {
    if (observed === undefined || observed === null) {
      diagnostics.push(diagnostic(object, line, 'timestamp', 'missing-field', `line ${line}: timestamp is missing (and there is no valid receiveTimestamp); record skipped`));
      return null;
    }
    diagnostics.push(diagnostic(object, line, 'timestamp', 'missing-field', `line ${line}: timestamp is missing; receiveTimestamp used`, 'warning'));
    timestamp = observed;
  }
  const rec = newEventRecord('gcp', GCP_LOGGING_FORMAT_ID, object, line);
  rec.timestamp = timestamp;
  if (observed === null) {
    diagnostics.push(diagnostic(object, line, 'receiveTimestamp', 'bad-timestamp', `line ${line}: receiveTimestamp is not an RFC 3339 time: ${quote(entry.receiveTimestamp)}`, 'warning'));
  } else if (observed !== undefined) {
    rec.observed_timestamp = observed;
  }
  rec.size_bytes = sizeBytes;

  // Where
  const logName = str(entry, 'logName');
  let logId = '';
  if (logName !== null) {
    rec.log_name = logName;
    rec.account_id = accountOfLogName(logName);
    logId = logIdOf(logName);
  }
  const resource = entry.resource;
  let resourceType: string | null = null;
  if (isObject(resource)) {
    resourceType = str(resource, 'type');
    rec.resource_type = resourceType;
    const labels = resource.labels;
    if (isObject(labels)) {
      if (rec.account_id === null) rec.account_id = str(labels, 'project_id');
      const region = str(labels, 'region') ?? str(labels, 'zone') ?? str(labels, 'location');
      if (region !== null) rec.region = zoneToRegion(region);
      if (resourceType === 'audited_resource') rec.service = str(labels, 'service');
    }
  }
  if (rec.service === null && resourceType !== null) rec.service = SERVICE_BY_RESOURCE[resourceType] ?? null;

  // Severity
  const sev = entry.severity;
  if (typeof sev === 'string') {
    if (sev.length > 0) {
      rec.severity_text = sev;
      rec.severity_number = severityNumber(sev, 'gcp');
      if (rec.severity_number === null && sev !== 'DEFAULT') {
        diagnostics.push(diagnostic(object, line, 'severity', 'bad-field', `line ${line}: severity is not a LogSeverity: ${quote(sev)} (severity_number left empty)`, 'warning'));
      }
    }
  } else if (typeof sev === 'number') {
    const name = SEVERITY_NAMES[sev];
    if (name === undefined) {
      diagnostics.push(diagnostic(object, line, 'severity', 'bad-field', `line ${line}: severity is not a LogSeverity: ${sev} (left empty)`, 'warning'));
    } else {
      rec.severity_text = name;
      rec.severity_number = severityNumber(sev, 'gcp');
    }
  } else if (sev !== undefined && sev !== null) {
    diagnostics.push(diagnostic(object, line, 'severity', 'bad-field', `line ${line}: severity is not a LogSeverity: ${quote(sev)} (left empty)`, 'warning'));
  }

  // Payload
  let category: EventCategory | null = null;
  const text = entry.textPayload;
  if (typeof text === 'string') {
    if (text.length > 0) rec.message = text;
  }
  const json = entry.jsonPayload;
  if (isObject(json)) {
    const m = json.message;
    if (typeof m === 'string') {
      if (m.length > 0) rec.message = m;
    } else {
      const msg = json.msg;
      if (typeof msg === 'string' && msg.length > 0) rec.message = msg;
    }
  }
  const proto = entry.protoPayload;
  const auditKind = auditLogKind(logId);
  if (isObject(proto) && (proto['@type'] === AUDIT_LOG_TYPE || (auditKind !== null && proto['@type'] === undefined))) {
    category = 'audit';
    mapAuditLog(rec, proto, object, line, diagnostics);
  } else if (auditKind !== null) {
    category = 'audit';
  }

  // HTTP request
  const http = entry.httpRequest;
  if (isObject(http)) {
    const status = http.status;
    if (typeof status === 'number') {
      if (rec.status_code === null && status !== 0) rec.status_code = String(status);
      if (rec.outcome === 'unknown' && status > 0) rec.outcome = status < 400 ? 'success' : 'failure';
    } else if (status !== undefined && status !== null) {
      diagnostics.push(diagnostic(object, line, 'httpRequest.status', 'bad-field', `line ${line}: httpRequest.status is not a number: ${quote(status)}`, 'warning'));
    }
    if (rec.source_ip === null) {
      const remote = http.remoteIp;
      if (typeof remote === 'string' && remote.length > 0) rec.source_ip = ipWithoutPort(remote);
    }
  }

  // Trace
  const trace = entry.trace;
  if (typeof trace === 'string' && trace.length > 0) {
    const slash = trace.lastIndexOf('/');
    rec.trace_id = slash === -1 ? trace : trace.slice(slash + 1) || null;
  }
  const span = entry.spanId;
  if (typeof span === 'string' && span.length > 0) rec.span_id = span;

  const insertId = entry.insertId;
  if (typeof insertId === 'string' && insertId.length > 0) {
    rec.event_id = `${logName ?? ''}|${typeof rawTime === 'string' ? rawTime : String(timestamp)}|${insertId}`;
  }

  if (category === null) {
    if (logId.includes('vpc_flows') || logId.includes('%2Ffirewall')) category = 'flow';
    else if (logId.includes('googleapis.com') || (resourceType !== null && PLATFORM_RESOURCES.has(resourceType))) category = 'platform';
    else category = 'application';
  }
  rec.category = category;

  // Attributes: every other field by its original name (objects referenced)
  const a: Json = {};
  for (const k in entry) {
    switch (k) {
      case 'timestamp':
      case 'receiveTimestamp':
      case 'logName':
      case 'severity':
      case 'textPayload':
      case 'insertId':
      case 'trace':
      case 'spanId':
        break;
      default:
        a[k] = entry[k];
    }
  }
  if (auditKind !== null) a.audit_log = auditKind;
  rec.attributes = a;
  return rec;
}

function mapAuditLog(rec: EventRecord, p: Json, object: string, line: number, diagnostics: Diagnostic[]): void {
  rec.event_name = str(p, 'methodName');
  const service = str(p, 'serviceName');
  if (service !== null) rec.service = service;
  const name = str(p, 'resourceName');
  if (name !== null) {
    if (name.startsWith('//')) rec.resource_id = name;
    else if (service !== null) rec.resource_id = name.charCodeAt(0) === 47 ? `//${service}${name}` : `//${service}/${name}`;
    else rec.resource_id = name;
  }
  const authn = p.authenticationInfo;
  if (isObject(authn)) rec.actor = str(authn, 'principalEmail') ?? str(authn, 'principalSubject');
  const meta = p.requestMetadata;
  if (isObject(meta)) {
    const ip = meta.callerIp;
    if (typeof ip === 'string' && ip.length > 0) rec.source_ip = ipWithoutPort(ip);
  }
  const status = p.status;
  rec.outcome = 'success';
  if (isObject(status)) {
    const code = status.code;
    if (typeof code === 'number' && code !== 0) {
      rec.outcome = 'failure';
      rec.status_code = String(code);
      rec.error_code = GRPC_CODE_NAMES[code] ?? String(code);
      const msg = status.message;
      if (typeof msg === 'string' && msg.length > 0) rec.message = msg;
    } else if (code !== undefined && code !== 0) {
      rec.outcome = 'unknown';
      diagnostics.push(diagnostic(object, line, 'protoPayload.status.code', 'bad-field', `line ${line}: protoPayload.status.code is not a number: ${quote(code)} (outcome unknown)`, 'warning'));
    }
  } else if (status !== undefined && status !== null) {
    rec.outcome = 'unknown';
    diagnostics.push(diagnostic(object, line, 'protoPayload.status', 'bad-field', `line ${line}: protoPayload.status is not an object: ${quote(status)} (outcome unknown)`, 'warning'));
  }
}

// ---------------------------------------------------------------------------------------------------------
// Parsing

function handleItem(value: unknown, object: string, line: number, size: number, depth: number, events: EventRecord[], diagnostics: Diagnostic[]): void {
  if (!isObject(value)) {
    if (Array.isArray(value) && depth === 0) {
      for (let i = 0; i < value.length; i++) handleNested(value[i], object, line, events, diagnostics);
      return;
    }
    diagnostics.push(diagnostic(object, line, null, 'not-a-record', `line ${line}: a JSON ${Array.isArray(value) ? 'array' : 'value'} where a LogEntry object was expected; skipped`));
    return;
  }
  if (depth === 0 && value.logName === undefined && value.insertId === undefined) {
    // an entries.list response (or another wrapper of LogEntries)
    const list = Array.isArray(value.entries) ? value.entries : Array.isArray(value.records) ? value.records : null;
    if (list !== null) {
      for (let i = 0; i < list.length; i++) handleNested(list[i], object, line, events, diagnostics);
      return;
    }
    if (value.nextPageToken !== undefined) return; // an empty entries.list page
  }
  const rec = normalizeLogEntry(value, object, line, size, diagnostics);
  if (rec !== null) events.push(rec);
}

function handleNested(value: unknown, object: string, line: number, events: EventRecord[], diagnostics: Diagnostic[]): void {
  // (a wrapper's entry has no text of its own: its size is that of its compact JSON)
  const size = isObject(value) ? (JSON.stringify(value) ?? '').length : 0;
  handleItem(value, object, line, size, 1, events, diagnostics);
}

async function* parse(input: ByteSource, options: LogParseOptions): AsyncGenerator<LogParseBatch, void, undefined> {
  const object = options.object;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  let events: EventRecord[] = [];
  let diagnostics: Diagnostic[] = [];
  for await (const batch of readJsonItems(input, { object, maxItemLength: options.maxJsonItemLength ?? DEFAULT_MAX_JSON_ITEM_LENGTH })) {
    const items = batch.items;
    const diags = batch.diagnostics;
    let di = 0;
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      // keep input order (by line) between framing diagnostics and records
      while (di < diags.length && (diags[di].line ?? 0) < it.line) diagnostics.push(diags[di++]);
      handleItem(it.value, object, it.line, it.length, 0, events, diagnostics);
      if (events.length >= batchSize) {
        yield { events, diagnostics };
        events = [];
        diagnostics = [];
      }
    }
    while (di < diags.length) diagnostics.push(diags[di++]);
    if (diagnostics.length >= batchSize) {
      yield { events, diagnostics };
      events = [];
      diagnostics = [];
    }
  }
  if (events.length > 0 || diagnostics.length > 0) yield { events, diagnostics };
}

export const gcpLoggingFormat: LogFormat = {
  id: 'gcp-logging',
  description: 'Google Cloud Logging LogEntry JSON incl. Cloud Audit Logs (NDJSON, JSON array, entries.list response)',
  provider: 'gcp',
  detect,
  parse,
};
