/**
 * AWS CloudTrail records → events (format id `aws-cloudtrail`).
 *
 * Inputs (streamed; each record parsed once with JSON.parse):
 *   - CloudTrail log files `{"Records":[…]}` as delivered to S3 (after the gzip container is unwrapped),
 *     minified or pretty-printed; several such files concatenated;
 *   - NDJSON of single records (Elastic's test inputs, `jq -c '.Records[]'`, CloudTrail Lake exports), and JSON
 *     arrays of records;
 *   - EventBridge events that carry a record (`detail-type` "AWS API Call via CloudTrail", `detail` = record);
 *   - digest files (`digestStartTime`, `logFiles`, no `Records`): no events, one `info` diagnostic
 *     `cloudtrail-digest`.
 *
 * Mapping (one line per column; everything not listed goes to attributes by its original name):
 *   timestamp          eventTime (ISO 8601 → ms); observed_timestamp null (CloudTrail does not give one)
 *   account_id         recipientAccountId, else userIdentity.accountId, else the context's account
 *   region             awsRegion, else the context's region
 *   service            eventSource (`ec2.amazonaws.com`); Insight events: insightDetails.eventSource
 *   event_name         eventName; Insight events: insightDetails.eventName
 *   category           `audit` (management, data, network-activity and Insight events alike)
 *   severity           null (CloudTrail has none), except Insight events: state Start → 13 (WARN),
 *                      End → 9 (INFO), severity_text the state as written
 *   message            errorMessage, else null
 *   actor              userIdentity.arn, else userName, else principalId, else (AWSService) invokedBy, else type
 *   source_ip          sourceIPAddress when it is an IP address (normalized); otherwise (a service name such as
 *                      `cloudformation.amazonaws.com`, `AWS Internal`) it stays in attributes.sourceIPAddress
 *   outcome            failure when errorCode or errorMessage is set, or responseElements.ConsoleLogin is
 *                      "Failure"; unknown for Insight events; else success
 *   error_code         errorCode; status_code null
 *   request_id         requestID; event_id eventID; trace_id / span_id null
 *   resource_id/_type  resources[0].ARN / .type; else a well-known ARN in responseElements (stackId,
 *                      functionArn, topicArn, role/user/group/policy/instanceProfile .arn) with its type; else
 *                      an S3 bucket from requestParameters.bucketName (`arn:aws:s3:::b`); else null
 *   log_name           null (the trail is not named in its records)
 *   attributes         every other field (userIdentity, userAgent, requestParameters, responseElements,
 *                      additionalEventData, resources, readOnly, eventType, eventCategory, eventVersion,
 *                      managementEvent, tlsDetails, vpcEndpointId, sharedEventID, insightDetails, …)
 *   size_bytes         characters of the record's JSON text (readJsonItems' length; ASCII-exact bytes)
 */
import { diagnostic, newEventRecord, type Diagnostic, type EventRecord } from '../../model/index.js';
import { normalizeIp } from '../ip.js';
import { DEFAULT_BATCH_SIZE, DEFAULT_MAX_JSON_ITEM_LENGTH, type ByteSource } from '../types.js';
import type { LogContext, LogFormat, LogParseBatch, LogParseOptions } from './types.js';
import { isObject, parseIsoTime, quote, readAwsItemsFast, str, type Json } from './aws-common.js';

const FORMAT_ID = 'aws-cloudtrail';

// ---------------------------------------------------------------------------------------------------------
// Detection

function detect(head: string): number {
  if (head.includes('"eventVersion"') && head.includes('"eventTime"')) return 0.95;
  if (head.includes('"digestStartTime"') && (head.includes('"digestS3Object"') || head.includes('"logFiles"'))) return 0.9;
  // a head cut before the first record's eventTime (Kinesis/S3 events also have Records and eventVersion)
  if (head.includes('"Records"') && head.includes('"eventVersion"') && head.includes('"userIdentity"')) return 0.8;
  if (head.includes('"detail-type"') && head.includes('via CloudTrail')) return 0.9;
  return 0;
}

// ---------------------------------------------------------------------------------------------------------
// Normalizing one record

