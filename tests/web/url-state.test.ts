/**
 * URL ↔ state: round trips (property-based), normalization, edits, chips, and agreement with the library's
 * own parser (filterFromParams reads the query strings this module writes).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { filterFromParams, type Filter, type FilterValues } from '../../src/index.js';
import {
  FILTER_PARAMS,
  chipsOf,
  formatState,
  formatUtc,
  isFilterParam,
  parseState,
  sameState,
  stateFromFilter,
  withParams,
  withoutValue,
  type FilterState,
} from '../../src/web/url-state.js';

const value = fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !s.includes(',') && s.trim() === s && s !== '');
const stateArb: fc.Arbitrary<FilterState> = fc
  .record(
    Object.fromEntries(
      FILTER_PARAMS.map((p) => [p, ['since', 'until', 'ip-side', 'port-side'].includes(p) ? fc.array(value, { minLength: 1, maxLength: 1 }) : fc.uniqueArray(value, { minLength: 1, maxLength: 3 })]),
    ) as Record<string, fc.Arbitrary<string[]>>,
    { requiredKeys: [] },
  )
  .map((s) => s as FilterState);

/** The query string as the API sees it: every parameter's values, through filterFromParams. */
function apiFilter(query: string): Filter {
  const params = new URLSearchParams(query);
  const values: FilterValues = {};
  for (const p of FILTER_PARAMS) if (params.has(p)) values[p] = params.getAll(p);
  return filterFromParams(values, { now: 0 });
}

describe('url state', () => {
  it('round-trips any state through the query string', () => {
    fc.assert(
      fc.property(stateArb, (state) => {
        const back = parseState(`?${formatState(state)}`);
        expect(back).toEqual(state);
        expect(sameState(back, state)).toBe(true);
      }),
    );
  });

  it('normalizes what people type: commas, blanks, duplicates, unknown parameters, a repeated single', () => {
    const s = parseState('?nsg=a,b&nsg=b&nsg=%20&port=22,%2080&since=1&since=2&theme=dark&bogus=1');
    expect(s).toEqual({ nsg: ['a', 'b'], port: ['22', '80'], since: ['2'] });
    expect(formatState({})).toBe('');
    expect(isFilterParam('nsg')).toBe(true);
    expect(isFilterParam('theme')).toBe(false);
  });

  it('writes parameters in a fixed order with extras, encoded', () => {
    const q = formatState({ port: ['22'], nsg: ['a b&c'] }, { top: '100', format: 'csv' });
    expect(q).toBe('nsg=a+b%26c&port=22&top=100&format=csv');
  });

  it('applies patches and removes values, dropping a side with its last value', () => {
    const s = withParams({ nsg: ['a'] }, { ip: ['10.0.0.1'], 'ip-side': ['src'], nsg: [] });
    expect(s).toEqual({ ip: ['10.0.0.1'], 'ip-side': ['src'] });
    expect(withoutValue(s, 'ip', '10.0.0.1')).toEqual({});
    expect(withoutValue({ port: ['22', '80'], 'port-side': ['any'] }, 'port', '22')).toEqual({ port: ['80'], 'port-side': ['any'] });
    expect(withoutValue({ port: ['22'], 'port-side': ['any'] }, 'port', '22')).toEqual({});
    expect(withoutValue({ nsg: ['a'] }, 'since', 'x')).toEqual({ nsg: ['a'] });
  });

  it('turns a library Filter into a state the API parses back into the same Filter', () => {
    const filters: Filter[] = [
      {},
      { nsg: ['<img src=x onerror=alert(1)>'], rule: ['r1'], decision: ['Deny'], direction: ['Inbound', 'Outbound'] },
      { since: 1_762_041_600_000, until: 1_762_045_200_000, ip: ['10.0.0.5', '10.1.0.0/16'], ipSide: 'src' },
      { subscription: ['s1'], resourceGroup: ['rg'], protocol: ['TCP', 'UDP'], port: [22, 3389], portSide: 'any', country: ['US', 'ZZ'] },
    ];
    for (const filter of filters) expect(apiFilter(formatState(stateFromFilter(filter)))).toEqual(filter);
  });

  it('labels each active value as a chip, times in UTC', () => {
    const chips = chipsOf({ nsg: ['a', 'b'], since: ['1762041600000'], until: ['2026-11-02T10:30:00.000Z'], 'ip-side': ['dst'] });
    expect(chips.map((c) => c.text)).toEqual(['nsg: a', 'nsg: b', 'since: 2025-11-02 00:00 UTC', 'until: 2026-11-02 10:30 UTC', 'ip side: dst']);
    expect(chipsOf({ since: ['24h'] })[0].text).toBe('since: 24h');
    expect(chips[0]).toMatchObject({ param: 'nsg', value: 'a' });
    expect(formatUtc(Date.UTC(2026, 10, 2, 10, 30, 15))).toBe('2026-11-02 10:30:15 UTC');
  });
});
