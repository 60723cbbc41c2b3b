/**
 * The query parameters of every route, as data: the handlers validate with these lists and openapi.ts
 * describes them from the same lists, so the document cannot drift from what the server accepts.
 *
 * Parameters not in a route's list answer 400 naming them (a typo such as `nsgs=` must not silently widen
 * the query to the whole lake). Filter parameters go through the library's filterFromParams.
 */
import {
  FILTER_FLAGS,
  MAX_TOP_LIMIT,
  NetworkflowError,
  ORDERABLE_COLUMNS,
  filterFromParams,
  type BucketUnit,
  type Filter,
  type FilterFlag,
  type FilterValues,
  type FlowColumn,
} from '../index.js';

/** JSON Schema (OpenAPI 3.1 dialect) of one parameter's value. */
export type ParamSchema = Record<string, unknown>;

export interface ParamSpec {
  name: string;
  description: string;
  schema: ParamSchema;
  /** Takes several values (repeated and/or comma-separated). */
  repeatable?: boolean;
}

const list = (description: string, items: ParamSchema = { type: 'string' }): Omit<ParamSpec, 'name'> => ({
  description: `${description} Repeatable and/or comma-separated; any of the values matches.`,
  schema: { type: 'array', items },
  repeatable: true,
});

const FILTER_SPECS: Record<FilterFlag, Omit<ParamSpec, 'name'>> = {
  subscription: list('Azure subscription, AWS account or GCP project id.'),
  'resource-group': list('Azure resource group, AWS VPC id or GCP VPC network.'),
  nsg: list('Azure NSG, AWS interface id or GCP subnetwork.'),
  rule: list('Azure NSG rule name.'),
  protocol: list('TCP, UDP, ICMP, ICMPv6 or an IANA protocol number 0–255 (case-insensitive).'),
  direction: list('Flow direction.', { type: 'string', enum: ['inbound', 'outbound'] }),
  decision: list('Flow decision (accept and reject are accepted as allow and deny).', { type: 'string', enum: ['allow', 'deny'] }),
  since: {
    description: 'Start of the window, inclusive: epoch ms, an ISO 8601 time (UTC unless zoned), `now`, or a duration before now (90m, 24h, 7d, 2w).',
    schema: { type: 'string' },
  },
  until: { description: 'End of the window, exclusive; the same forms as since.', schema: { type: 'string' } },
  ip: list('IPv4 or IPv6 address or CIDR, matched against the end chosen by ip-side.'),
  'ip-side': { description: 'Which end ip matches (default any).', schema: { type: 'string', enum: ['src', 'dst', 'any'] } },
  port: list('Port 0–65535, matched against the end chosen by port-side.', { type: 'integer', minimum: 0, maximum: 65535 }),
  'port-side': { description: 'Which end port matches (default dst).', schema: { type: 'string', enum: ['dst', 'src', 'any'] } },
  country: list('ISO 3166-1 alpha-2 country of either end (ZZ: private or reserved).', { type: 'string', pattern: '^[A-Za-z]{2}$' }),
};

export const FILTER_PARAMS: readonly ParamSpec[] = FILTER_FLAGS.map((name) => ({ name, ...FILTER_SPECS[name] }));

export const MAX_FLOWS_LIMIT = 1000;
export const FORMATS = ['json', 'csv'] as const;
export const BUCKETS = ['minute', 'hour', 'day'] as const satisfies readonly BucketUnit[];
export const ORDERS = ['asc', 'desc'] as const;

const FORMAT_PARAM: ParamSpec = {
  name: 'format',
  description: 'json (default) or csv (text/csv download, times in ISO 8601 UTC, formula-like cells neutralized).',
  schema: { type: 'string', enum: [...FORMATS], default: 'json' },
};

export const AGGREGATE_PARAMS: readonly ParamSpec[] = [
  ...FILTER_PARAMS,
  { name: 'top', description: 'Rows of a top-N aggregate before its `other` row (library default when absent).', schema: { type: 'integer', minimum: 1, maximum: MAX_TOP_LIMIT } },
  { name: 'bucket', description: 'Bucket of time-series and denied-over-time (automatic when absent).', schema: { type: 'string', enum: [...BUCKETS] } },
  FORMAT_PARAM,
];

export const FLOWS_PARAMS: readonly ParamSpec[] = [
  ...FILTER_PARAMS,
  { name: 'limit', description: 'Rows per page.', schema: { type: 'integer', minimum: 1, maximum: MAX_FLOWS_LIMIT, default: 100 } },
  { name: 'offset', description: 'Rows to skip.', schema: { type: 'integer', minimum: 0, default: 0 } },
  { name: 'orderBy', description: 'Column to sort by (ties broken by a fixed column order).', schema: { type: 'string', enum: [...ORDERABLE_COLUMNS], default: 'timestamp' } },
  { name: 'order', description: 'Sort direction.', schema: { type: 'string', enum: [...ORDERS], default: 'desc' } },
  FORMAT_PARAM,
];

/** What Fastify's query parser hands a route. */
export type RawQuery = Record<string, string | string[] | undefined>;

export const paramName = (p: string) => `query parameter ${p}`;

