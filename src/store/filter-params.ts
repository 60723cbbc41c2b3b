/**
 * Filter parameters (CLI flags `--nsg a,b --decision deny --since 24h`, or HTTP query parameters of the
 * same names) → a validated `Filter`. Pure: every face turns its text into a Filter here.
 *
 * Every list parameter is repeatable and takes comma-separated values (`port=22,3389&port=445`); values are
 * normalized to what the lake stores (`tcp` → `TCP`, `6` → `TCP`, `deny` → `Deny`, `us` → `US`). Errors are
 * NetworkflowError('bad-option') whose message names the parameter (as the caller names it) and the value.
 */
import { NetworkflowError } from '../model/errors.js';
import type { Filter } from '../model/filter.js';
import { protocolFromText } from '../model/protocol.js';
import { parseTimeBound } from '../model/time-bound.js';
import { FILTER_LIMITS, filterToSql } from './filter-sql.js';

export const FILTER_FLAGS = [
  'subscription',
  'resource-group',
  'nsg',
  'rule',
  'protocol',
  'direction',
  'decision',
  'since',
  'until',
  'ip',
  'ip-side',
  'port',
  'port-side',
  'country',
] as const;
export type FilterFlag = (typeof FILTER_FLAGS)[number];

/** Raw values as node:util parseArgs (with `multiple: true`) or a query string hands them over. */
export type FilterValues = Partial<Record<FilterFlag, string | readonly string[]>>;

export interface FilterParamsOptions {
  /** "Now" for durations such as 24h (default Date.now()). */
  now?: number;
  /** How a flag is named in messages (default `--<flag>`; the HTTP API would say `query parameter <flag>`). */
  name?: (flag: FilterFlag) => string;
}

const DIRECTIONS: Record<string, 'Inbound' | 'Outbound'> = { inbound: 'Inbound', outbound: 'Outbound' };
const DECISIONS: Record<string, 'Allow' | 'Deny'> = { allow: 'Allow', accept: 'Allow', deny: 'Deny', reject: 'Deny' };
const SIDES = ['src', 'dst', 'any'] as const;
type Side = (typeof SIDES)[number];

/** The Filter the flags describe; flags not given are absent from it (no constraint). */
export function filterFromParams(values: FilterValues, options: FilterParamsOptions = {}): Filter {
  const name = options.name ?? ((flag: FilterFlag) => `--${flag}`);
  const bad = (flag: FilterFlag, value: string, hint: string) =>
    new NetworkflowError('bad-option', `${name(flag)}: ${JSON.stringify(value)} is not valid`, hint);
  const listOf = (flag: FilterFlag): string[] | undefined => {
    const raw = values[flag];
    if (raw === undefined) return undefined;
    const items = (typeof raw === 'string' ? [raw] : raw).flatMap((v) => v.split(',')).map((v) => v.trim());
    for (const item of items) {
      if (item === '') throw new NetworkflowError('bad-option', `${name(flag)} has an empty value`, `give ${name(flag)} a value, or leave it out`);
      if (item.length > FILTER_LIMITS.stringLength) throw bad(flag, `${item.slice(0, 40)}…`, `values are at most ${FILTER_LIMITS.stringLength} characters`);
    }
    const unique = [...new Set(items)];
    if (unique.length > FILTER_LIMITS.values) {
      throw new NetworkflowError('bad-option', `${name(flag)} has ${unique.length} values`, `give at most ${FILTER_LIMITS.values}`);
    }
    return unique;
  };
  const single = (flag: FilterFlag): string | undefined => {
    const items = listOf(flag);
    if (items && items.length > 1) throw new NetworkflowError('bad-option', `${name(flag)} takes one value (got ${items.join(', ')})`, `give ${name(flag)} once`);
    return items?.[0];
  };
  const mapped = <T>(flag: FilterFlag, map: (v: string) => T | undefined, hint: string): T[] | undefined =>
    listOf(flag)?.map((v) => {
      const out = map(v);
      if (out === undefined) throw bad(flag, v, hint);
      return out;
    });

  const filter: Filter = {};
  const subscription = listOf('subscription');
  if (subscription) filter.subscription = subscription;
  const resourceGroup = listOf('resource-group');
  if (resourceGroup) filter.resourceGroup = resourceGroup;
  const nsg = listOf('nsg');
  if (nsg) filter.nsg = nsg;
  const rule = listOf('rule');
  if (rule) filter.rule = rule;
  const protocol = mapped('protocol', (v) => protocolFromText(v) ?? undefined, 'use TCP, UDP, ICMP, ICMPv6 or an IANA protocol number 0–255');
  if (protocol) filter.protocol = [...new Set(protocol)];
  const direction = mapped('direction', (v) => DIRECTIONS[v.toLowerCase()], 'use inbound or outbound');
  if (direction) filter.direction = [...new Set(direction)];
  const decision = mapped('decision', (v) => DECISIONS[v.toLowerCase()], 'use allow or deny');
  if (decision) filter.decision = [...new Set(decision)];

  const now = options.now ?? Date.now();
  const time = (flag: 'since' | 'until'): number | undefined => {
    const text = single(flag);
    if (text === undefined) return undefined;
    const t = parseTimeBound(text, now);
    if (t === null || !Number.isSafeInteger(t)) throw bad(flag, text, 'use an ISO 8601 time (2026-11-02T10:00Z) or a duration before now (90m, 24h, 7d)');
    return t;
  };
  const since = time('since');
  const until = time('until');
  if (since !== undefined) filter.since = since;
  if (until !== undefined) filter.until = until;
  if (since !== undefined && until !== undefined && since >= until) {
    throw new NetworkflowError(
      'bad-option',
      `${name('since')} must be before ${name('until')} (got ${new Date(since).toISOString()} and ${new Date(until).toISOString()})`,
      'swap them, or widen the window',
    );
  }

  const ip = listOf('ip');
  if (ip) {
    for (const v of ip) {
      try {
        filterToSql({ ip: [v] }); // the store's own address/CIDR parser decides what it can match
      } catch (err) {
        throw bad('ip', v, (err as NetworkflowError).hint ?? 'use an IPv4 or IPv6 address or CIDR');
      }
    }
    filter.ip = ip;
  }
  const ipSide = side('ip-side');
  if (ipSide !== undefined) filter.ipSide = ipSide;
  const port = mapped('port', (v) => (/^\d{1,5}$/.test(v) && Number(v) <= 65535 ? Number(v) : undefined), 'ports are whole numbers from 0 to 65535');
  if (port) filter.port = [...new Set(port)];
  const portSide = side('port-side');
  if (portSide !== undefined) filter.portSide = portSide;
  const country = mapped('country', (v) => (/^[A-Za-z]{2}$/.test(v) ? v.toUpperCase() : undefined), 'use ISO 3166-1 alpha-2 codes such as US, DE, or ZZ for private/reserved');
  if (country) filter.country = [...new Set(country)];
  return filter;

  function side(flag: 'ip-side' | 'port-side'): Side | undefined {
    const v = single(flag);
    if (v === undefined) return undefined;
    const match = SIDES.find((s) => s === v.toLowerCase());
    if (match === undefined) throw bad(flag, v, `use one of ${SIDES.join(', ')}`);
    return match;
  }
}
