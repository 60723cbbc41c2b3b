/**
 * Azure Monitor logs: resource logs as diagnostic settings export them, and Log Analytics query results.
 *
 * Inputs (streamed; see azure-log-common.ts for the JSON driver, resource ids and outcome rules):
 *   - resource-log blobs `{"records":[…]}` under `insights-logs-<category>/resourceId=/SUBSCRIPTIONS/…/PT1H.json`
 *     (storage account export), the same records one per line (Event Hubs captures, Elastic fixtures) or as an
 *     array. A record: {time, resourceId, category, operationName, level, resultType, resultSignature,
 *     resultDescription, durationMs, callerIpAddress, correlationId, identity, location, properties, …}.
 *   - Log Analytics query results: the REST response `{"tables":[{"name","columns":[{"name","type"}],"rows":[[…]]}]}`
 *     (also inside a `{"responses":{"200":{"body":…}}}` REST example), one event per row; and the
 *     `az monitor log-analytics query` output (an array of row objects keyed by column name, values as text).
 *   - Activity Log records met in these inputs (by their fields, or every record of an `insights-activity-logs/…`
 *     object) are handed to the Activity Log normalizer (azure-activity.ts).
 *
 * Resource-log mapping:
 *   timestamp        time (ISO 8601; sub-ms digits truncated)
 *   account_id, service, resource_id, resource_type   from resourceId (lower-cased id; see azure-log-common.ts)
 *   region           location as written, else the context's region
 *   event_name       operationName;  log_name: category;  category: `platform`
 *   severity_*       level (word or Azure number 1–5) → severity_text as written, severity_number
 *   outcome          resultType, else resultSignature, else the status code (rules in azure-log-common.ts)
 *   status_code      resultSignature (`200`, `OK`, `Failed.Forbidden` → Forbidden), else properties.statusCode /
 *                    httpStatus / httpStatusCode
 *   error_code       resultType when the outcome is a failure and resultType is a code (`404104`), else
 *                    properties.errorCode
 *   message          resultDescription, else properties.errorMessage / message (non-empty)
 *   actor            identity (a string, or its claims' upn / name / object id / app id)
 *   source_ip        callerIpAddress, else properties.clientIP / clientIp / clientIpAddress; text that is not an
 *                    address (masked `87.174.239.XXX`) stays where it was, in attributes
 *   request_id       correlationId;  event_id: null (resource logs carry no id)
 *   attributes       every other field by its original name (properties as is, durationMs as a number, resultType,
 *                    resultSignature, …); the fields that fill a column one to one are not repeated
 *   size_bytes       characters of the record's JSON text
 *
 * Log Analytics row mapping (values first coerced by column type: long/int/real/decimal → number, bool → boolean,
 * datetime → epoch ms, dynamic → parsed JSON when given as text; the SDK's Date and parsed dynamic values give
 * the same results, so files and API pulls make identical events):
 *   timestamp        TimeGenerated (else timestamp / Timestamp)
 *   resource_id…     _ResourceId | ResourceId | ResourceUri (Usage; kept in attributes too) (+ SubscriptionId / _SubscriptionId → account_id, ResourceProvider →
 *                    service, ResourceType → resource_type where the id does not say)
 *   event_name       OperationName | OperationNameValue;  log_name: Category | Type | the table's name (not
 *                    `PrimaryResult`) | the context's table;  category: `activity` for AzureActivity, `application`
 *                    for App* tables, else `platform`
 *   severity_*       Level (Azure words / 1–5) | SeverityLevel (Application Insights 0 Verbose … 4 Critical)
 *   outcome          ResultType | ActivityStatusValue | Success (bool) | ResultCode / ResultSignature
 *   status_code      ResultSignature (as for resource logs) | ResultCode;  error_code: ResultType when it is a code
 *   message          ResultDescription | Message;  actor: Caller | Identity;  source_ip: CallerIpAddress | ClientIP
 *   request_id       CorrelationId;  trace_id: OperationId;  event_id: _ItemId (present only when the query keeps
 *                    it: hidden standard columns are not in `*`; add `| extend _ItemId = _ItemId` or project it)
 *   region           Location | Region
 *   attributes       every other column by name (coerced); Type and ResultType are kept there too
 *   size_bytes       the row's JSON text as the service would send the coerced values (an estimate: the response
 *                    is one document, so rows have no size of their own)
 */