function badValue(param: string, value: string, hint: string): NetworkflowError {
  return new NetworkflowError('bad-option', `${paramName(param)}: ${JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)} is not valid`, hint);
}

/** Refuses parameters a route does not take, naming every one of them. */
export function rejectUnknown(query: RawQuery, allowed: readonly ParamSpec[]): void {
  const known = new Set(allowed.map((p) => p.name));
  const unknown = Object.keys(query).filter((k) => !known.has(k));
  if (unknown.length > 0) {
    const names = unknown.map((k) => JSON.stringify(k.length > 40 ? `${k.slice(0, 40)}…` : k)).join(', ');
    throw new NetworkflowError('bad-option', `unknown query parameter${unknown.length > 1 ? 's' : ''} ${names}`, known.size === 0 ? 'this route takes no query parameters' : `this route takes ${[...known].join(', ')}`);
  }
}

/** The one value of a single-valued parameter, or undefined when absent. */
function single(query: RawQuery, param: string): string | undefined {
  const raw = query[param];
  if (raw === undefined) return undefined;
  if (Array.isArray(raw)) {
    if (raw.length !== 1) throw new NetworkflowError('bad-option', `${paramName(param)} takes one value (got ${raw.length})`, `give ${param} once`);
    return raw[0];
  }
  return raw;
}

function integer(query: RawQuery, param: string, min: number, max: number): number | undefined {
  const text = single(query, param);
  if (text === undefined) return undefined;
  const n = /^\d{1,16}$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw badValue(param, text, `a whole number from ${min} to ${max}`);
  return n;
}

function choice<T extends string>(query: RawQuery, param: string, choices: readonly T[]): T | undefined {
  const text = single(query, param);
  if (text === undefined) return undefined;
  const match = choices.find((c) => c === text);
  if (match === undefined) throw badValue(param, text, `use one of ${choices.join(', ')}`);
  return match;
}

/** Epoch-ms digits (what the dashboard puts in its URLs) become ISO text for filterFromParams. */
function timeBound(raw: string | string[] | undefined): string | string[] | undefined {
  const convert = (v: string) => {
    if (!/^\d{1,16}$/.test(v.trim())) return v;
    const ms = Number(v.trim());
    // Out of Date's range: left as is, so filterFromParams names the parameter and the value.
    return Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : v;
  };
  if (raw === undefined) return undefined;
  return Array.isArray(raw) ? raw.map(convert) : convert(raw);
}

/**
 * "Now" for relative bounds (since=24h): the current minute, so a dashboard repeating a relative window
 * within one minute asks the same question and hits the caches instead of re-running anomaly detection.
 */
export function currentMinute(at: number = Date.now()): number {
  return Math.floor(at / 60_000) * 60_000;
}

/** The Filter of a query (its filter parameters only), validated by the library. */
export function parseFilter(query: RawQuery, now: number = currentMinute()): Filter {
  const values: FilterValues = {};
  for (const flag of FILTER_FLAGS) {
    const raw = flag === 'since' || flag === 'until' ? timeBound(query[flag]) : query[flag];
    if (raw !== undefined) values[flag] = raw;
  }
  return filterFromParams(values, { now, name: paramName });
}

export type Format = (typeof FORMATS)[number];

export interface AggregateQuery {
  filter: Filter;
  top?: number;
  bucket?: BucketUnit;
  format: Format;
}

export function parseAggregateQuery(query: RawQuery, now?: number): AggregateQuery {
  rejectUnknown(query, AGGREGATE_PARAMS);
  const out: AggregateQuery = { filter: parseFilter(query, now), format: choice(query, 'format', FORMATS) ?? 'json' };
  const top = integer(query, 'top', 1, MAX_TOP_LIMIT);
  if (top !== undefined) out.top = top;
  const bucket = choice(query, 'bucket', BUCKETS);
  if (bucket !== undefined) out.bucket = bucket;
  return out;
}

export interface FlowsQuery {
  filter: Filter;
  limit: number;
  offset: number;
  orderBy: FlowColumn;
  descending: boolean;
  format: Format;
}

export function parseFlowsQuery(query: RawQuery, now?: number): FlowsQuery {
  rejectUnknown(query, FLOWS_PARAMS);
  return {
    filter: parseFilter(query, now),
    limit: integer(query, 'limit', 1, MAX_FLOWS_LIMIT) ?? 100,
    offset: integer(query, 'offset', 0, Number.MAX_SAFE_INTEGER) ?? 0,
    orderBy: choice(query, 'orderBy', ORDERABLE_COLUMNS) ?? 'timestamp',
    descending: (choice(query, 'order', ORDERS) ?? 'desc') === 'desc',
    format: choice(query, 'format', FORMATS) ?? 'json',
  };
}

/** A parameter-free route refuses every parameter. */
export function parseNoQuery(query: RawQuery): void {
  rejectUnknown(query, []);
}

/** A stable text for a filter (key order fixed), for cache keys. */
export function filterKey(filter: Filter): string {
  return JSON.stringify(Object.keys(filter).sort().map((k) => [k, filter[k as keyof Filter]]));
}
