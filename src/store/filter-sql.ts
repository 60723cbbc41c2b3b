/**
 * `Filter` → a parameterized SQL predicate over the lake's `flows` columns.
 *
 * The SQL text holds only column names and `$n` placeholders chosen here; every value the user gave is
 * validated and then bound as a parameter. Validation failures are NetworkflowError('bad-option') naming
 * the field and the value.
 */
import { NetworkflowError } from '../model/errors.js';
import type { Filter } from '../model/filter.js';
import { parseIPv4 } from '../model/ipv4.js';
import { liveFiles, type Manifest, type ManifestFile } from './manifest.js';

export interface FilterSqlOptions {
  /** Placeholders already used by the surrounding statement: the filter's first one is `$(paramOffset + 1)`. */
  paramOffset?: number;
}

export interface FilterSql {
  /** A boolean SQL expression (`TRUE` for an empty filter) with `$n` placeholders. */
  where: string;
  /** The values of the placeholders, in order: `params[0]` is `$(paramOffset + 1)`. */
  params: unknown[];
}

/** Caps that keep one request from building a statement of unbounded size. */
export const FILTER_LIMITS = { values: 10_000, stringLength: 4_096 } as const;

const LIST_FIELDS = {
  subscription: 'subscription_id',
  resourceGroup: 'resource_group',
  nsg: 'nsg_name',
  rule: 'rule_name',
  protocol: 'protocol',
} as const;

const FILTER_FIELDS = new Set<string>([
  ...Object.keys(LIST_FIELDS),
  'direction',
  'decision',
  'since',
  'until',
  'ip',
  'ipSide',
  'port',
  'portSide',
  'country',
]);

const DIRECTIONS = ['Inbound', 'Outbound'] as const;
const DECISIONS = ['Allow', 'Deny'] as const;
const SIDES = ['src', 'dst', 'any'] as const;

const MS_PER_DAY = 86_400_000;

/** Validates a filter and returns its SQL predicate and parameters. */
export function filterToSql(filter: Filter, options: FilterSqlOptions = {}): FilterSql {
  const offset = options.paramOffset ?? 0;
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new NetworkflowError('bad-option', `filterToSql: paramOffset ${String(offset)} is not a non-negative integer`);
  }
  if (filter === null || typeof filter !== 'object' || Array.isArray(filter)) {
    throw badOption('filter', filter, 'pass an object such as { since, until, ip: ["10.0.0.0/8"] }');
  }
  for (const key of Object.keys(filter)) {
    if (!FILTER_FIELDS.has(key)) throw badOption(key, '(unknown field)', `known fields: ${[...FILTER_FIELDS].join(', ')}`);
  }
  const params: unknown[] = [];
  const bind = (value: unknown, cast?: string): string => {
    params.push(value);
    const placeholder = `$${offset + params.length}`;
    return cast ? `CAST(${placeholder} AS ${cast})` : placeholder;
  };
  const clauses: string[] = [];
  const inList = (column: string, values: readonly unknown[], cast?: string): string =>
    `${quoteColumn(column)} IN (${values.map((v) => bind(v, cast)).join(', ')})`;

  for (const [field, column] of Object.entries(LIST_FIELDS)) {
    const values = stringList(filter, field as keyof typeof LIST_FIELDS);
    if (values) clauses.push(inList(column, values));
  }
  const direction = enumList(filter, 'direction', DIRECTIONS);
  if (direction) clauses.push(inList('flow_direction', direction));
  const decision = enumList(filter, 'decision', DECISIONS);
  if (decision) clauses.push(inList('flow_decision', decision));

  const { since, until } = timeWindow(filter);
  if (since !== undefined) {
    clauses.push(`"timestamp" >= epoch_ms(${bind(since, 'BIGINT')})`);
    // The hive `date` column lets DuckDB skip whole partitions before opening a file.
    clauses.push(`"date" >= ${bind(utcDate(since), 'DATE')}`);
  }
  if (until !== undefined) {
    clauses.push(`"timestamp" < epoch_ms(${bind(until, 'BIGINT')})`);
    clauses.push(`"date" <= ${bind(utcDate(until - 1), 'DATE')}`);
  }

  const ips = stringList(filter, 'ip');
  const ipSide = side(filter, 'ipSide', SIDES);
  if (ips) {
    const matchers = ips.map(parseIpFilter);
    const sides = ipSide === 'any' ? (['src', 'dst'] as const) : [ipSide];
    const alternatives: string[] = [];
    for (const end of sides) for (const m of matchers) alternatives.push(ipMatchSql(end, m, bind));
    clauses.push(`(${alternatives.join(' OR ')})`);
  }

  const ports = portList(filter);
  const portSide = side(filter, 'portSide', SIDES, 'dst');
  if (ports) {
    const sides = portSide === 'any' ? (['src', 'dst'] as const) : [portSide];
    clauses.push(`(${sides.map((end) => inList(`${end}_port`, ports, 'INTEGER')).join(' OR ')})`);
  }

  const countries = countryList(filter);
  if (countries) clauses.push(`(${inList('geo_src', countries)} OR ${inList('geo_dst', countries)})`);

  return { where: clauses.length === 0 ? 'TRUE' : clauses.join(' AND '), params };
}