import { diagnostic, newEventRecord, type Diagnostic, type EventRecord } from '../../model/index.js';
import { parseGcpTime as parseTime } from '../flow/gcp-vpc.js';
import { normalizeActivityRecord } from './azure-activity.js';
import {
  actorFromIdentity,
  activitySignature,
  applyResourceId,
  asObject,
  callerIp,
  canonicalNamespace,
  describe,
  flowLogSignature,
  isActivityRecord,
  isCode,
  numeric,
  outcomeOf,
  parseAzureLogJson,
  statusOfSignature,
  statusText,
  text,
  type Json,
  type Sink,
} from './azure-log-common.js';
import { severityNumber } from './severity.js';
import type { LogContext, LogFormat, LogParseBatch } from './types.js';

export const AZURE_MONITOR_FORMAT_ID = 'azure-monitor';

type DiagnosticList = { push(d: Diagnostic): unknown };

// ---------------------------------------------------------------------------------------------------------
// Resource logs

const RESOURCE_MAPPED = new Set(['time', 'resourceId', 'category', 'operationName', 'level', 'correlationId', 'location']);

/**
 * One resource-log record (a diagnostic-settings export record) as an event. `size` is the characters of its JSON
 * text. Problems are reported as warnings; the event is always made.
 */
export function normalizeResourceLogRecord(rec: Json, object: string, line: number, size: number, diagnostics: DiagnosticList, context?: LogContext): EventRecord {
  const e = newEventRecord('azure', AZURE_MONITOR_FORMAT_ID, object, line);
  e.category = 'platform';
  e.size_bytes = size;
  const rawTime = rec.time;
  e.timestamp = typeof rawTime === 'string' ? parseTime(rawTime) : null;
  if (e.timestamp === null) {
    diagnostics.push(
      rawTime === undefined
        ? diagnostic(object, line, 'time', 'missing-field', `line ${line}: a resource-log record without time; timestamp left empty`, 'warning')
        : diagnostic(object, line, 'time', 'bad-timestamp', `line ${line}: unreadable time ${describe(rawTime)}; timestamp left empty`, 'warning'),
    );
  }
  const rid = text(rec.resourceId);
  if (rid !== null) applyResourceId(e, rid);
  else if (context?.accountId !== undefined) e.account_id = context.accountId;
  e.region = text(rec.location) ?? context?.region ?? null;
  e.event_name = text(rec.operationName);
  e.log_name = text(rec.category) ?? context?.table ?? null;
  const level = rec.level;
  if ((typeof level === 'string' && level.length > 0) || typeof level === 'number') {
    e.severity_text = String(level);
    e.severity_number = severityNumber(level, 'azure');
  }
  e.request_id = text(rec.correlationId);
  if (rec.identity !== undefined) e.actor = actorFromIdentity(rec.identity);

  const props = asObject(rec.properties);
  const ipText = rec.callerIpAddress;
  e.source_ip = callerIp(ipText);
  if (e.source_ip === null && props !== null) e.source_ip = callerIp(props.clientIP ?? props.clientIp ?? props.clientIpAddress);

  // result
  const resultType = rec.resultType;
  const sig = statusText(rec.resultSignature);
  e.status_code = sig !== null ? statusOfSignature(sig) : null;
  if (e.status_code === null && props !== null) e.status_code = statusText(props.statusCode ?? props.httpStatus ?? props.httpStatusCode);
  let outcome = outcomeOf(resultType);
  if (outcome === 'unknown' && sig !== null) outcome = outcomeOf(sig);
  if (outcome === 'unknown' && e.status_code !== null) outcome = outcomeOf(e.status_code);
  e.outcome = outcome;
  if (outcome === 'failure') {
    e.error_code = isCode(resultType) ? String(resultType) : props !== null ? statusText(props.errorCode) : null;
  }
  const description = text(rec.resultDescription);
  e.message = description ?? (props !== null ? (text(props.errorMessage) ?? text(props.message)) : null);

  const attributes: Json = {};
  let extra = 0;
  for (const k in rec) {
    if (RESOURCE_MAPPED.has(k)) continue;
    const v = rec[k];
    if (k === 'resourceId' || (k === 'callerIpAddress' && e.source_ip !== null && v === ipText)) continue;
    if (k === 'resultDescription' && description !== null) continue;
    attributes[k] = k === 'durationMs' ? (numeric(v) ?? v) : v;
    extra++;
  }
  e.attributes = extra > 0 ? attributes : null;
  return e;
}