/** ARNs CloudTrail returns in responseElements for well-known create calls, with their resource types. */
const RESPONSE_ARNS: readonly (readonly [string, string | null, string])[] = [
  ['stackId', null, 'AWS::CloudFormation::Stack'],
  ['functionArn', null, 'AWS::Lambda::Function'],
  ['topicArn', null, 'AWS::SNS::Topic'],
  ['role', 'arn', 'AWS::IAM::Role'],
  ['user', 'arn', 'AWS::IAM::User'],
  ['group', 'arn', 'AWS::IAM::Group'],
  ['policy', 'arn', 'AWS::IAM::Policy'],
  ['instanceProfile', 'arn', 'AWS::IAM::InstanceProfile'],
];

function actorOf(id: unknown): string | null {
  if (!isObject(id)) return null;
  return str(id, 'arn') ?? str(id, 'userName') ?? str(id, 'principalId') ?? (id.type === 'AWSService' ? str(id, 'invokedBy') : null) ?? str(id, 'type');
}

function setResource(rec: EventRecord, r: Json): void {
  const resources = r.resources;
  if (Array.isArray(resources) && resources.length > 0 && isObject(resources[0])) {
    const arn = str(resources[0], 'ARN') ?? str(resources[0], 'arn');
    if (arn !== null) {
      rec.resource_id = arn;
      rec.resource_type = str(resources[0], 'type');
      return;
    }
  }
  const resp = r.responseElements;
  if (isObject(resp)) {
    for (const [key, sub, type] of RESPONSE_ARNS) {
      const v = resp[key];
      const arn = sub === null ? (typeof v === 'string' ? v : null) : str(v, sub);
      if (arn !== null && arn.startsWith('arn:')) {
        rec.resource_id = arn;
        rec.resource_type = type;
        return;
      }
    }
  }
  const bucket = str(r.requestParameters, 'bucketName');
  if (bucket !== null) {
    rec.resource_id = `arn:aws:s3:::${bucket}`;
    rec.resource_type = 'AWS::S3::Bucket';
  }
}

/**
 * One CloudTrail record (an already-parsed object) as an event; null (with a diagnostic) when it has no usable
 * eventTime. `size` is the record's size as received. Used by the file parser and by API-based sources.
 */
export function normalizeCloudTrailRecord(
  r: Json,
  object: string,
  line: number,
  size: number,
  diagnostics: Diagnostic[],
  context?: LogContext,
): EventRecord | null {
  const time = r.eventTime;
  const ts = typeof time === 'string' ? parseIsoTime(time) : null;
  if (ts === null) {
    diagnostics.push(
      diagnostic(
        object,
        line,
        'eventTime',
        time === undefined ? 'missing-field' : 'bad-timestamp',
        time === undefined ? `line ${line}: CloudTrail record without eventTime; skipped` : `line ${line}: eventTime is not an ISO 8601 time: ${quote(time)}; record skipped`,
      ),
    );
    return null;
  }
  const rec = newEventRecord('aws', FORMAT_ID, object, line);
  rec.timestamp = ts;
  rec.category = 'audit';
  rec.size_bytes = size;
  const identity = r.userIdentity;
  rec.account_id = str(r, 'recipientAccountId') ?? str(identity, 'accountId') ?? context?.accountId ?? null;
  rec.region = str(r, 'awsRegion') ?? context?.region ?? null;
  rec.service = str(r, 'eventSource');
  rec.event_name = str(r, 'eventName');
  rec.actor = actorOf(identity);
  rec.request_id = str(r, 'requestID');
  rec.event_id = str(r, 'eventID');

  const errorCode = str(r, 'errorCode');
  const errorMessage = str(r, 'errorMessage');
  rec.error_code = errorCode;
  rec.message = errorMessage;
  const insight = r.insightDetails;
  if (errorCode !== null || errorMessage !== null) rec.outcome = 'failure';
  else if (isObject(insight)) rec.outcome = 'unknown';
  else {
    const resp = r.responseElements;
    rec.outcome = isObject(resp) && resp.ConsoleLogin === 'Failure' ? 'failure' : 'success';
  }
  if (isObject(insight)) {
    rec.service ??= str(insight, 'eventSource');
    rec.event_name ??= str(insight, 'eventName');
    const state = str(insight, 'state');
    if (state !== null) {
      rec.severity_text = state;
      rec.severity_number = state === 'Start' ? 13 : 9;
    }
  }
  setResource(rec, r);

  const a: Json = {};
  for (const k in r) {
    switch (k) {
      case 'eventTime':
      case 'eventSource':
      case 'eventName':
      case 'awsRegion':
      case 'recipientAccountId':
      case 'requestID':
      case 'eventID':
      case 'errorCode':
      case 'errorMessage':
        break;
      case 'sourceIPAddress': {
        const v = r.sourceIPAddress;
        const ip = typeof v === 'string' ? normalizeIp(v) : null;
        if (ip !== null) rec.source_ip = ip;
        else a.sourceIPAddress = v;
        break;
      }
      default:
        a[k] = r[k];
    }
  }
  rec.attributes = a;
  return rec;
}

