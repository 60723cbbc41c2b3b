/**
 * Code shared by the Azure log formats (azure-monitor.ts: resource logs and Log Analytics results;
 * azure-activity.ts: the Activity Log):
 *   - the JSON driver: items out of `{"records":[…]}` blobs, NDJSON and arrays (readJsonItems), batching;
 *   - resource ids: lower-cased canonical id, subscription, provider namespace (service), resource type;
 *   - outcome words and codes, IP addresses with masks or ports, caller identities from token claims;
 *   - the content signatures detection uses.
 *
 * Conventions both formats follow (documented once here):
 *   - `resource_id` is the resource id lower-cased (ARM ids are case-insensitive; exports upper-case them);
 *     `account_id` the subscription GUID from it (lower-cased);
 *   - `resource_type` is `<namespace>/<type>[/<child type>…]` of the id's last `providers` segment, lower-cased
 *     (`microsoft.network/applicationgateways`, `microsoft.sql/servers/databases`); ids without a provider:
 *     `microsoft.resources/subscriptions` or `…/resourcegroups`;
 *   - `service` is the provider namespace in Microsoft's own spelling (`Microsoft.Network`, `Microsoft.EventHub`)
 *     for well-known namespaces whatever case the id uses; others as written in the id, or, when the id is all
 *     upper or all lower case, with each dot-separated word capitalized (`MICROSOFT.FOOBAR` → `Microsoft.Foobar`);
 *   - outcome: `Succeeded`/`Success`/`OK`/`Completed` and 2xx codes → success; `Failed`/`Failure`/`Error`,
 *     4xx/5xx codes and service error codes (numbers of 4+ digits such as IoT Hub's `404104`) → failure;
 *     `Start`/`Started`/`Accepted`/`Active`/`InProgress` and anything else → unknown.
 */
import { diagnostic, type Diagnostic, type EventOutcome, type EventRecord } from '../../model/index.js';
import { normalizeIp } from '../ip.js';
import { readJsonItems } from '../json-items.js';
import { DEFAULT_BATCH_SIZE, type ByteSource } from '../types.js';
import type { LogParseBatch, LogParseOptions } from './types.js';

export type Json = Record<string, unknown>;

/** Where a record handler puts what it finds. */
export interface Sink {
  readonly object: string;
  readonly options: LogParseOptions;
  /** The object's name is an Activity Log export path (`insights-activity-logs/…`). */
  readonly activityPath: boolean;
  events: EventRecord[];
  diagnostics: Diagnostic[];
}

/** Handles one JSON item (a record of a blob, an NDJSON line, an API response…). */
export type ItemHandler = (value: Json, line: number, length: number, sink: Sink) => void;

/** How deep `{"records":[{"records":[…]}]}` nesting is followed. */
const MAX_NESTING = 4;

/**
 * Streams the JSON items of the input (readJsonItems: wrappers, NDJSON, arrays, concatenated values) and hands
 * each object to `handle`. An item without `time`/`resourceId` that holds a `records` array is a nested blob and
 * is descended into (its records carry the line of the item that holds them).
 */
export async function* parseAzureLogJson(input: ByteSource, options: LogParseOptions, handle: ItemHandler): AsyncGenerator<LogParseBatch, void, undefined> {
  const batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH_SIZE);
  const sink: Sink = { object: options.object, options, activityPath: options.object.includes('insights-activity-logs'), events: [], diagnostics: [] };
  const visit = (value: unknown, line: number, length: number, depth: number): void => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      sink.diagnostics.push(diagnostic(sink.object, line, null, 'not-a-record', `line ${line}: a JSON item that is ${describe(value)}, not a log record object; skipped`));
      return;
    }
    const rec = value as Json;
    const nested = rec.records;
    if (Array.isArray(nested) && rec.time === undefined && rec.resourceId === undefined) {
      if (depth >= MAX_NESTING) {
        sink.diagnostics.push(diagnostic(sink.object, line, 'records', 'nested-records', `line ${line}: "records" nested more than ${MAX_NESTING} levels deep; skipped`));
        return;
      }
      // the size of each nested record is not known (one JSON.parse for the item): share the item's size
      const share = nested.length > 0 ? Math.max(1, Math.floor(length / nested.length)) : 0;
      for (const r of nested) visit(r, line, share, depth + 1);
      return;
    }
    try {
      handle(rec, line, length, sink);
    } catch (err) {
      // a bug must not lose the rest of the input: report the record instead
      sink.diagnostics.push(diagnostic(sink.object, line, null, 'internal-error', `line ${line}: record could not be normalized: ${(err as Error).message}`));
    }
  };
  for await (const batch of readJsonItems(input, { object: options.object, maxItemLength: options.maxJsonItemLength })) {
    for (const d of batch.diagnostics) sink.diagnostics.push(d);
    const items = batch.items;
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      visit(it.value, it.line, it.length, 0);
      if (sink.events.length >= batchSize) {
        yield { events: sink.events, diagnostics: sink.diagnostics };
        sink.events = [];
        sink.diagnostics = [];
      }
    }
    if (sink.diagnostics.length > 0 || sink.events.length >= batchSize) {
      yield { events: sink.events, diagnostics: sink.diagnostics };
      sink.events = [];
      sink.diagnostics = [];
    }
  }
  if (sink.events.length > 0 || sink.diagnostics.length > 0) yield { events: sink.events, diagnostics: sink.diagnostics };
}