// ---------------------------------------------------------------------------------------------------------
// Log Analytics results

/** A column as the REST response (`columns`) and the SDK (`columnDescriptors`) give it. */
export interface LogAnalyticsColumn {
  name: string;
  type?: string;
}

/** One result table: the REST shape (`columns`) or the SDK's LogsTable (`columnDescriptors`). */
export interface LogAnalyticsTable {
  name?: string;
  columns?: LogAnalyticsColumn[];
  columnDescriptors?: LogAnalyticsColumn[];
  rows: unknown[][];
}

export interface NormalizeTableOptions {
  /** `source_object` of the events. */
  object: string;
  /** `source_line` of every event (a file: the line where the response starts); default: the row's 1-based index. */
  line?: number;
  /** Added to the row index when `line` is not given (rows of earlier tables or pages). */
  firstRow?: number;
  context?: LogContext;
}

const enum Role {
  Attribute,
  Time,
  ResourceId,
  Subscription,
  Operation,
  OperationValue,
  Level,
  SeverityLevel,
  Category,
  ResultType,
  ResultSignature,
  ResultDescription,
  ResultCode,
  Success,
  ActivityStatus,
  CallerIp,
  ClientIp,
  Correlation,
  ItemId,
  Type,
  Location,
  Caller,
  Identity,
  Message,
  OperationId,
  ResourceProvider,
  ResourceType,
  ResourceUri,
}

const ROLES = new Map<string, Role>([
  ['TimeGenerated', Role.Time],
  ['_ResourceId', Role.ResourceId],
  ['ResourceId', Role.ResourceId],
  ['_SubscriptionId', Role.Subscription],
  ['SubscriptionId', Role.Subscription],
  ['OperationName', Role.Operation],
  ['OperationNameValue', Role.OperationValue],
  ['Level', Role.Level],
  ['SeverityLevel', Role.SeverityLevel],
  ['Category', Role.Category],
  ['ResultType', Role.ResultType],
  ['ResultSignature', Role.ResultSignature],
  ['ResultDescription', Role.ResultDescription],
  ['ResultCode', Role.ResultCode],
  ['Success', Role.Success],
  ['ActivityStatusValue', Role.ActivityStatus],
  ['CallerIpAddress', Role.CallerIp],
  ['CallerIPAddress', Role.CallerIp],
  ['ClientIP', Role.ClientIp],
  ['CorrelationId', Role.Correlation],
  ['_ItemId', Role.ItemId],
  ['Type', Role.Type],
  ['Location', Role.Location],
  ['Region', Role.Location],
  ['Caller', Role.Caller],
  ['Identity', Role.Identity],
  ['Message', Role.Message],
  ['OperationId', Role.OperationId],
  ['ResourceProvider', Role.ResourceProvider],
  ['ResourceType', Role.ResourceType],
  ['ResourceUri', Role.ResourceUri],
]);

/** Application Insights SeverityLevel: 0 Verbose, 1 Information, 2 Warning, 3 Error, 4 Critical. */
const AI_SEVERITY = ['Verbose', 'Information', 'Warning', 'Error', 'Critical'];

const enum Kind {
  Other,
  Number,
  Bool,
  Datetime,
  Dynamic,
}

