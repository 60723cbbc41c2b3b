import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Random } from '../../src/generate/random.js';
import { NetworkflowError } from '../../src/model/index.js';
import { brotliCompressSync, brotliDecompressSync } from 'node:zlib';
import { decodeIpCountryPack } from '../../src/sources/ip-country-pack.js';
import {
  formatIPv4,
  isSpecialIPv4,
  loadIpCountryDb,
  loadIpCountryDbFrom,
  loadIpCountryPack,
  parseIPv4,
  writeIpCountryPack,
  type IpCountryDb,
} from '../../src/sources/ip-country.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'nf-ipc-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('loadIpCountryDb (the installed @ip-location-db data)', () => {
  it('is loaded once per process', async () => {
    expect(loadIpCountryDb()).toBe(loadIpCountryDb());
    const db = await loadIpCountryDb();
    expect(db.rangeCount.ipv4).toBeGreaterThan(100_000);
    expect(db.rangeCount.ipv6).toBeGreaterThan(100_000);
    expect(db.countries.length).toBeGreaterThan(200);
    expect(db.countries).toContain('DE');
  });

  it('looks up known IPv4 addresses (1.0.0.0/24 is AU in the data file) and range edges', async () => {
    const db = await loadIpCountryDb();
    expect(db.lookup('1.0.0.1')).toBe('AU');
    expect(db.lookup('1.0.0.0')).toBe('AU'); // first address of the first range
    expect(db.lookup('1.0.0.255')).toBe('AU'); // last address of it
    expect(db.lookup('1.0.1.0')).toBe('CN'); // next range
    expect(db.lookup('0.255.255.255')).toBeNull(); // before every range
    expect(db.lookup('8.8.8.8')).toBe('US');
  });

  it('returns null for special-purpose space (even where the data gives it a country), and for text that is not an address', async () => {
    const db = await loadIpCountryDb();
    // the whois-derived data lists 172.16/12 and 192.168/16 as AU: private space still gives null
    for (const ip of ['10.1.2.3', '172.16.0.1', '172.31.255.254', '192.168.1.1', '100.64.0.1', '127.0.0.1', '169.254.1.1', '192.0.2.1', '198.51.100.1', '203.0.113.9', '224.0.0.1', '255.255.255.255']) expect(db.lookup(ip)).toBeNull();
    for (const ip of ['::', '::1', 'fd00::1', 'fe80::1', 'ff02::1', '2001:db8::1']) expect(db.lookup(ip)).toBeNull();
    expect(db.lookup('172.32.0.1')).not.toBeNull(); // just past 172.16/12
    expect(isSpecialIPv4(parseIPv4('172.15.255.255'))).toBe(false);
    for (const bad of ['', 'x', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1..2.3', '1.2.3.', '1234.1.1.1', 'g::1', '1::2::3', '1:2:3:4:5:6:7:8:9', '::1.2.3.999']) expect(db.lookup(bad)).toBeNull();
  });

  it('looks up IPv6 addresses, compressed, full, with a zone or an IPv4 tail', async () => {
    const db = await loadIpCountryDb();
    expect(db.lookup('2001:4860:4860::8888')).toBe('US');
    expect(db.lookup('2001:4860:4860:0:0:0:0:8888')).toBe('US');
    expect(db.lookup('2001:4860:4860::8888%eth0')).toBe('US');
    expect(db.lookup('2001:2::1')).toBe('JP'); // the file's first range (2001:2::/48)
    expect(db.lookup('2001:4860:4860::1.2.3.4')).toBe('US');
    expect(db.lookup('::')).toBeNull();
  });

  it('draws random addresses that the data places in the asked country, deterministically for a seed', async () => {
    const db = await loadIpCountryDb();
    for (const cc of ['DE', 'US', 'JP', 'BR', 'KP', 'ZA', 'AU']) {
      const r = new Random(5);
      const got = Array.from({ length: 200 }, () => db.randomAddress(cc, () => r.next()));
      for (const ip of got) expect(db.lookup(ip), ip).toBe(cc);
      const again = new Random(5);
      expect(Array.from({ length: 200 }, () => db.randomAddress(cc, () => again.next()))).toEqual(got);
      expect(new Set(got).size).toBeGreaterThan(150);
    }
  });

  it('refuses a country the data does not have', async () => {
    const db = await loadIpCountryDb();
    expect(() => db.randomAddress('QQ', Math.random)).toThrow(NetworkflowError);
    expect(() => db.randomAddress('QQ', Math.random)).toThrow(/no IPv4 range for 'QQ'/);
  });
});

describe('loadIpCountryDbFrom (small files)', () => {
  const write = (dir: string, v4: string, v6: string) => {
    writeFileSync(path.join(dir, 'geo-whois-asn-country-ipv4-num.csv'), v4);
    writeFileSync(path.join(dir, 'geo-whois-asn-country-ipv6-num.csv'), v6);
  };

  it('reads CRLF lines, a last line without newline, and single-address ranges', async () => {
    const dir = mkdtempSync(path.join(tmp, 'ok-'));
    write(dir, `${parseIPv4('5.0.0.0')},${parseIPv4('5.0.0.255')},FR\r\n${parseIPv4('6.0.0.1')},${parseIPv4('6.0.0.1')},IT`, `${1n << 125n},${(1n << 125n) + 10n},SE\n`);
    const db = await loadIpCountryDbFrom(dir);
    expect(db.rangeCount).toEqual({ ipv4: 2, ipv6: 1 });
    expect(db.countries).toEqual(['FR', 'IT']);
    expect(db.lookup('5.0.0.7')).toBe('FR');
    expect(db.lookup('6.0.0.1')).toBe('IT');
    expect(db.lookup('6.0.0.2')).toBeNull();
    expect(db.lookup('2000::5')).toBe('SE');
    expect(db.lookup('2000::b')).toBeNull();
    expect(db.randomAddress('IT', () => 0.5)).toBe('6.0.0.1');
    // a /24 never yields its .0 or .255
    expect(db.randomAddress('FR', () => 0)).toBe('5.0.0.1');
    expect(db.randomAddress('FR', () => 0.9999999)).toBe('5.0.0.254');
  });

  it('nested and overlapping ranges: the more specific one wins, the outer one continues after it', async () => {
    const dir = mkdtempSync(path.join(tmp, 'nested-'));
    const n = (ip: string) => parseIPv4(ip);
    write(
      dir,
      [
        `${n('5.0.0.0')},${n('5.0.255.255')},FR`,
        `${n('5.0.1.0')},${n('5.0.1.255')},IT`,
        `${n('5.0.1.0')},${n('5.0.1.0')},ES`,
        `${n('5.0.200.0')},${n('5.1.0.255')},DE`,
        `${n('7.0.0.0')},${n('7.0.0.255')},SE`,
        '',
      ].join('\n'),
      `${1n << 125n},${(1n << 125n) + 100n},JP\n${(1n << 125n) + 10n},${(1n << 125n) + 20n},KR\n`,
    );
    const db = await loadIpCountryDbFrom(dir);
    const expected: Record<string, string | null> = {
      '5.0.0.9': 'FR', '5.0.1.0': 'ES', '5.0.1.1': 'IT', '5.0.1.255': 'IT', '5.0.2.0': 'FR', '5.0.199.255': 'FR',
      '5.0.200.1': 'DE', '5.1.0.255': 'DE', '5.1.1.0': null, '6.0.0.0': null, '7.0.0.5': 'SE',
      '2000::9': 'JP', '2000::a': 'KR', '2000::14': 'KR', '2000::15': 'JP', '2000::64': 'JP', '2000::65': null,
    };
    for (const [ip, cc] of Object.entries(expected)) expect(db.lookup(ip), ip).toBe(cc);
  });

  it('grows past its initial capacity', async () => {
    const dir = mkdtempSync(path.join(tmp, 'big-'));
    const lines: string[] = [];
    for (let i = 0; i < 70_000; i++) lines.push(`${i * 256 + 16777216},${i * 256 + 16777216 + 255},${i % 2 ? 'AA' : 'BB'}`);
    const v6: string[] = [];
    for (let i = 0; i < 70_000; i++) v6.push(`${(1n << 100n) * BigInt(i + 1)},${(1n << 100n) * BigInt(i + 1) + 5n},CC`);
    write(dir, `${lines.join('\n')}\n`, `${v6.join('\n')}\n`);
    const db = await loadIpCountryDbFrom(dir);
    expect(db.rangeCount).toEqual({ ipv4: 70_000, ipv6: 70_000 });
    expect(db.lookup(formatIPv4(69_999 * 256 + 16777216 + 3))).toBe('AA');
  });

  it('names the file and line of a corrupt row, and a missing file', async () => {
    const dir = mkdtempSync(path.join(tmp, 'bad-'));
    write(dir, '1,2,AU\nnot a range\n', '');
    await expect(loadIpCountryDbFrom(dir)).rejects.toThrow(/ipv4-num\.csv line 2: expected start,end,country/);
    write(dir, '1,2,AU\n9,3,AU\n', '');
    await expect(loadIpCountryDbFrom(dir)).rejects.toThrow(/ipv4-num\.csv line 2: expected start,end,country/);
    await expect(loadIpCountryDbFrom(path.join(tmp, 'nowhere'))).rejects.toThrow(/cannot read .*nowhere/);
  });
});

describe('the compact pack (what the build ships instead of 25 MB of CSV)', () => {
  it('answers every lookup and draw exactly as the CSV data does, at a fraction of the size', async () => {
    const file = path.join(tmp, 'full.br');
    const written = await writeIpCountryPack(file);
    const csv = await loadIpCountryDb();
    const pack = await loadIpCountryPack(file);
    expect(written).toMatchObject({ ipv4: csv.rangeCount.ipv4, ipv6: csv.rangeCount.ipv6 });
    expect(written.bytes).toBeLessThan(1.5e6); // the CSV files are 25 MB
    expect(pack.rangeCount).toEqual(csv.rangeCount);
    expect(pack.countries).toEqual(csv.countries);
    const r = new Random(11);
    const samples: string[] = [];
    for (let i = 0; i < 200_000; i++) samples.push(formatIPv4(Math.floor(r.next() * 2 ** 32)));
    for (let i = 0; i < 20_000; i++) {
      const g = () => Math.floor(r.next() * 0x10000).toString(16);
      samples.push(`2${Math.floor(r.next() * 4).toString(16)}${g().slice(0, 2)}:${g()}:${g()}::${g()}`);
    }
    const mismatches = samples.filter((ip) => pack.lookup(ip) !== csv.lookup(ip));
    expect(mismatches).toEqual([]);
    expect(samples.filter((ip) => pack.lookup(ip) !== null).length).toBeGreaterThan(100_000); // the sample hits real ranges
    for (const cc of ['DE', 'US', 'BR', 'KP']) {
      const a = new Random(3);
      const b = new Random(3);
      expect(Array.from({ length: 50 }, () => pack.randomAddress(cc, () => a.next()))).toEqual(Array.from({ length: 50 }, () => csv.randomAddress(cc, () => b.next())));
    }
  });

  it('round-trips small data: nested ranges flattened, IPv6 halves, a folder without package.json', async () => {
    const dir = mkdtempSync(path.join(tmp, 'packsmall-'));
    const n = (ip: string) => parseIPv4(ip);
    writeFileSync(path.join(dir, 'geo-whois-asn-country-ipv4-num.csv'), `${n('5.0.0.0')},${n('5.0.255.255')},FR\n${n('5.0.1.0')},${n('5.0.1.255')},IT\n${n('255.255.255.0')},${n('255.255.255.255')},ZA\n`);
    const top = (1n << 128n) - 1n;
    writeFileSync(path.join(dir, 'geo-whois-asn-country-ipv6-num.csv'), `0,5,SE\n${(1n << 64n) - 3n},${(1n << 64n) + 3n},JP\n${top - 9n},${top},NZ\n`);
    const file = path.join(dir, 'small.br');
    await writeIpCountryPack(file, dir);
    const [csv, pack]: IpCountryDb[] = await Promise.all([loadIpCountryDbFrom(dir), loadIpCountryPack(file)]);
    for (const ip of ['5.0.0.1', '5.0.1.1', '5.0.2.1', '5.1.0.0', '4.255.255.255', '::6', '::ffff:ffff:ffff:fffd', '0:0:0:1::3', '0:0:0:1::4', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff6', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff5']) {
      expect(pack.lookup(ip), ip).toBe(csv.lookup(ip));
    }
    expect(pack.lookup('5.0.1.1')).toBe('IT');
    expect(pack.lookup('0:0:0:1::3')).toBe('JP');
    expect(pack.rangeCount).toEqual({ ipv4: 4, ipv6: 3 });
  });

  it('refuses a damaged or foreign file, naming it', async () => {
    const dir = mkdtempSync(path.join(tmp, 'packbad-'));
    writeFileSync(path.join(dir, 'geo-whois-asn-country-ipv4-num.csv'), '16777216,16777471,AU\n');
    writeFileSync(path.join(dir, 'geo-whois-asn-country-ipv6-num.csv'), '');
    const good = path.join(dir, 'good.br');
    await writeIpCountryPack(good, dir);
    const raw = brotliDecompressSync(readFileSync(good));
    const variant = (name: string, edit: (b: Buffer) => Buffer) => {
      const f = path.join(dir, name);
      writeFileSync(f, brotliCompressSync(edit(Buffer.from(raw))));
      return f;
    };
    await expect(loadIpCountryPack(path.join(dir, 'missing.br'))).rejects.toThrow(/cannot read the IP-to-country data .*missing\.br/);
    writeFileSync(path.join(dir, 'plain.br'), 'not brotli at all');
    await expect(loadIpCountryPack(path.join(dir, 'plain.br'))).rejects.toThrow(/plain\.br is not a usable IP-to-country pack: cannot decompress/);
    await expect(loadIpCountryPack(variant('magic.br', (b) => (b.write('XXXXXXXX', 0, 'latin1'), b)))).rejects.toThrow(/no NFIPCTRY header/);
    await expect(loadIpCountryPack(variant('short.br', () => Buffer.from('NFIPCT')))).rejects.toThrow(/no NFIPCTRY header/);
    await expect(loadIpCountryPack(variant('version.br', (b) => (b.writeUInt32LE(9, 8), b)))).rejects.toThrow(/version 9, this build reads 1/);
    await expect(loadIpCountryPack(variant('json.br', (b) => (b.write('!', 16, 'latin1'), b)))).rejects.toThrow(/header is not JSON/);
    await expect(loadIpCountryPack(variant('cut.br', (b) => b.subarray(0, b.length - 8)))).rejects.toThrow(/length does not match 1 IPv4 and 0 IPv6 ranges/);
    const country = variant('country.br', (b) => {
      b.writeUInt16LE(7, b.length - 8 + 8 - 2 - 6); // the one IPv4 range's country index (10 bytes of range, padded to 16)
      return b;
    });
    await expect(loadIpCountryPack(country)).rejects.toThrow(/country index 7 outside its 1 codes/);
    expect(() => decodeIpCountryPack(new Uint8Array([1, 2, 3]), 'x.br')).toThrow(/x\.br is not a usable/);
  });
});