/** The manifest's live files that may hold rows of the filter's time window (all of them without one). */
export function filesForFilter(manifest: Manifest, filter: Filter): ManifestFile[] {
  const { since, until } = timeWindow(filter);
  return liveFiles(manifest, since, until);
}

/** Double-quotes a column name chosen by our code (never a user value: callers check allow-lists). */
export function quoteColumn(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

// ---- validation ---------------------------------------------------------------------------------------

function badOption(field: string, value: unknown, hint: string): NetworkflowError {
  return new NetworkflowError('bad-option', `filter.${field}: ${describe(value)} is not valid`, hint);
}

/** A short, printable rendering of a bad value for an error message. */
function describe(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = JSON.stringify(value);
  else if (value === undefined) text = 'undefined';
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

function list(filter: Filter, field: keyof Filter): unknown[] | undefined {
  const value = filter[field];
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw badOption(field, value, `pass a list of values, e.g. ${field}: [...]`);
  if (value.length > FILTER_LIMITS.values) {
    throw badOption(field, `(${value.length} values)`, `pass at most ${FILTER_LIMITS.values} values`);
  }
  // An empty list is no constraint: a cleared multi-select means "all", not "none".
  return value.length === 0 ? undefined : value;
}

function stringList(filter: Filter, field: keyof Filter): string[] | undefined {
  const values = list(filter, field);
  if (!values) return undefined;
  for (const v of values) {
    if (typeof v !== 'string') throw badOption(field, v, `${field} takes strings`);
    if (v.length > FILTER_LIMITS.stringLength) {
      throw badOption(field, v, `values are at most ${FILTER_LIMITS.stringLength} characters`);
    }
  }
  return values as string[];
}

function enumList<T extends string>(filter: Filter, field: keyof Filter, allowed: readonly T[]): T[] | undefined {
  const values = stringList(filter, field);
  if (!values) return undefined;
  return values.map((v) => {
    const match = allowed.find((a) => a.toLowerCase() === v.toLowerCase());
    if (!match) throw badOption(field, v, `use one of ${allowed.join(', ')}`);
    return match;
  });
}

function side<T extends string>(filter: Filter, field: 'ipSide' | 'portSide', allowed: readonly T[], fallback: T = 'any' as T): T {
  const value = filter[field];
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw badOption(field, value, `use one of ${allowed.join(', ')}`);
  }
  return value as T;
}

function timeWindow(filter: Filter): { since?: number; until?: number } {
  const bound = (field: 'since' | 'until'): number | undefined => {
    const value = filter[field];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      throw badOption(field, value, `${field} is an integer of epoch milliseconds, e.g. Date.parse('2026-11-02T00:00:00Z')`);
    }
    return value;
  };
  const since = bound('since');
  const until = bound('until');
  if (since !== undefined && until !== undefined && until < since) {
    throw badOption('until', until, `until (exclusive) must not be before since (${since})`);
  }
  return { since, until };
}

function portList(filter: Filter): number[] | undefined {
  const values = list(filter, 'port');
  if (!values) return undefined;
  for (const v of values) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 65535) {
      throw badOption('port', v, 'ports are integers from 0 to 65535');
    }
  }
  return values as number[];
}