function kindOf(type: string | undefined): Kind {
  switch (type) {
    case 'long':
    case 'int':
    case 'real':
    case 'decimal':
      return Kind.Number;
    case 'bool':
    case 'boolean':
      return Kind.Bool;
    case 'datetime':
      return Kind.Datetime;
    case 'dynamic':
      return Kind.Dynamic;
    default:
      return Kind.Other;
  }
}

/** Sentinel for a cell that cannot be read as its column's type (kept as given, with a warning). */
const BAD = Symbol('bad-cell');

function coerce(v: unknown, kind: Kind): unknown {
  if (v === null || v === undefined) return null;
  switch (kind) {
    case Kind.Number:
      if (typeof v === 'number') return v;
      if (typeof v === 'string') {
        if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') return v; // Kusto real specials: keep the text
        const n = numeric(v);
        if (n === null) return BAD;
        return Number.isInteger(n) && !Number.isSafeInteger(n) ? v : n; // a long beyond 2^53 stays exact as text
      }
      return BAD;
    case Kind.Bool:
      if (typeof v === 'boolean') return v;
      if (v === 'true' || v === 'True' || v === 1 || v === '1') return true;
      if (v === 'false' || v === 'False' || v === 0 || v === '0') return false;
      return BAD;
    case Kind.Datetime:
      if (v instanceof Date) {
        const t = v.getTime();
        return Number.isNaN(t) ? BAD : t;
      }
      if (typeof v === 'string') return v.length === 0 ? null : (parseTime(v) ?? BAD);
      return BAD;
    case Kind.Dynamic:
      if (typeof v === 'string') {
        const c = v.charCodeAt(0);
        if (c === 123 || c === 91 || c === 34) {
          try {
            return JSON.parse(v);
          } catch {
            return v;
          }
        }
      }
      return v;
    default:
      return v;
  }
}

/** The characters a coerced value takes in the response's JSON text (with its comma), for size_bytes. */
function cellSize(v: unknown, kind: Kind): number {
  if (v === null) return 5;
  switch (typeof v) {
    case 'string':
      return v.length + 3;
    case 'number':
      return kind === Kind.Datetime ? 31 : String(v).length + 1;
    case 'boolean':
      return v ? 5 : 6;
    default: {
      try {
        return (JSON.stringify(v)?.length ?? 4) + 3;
      } catch {
        return 5;
      }
    }
  }
}

interface TablePlan {
  names: string[];
  kinds: Kind[];
  roles: Role[];
  tableName: string | null;
}

function planOf(columns: LogAnalyticsColumn[], tableName: string | undefined): TablePlan {
  const names: string[] = [];
  const kinds: Kind[] = [];
  const roles: Role[] = [];
  let hasTime = false;
  for (const c of columns) {
    const name = typeof c?.name === 'string' ? c.name : `column${names.length}`;
    names.push(name);
    kinds.push(kindOf(c?.type));
    const role = ROLES.get(name) ?? Role.Attribute;
    if (role === Role.Time) hasTime = true;
    roles.push(role);
  }
  if (!hasTime) {
    // classic Application Insights tables: `timestamp`
    const i = names.findIndex((n) => n === 'timestamp' || n === 'Timestamp');
    if (i !== -1) roles[i] = Role.Time;
  }
  return { names, kinds, roles, tableName: typeof tableName === 'string' && tableName !== '' && tableName !== 'PrimaryResult' ? tableName : null };
}

/**
 * One event from the cells of a row (values already coerced). `get(i)` reads cell i. Shared by table rows and
 * the row objects of `az monitor log-analytics query`.
 */
