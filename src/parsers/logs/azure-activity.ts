/**
 * Azure Activity Log (subscription-level control-plane events: who created, changed, deleted what).
 *
 * Inputs (streamed; see azure-log-common.ts for the JSON driver):
 *   - diagnostic-settings exports: `{"records":[…]}` blobs under `insights-activity-logs/resourceId=/SUBSCRIPTIONS/…/
 *     y=…/m=…/d=…/h=…/m=00/PT1H.json` (storage) or the same records one per line (Event Hubs captures); a record:
 *     {time, resourceId, operationName, category, resultType, resultSignature, level, callerIpAddress,
 *      correlationId, durationMs, identity: {authorization: {scope, action, evidence}, claims: {…}}, location,
 *      properties: {…}};
 *   - the REST shape (`GET …/providers/Microsoft.Insights/eventtypes/management/values`, `az monitor activity-log
 *     list` output: an array, or `{"value":[…]}`): {eventTimestamp, submissionTimestamp, operationName: {value,
 *     localizedValue}, status: {value}, subStatus: {value}, category: {value}, level, caller, eventDataId,
 *     correlationId, resourceId, resourceProviderName: {value}, resourceType: {value}, subscriptionId, claims,
 *     authorization, httpRequest: {clientIpAddress}, properties};
 *   - an Activity Log alert payload (common alert schema): its `alertContext` (or `data.alertContext`) is the event.
 *
 * Mapping (columns of the `events` table):
 *   timestamp           time | eventTimestamp (ISO 8601, sub-ms digits truncated)
 *   observed_timestamp  submissionTimestamp (REST), else null
 *   account_id          subscriptionId, else the subscription of resourceId (lower-cased)
 *   region              location as written (`global`, `westeurope`), null when absent
 *   service             resourceProviderName.value, else the provider namespace of resourceId (canonical spelling)
 *   resource_id         resourceId lower-cased;  resource_type: resourceType.value lower-cased, else from the id
 *   event_name          operationName (string or .value) as written
 *   category            `activity`
 *   severity_*          level → severity_text as written, severity_number by severityNumber(level, 'azure')
 *   message             resultDescription | description | the error message inside properties.statusMessage
 *   actor               caller (REST) | identity.claims / claims (upn, name, object id, app id) |
 *                       identity.authorization.evidence.principalId
 *   source_ip           callerIpAddress | httpRequest.clientIpAddress (normalized; a non-address stays in attributes)
 *   outcome             status.value | resultType: Succeeded/Success → success; Failed/Failure → failure;
 *                       Start/Started/Accepted/Active/… → unknown
 *   error_code          failures: the `error.code` of properties.statusMessage (JSON text), else properties.statusCode
 *   status_code         subStatus.value | properties.statusCode | the part of resultSignature after the dot
 *                       (`Succeeded.OK` → OK; `Started.` → null)
 *   request_id          correlationId;  event_id: eventDataId (null in exports that have none)
 *   log_name            the category (`Administrative`, `Policy`, … / `Action` in older exports)
 *   attributes          every other field by its original name (identity, claims, authorization, properties,
 *                       resultType, resultSignature, durationMs, status, subStatus, …); the fields that fill a
 *                       column one to one are not repeated
 *   size_bytes          characters of the record's JSON text
 */
import { diagnostic, newEventRecord, type EventRecord } from '../../model/index.js';
import { parseGcpTime as parseTime } from '../flow/gcp-vpc.js';
import {
  activitySignature,
  actorFromClaims,
  actorFromIdentity,
  applyResourceId,
  asObject,
  callerIp,
  canonicalNamespace,
  flowLogSignature,
  numeric,
  outcomeOf,
  parseAzureLogJson,
  statusOfSignature,
  statusText,
  text,
  textOrValue,
  type Json,
  type Sink,
} from './azure-log-common.js';
import { severityNumber } from './severity.js';
import type { LogFormat } from './types.js';

export const AZURE_ACTIVITY_FORMAT_ID = 'azure-activity';

/** Fields that fill a column one to one (not repeated in attributes). */
const MAPPED = new Set([
  'time',
  'eventTimestamp',
  'submissionTimestamp',
  'resourceId',
  'operationName',
  'category',
  'level',
  'correlationId',
  'eventDataId',
  'location',
  'caller',
  'subscriptionId',
  'resourceProviderName',
  'resourceType',
]);

function timeOf(v: unknown): number | null {
  return typeof v === 'string' ? parseTime(v) : null;
}

/**
 * One Activity Log record (export or REST shape) as an event. `size` is the characters of its JSON text.
 * Problems (no time, an unreadable time) are reported as warnings in `diagnostics`; the event is always made.
 */