// ---------------------------------------------------------------------------------------------------------
// Items

interface Ctx {
  object: string;
  events: EventRecord[];
  diagnostics: Diagnostic[];
  context: LogContext | undefined;
}

function handleItem(ctx: Ctx, value: unknown, line: number, length: number, depth: number): void {
  if (!isObject(value)) {
    ctx.diagnostics.push(
      diagnostic(ctx.object, line, null, 'not-a-record', `line ${line}: a JSON ${Array.isArray(value) ? 'array' : 'value'} where a CloudTrail record was expected; skipped`),
    );
    return;
  }
  if (value.eventTime !== undefined || value.eventVersion !== undefined) {
    const rec = normalizeCloudTrailRecord(value, ctx.object, line, length, ctx.diagnostics, ctx.context);
    if (rec !== null) ctx.events.push(rec);
    return;
  }
  if (depth < 2) {
    const list = Array.isArray(value.Records) ? value.Records : Array.isArray(value.records) ? value.records : null;
    if (list !== null) {
      // a wrapper that arrived whole (not the first document of the input): sizes are estimated from the text
      for (let i = 0; i < list.length; i++) handleItem(ctx, list[i], line, sizeOf(list[i]), depth + 1);
      return;
    }
    if (isObject(value.detail) && value['detail-type'] !== undefined) {
      handleItem(ctx, value.detail, line, length, depth + 1);
      return;
    }
  }
  if (value.digestStartTime !== undefined || value.logFiles !== undefined) {
    const files = Array.isArray(value.logFiles) ? value.logFiles.length : 0;
    ctx.diagnostics.push(
      diagnostic(ctx.object, line, null, 'cloudtrail-digest', `line ${line}: CloudTrail digest file (${files} log file(s) listed), not events; skipped`, 'info', {
        digestStartTime: value.digestStartTime,
        digestEndTime: value.digestEndTime,
        logFiles: files,
      }),
    );
    return;
  }
  ctx.diagnostics.push(diagnostic(ctx.object, line, null, 'not-a-cloudtrail-record', `line ${line}: JSON object is not a CloudTrail record (no eventTime); skipped`, 'warning'));
}

function sizeOf(v: unknown): number {
  return (JSON.stringify(v) ?? '').length;
}

// ---------------------------------------------------------------------------------------------------------
// Parser

async function* parse(input: ByteSource, options: LogParseOptions): AsyncGenerator<LogParseBatch, void, undefined> {
  const ctx: Ctx = { object: options.object, events: [], diagnostics: [], context: options.context };
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const maxItem = options.maxJsonItemLength ?? DEFAULT_MAX_JSON_ITEM_LENGTH;
  for await (const b of readAwsItemsFast(input, ctx.object, maxItem, batchSize)) {
    const diags = b.diagnostics;
    let di = 0;
    for (const it of b.items) {
      while (di < diags.length && (diags[di].line ?? 0) < it.line) ctx.diagnostics.push(diags[di++]);
      handleItem(ctx, it.value, it.line, it.length, 0);
      if (ctx.events.length >= batchSize) {
        yield { events: ctx.events, diagnostics: ctx.diagnostics };
        ctx.events = [];
        ctx.diagnostics = [];
      }
    }
    while (di < diags.length) ctx.diagnostics.push(diags[di++]);
  }
  if (ctx.events.length > 0 || ctx.diagnostics.length > 0) yield { events: ctx.events, diagnostics: ctx.diagnostics };
}

export const cloudTrailFormat: LogFormat = {
  id: 'aws-cloudtrail',
  description: 'AWS CloudTrail log files ({"Records":[…]}), NDJSON of records, EventBridge CloudTrail events; digest files recognized',
  provider: 'aws',
  detect,
  parse,
};