function rowEvent(plan: TablePlan, cells: unknown[], object: string, line: number, size: number, context: LogContext | undefined, diagnostics: DiagnosticList): EventRecord {
  const e = newEventRecord('azure', AZURE_MONITOR_FORMAT_ID, object, line);
  e.size_bytes = size;
  const attributes: Json = {};
  let extra = 0;
  let category: string | null = null, type: string | null = null, operationValue: string | null = null;
  let resultType: unknown = null, signature: string | null = null, description: string | null = null, resultCode: unknown = null;
  let success: unknown = null, activityStatus: string | null = null, message: string | null = null, clientIp: unknown = null;
  let resourceId: string | null = null, provider: string | null = null, resourceType: string | null = null;
  let subscription: string | null = null, resourceUri: string | null = null;
  const { names, roles } = plan;
  for (let i = 0; i < names.length; i++) {
    const v = cells[i];
    switch (roles[i]) {
      case Role.Time:
        if (typeof v === 'number') {
          e.timestamp = v;
          continue;
        }
        break;
      case Role.ResourceId:
        if (resourceId === null && typeof v === 'string' && v !== '') {
          resourceId = v;
          continue;
        }
        break;
      case Role.Subscription:
        if (typeof v === 'string' && v !== '') subscription = v.toLowerCase();
        break;
      case Role.Operation:
        if (typeof v === 'string' && v !== '') {
          e.event_name = v;
          continue;
        }
        break;
      case Role.OperationValue:
        operationValue = text(v);
        break;
      case Role.Level:
        if ((typeof v === 'string' && v !== '') || typeof v === 'number') {
          e.severity_text = String(v);
          e.severity_number = severityNumber(v, 'azure');
          continue;
        }
        break;
      case Role.SeverityLevel:
        if (typeof v === 'number') {
          e.severity_text = String(v);
          e.severity_number = severityNumber(AI_SEVERITY[v] ?? null);
          continue;
        }
        break;
      case Role.Category:
        category = text(v);
        break;
      case Role.ResultType:
        resultType = v;
        break;
      case Role.ResultSignature:
        signature = text(v);
        break;
      case Role.ResultDescription:
        description = text(v);
        if (description !== null) continue;
        break;
      case Role.ResultCode:
        resultCode = v;
        break;
      case Role.Success:
        success = v;
        break;
      case Role.ActivityStatus:
        activityStatus = text(v);
        break;
      case Role.CallerIp: {
        const ip = callerIp(v);
        if (ip !== null) {
          e.source_ip = ip;
          continue;
        }
        break;
      }
      case Role.ClientIp:
        clientIp = v;
        break;
      case Role.Correlation:
        if (typeof v === 'string' && v !== '') {
          e.request_id = v;
          continue;
        }
        break;
      case Role.ItemId:
        if (typeof v === 'string' && v !== '') {
          e.event_id = v;
          continue;
        }
        break;
      case Role.Type:
        type = text(v);
        break;
      case Role.Location:
        if (typeof v === 'string' && v !== '') {
          e.region = v;
          continue;
        }
        break;
      case Role.Caller:
        if (typeof v === 'string' && v !== '') {
          e.actor = v;
          continue;
        }
        break;
      case Role.Identity:
        e.actor ??= actorFromIdentity(v);
        break;
      case Role.Message:
        message = text(v);
        if (message !== null) continue;
        break;
      case Role.OperationId:
        if (typeof v === 'string' && v !== '') {
          e.trace_id = v;
          continue;
        }
        break;
      case Role.ResourceProvider:
        provider = text(v);
        break;
      case Role.ResourceType:
        resourceType = text(v);
        break;
      case Role.ResourceUri:
        resourceUri = text(v);
        break;
    }
    if (v !== null && v !== undefined) {
      attributes[names[i]] = v;
      extra++;
    }
  }
  if (e.timestamp === null) {
    diagnostics.push(diagnostic(object, line, 'TimeGenerated', 'missing-field', `line ${line}: a Log Analytics row without TimeGenerated; timestamp left empty`, 'warning'));
  }
  e.account_id = subscription ?? context?.accountId ?? null;
  if (provider !== null) e.service = canonicalNamespace(provider);
  if (resourceType !== null) e.resource_type = resourceType.toLowerCase();
  if (resourceId !== null) applyResourceId(e, resourceId);
  else if (resourceUri !== null && resourceUri.charCodeAt(0) === 47) applyResourceId(e, resourceUri);
  e.event_name ??= operationValue;
  const table = type ?? plan.tableName ?? context?.table ?? null;
  e.log_name = category ?? table;
  e.category = table === 'AzureActivity' ? 'activity' : table !== null && table.startsWith('App') ? 'application' : 'platform';
  if (e.source_ip === null && clientIp !== null) e.source_ip = callerIp(clientIp);
  if (e.region === null && context?.region !== undefined) e.region = context.region;

  // result
  e.status_code = signature !== null ? statusOfSignature(signature) : null;
  e.status_code ??= statusText(resultCode);
  let outcome = outcomeOf(resultType);
  if (outcome === 'unknown' && activityStatus !== null) outcome = outcomeOf(activityStatus);
  if (outcome === 'unknown' && typeof success === 'boolean') outcome = success ? 'success' : 'failure';
  if (outcome === 'unknown' && signature !== null) outcome = outcomeOf(signature);
  if (outcome === 'unknown' && e.status_code !== null) outcome = outcomeOf(e.status_code);
  e.outcome = outcome;
  if (outcome === 'failure' && isCode(resultType)) e.error_code = String(resultType);
  e.message = description ?? message;
  e.attributes = extra > 0 ? attributes : null;
  return e;
}