export function normalizeActivityRecord(rec: Json, object: string, line: number, size: number, diagnostics: { push(d: ReturnType<typeof diagnostic>): unknown }): EventRecord {
  const e = newEventRecord('azure', AZURE_ACTIVITY_FORMAT_ID, object, line);
  e.category = 'activity';
  e.size_bytes = size;
  const attributes: Json = {};
  let extra = 0;

  const rawTime = rec.time ?? rec.eventTimestamp;
  e.timestamp = timeOf(rawTime);
  if (e.timestamp === null) {
    diagnostics.push(
      rawTime === undefined
        ? diagnostic(object, line, 'time', 'missing-field', `line ${line}: an Activity Log record without time or eventTimestamp; timestamp left empty`, 'warning')
        : diagnostic(object, line, 'time', 'bad-timestamp', `line ${line}: unreadable time ${JSON.stringify(rawTime)}; timestamp left empty`, 'warning'),
    );
  }
  e.observed_timestamp = timeOf(rec.submissionTimestamp);

  const sub = text(rec.subscriptionId);
  if (sub !== null) e.account_id = sub.toLowerCase();
  const provider = textOrValue(rec.resourceProviderName);
  if (provider !== null) e.service = canonicalNamespace(provider);
  const rtype = textOrValue(rec.resourceType);
  if (rtype !== null) e.resource_type = rtype.toLowerCase();
  const rid = text(rec.resourceId);
  if (rid !== null) applyResourceId(e, rid);

  e.region = text(rec.location);
  e.event_name = textOrValue(rec.operationName);
  e.log_name = textOrValue(rec.category);
  const level = rec.level;
  if (typeof level === 'string' || typeof level === 'number') {
    e.severity_text = String(level);
    e.severity_number = severityNumber(level, 'azure');
  }
  e.request_id = text(rec.correlationId);
  e.event_id = text(rec.eventDataId);

  // who
  e.actor = text(rec.caller) ?? actorFromIdentity(rec.identity);
  if (e.actor === null) {
    const claims = asObject(rec.claims);
    if (claims !== null) e.actor = actorFromClaims(claims);
  }

  // where from
  const ipText = rec.callerIpAddress;
  e.source_ip = callerIp(ipText);
  if (e.source_ip === null) {
    const http = asObject(rec.httpRequest);
    if (http !== null) e.source_ip = callerIp(http.clientIpAddress);
  }

  // result
  const status = textOrValue(rec.status) ?? text(rec.resultType);
  e.outcome = outcomeOf(status);
  const props = asObject(rec.properties);
  const subStatus = textOrValue(rec.subStatus);
  const sig = statusText(rec.resultSignature);
  e.status_code = subStatus ?? (props !== null ? statusText(props.statusCode) : null) ?? (sig !== null ? statusOfSignature(sig) : null);
  let message = text(rec.resultDescription) ?? textOrValue(rec.description);
  if (e.outcome === 'failure' && props !== null) {
    const err = statusMessageError(props.statusMessage);
    if (err !== null) {
      e.error_code = text(err.code);
      message ??= text(err.message);
    }
    e.error_code ??= statusText(props.statusCode);
  }
  e.message = message;

  for (const k in rec) {
    if (MAPPED.has(k)) continue;
    const v = rec[k];
    if (k === 'callerIpAddress' && e.source_ip !== null && v === ipText) continue;
    if (k === 'resultDescription' && message !== null && v === message) continue;
    if (k === 'durationMs') {
      attributes.durationMs = numeric(v) ?? v;
      extra++;
      continue;
    }
    attributes[k] = v;
    extra++;
  }
  e.attributes = extra > 0 ? attributes : null;
  return e;
}

/** `properties.statusMessage` of a failed operation: JSON text `{"error":{"code","message"}}` (or the object). */
function statusMessageError(v: unknown): Json | null {
  let o: unknown = v;
  if (typeof v === 'string') {
    if (v.charCodeAt(0) !== 123) return null;
    try {
      o = JSON.parse(v);
    } catch {
      return null;
    }
  }
  const obj = asObject(o);
  if (obj === null) return null;
  return asObject(obj.error) ?? (obj.code !== undefined ? obj : null);
}

function handle(rec: Json, line: number, length: number, sink: Sink): void {
  // an Activity Log alert (common alert schema) carries the event as its alertContext
  const alert = asObject(rec.alertContext) ?? asObject(asObject(rec.data)?.alertContext);
  if (alert !== null && (alert.eventTimestamp !== undefined || alert.operationName !== undefined)) {
    sink.events.push(normalizeActivityRecord(alert, sink.object, line, length, sink.diagnostics));
    return;
  }
  // REST list responses wrap the records in `value`
  const list = rec.value;
  if (Array.isArray(list) && rec.eventTimestamp === undefined && rec.time === undefined) {
    const share = list.length > 0 ? Math.max(1, Math.floor(length / list.length)) : 0;
    for (let i = 0; i < list.length; i++) {
      const r = asObject(list[i]);
      if (r === null) {
        sink.diagnostics.push(diagnostic(sink.object, line, `value[${i}]`, 'not-a-record', `line ${line}: value[${i}] is not a record object; skipped`));
        continue;
      }
      sink.events.push(normalizeActivityRecord(r, sink.object, line, share, sink.diagnostics));
    }
    return;
  }
  sink.events.push(normalizeActivityRecord(rec, sink.object, line, length, sink.diagnostics));
}

function detect(head: string): number {
  if (flowLogSignature(head)) return 0;
  return activitySignature(head) ? 0.9 : 0;
}

export const azureActivityFormat: LogFormat = {
  id: 'azure-activity',
  description: 'Azure Activity Log: diagnostic-settings exports (insights-activity-logs blobs, Event Hubs) and the REST / az monitor activity-log list shape',
  provider: 'azure',
  detect,
  parse: (input, options) => parseAzureLogJson(input, options, handle),
};