function countryList(filter: Filter): string[] | undefined {
  const values = stringList(filter, 'country');
  if (!values) return undefined;
  return values.map((v) => {
    if (!/^[A-Za-z]{2}$/.test(v)) throw badOption('country', v, 'use ISO 3166-1 alpha-2 codes such as US, DE, or ZZ for private/reserved');
    return v.toUpperCase();
  });
}

function utcDate(ms: number): string {
  return new Date(Math.floor(ms / MS_PER_DAY) * MS_PER_DAY).toISOString().slice(0, 10);
}

// ---- IP addresses and CIDRs ---------------------------------------------------------------------------

type IpMatcher =
  | { kind: 'v4'; low: number; high: number }
  /** Exact IPv6: the canonical spellings the ingest may have stored (with and without a dotted IPv4 tail). */
  | { kind: 'v6-exact'; texts: string[] }
  /** IPv6 CIDR: bounds as 32-digit hex strings, compared with the expanded address text. */
  | { kind: 'v6-range'; low: string; high: string; textPrefix: string | null };

function parseIpFilter(value: string): IpMatcher {
  const slash = value.indexOf('/');
  const address = slash === -1 ? value : value.slice(0, slash);
  const prefixText = slash === -1 ? undefined : value.slice(slash + 1);
  const hint = 'use an IPv4 or IPv6 address or CIDR, e.g. 10.0.0.0/8, 203.0.113.7, 2001:db8::/32';
  const v4 = parseIPv4(address);
  if (v4 !== -1) {
    const prefix = prefixLength(prefixText, 32, value, hint);
    // host bits of a CIDR like 10.1.2.3/8 are ignored, as routers do
    const size = 2 ** (32 - prefix);
    const low = Math.floor(v4 / size) * size;
    return { kind: 'v4', low, high: low + size - 1 };
  }
  const groups = address.includes(':') ? parseIPv6(address) : null;
  if (!groups) throw badOption('ip', value, hint);
  const prefix = prefixLength(prefixText, 128, value, hint);
  if (prefix === 128) {
    const texts = [formatIPv6(groups, false), formatIPv6(groups, true)];
    return { kind: 'v6-exact', texts: texts[0] === texts[1] ? [texts[0]] : texts };
  }
  let bits = groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
  const hostBits = BigInt(128 - prefix);
  bits = (bits >> hostBits) << hostBits;
  const high = bits | ((1n << hostBits) - 1n);
  return { kind: 'v6-range', low: bits.toString(16).padStart(32, '0'), high: high.toString(16).padStart(32, '0'), textPrefix: textPrefix(groups, prefix) };
}

/**
 * The text every stored spelling of an address in the network starts with, or null: the network's fixed
 * leading groups up to the first zero group (where `::` may begin), at most six (the last two may be
 * written as a dotted IPv4 tail). A cheap test that spares most rows the expansion to hex.
 */
function textPrefix(groups: readonly number[], prefix: number): string | null {
  const fixed: string[] = [];
  for (let i = 0; i < Math.min(Math.floor(prefix / 16), 6) && groups[i] !== 0; i++) fixed.push(groups[i].toString(16));
  return fixed.length === 0 ? null : `${fixed.join(':')}:`;
}

function prefixLength(text: string | undefined, max: number, value: string, hint: string): number {
  if (text === undefined) return max;
  if (!/^\d{1,3}$/.test(text) || Number(text) > max) throw badOption('ip', value, `${hint}; the prefix length is 0–${max}`);
  return Number(text);
}

/** IPv6 text (optionally with a dotted IPv4 tail) → its eight 16-bit groups, or null. */
function parseIPv6(text: string): number[] | null {
  if (text.length < 2 || text.length > 45) return null;
  let s = text;
  let tail: number[] | null = null;
  const lastColon = s.lastIndexOf(':');
  if (s.indexOf('.', lastColon) !== -1) {
    const v4 = parseIPv4(s.slice(lastColon + 1));
    if (v4 === -1) return null;
    tail = [Math.floor(v4 / 65536), v4 % 65536];
    s = `${s.slice(0, lastColon + 1)}0:0`; // placeholder groups, overwritten below
  }
  const groupsOf = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const dbl = s.indexOf('::');
  let groups: number[] | null;
  if (dbl === -1) {
    groups = groupsOf(s);
    if (!groups || groups.length !== 8) return null;
  } else {
    if (s.indexOf('::', dbl + 1) !== -1) return null;
    const head = groupsOf(s.slice(0, dbl));
    const rest = groupsOf(s.slice(dbl + 2));
    if (!head || !rest || head.length + rest.length > 7) return null;
    groups = [...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest];
  }
  if (tail) [groups[6], groups[7]] = tail;
  return groups;
}