// ---------------------------------------------------------------------------------------------------------
// Small value helpers

/** The value as JSON text, cut to ~80 characters (for messages). */
export function quote(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${quote(value)}`;
}

export function asObject(value: unknown): Json | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : null;
}

/** A non-empty string, or null. */
export function text(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null;
}

/** A string, or the `value` of a `{value, localizedValue}` object (Activity Log REST shape); null when neither. */
export function textOrValue(v: unknown): string | null {
  if (typeof v === 'string') return v.length > 0 ? v : null;
  if (v !== null && typeof v === 'object') {
    const inner = (v as Json).value;
    return typeof inner === 'string' && inner.length > 0 ? inner : null;
  }
  return null;
}

/** A number given as a JSON number or numeric text (`"6"`), else null. */
export function numeric(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.length > 0 && v.length < 32) {
    const n = Number(v);
    return Number.isFinite(n) && v.trim() === v ? n : null;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------------
// Resource ids

export interface ResourceIdParts {
  /** The id lower-cased. */
  id: string;
  subscription: string | null;
  resourceGroup: string | null;
  /** Provider namespace in canonical spelling (see the header), or null. */
  service: string | null;
  /** `<namespace>/<type>…` lower-cased, or null. */
  type: string | null;
}

/** Microsoft's spelling of common provider namespaces, by lower-cased name. */
const NAMESPACES = new Map<string, string>(
  [
    'Microsoft.AAD', 'Microsoft.AnalysisServices', 'Microsoft.ApiManagement', 'Microsoft.App', 'Microsoft.AppConfiguration',
    'Microsoft.AppPlatform', 'Microsoft.Authorization', 'Microsoft.Automation', 'Microsoft.Batch', 'Microsoft.BotService',
    'Microsoft.Cache', 'Microsoft.Cdn', 'Microsoft.CognitiveServices', 'Microsoft.Compute', 'Microsoft.ContainerInstance',
    'Microsoft.ContainerRegistry', 'Microsoft.ContainerService', 'Microsoft.DataFactory', 'Microsoft.DataLakeStore',
    'Microsoft.Databricks', 'Microsoft.DBforMariaDB', 'Microsoft.DBforMySQL', 'Microsoft.DBforPostgreSQL', 'Microsoft.Devices',
    'Microsoft.DocumentDB', 'Microsoft.EventGrid', 'Microsoft.EventHub', 'Microsoft.HDInsight', 'Microsoft.Insights',
    'Microsoft.KeyVault', 'Microsoft.Kusto', 'Microsoft.Logic', 'Microsoft.MachineLearningServices', 'Microsoft.ManagedIdentity',
    'Microsoft.Network', 'Microsoft.NotificationHubs', 'Microsoft.OperationalInsights', 'Microsoft.PowerBIDedicated',
    'Microsoft.RecoveryServices', 'Microsoft.Relay', 'Microsoft.Resources', 'Microsoft.Search', 'Microsoft.Security',
    'Microsoft.ServiceBus', 'Microsoft.ServiceFabric', 'Microsoft.SignalRService', 'Microsoft.Sql', 'Microsoft.Storage',
    'Microsoft.StreamAnalytics', 'Microsoft.Synapse', 'Microsoft.Web',
  ].map((n) => [n.toLowerCase(), n]),
);

/** The canonical spelling of a provider namespace (see the header). */
export function canonicalNamespace(ns: string): string {
  const known = NAMESPACES.get(ns.toLowerCase());
  if (known !== undefined) return known;
  if (ns !== ns.toUpperCase() && ns !== ns.toLowerCase()) return ns;
  let out = '';
  for (const word of ns.split('.')) out += (out === '' ? '' : '.') + word.charAt(0).toUpperCase() + word.slice(1).toLowerCase();
  return out;
}

const idCache = new Map<string, ResourceIdParts>();

/**
 * The parts of an ARM resource id (`/subscriptions/…/resourceGroups/…/providers/<ns>/<type>/<name>[/<type>/<name>…]`).
 * Text that does not start with `/subscriptions/` or `/providers/` still gets `id` (lower-cased) and nothing else.
 * Results are cached (ids repeat across the records of a blob).
 */
export function parseResourceId(raw: string): ResourceIdParts {
  const hit = idCache.get(raw);
  if (hit !== undefined) return hit;
  const id = raw.toLowerCase();
  const parts: ResourceIdParts = { id, subscription: null, resourceGroup: null, service: null, type: null };
  const segs = raw.split('/');
  // segs[0] is '' for a leading slash
  if (segs[0] === '' && segs.length >= 3) {
    let i = 1;
    if (segs[1].toLowerCase() === 'subscriptions' && segs[2] !== '') {
      parts.subscription = segs[2].toLowerCase();
      parts.type = 'microsoft.resources/subscriptions';
      parts.service = 'Microsoft.Resources';
      i = 3;
      if (segs.length >= 5 && segs[3].toLowerCase() === 'resourcegroups' && segs[4] !== '') {
        parts.resourceGroup = segs[4];
        parts.type = 'microsoft.resources/resourcegroups';
        i = 5;
      }
    }
    // the last `providers` segment names the resource (extension resources nest one id in another)
    let p = -1;
    for (let k = i; k < segs.length - 1; k++) if (segs[k].toLowerCase() === 'providers') p = k;
    if (p !== -1 && segs[p + 1] !== '') {
      const ns = segs[p + 1];
      parts.service = canonicalNamespace(ns);
      let type = ns.toLowerCase();
      for (let k = p + 2; k < segs.length; k += 2) if (segs[k] !== '') type += '/' + segs[k].toLowerCase();
      parts.type = type;
    }
  }
  if (idCache.size >= 4096) idCache.clear();
  idCache.set(raw, parts);
  return parts;
}

/** Fills resource_id, account_id (unless set), service and resource_type of `e` from a resource id. */
export function applyResourceId(e: EventRecord, raw: string): void {
  const p = parseResourceId(raw);
  e.resource_id = p.id;
  if (e.account_id === null) e.account_id = p.subscription;
  if (e.service === null) e.service = p.service;
  if (e.resource_type === null) e.resource_type = p.type;
}

// ---------------------------------------------------------------------------------------------------------
// Outcome

const OUTCOME_WORDS = new Map<string, EventOutcome>([
  ['succeeded', 'success'],
  ['success', 'success'],
  ['successful', 'success'],
  ['ok', 'success'],
  ['completed', 'success'],
  ['failed', 'failure'],
  ['failure', 'failure'],
  ['fail', 'failure'],
  ['error', 'failure'],
  ['faulted', 'failure'],
]);

/**
 * Outcome of a result word or code: words per the header; numbers: 2xx (and 0) success, 4xx/5xx and service
 * codes of 4+ digits failure, others unknown; Activity Log `Failed.Conflict`-style signatures by their first word.
 */
export function outcomeOf(v: unknown): EventOutcome {
  if (typeof v === 'number') return numericOutcome(v, String(v).length);
  if (typeof v !== 'string' || v.length === 0) return 'unknown';
  const c = v.charCodeAt(0);
  if (c >= 48 && c <= 57) {
    const n = numeric(v);
    return n === null ? 'unknown' : numericOutcome(n, v.length);
  }
  const dot = v.indexOf('.');
  const word = (dot === -1 ? v : v.slice(0, dot)).toLowerCase();
  return OUTCOME_WORDS.get(word) ?? 'unknown';
}

function numericOutcome(n: number, digits: number): EventOutcome {
  if (!Number.isInteger(n)) return 'unknown';
  if (n === 0) return 'success';
  if (digits === 3) return n >= 200 && n < 300 ? 'success' : n >= 400 && n < 600 ? 'failure' : 'unknown';
  return digits >= 4 ? 'failure' : 'unknown';
}

/** Whether a result value is a code (numeric text or number) rather than a word like `Failed`. */
export function isCode(v: unknown): boolean {
  if (typeof v === 'number') return true;
  if (typeof v !== 'string' || v.length === 0) return false;
  const c = v.charCodeAt(0);
  return c >= 48 && c <= 57;
}

/** Result words that only say how an operation went (no status of their own). */
const PURE_OUTCOME_WORDS = new Set(['succeeded', 'success', 'successful', 'failed', 'failure', 'start', 'started', 'accepted', 'active', 'inprogress', 'completed']);

/**
 * The status part of a result signature: a code as is (`200`); `Succeeded.OK` → `OK`; `Started.` → null; a single
 * word that is only an outcome (`Succeeded`, `Started`) → null; another word (`OK`, `Forbidden`) as is.
 */
export function statusOfSignature(sig: string): string | null {
  const dot = sig.indexOf('.');
  if (dot === -1) return PURE_OUTCOME_WORDS.has(sig.toLowerCase()) ? null : sig;
  const rest = sig.slice(dot + 1);
  return rest.length > 0 ? rest : null;
}

/** An HTTP-like status given as a number or digits, as text; else null. */
export function statusText(v: unknown): string | null {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : null;
  if (typeof v === 'string' && v.length > 0) return v;
  return null;
}

// ---------------------------------------------------------------------------------------------------------
// Addresses and identities

/** An IP address (IPv4 or IPv6, optionally with a port: `1.2.3.4:443`, `[::1]:443`) normalized; null otherwise. */
export function callerIp(v: unknown): string | null {
  if (typeof v !== 'string' || v.length === 0) return null;
  const ip = normalizeIp(v);
  if (ip !== null) return ip;
  const colon = v.lastIndexOf(':');
  if (colon > 0) {
    if (v.charCodeAt(0) === 91 && v.charCodeAt(colon - 1) === 93) return normalizeIp(v.slice(1, colon - 1));
    if (v.indexOf(':') === colon) return normalizeIp(v.slice(0, colon));
  }
  return null;
}

const UPN = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn';
const NAME = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name';
const OID = 'http://schemas.microsoft.com/identity/claims/objectidentifier';

/**
 * Who a token's claims name: upn, then name/unique_name, then the object id, then the application id.
 */
export function actorFromClaims(claims: Json): string | null {
  return (
    text(claims[UPN]) ??
    text(claims.upn) ??
    text(claims.unique_name) ??
    text(claims[NAME]) ??
    text(claims.name) ??
    text(claims[OID]) ??
    text(claims.oid) ??
    text(claims.appid) ??
    text(claims.azp)
  );
}

/**
 * The actor of an `identity` field: a string as is; an object's `claims` (Activity Log) or `claim` (Key Vault);
 * otherwise its upn/name/objectId/principalId.
 */
export function actorFromIdentity(identity: unknown): string | null {
  if (typeof identity === 'string') return identity.length > 0 ? identity : null;
  const o = asObject(identity);
  if (o === null) return null;
  const claims = asObject(o.claims) ?? asObject(o.claim);
  if (claims !== null) {
    const a = actorFromClaims(claims);
    if (a !== null) return a;
  }
  const auth = asObject(o.authorization);
  const evidence = auth !== null ? asObject(auth.evidence) : null;
  return text(o.upn) ?? text(o.name) ?? text(o.objectId) ?? text(o.principalId) ?? (evidence !== null ? text(evidence.principalId) : null);
}

// ---------------------------------------------------------------------------------------------------------
// Detection signatures

/** Activity Log categories (current names, plus the event types older exports wrote as category). */
export const ACTIVITY_CATEGORIES = new Set([
  'administrative',
  'servicehealth',
  'resourcehealth',
  'alert',
  'autoscale',
  'recommendation',
  'security',
  'policy',
  'action',
  'write',
  'delete',
]);

const ACTIVITY_CATEGORY_RE =
  /"category"\s*:\s*(?:\{\s*"value"\s*:\s*)?"(?:Administrative|ServiceHealth|ResourceHealth|Alert|Autoscale|Recommendation|Security|Policy|Action|Write|Delete)"/;

/** Head text that looks like Azure Activity Log records (export or REST shape). */
export function activitySignature(head: string): boolean {
  if (head.includes('"eventDataId"')) return true;
  if (head.includes('"eventTimestamp"') && head.includes('"operationName"')) return true;
  if (/"identity"\s*:\s*\{\s*"authorization"/.test(head)) return true;
  return ACTIVITY_CATEGORY_RE.test(head) && /"resourceId"\s*:/i.test(head) && head.includes('"operationName"');
}

/** Head text of Azure flow logs (NSG / VNet flow logs share the resource-log envelope): theirs, not ours. */
export function flowLogSignature(head: string): boolean {
  return head.includes('NetworkSecurityGroupFlowEvent') || head.includes('FlowLogFlowEvent') || head.includes('"flowTuples"') || head.includes('"flowRecords"');
}

/** Whether one parsed record is an Activity Log record rather than a resource log. */
export function isActivityRecord(rec: Json): boolean {
  if (rec.eventDataId !== undefined || rec.eventTimestamp !== undefined) return true;
  const identity = asObject(rec.identity);
  if (identity !== null && identity.authorization !== undefined) return true;
  const cat = textOrValue(rec.category);
  return cat !== null && ACTIVITY_CATEGORIES.has(cat.toLowerCase());
}
