import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { FILTER_ARG_OPTIONS, FILTER_FLAGS, FILTER_HELP, filterFromArgs, type FilterFlag, type FilterValues } from '../../src/cli/filter-args.js';
import { FILTER_LIMITS, NetworkflowError, filterToSql } from '../../src/index.js';

const NOW = Date.parse('2026-11-02T12:00:00Z');
const HOUR = 3_600_000;

/** The flags as a command line, through the same parseArgs table the commands use. */
function fromArgv(argv: string[]) {
  const { values } = parseArgs({ args: argv, options: FILTER_ARG_OPTIONS, strict: true });
  return filterFromArgs(values as FilterValues, { now: NOW });
}

function errorOf(values: FilterValues, options = {}): NetworkflowError {
  try {
    filterFromArgs(values, { now: NOW, ...options });
  } catch (err) {
    expect(err).toBeInstanceOf(NetworkflowError);
    expect((err as NetworkflowError).code).toBe('bad-option');
    return err as NetworkflowError;
  }
  throw new Error(`no error for ${JSON.stringify(values)}`);
}

describe('filterFromArgs', () => {
  it('gives an empty filter without flags', () => {
    expect(fromArgv([])).toEqual({});
  });

  it('reads every flag, repeated and comma-separated, normalized to the stored spellings', () => {
    const filter = fromArgv([
      '--subscription', 'sub-1,sub-2', '--subscription', 'sub-3',
      '--resource-group', 'rg-a',
      '--nsg', 'nsg-web', '--nsg', 'nsg-db, nsg-web',
      '--rule', 'DenyAll',
      '--protocol', 'tcp,6,17', '--protocol', 'ICMPv6', '--protocol', '47',
      '--direction', 'INBOUND', '--direction', 'outbound',
      '--decision', 'deny', '--decision', 'reject', '--decision', 'Accept',
      '--since', '24h', '--until', '2026-11-02T10:00',
      '--ip', '10.0.0.0/8,2001:db8::/32', '--ip', '203.0.113.7',
      '--ip-side', 'SRC',
      '--port', '22,3389', '--port', '22', '--port', '0', '--port', '65535',
      '--port-side', 'any',
      '--country', 'us,DE', '--country', 'zz',
    ]);
    expect(filter).toEqual({
      subscription: ['sub-1', 'sub-2', 'sub-3'],
      resourceGroup: ['rg-a'],
      nsg: ['nsg-web', 'nsg-db'],
      rule: ['DenyAll'],
      protocol: ['TCP', 'UDP', 'ICMPv6', '47'],
      direction: ['Inbound', 'Outbound'],
      decision: ['Deny', 'Allow'],
      since: NOW - 24 * HOUR,
      until: Date.parse('2026-11-02T10:00:00Z'),
      ip: ['10.0.0.0/8', '2001:db8::/32', '203.0.113.7'],
      ipSide: 'src',
      port: [22, 3389, 0, 65535],
      portSide: 'any',
      country: ['US', 'DE', 'ZZ'],
    });
    // what it builds is a filter the store accepts
    expect(() => filterToSql(filter)).not.toThrow();
  });

  it('takes single strings as well as lists (as a query string hands them over)', () => {
    expect(filterFromArgs({ nsg: 'a,b', since: '2026-11-01', 'port-side': 'src' })).toEqual({
      nsg: ['a', 'b'],
      since: Date.parse('2026-11-01T00:00:00Z'),
      portSide: 'src',
    });
  });

  it('every flag has a parseArgs entry and a line in the help', () => {
    expect(Object.keys(FILTER_ARG_OPTIONS).sort()).toEqual([...FILTER_FLAGS].sort());
    for (const flag of FILTER_FLAGS) expect(FILTER_HELP).toContain(`--${flag} `);
  });

  const BAD: [FilterFlag, string, RegExp][] = [
    ['protocol', 'tcpp', /^--protocol: "tcpp" is not valid$/],
    ['protocol', '256', /^--protocol: "256"/],
    ['direction', 'sideways', /^--direction: "sideways"/],
    ['decision', 'maybe', /^--decision: "maybe"/],
    ['since', 'yesterday', /^--since: "yesterday"/],
    ['until', '2026-13-45', /^--until: "2026-13-45"/],
    ['ip', '10.0.0.300', /^--ip: "10.0.0.300"/],
    ['ip', '10.0.0.0/33', /^--ip: "10.0.0.0\/33"/],
    ['ip', 'example.com', /^--ip: "example.com"/],
    ['ip-side', 'both', /^--ip-side: "both"/],
    ['port', '65536', /^--port: "65536"/],
    ['port', '-1', /^--port: "-1"/],
    ['port', '22.5', /^--port: "22.5"/],
    ['port', 'ssh', /^--port: "ssh"/],
    ['port-side', 'up', /^--port-side: "up"/],
    ['country', 'USA', /^--country: "USA"/],
    ['country', 'U1', /^--country: "U1"/],
  ];
  it.each(BAD)('rejects --%s %s, naming the flag and the value', (flag, value, message) => {
    const err = errorOf({ [flag]: [value] });
    expect(err.message).toMatch(message);
    expect(err.hint).toBeTruthy();
  });

  it('rejects empty values, repeated single-value flags and a reversed window', () => {
    expect(errorOf({ nsg: ['a,,b'] }).message).toBe('--nsg has an empty value');
    expect(errorOf({ subscription: [''] }).message).toBe('--subscription has an empty value');
    expect(errorOf({ since: ['1h', '2h'] }).message).toMatch(/^--since takes one value/);
    expect(errorOf({ 'ip-side': ['src,dst'] }).message).toMatch(/^--ip-side takes one value/);
    expect(errorOf({ since: ['2026-11-02'], until: ['2026-11-01'] }).message).toMatch(/^--since must be before --until/);
    expect(errorOf({ since: ['2026-11-02'], until: ['2026-11-02'] }).message).toMatch(/^--since must be before --until/);
  });

  it('caps the number and the length of values', () => {
    const many = Array.from({ length: FILTER_LIMITS.values + 1 }, (_, i) => `nsg-${i}`);
    expect(errorOf({ nsg: many }).message).toBe(`--nsg has ${FILTER_LIMITS.values + 1} values`);
    expect(errorOf({ rule: ['x'.repeat(FILTER_LIMITS.stringLength + 1)] }).message).toMatch(/^--rule: "x+…" is not valid/);
    expect(filterFromArgs({ nsg: many.slice(0, FILTER_LIMITS.values) }).nsg).toHaveLength(FILTER_LIMITS.values);
  });

  it('names flags as the caller says (e.g. query parameters)', () => {
    const err = errorOf({ port: ['x'] }, { name: (flag: FilterFlag) => `query parameter ${flag}` });
    expect(err.message).toBe('query parameter port: "x" is not valid');
  });

  it('counts durations back from now (Date.now() by default)', () => {
    const before = Date.now();
    const since = filterFromArgs({ since: '90m' }).since as number;
    expect(since).toBeGreaterThanOrEqual(before - 90 * 60_000);
    expect(since).toBeLessThanOrEqual(Date.now() - 90 * 60_000);
  });
});
