import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { epochToMs, formatTimestamp, parsePort, parseTimestamp, parseUint } from '../../src/parsers/values.js';
import { normalizeIp, isIPv4, ipv4End, ipv4EndBytes } from '../../src/parsers/ip.js';
import { protocolFromNumber, protocolFromText } from '../../src/model/protocol.js';

describe('parseTimestamp', () => {
  it('reads ISO 8601 / RFC 3339 in its common spellings', () => {
    const t = Date.UTC(2024, 4, 1, 10, 20, 30);
    expect(parseTimestamp('2024-05-01T10:20:30Z')).toBe(t);
    expect(parseTimestamp('2024-05-01 10:20:30')).toBe(t);
    expect(parseTimestamp('2024-05-01T10:20:30.5Z')).toBe(t + 500);
    expect(parseTimestamp('2024-05-01T12:20:30+02:00')).toBe(t);
    expect(parseTimestamp('2024-05-01T05:20:30-0500')).toBe(t);
    expect(parseTimestamp('2024-05-01T10:20:30 UTC')).toBe(t);
    expect(parseTimestamp('2024-05-01')).toBe(Date.UTC(2024, 4, 1));
    expect(parseTimestamp('0099-01-01T00:00:00Z')).toBe(new Date('0099-01-01T00:00:00Z').getTime());
  });

  it('truncates sub-millisecond digits instead of rounding into the next second', () => {
    expect(parseTimestamp('2019-06-14T03:45:37.999999999Z')).toBe(Date.UTC(2019, 5, 14, 3, 45, 37, 999));
    expect(parseTimestamp('2019-06-14T03:45:37.186193305Z')).toBe(Date.UTC(2019, 5, 14, 3, 45, 37, 186));
  });

  it('counts a leap second into the next minute on any day, and rejects impossible dates', () => {
    expect(parseTimestamp('2016-12-31T23:59:60Z')).toBe(Date.UTC(2017, 0, 1));
    expect(parseTimestamp('2024-04-30T23:59:60Z')).toBe(Date.UTC(2024, 4, 1));
    for (const bad of ['2024-04-31T00:00:00Z', '2023-02-29', '2024-13-01', '2024-01-01T24:00:00Z', '2024-01-01T00:60:00Z', 'yesterday', '', '2024-01-01T00:00:61Z']) {
      expect(parseTimestamp(bad), bad).toBeNull();
    }
  });

  it('reads epoch numbers by magnitude: s, ms, µs, ns', () => {
    expect(parseTimestamp('1714557600')).toBe(1714557600000);
    expect(parseTimestamp('1714557600.25')).toBe(1714557600250);
    expect(parseTimestamp('1714557600123')).toBe(1714557600123);
    expect(parseTimestamp('1714557600123456')).toBe(1714557600123);
    expect(parseTimestamp('1714557600123456789')).toBe(1714557600123);
    expect(epochToMs('164000066')).toBe(164000066000);
  });

  it('round-trips any millisecond instant through formatTimestamp', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4102444800000 }), (ms) => {
        expect(parseTimestamp(formatTimestamp(ms) as string)).toBe(ms);
      }),
    );
    expect(formatTimestamp(null)).toBeNull();
  });
});

describe('number fields', () => {
  it('parses ports and unsigned integers, rejecting anything else', () => {
    expect(parsePort('443')).toBe(443);
    expect(parsePort('65535')).toBe(65535);
    expect(parsePort('65536')).toBeNull();
    expect(parsePort('-1')).toBeNull();
    expect(parsePort('')).toBeNull();
    expect(parseUint('12345678901234567')).toBeNull(); // beyond 2^53
    expect(parseUint('1234567890123456')).toBe(1234567890123456);
    expect(parseUint('00012')).toBe(12);
    expect(parseUint('1e3')).toBeNull();
  });
});

describe('normalizeIp', () => {
  it('keeps valid IPv4 and rejects near misses', () => {
    expect(normalizeIp('10.0.0.1')).toBe('10.0.0.1');
    for (const bad of ['10.0.0', '10.0.0.256', '01.2.3.4', '1.2.3.4.5', 'a.b.c.d', '']) expect(normalizeIp(bad), bad).toBeNull();
    expect(isIPv4('255.255.255.255')).toBe(true);
  });

  it('scans an IPv4 address up to a delimiter in text and in bytes, agreeing with isIPv4', () => {
    expect(ipv4End('x,10.0.0.1,y', 2, 12, 44)).toBe(10);
    expect(ipv4End('10.0.0.1', 0, 8, 44)).toBe(8);
    expect(ipv4EndBytes(new TextEncoder().encode('1.2.3.4 rest'), 0, 12, 32)).toBe(7);
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9.]{0,17}$/), (cell) => {
        const line = `${cell},tail`;
        const valid = isIPv4(cell);
        expect(ipv4End(line, 0, line.length, 44)).toBe(valid ? cell.length : -1);
        expect(ipv4EndBytes(new TextEncoder().encode(line), 0, line.length, 44)).toBe(valid ? cell.length : -1);
      }),
      { numRuns: 500 },
    );
  });

  it('writes IPv6 in RFC 5952 form', () => {
    expect(normalizeIp('2001:0DB8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8::1');
    expect(normalizeIp('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(normalizeIp('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1');
    expect(normalizeIp('::')).toBe('::');
    expect(normalizeIp('::1')).toBe('::1');
    expect(normalizeIp('fe80::1%eth0')).toBe('fe80::1');
    expect(normalizeIp('::ffff:192.0.2.1')).toBe('::ffff:192.0.2.1');
    expect(normalizeIp('::ffff:c000:0201')).toBe('::ffff:192.0.2.1');
    for (const bad of ['1::2::3', '12345::', 'g::1', '1:2:3:4:5:6:7:8:9', '1:2:3', ':::']) expect(normalizeIp(bad), bad).toBeNull();
  });

  it('agrees with the WHATWG URL serializer (RFC 5952 compression) on random addresses', () => {
    const group = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
    fc.assert(
      fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), fc.boolean(), (groups, upper) => {
        if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) return; // v4-mapped: we keep the dotted tail
        let text = groups.map((g) => g.toString(16).padStart(4, '0')).join(':');
        if (upper) text = text.toUpperCase();
        const reference = new URL(`http://[${text}]/`).hostname.slice(1, -1);
        expect(normalizeIp(text)).toBe(reference);
        expect(normalizeIp(reference)).toBe(reference);
      }),
      { numRuns: 500 },
    );
  });
});

describe('protocols', () => {
  it('maps IANA numbers and names', () => {
    expect(protocolFromNumber(6)).toBe('TCP');
    expect(protocolFromNumber(17)).toBe('UDP');
    expect(protocolFromNumber(1)).toBe('ICMP');
    expect(protocolFromNumber(58)).toBe('ICMPv6');
    expect(protocolFromNumber(47)).toBe('47');
    expect(protocolFromNumber(256)).toBeNull();
    expect(protocolFromText('tcp')).toBe('TCP');
    expect(protocolFromText('U')).toBe('UDP');
    expect(protocolFromText('ipv6-icmp')).toBe('ICMPv6');
    expect(protocolFromText('6')).toBe('TCP');
    expect(protocolFromText('1234')).toBeNull();
    expect(protocolFromText('bogus')).toBeNull();
    expect(protocolFromText(' ')).toBeNull();
  });
});
