/**
 * The dashboard's state lives in the URL's query string: the filter parameters of the HTTP API, by the same
 * names (`nsg=a&nsg=b&ip=10.0.0.5&ip-side=src&since=2026-11-02T10:00:00.000Z`). This module converts between the query
 * string and a normalized state, and applies the edits the page makes (drill-down, chip removal, presets).
 * Pure: no DOM, no fetch.
 */
import type { Filter, FilterFlag } from '../index.js';

/**
 * Every filter parameter of the API, in the order the URL and the chips list them. A copy of the library's
 * FILTER_FLAGS (a value the browser bundle cannot import without the store's code); the type assertions
 * below fail the typecheck if the two lists ever differ.
 */
export const FILTER_PARAMS = [
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
export type FilterParam = (typeof FILTER_PARAMS)[number];
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const SAME_PARAMS: Same<FilterParam, FilterFlag> = true;
void SAME_PARAMS;

/** Parameters that take one value; the rest are lists. */
const SINGLE: ReadonlySet<FilterParam> = new Set(['since', 'until', 'ip-side', 'port-side']);

/** Parameter → its values (absent when unconstrained; never an empty list). */
export type FilterState = Partial<Record<FilterParam, string[]>>;

export function isFilterParam(name: string): name is FilterParam {
  return (FILTER_PARAMS as readonly string[]).includes(name);
}

/** The state a query string describes (`?` optional); unknown parameters are ignored. */
export function parseState(search: string): FilterState {
  const params = new URLSearchParams(search);
  const state: FilterState = {};
  for (const param of FILTER_PARAMS) {
    const values = params
      .getAll(param)
      .flatMap((v) => v.split(','))
      .map((v) => v.trim())
      .filter((v) => v !== '');
    if (values.length === 0) continue;
    state[param] = SINGLE.has(param) ? [values[values.length - 1]] : [...new Set(values)];
  }
  return state;
}

/** The query string (without `?`) of a state, parameters in FILTER_PARAMS order, each value repeated. */
export function formatState(state: FilterState, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const param of FILTER_PARAMS) for (const value of state[param] ?? []) params.append(param, value);
  for (const [name, value] of Object.entries(extra)) params.set(name, value);
  return params.toString();
}

/** The state with `patch`'s parameters replaced (an empty list removes the parameter). */
export function withParams(state: FilterState, patch: FilterState): FilterState {
  const next: FilterState = { ...state };
  for (const param of FILTER_PARAMS) {
    if (!(param in patch)) continue;
    const values = patch[param] ?? [];
    if (values.length === 0) delete next[param];
    else next[param] = [...values];
  }
  return next;
}

/**
 * The state without one value of a parameter. Removing the last address also drops `ip-side`, and the last
 * port drops `port-side`, since a side means nothing alone.
 */
export function withoutValue(state: FilterState, param: FilterParam, value: string): FilterState {
  const rest = (state[param] ?? []).filter((v) => v !== value);
  const next = withParams(state, { [param]: rest });
  if (param === 'ip' && rest.length === 0) delete next['ip-side'];
  if (param === 'port' && rest.length === 0) delete next['port-side'];
  return next;
}

/** Two states select the same flows (same parameters, same values in the same order). */
export function sameState(a: FilterState, b: FilterState): boolean {
  return formatState(a) === formatState(b);
}

/** A library Filter (e.g. an anomaly's `filter`) as URL state, with times as ISO 8601 UTC. */
export function stateFromFilter(filter: Filter): FilterState {
  const state: FilterState = {};
  const put = (param: FilterParam, values: readonly (string | number)[] | undefined) => {
    if (values && values.length > 0) state[param] = values.map(String);
  };
  put('subscription', filter.subscription);
  put('resource-group', filter.resourceGroup);
  put('nsg', filter.nsg);
  put('rule', filter.rule);
  put('protocol', filter.protocol);
  put('direction', filter.direction);
  put('decision', filter.decision);
  if (filter.since !== undefined) put('since', [isoTime(filter.since)]);
  if (filter.until !== undefined) put('until', [isoTime(filter.until)]);
  put('ip', filter.ip);
  if (filter.ipSide !== undefined) put('ip-side', [filter.ipSide]);
  put('port', filter.port);
  if (filter.portSide !== undefined) put('port-side', [filter.portSide]);
  put('country', filter.country);
  return state;
}

export interface Chip {
  param: FilterParam;
  value: string;
  /** What the chip says, e.g. `nsg: web-nsg` or `since: 2026-11-02 10:00 UTC`. */
  text: string;
}

const CHIP_NAMES: Record<FilterParam, string> = {
  subscription: 'subscription',
  'resource-group': 'resource group',
  nsg: 'nsg',
  rule: 'rule',
  protocol: 'protocol',
  direction: 'direction',
  decision: 'decision',
  since: 'since',
  until: 'until',
  ip: 'ip',
  'ip-side': 'ip side',
  port: 'port',
  'port-side': 'port side',
  country: 'country',
};

/** Epoch ms as the URL writes times: ISO 8601 UTC, readable in a shared link and parsed by the API. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** One chip per active value; absolute times (ISO or epoch-ms digits) shown as UTC minutes. */
export function chipsOf(state: FilterState): Chip[] {
  return FILTER_PARAMS.flatMap((param) =>
    (state[param] ?? []).map((value) => ({ param, value, text: `${CHIP_NAMES[param]}: ${chipValue(param, value)}` })),
  );
}

function chipValue(param: FilterParam, value: string): string {
  if (param !== 'since' && param !== 'until') return value;
  const ms = /^\d+$/.test(value) ? Number(value) : /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isNaN(ms) ? value : formatUtc(ms);
}

/** `2026-11-02 10:00 UTC` (seconds shown only when not zero). */
export function formatUtc(ms: number): string {
  const iso = new Date(ms).toISOString();
  const seconds = iso.slice(17, 19) === '00' && iso.slice(20, 23) === '000' ? '' : iso.slice(16, 19);
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}${seconds} UTC`;
}
