/**
 * The normalized cloud-log event: one row of the `events` table (see DESIGN.md).
 *
 * Conventions every log parser follows:
 * - times are epoch milliseconds (UTC); `timestamp` is when the event happened, `observed_timestamp` when the
 *   cloud received or ingested it (CloudWatch ingestionTime, LogEntry receiveTimestamp), null where unknown;
 * - severity on the OpenTelemetry scale: `severity_number` 1–24 (TRACE 1–4, DEBUG 5–8, INFO 9–12, WARN 13–16,
 *   ERROR 17–20, FATAL 21–24) and `severity_text` the original level as the source wrote it (null where none);
 * - `resource_id` canonical: an ARN (AWS), the Azure resource id lower-cased, the GCP full resource name
 *   (`//compute.googleapis.com/projects/p/zones/z/instances/i`); null when the record names none;
 * - `outcome` from status and error fields: `success`, `failure`, else `unknown`;
 * - `event_id` the provider's id where one exists (CloudWatch eventId, CloudTrail eventID, LogEntry insertId
 *   with logName and timestamp, Azure eventDataId / _ItemId), used to drop duplicates; null where none;
 * - `size_bytes` the UTF-8 size of the original record as received (for cost attribution);
 * - text fields the format does not carry are null, never the empty string.
 */
import type { Provider } from './flow.js';

export type EventOutcome = 'success' | 'failure' | 'unknown';

/** audit (who did what: CloudTrail, Cloud Audit Logs), activity (the Azure Activity Log), application, platform (resource logs), flow. */
export type EventCategory = 'audit' | 'activity' | 'application' | 'platform' | 'flow';

export interface EventRecord {
  timestamp: number | null;
  observed_timestamp: number | null;
  provider: Provider;
  /** Format id, e.g. `aws-cloudtrail`, `aws-cloudwatch`, `azure-monitor`, `azure-activity`, `gcp-logging`. */
  source_format: string;
  /** AWS account id, Azure subscription id, GCP project id. */
  account_id: string | null;
  region: string | null;
  /** The emitting service: `s3.amazonaws.com`, `Microsoft.Compute`, `compute.googleapis.com`, `lambda`. */
  service: string | null;
  resource_id: string | null;
  resource_type: string | null;
  /** The operation: CloudTrail eventName, Azure operationName, GCP methodName; null for plain log lines. */
  event_name: string | null;
  category: EventCategory | null;
  severity_number: number | null;
  severity_text: string | null;
  /** Free text: the log line, the error message, a summary of the operation. */
  message: string | null;
  /** Who: IAM ARN / user name, Azure caller (UPN or object id), GCP principalEmail. */
  actor: string | null;
  source_ip: string | null;
  outcome: EventOutcome;
  error_code: string | null;
  /** HTTP or gRPC status as text where the source gives one (`403`, `7`, `Forbidden`). */
  status_code: string | null;
  request_id: string | null;
  trace_id: string | null;
  span_id: string | null;
  /** CloudWatch log group (`/aws/lambda/f`), LogEntry logName, Azure category / table. */
  log_name: string | null;
  /** The provider's event id (see above), for dedupe. */
  event_id: string | null;
  /** Every other field of the input, by its original name (nested objects kept as they are). */
  attributes: Record<string, unknown> | null;
  size_bytes: number;
  source_object: string;
  source_line: number;
}

/** Column order of the `events` table and of CSV output. */
export const EVENT_COLUMNS = [
  'timestamp',
  'observed_timestamp',
  'provider',
  'source_format',
  'account_id',
  'region',
  'service',
  'resource_id',
  'resource_type',
  'event_name',
  'category',
  'severity_number',
  'severity_text',
  'message',
  'actor',
  'source_ip',
  'outcome',
  'error_code',
  'status_code',
  'request_id',
  'trace_id',
  'span_id',
  'log_name',
  'event_id',
  'attributes',
  'size_bytes',
  'source_object',
  'source_line',
] as const satisfies readonly (keyof EventRecord)[];

/** Every field present in one fixed order (one hidden class for all records); parsers fill what they know. */
export function newEventRecord(provider: Provider, sourceFormat: string, sourceObject: string, sourceLine: number): EventRecord {
  return {
    timestamp: null,
    observed_timestamp: null,
    provider,
    source_format: sourceFormat,
    account_id: null,
    region: null,
    service: null,
    resource_id: null,
    resource_type: null,
    event_name: null,
    category: null,
    severity_number: null,
    severity_text: null,
    message: null,
    actor: null,
    source_ip: null,
    outcome: 'unknown',
    error_code: null,
    status_code: null,
    request_id: null,
    trace_id: null,
    span_id: null,
    log_name: null,
    event_id: null,
    attributes: null,
    size_bytes: 0,
    source_object: sourceObject,
    source_line: sourceLine,
  };
}

/** An event as one JSON object with the table's column names (times as ISO 8601 UTC). */
export function eventRecordToJson(e: EventRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of EVENT_COLUMNS) {
    const v = e[c];
    out[c] = (c === 'timestamp' || c === 'observed_timestamp') && typeof v === 'number' ? new Date(v).toISOString() : v;
  }
  return out;
}