/** RFC 5952 text, as the parsers' normalizeIp writes it; `dottedTail` writes the last 32 bits as IPv4. */
function formatIPv6(groups: readonly number[], dottedTail: boolean): string {
  const count = dottedTail ? 6 : 8;
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < count; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < count && groups[j] === 0) j++;
    if (j - i > bestLen) [bestStart, bestLen] = [i, j - i];
    i = j;
  }
  const hex = (from: number, to: number) => groups.slice(from, to).map((g) => g.toString(16)).join(':');
  let out = bestStart === -1 ? hex(0, count) : `${hex(0, bestStart)}::${hex(bestStart + bestLen, count)}`;
  if (dottedTail) {
    const v4 = `${groups[6] >> 8}.${groups[6] & 255}.${groups[7] >> 8}.${groups[7] & 255}`;
    out = out.endsWith(':') ? out + v4 : `${out}:${v4}`;
  }
  return out;
}

function ipMatchSql(end: 'src' | 'dst', m: IpMatcher, bind: (value: unknown, cast?: string) => string): string {
  switch (m.kind) {
    case 'v4':
      // one address as an equality: DuckDB evaluates it faster than a one-value range (measured ~25% on 10M rows)
      if (m.low === m.high) return `${quoteColumn(`${end}_ipv4`)} = ${bind(m.low, 'BIGINT')}`;
      return `${quoteColumn(`${end}_ipv4`)} BETWEEN ${bind(m.low, 'BIGINT')} AND ${bind(m.high, 'BIGINT')}`;
    case 'v6-exact':
      return `${quoteColumn(`${end}_ip`)} IN (${m.texts.map((t) => bind(t)).join(', ')})`;
    case 'v6-range': {
      const column = quoteColumn(`${end}_ip`);
      const cheap = m.textPrefix === null ? `${column} LIKE '%:%'` : `starts_with(${column}, ${bind(m.textPrefix)})`;
      return `(${cheap} AND ${ipv6HexSql(column)} BETWEEN ${bind(m.low)} AND ${bind(m.high)})`;
    }
  }
}

/**
 * SQL that expands an IPv6 text column to its 32 lowercase hex digits (so a CIDR is a lexicographic range):
 * a dotted IPv4 tail becomes two groups, `::` becomes the missing zero groups, each group is padded to 4.
 * `list_transform([x], lambda v: …)[1]` binds an intermediate value to a name. Built from our text only.
 */
function ipv6HexSql(column: string): string {
  const v4 = `regexp_extract(${column}, '([0-9]+)\\.([0-9]+)\\.([0-9]+)\\.([0-9]+)$', ['a', 'b', 'c', 'd'])`;
  const withoutTail =
    `CASE WHEN strpos(${column}, '.') > 0 THEN list_transform([${v4}], lambda q: ` +
    `regexp_replace(${column}, '[0-9.]+$', '') || printf('%x:%x', q.a::INTEGER * 256 + q.b::INTEGER, q.c::INTEGER * 256 + q.d::INTEGER))[1] ` +
    `ELSE ${column} END`;
  const head = `CASE WHEN p[1] = '' THEN []::VARCHAR[] ELSE string_split(p[1], ':') END`;
  const tail = `CASE WHEN len(p) < 2 OR p[2] = '' THEN []::VARCHAR[] ELSE string_split(p[2], ':') END`;
  const groups = `list_concat(${head}, list_transform(range(8 - len(${head}) - len(${tail})), lambda i: '0'), ${tail})`;
  return `list_transform([string_split(lower(${withoutTail}), '::')], lambda p: array_to_string(list_transform(${groups}, lambda g: lpad(g, 4, '0')), ''))[1]`;
}