/**
 * The events of one Log Analytics result table (REST `columns` or SDK `columnDescriptors`; rows of text, numbers,
 * Dates or parsed JSON). Cells that do not fit their column's type are kept as given, with a warning; rows that
 * are not arrays are skipped with an error; rows shorter or longer than the columns with a warning.
 */
export function normalizeLogAnalyticsTable(table: LogAnalyticsTable, options: NormalizeTableOptions): LogParseBatch {
  const events: EventRecord[] = [];
  const diagnostics: Diagnostic[] = [];
  const object = options.object;
  const columns = table.columnDescriptors ?? table.columns;
  if (!Array.isArray(columns) || !Array.isArray(table.rows)) {
    diagnostics.push(diagnostic(object, options.line ?? null, 'tables', 'bad-table', `a Log Analytics table without columns or rows (${describe(columns)} / ${describe(table.rows)}); skipped`));
    return { events, diagnostics };
  }
  const plan = planOf(columns, table.name);
  const width = plan.names.length;
  const rows = table.rows;
  const cells: unknown[] = new Array<unknown>(width);
  const firstRow = options.firstRow ?? 0;
  for (let r = 0; r < rows.length; r++) {
    const line = options.line ?? firstRow + r + 1;
    const row = rows[r];
    if (!Array.isArray(row)) {
      diagnostics.push(diagnostic(object, line, `rows[${r}]`, 'not-a-record', `line ${line}: rows[${r}] is ${describe(row)}, not an array of cells; skipped`));
      continue;
    }
    if (row.length !== width) {
      diagnostics.push(
        diagnostic(object, line, `rows[${r}]`, 'wrong-field-count', `line ${line}: rows[${r}] has ${row.length} cells for ${width} columns; missing cells are empty, extra cells dropped`, 'warning'),
      );
    }
    let size = 2;
    for (let i = 0; i < width; i++) {
      const kind = plan.kinds[i];
      let v = coerce(row[i], kind);
      if (v === BAD) {
        diagnostics.push(
          diagnostic(object, line, `rows[${r}].${plan.names[i]}`, 'bad-value', `line ${line}: ${plan.names[i]} ${describe(row[i])} is not a ${columns[i].type}; kept as given`, 'warning'),
        );
        v = row[i];
      }
      cells[i] = v;
      size += cellSize(v, kind);
    }
    events.push(rowEvent(plan, cells, object, line, size, options.context, diagnostics));
  }
  return { events, diagnostics };
}

/** A row object of `az monitor log-analytics query` (column name → value, all text). */
function rowObjectEvent(rec: Json, object: string, line: number, size: number, context: LogContext | undefined, diagnostics: DiagnosticList): EventRecord {
  const names = Object.keys(rec);
  const plan = planOf(
    names.map((name) => ({ name })),
    undefined,
  );
  const cells = names.map((n, i) => {
    const v = rec[n];
    return plan.roles[i] === Role.Time && typeof v === 'string' ? (parseTime(v) ?? v) : v;
  });
  return rowEvent(plan, cells, object, line, size, context, diagnostics);
}

