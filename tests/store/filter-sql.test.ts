import { BlockList } from 'node:net';
import { describe, expect, it } from 'vitest';
import { NetworkflowError } from '../../src/model/errors.js';
import type { Filter } from '../../src/model/filter.js';
import { normalizeIp } from '../../src/parsers/ip.js';
import { FILTER_LIMITS, filesForFilter, filterToSql, quoteColumn } from '../../src/store/filter-sql.js';
import { emptyManifest, type ManifestFile } from '../../src/store/manifest.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-11-02T00:00:00Z');

function placeholders(where: string): number[] {
  return [...where.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));
}

function badOption(fn: () => unknown): NetworkflowError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(NetworkflowError);
    expect((err as NetworkflowError).code).toBe('bad-option');
    expect((err as NetworkflowError).hint).toBeTruthy();
    return err as NetworkflowError;
  }
  throw new Error('expected a bad-option error');
}

describe('filterToSql', () => {
  it('an empty filter is TRUE with no parameters', () => {
    expect(filterToSql({})).toEqual({ where: 'TRUE', params: [] });
    expect(filterToSql({ subscription: [], port: [], ip: [] })).toEqual({ where: 'TRUE', params: [] });
  });

  it('never puts a user value into the SQL text, only into params', () => {
    const values = {
      subscription: ['sub-7f3a9c', "x'); DROP TABLE flows; --"],
      resourceGroup: ['rg-qq1z'],
      nsg: ['nsg-hostile" OR "1"="1'],
      rule: ['RuleWithé-unicode'],
      protocol: ['PROTO-ZQX'],
      ip: ['198.51.100.77/27', '2001:db8:abcd::77', '2001:db8:beef::/48'],
      country: ['QX'],
    };
    const filter: Filter = { ...values, direction: ['Outbound'], decision: ['Deny'], since: T0 + 12345, until: T0 + 99 * DAY + 6789, port: [31337, 27182] };
    const { where, params } = filterToSql(filter);
    const userTexts = [...Object.values(values).flat(), 'Outbound', 'Deny', '31337', '27182', String(T0 + 12345), '198.51.100', 'abcd', 'beef'];
    for (const text of userTexts) expect(where).not.toContain(text);
    expect(where).not.toContain("'QX'");
    for (const v of [...values.subscription, ...values.resourceGroup, ...values.nsg, ...values.rule, ...values.protocol, 'QX', 31337, 27182, 'Outbound', 'Deny', T0 + 12345]) {
      expect(params).toContain(v);
    }
    // placeholders are exactly $1..$n, each parameter used
    expect(new Set(placeholders(where))).toEqual(new Set(params.map((_, i) => i + 1)));
  });

  it('keeps hostile strings out of the SQL text of every string field', () => {
    const hostile = ["'; DROP TABLE x; --", "' OR 1=1 --", 'a\\b\'c"d', '$1 OR TRUE', 'x\u0000y', '<img src=x onerror=alert(1)>', 'ünï ✓ 🚀', 'z'.repeat(3000)];
    const fields = ['subscription', 'resourceGroup', 'nsg', 'rule', 'protocol', 'direction', 'decision', 'ip', 'country'] as const;
    let accepted = 0;
    for (const value of hostile) {
      for (const field of fields) {
        let result;
        try {
          result = filterToSql({ [field]: [value, 'safe'] } as Filter);
        } catch (err) {
          expect((err as NetworkflowError).code).toBe('bad-option');
          continue;
        }
        accepted++;
        expect(result.where).not.toContain(value);
        expect(result.params).toContain(value);
      }
    }
    expect(accepted).toBe(hostile.length * 5); // the five free-text fields take any string
  });

  it('numbers placeholders after paramOffset', () => {
    const { where, params } = filterToSql({ nsg: ['a', 'b'], port: [1], since: T0 }, { paramOffset: 3 });
    expect(Math.min(...placeholders(where))).toBe(4);
    expect(new Set(placeholders(where))).toEqual(new Set(params.map((_, i) => i + 4)));
    expect(() => filterToSql({}, { paramOffset: -1 })).toThrow(NetworkflowError);
    expect(() => filterToSql({}, { paramOffset: 1.5 })).toThrow(/paramOffset/);
  });

  it('prunes hive partitions by UTC date for since (inclusive) and until (exclusive)', () => {
    const { where, params } = filterToSql({ since: T0 + 5 * 3_600_000, until: T0 + 2 * DAY });
    expect(where).toContain('"date" >=');
    expect(where).toContain('"date" <=');
    // until at midnight excludes that day: the last day read is the one before
    expect(params).toEqual([T0 + 5 * 3_600_000, '2026-11-02', T0 + 2 * DAY, '2026-11-03']);
  });

  it('normalizes direction, decision and country spelling', () => {
    expect(filterToSql({ direction: ['inbound'], decision: ['DENY'], country: ['de'] } as unknown as Filter).params).toEqual(['Inbound', 'Deny', 'DE', 'DE']);
  });

  it('matches an exact IPv6 address in the spellings the parsers store', () => {
    const inputs = ['2001:DB8:0:0:0:0:0:1', '2001:db8::0:1', '::ffff:10.1.2.3', '::ffff:a01:203', '0:0:0:0:0:0:0:0', '::1', '64:ff9b::203.0.113.7', '1:0:0:2:0:0:0:3', '1:2:3:4:5:6:7:8', 'fe80:0:0:0:1:0:0:0', '::1.2.3.4', '1:2:3:4:5:6:1.2.3.4'];
    for (const ip of inputs) {
      const { params } = filterToSql({ ip: [ip], ipSide: 'src' });
      expect(params).toContain(normalizeIp(ip));
      // also the same address written the other way (with or without a dotted tail), and nothing else
      expect(params.some((p) => typeof p === 'string' && !p.includes('.'))).toBe(true);
      const same = new BlockList();
      same.addAddress(ip, 'ipv6');
      for (const p of params) expect(same.check(p as string, 'ipv6')).toBe(true);
    }
  });

  it('bounds IPv4 CIDRs numerically, ignoring host bits', () => {
    const bounds = (ip: string) => filterToSql({ ip: [ip], ipSide: 'dst' }).params;
    expect(bounds('0.0.0.0/0')).toEqual([0, 2 ** 32 - 1]);
    expect(bounds('10.1.2.3/8')).toEqual([10 * 2 ** 24, 11 * 2 ** 24 - 1]);
    expect(bounds('192.168.1.77/24')).toEqual([0xc0a80100, 0xc0a801ff]);
    // one address (also a /32) is an equality
    expect(bounds('255.255.255.255')).toEqual([2 ** 32 - 1]);
    expect(bounds('1.2.3.4/32')).toEqual([0x01020304]);
    expect(filterToSql({ ip: ['1.2.3.4'] }).where).toMatch(/"src_ipv4" = .* OR "dst_ipv4" = /);
    expect(filterToSql({ ip: ['1.2.3.0/31'] }).where).toMatch(/"src_ipv4" BETWEEN .* OR "dst_ipv4" BETWEEN/);
  });

  it('bounds IPv6 CIDRs as 32-digit hex ranges, after a cheap text-prefix test where one exists', () => {
    expect(filterToSql({ ip: ['2001:db8::/32'], ipSide: 'src' }).params).toEqual([
      '2001:db8:',
      '20010db8000000000000000000000000',
      '20010db8ffffffffffffffffffffffff',
    ]);
    expect(filterToSql({ ip: ['::/0'], ipSide: 'src' }).params).toEqual(['0'.repeat(32), 'f'.repeat(32)]);
    expect(filterToSql({ ip: ['fe80::1/10'], ipSide: 'src' }).params).toEqual(['fe80' + '0'.repeat(28), 'febf' + 'f'.repeat(28)]);
    // the text prefix stops at the first zero group (where `::` may start) and before a possible dotted tail
    expect(filterToSql({ ip: ['2001:db8:0:1::/64'], ipSide: 'src' }).params[0]).toBe('2001:db8:');
    expect(filterToSql({ ip: ['1:2:3:4:5:6:7::/112'], ipSide: 'src' }).params[0]).toBe('1:2:3:4:5:6:');
    expect(filterToSql({ ip: ['::ffff:0:0/96'], ipSide: 'src' }).params).toHaveLength(2);
    expect(filterToSql({ ip: ['2001:db8::/15'], ipSide: 'src' }).params).toHaveLength(2);
  });

  it('matches ports on the destination by default', () => {
    expect(filterToSql({ port: [443] }).where).toMatch(/^\("dst_port" IN/);
    expect(filterToSql({ port: [443], portSide: 'src' }).where).toMatch(/^\("src_port" IN/);
    expect(filterToSql({ port: [443], portSide: 'any' }).where).toMatch(/"src_port" IN .* OR "dst_port" IN/);
  });

  it('rejects bad values with an error naming the field and the value', () => {
    const cases: [unknown, string, string][] = [
      [null, 'filter', 'null'],
      [[], 'filter', '[]'],
      [{ nsgs: ['a'] }, 'nsgs', 'unknown field'],
      [{ nsg: 'nsg-web' }, 'nsg', '"nsg-web"'],
      [{ nsg: [42] }, 'nsg', '42'],
      [{ direction: ['Sideways'] }, 'direction', '"Sideways"'],
      [{ decision: ['Maybe'] }, 'decision', '"Maybe"'],
      [{ since: '2026-11-02' }, 'since', '"2026-11-02"'],
      [{ until: 1.5 }, 'until', '1.5'],
      [{ since: 10, until: 5 }, 'until', '5'],
      [{ ip: ['10.0.0.0/33'] }, 'ip', '10.0.0.0/33'],
      [{ ip: ['2001:db8::/129'] }, 'ip', '2001:db8::/129'],
      [{ ip: ['10.0.0.0/'] }, 'ip', '10.0.0.0/'],
      [{ ip: ['10.0.0.0/-1'] }, 'ip', '10.0.0.0/-1'],
      [{ ip: ['10.0.0.256'] }, 'ip', '10.0.0.256'],
      [{ ip: ['example.com'] }, 'ip', 'example.com'],
      [{ ip: ['1::2::3'] }, 'ip', '1::2::3'],
      [{ ip: ['1:2:3:4:5:6:7:8:9'] }, 'ip', '1:2:3:4:5:6:7:8:9'],
      [{ ip: ['1:2:3:4:5:6:7'] }, 'ip', '1:2:3:4:5:6:7'],
      [{ ip: ['1:2:3:4::5:6:7:8'] }, 'ip', '1:2:3:4::5:6:7:8'],
      [{ ip: ['12345::'] }, 'ip', '12345::'],
      [{ ip: ['::1.2.3.999'] }, 'ip', '::1.2.3.999'],
      [{ ip: ['fe80::1%eth0'] }, 'ip', 'fe80::1%eth0'],
      [{ ip: [':'] }, 'ip', '":"'],
      [{ ipSide: 'both' }, 'ipSide', '"both"'],
      [{ port: [70000] }, 'port', '70000'],
      [{ port: [-1] }, 'port', '-1'],
      [{ port: ['443'] }, 'port', '"443"'],
      [{ portSide: 'up' }, 'portSide', '"up"'],
      [{ country: ['USA'] }, 'country', '"USA"'],
      [{ subscription: ['x'.repeat(FILTER_LIMITS.stringLength + 1)] }, 'subscription', 'xxxx'],
      [{ protocol: new Array(FILTER_LIMITS.values + 1).fill('TCP') }, 'protocol', `${FILTER_LIMITS.values + 1} values`],
    ];
    for (const [filter, field, shown] of cases) {
      const err = badOption(() => filterToSql(filter as Filter));
      expect(err.message).toContain(field === 'filter' ? 'filter' : `filter.${field}`);
      expect(err.message).toContain(shown);
      expect(err.message.length).toBeLessThan(200);
    }
  });

  it('shows values that JSON cannot print', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(badOption(() => filterToSql({ nsg: [circular] } as unknown as Filter)).message).toContain('[object Object]');
    expect(badOption(() => filterToSql({ since: undefined, until: 10n } as unknown as Filter)).message).toContain('10');
    expect(badOption(() => filterToSql({ nsg: [undefined] } as unknown as Filter)).message).toContain('undefined');
  });
});

describe('filesForFilter', () => {
  it('picks the manifest files whose time range overlaps [since, until)', () => {
    const manifest = emptyManifest();
    const file = (name: string, minTime: number, maxTime: number): ManifestFile => ({
      path: `flows/date=2026-11-02/hour=00/${name}.parquet`,
      date: '2026-11-02',
      hour: 0,
      rows: 1,
      bytes: 1,
      minTime,
      maxTime,
      objects: [1],
    });
    const files = [file('a', 0, 99), file('b', 100, 199), file('c', 200, 299), file('d', 150, 250)];
    for (const f of files) manifest.files[f.path] = f;
    const names = (filter: Filter) => filesForFilter(manifest, filter).map((f) => f.path.slice(-9, -8));
    expect(names({})).toEqual(['a', 'b', 'c', 'd']);
    for (const [since, until] of [[100, 200], [99, 100], [199, 201], [250, 251], [0, 1], [300, 400], [150, 150]]) {
      const expected = files.filter((f) => f.maxTime >= since && f.minTime < until).map((f) => f.path.slice(-9, -8));
      expect(names({ since, until })).toEqual(expected);
    }
    expect(names({ since: 200 })).toEqual(['c', 'd']);
    expect(names({ until: 100 })).toEqual(['a']);
    expect(() => filesForFilter(manifest, { since: 'x' as unknown as number })).toThrow(NetworkflowError);
  });

  it('quoteColumn doubles embedded quotes', () => {
    expect(quoteColumn('timestamp')).toBe('"timestamp"');
    expect(quoteColumn('a"b')).toBe('"a""b"');
  });
});