// ---------------------------------------------------------------------------------------------------------
// Parser

function handleTables(tables: unknown, line: number, sink: Sink): void {
  if (!Array.isArray(tables)) {
    sink.diagnostics.push(diagnostic(sink.object, line, 'tables', 'bad-table', `line ${line}: "tables" is ${describe(tables)}, not an array; skipped`));
    return;
  }
  for (let t = 0; t < tables.length; t++) {
    const table = asObject(tables[t]);
    if (table === null) {
      sink.diagnostics.push(diagnostic(sink.object, line, `tables[${t}]`, 'bad-table', `line ${line}: tables[${t}] is ${describe(tables[t])}; skipped`));
      continue;
    }
    const batch = normalizeLogAnalyticsTable(table as unknown as LogAnalyticsTable, { object: sink.object, line, context: sink.options.context });
    for (const e of batch.events) sink.events.push(e);
    for (const d of batch.diagnostics) sink.diagnostics.push(d);
  }
}

function handle(rec: Json, line: number, length: number, sink: Sink): void {
  if (rec.tables !== undefined) {
    handleTables(rec.tables, line, sink);
    // a partial result: the service stopped early (row or size limit, timeout)
    const error = asObject(rec.error);
    if (error !== null) {
      sink.diagnostics.push(
        diagnostic(sink.object, line, 'error', 'partial-result', `line ${line}: the query result is partial: ${text(error.code) ?? 'error'}: ${text(error.message) ?? ''}`.trimEnd(), 'warning'),
      );
    }
    return;
  }
  const responses = asObject(rec.responses);
  if (responses !== null) {
    // a REST API example: {parameters, responses: {"200": {body: {tables}}}}
    const ok = asObject(responses['200']);
    const body = ok !== null ? asObject(ok.body) : null;
    if (body !== null && body.tables !== undefined) {
      handle(body, line, length, sink);
      return;
    }
  }
  if (sink.activityPath || isActivityRecord(rec)) {
    sink.events.push(normalizeActivityRecord(rec, sink.object, line, length, sink.diagnostics));
    return;
  }
  if (rec.TimeGenerated !== undefined && rec.time === undefined && rec.resourceId === undefined) {
    sink.events.push(rowObjectEvent(rec, sink.object, line, length, sink.options.context, sink.diagnostics));
    return;
  }
  if (rec.time === undefined && rec.resourceId === undefined && rec.operationName === undefined && rec.category === undefined) {
    sink.diagnostics.push(
      diagnostic(sink.object, line, null, 'not-a-log-record', `line ${line}: a JSON object without time, resourceId, operationName or category: not an Azure resource-log record; skipped`),
    );
    return;
  }
  sink.events.push(normalizeResourceLogRecord(rec, sink.object, line, length, sink.diagnostics, sink.options.context));
}

function detect(head: string): number {
  if (head.includes('"tables"') && head.includes('"columns"') && (head.includes('"rows"') || head.includes('"name"'))) return 0.9;
  if (flowLogSignature(head)) return 0;
  if (activitySignature(head)) return 0; // azure-activity's
  const hasId = /"resourceId"\s*:/i.test(head);
  const hasTime = head.includes('"time"');
  const hasOp = head.includes('"operationName"');
  const hasCategory = head.includes('"category"');
  if (hasId && hasTime && (hasOp || hasCategory)) return 0.85;
  if (hasTime && hasOp && hasCategory) return 0.6;
  // `az monitor log-analytics query` output: row objects
  if (head.includes('"TimeGenerated"') && (head.includes('"TenantId"') || head.includes('"Type"') || head.includes('"_ResourceId"'))) return 0.6;
  return 0;
}

export const azureMonitorFormat: LogFormat = {
  id: 'azure-monitor',
  description: 'Azure Monitor resource logs (diagnostic-settings exports: insights-logs-* blobs, Event Hubs) and Log Analytics query results (tables/columns/rows)',
  provider: 'azure',
  detect,
  parse: (input, options) => parseAzureLogJson(input, options, handle),
};
