/**
 * Offline IP → country data (the npm package @ip-location-db/geo-whois-asn-country, CC0): used by the
 * generator to draw truthful public addresses of a country and by the analyzer for geo lookups.
 *
 * Where it is read from, first found: the compact pack the build writes (dist/data/ip-country.br, ~0.6 MB,
 * see ip-country-pack.ts; what an installed package and the container image carry), else the package's two
 * `*-num.csv` files (`start,end,country`, integers; IPv6 as 128-bit decimals; 25 MB; a source checkout that
 * has not been built). Either way, once per process, into sorted typed arrays: IPv4 ranges as Uint32 pairs,
 * IPv6 ranges as 64-bit halves, countries as indexes into a small code table. A lookup is a binary search;
 * no strings are kept per range.
 *
 * `lookup` returns null for special-purpose addresses (RFC 6890: private 10/8, 172.16/12, 192.168/16, shared
 * 100.64/10, loopback, link-local, documentation, benchmarking, multicast, reserved; IPv6 ::, ::1, fc00::/7,
 * fe80::/10, ff00::/8, 2001:db8::/32) even where the whois-derived data assigns them a country (it puts
 * 172.16/12 and 192.168/16 in AU), and for space the data does not cover. The `flows` table writes `ZZ` for
 * those (DESIGN.md); that mapping belongs to the caller, so null stays distinguishable from a country.
 * `randomAddress` never draws a special-purpose address.
 */
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatIPv4, NetworkflowError, parseIPv4 } from '../model/index.js';
import { decodeIpCountryPack, encodeIpCountryPack, type IpCountryData, type IpRangeTable } from './ip-country-pack.js';

export { formatIPv4, parseIPv4 } from '../model/index.js';

export interface IpCountryDb {
  /** ISO 3166-1 alpha-2 code of the address's country, or null (private, reserved, unallocated, not an IP). */
  lookup(ip: string): string | null;
  /**
   * A random IPv4 address registered to `country` (ranges weighted by size, so large allocations come up
   * more often). `random` returns floats in [0, 1) (pass a seeded generator for deterministic output).
   * Throws when the data has no IPv4 range for the country.
   */
  randomAddress(country: string, random: () => number): string;
  /** Countries with at least one IPv4 range, sorted. */
  readonly countries: readonly string[];
  /** Number of IPv4 and IPv6 ranges loaded. */
  readonly rangeCount: { ipv4: number; ipv6: number };
}

const PACKAGE = '@ip-location-db/geo-whois-asn-country';
const V4_FILE = 'geo-whois-asn-country-ipv4-num.csv';
const V6_FILE = 'geo-whois-asn-country-ipv6-num.csv';

/** The pack the build writes: dist/data/ip-country.br beside dist/sources/ (absent when running from src/). */
export const DEFAULT_PACK_FILE = fileURLToPath(new URL('../data/ip-country.br', import.meta.url));

let cached: Promise<IpCountryDb> | null = null;

/** Loads the data (once per process; later calls share the same promise): the built pack, else the CSV files. */
export function loadIpCountryDb(): Promise<IpCountryDb> {
  cached ??= (existsSync(DEFAULT_PACK_FILE) ? loadIpCountryPack(DEFAULT_PACK_FILE) : loadFrom(dataFolder())).catch((err: unknown) => {
    cached = null; // let a later call try again
    throw err;
  });
  return cached;
}

/** Loads from a folder holding the two CSV files (for tests with small files; not cached). */
export async function loadIpCountryDbFrom(folder: string): Promise<IpCountryDb> {
  return loadFrom(folder);
}

/** Loads a pack written by `writeIpCountryPack` (not cached). */
export async function loadIpCountryPack(file: string): Promise<IpCountryDb> {
  let packed: Buffer;
  try {
    packed = await readFile(file);
  } catch (err) {
    throw new NetworkflowError('input-unreadable', `cannot read the IP-to-country data ${file}: ${(err as Error).message}`, `run 'npm run build'`);
  }
  let data: IpCountryData;
  try {
    data = decodeIpCountryPack(packed, file);
  } catch (err) {
    throw new NetworkflowError('input-unreadable', (err as Error).message, `run 'npm run build' to write it again`);
  }
  return new TypedIpCountryDb(data.v4, data.v6, data.codes);
}

/**
 * Reads the CSV files (default: the installed package) and writes them as a pack to `file` (atomically).
 * Returns the pack's size and range counts. The build runs this (scripts/build-ip-data.mjs).
 */
export async function writeIpCountryPack(file: string, csvFolder: string = dataFolder()): Promise<{ bytes: number; ipv4: number; ipv6: number }> {
  const data = await readCsvData(csvFolder);
  const packed = encodeIpCountryPack(data, packageLabel(csvFolder));
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, packed);
  await rename(temp, file);
  return { bytes: packed.length, ipv4: data.v4.count, ipv6: data.v6.count };
}

/** `name@version` of the CSV data's package, or the folder when it has no package.json (tests). */
function packageLabel(folder: string): string {
  try {
    const pkg = JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8')) as { name?: string; version?: string };
    return `${pkg.name ?? PACKAGE}@${pkg.version ?? '?'}`;
  } catch {
    return path.basename(folder);
  }
}

function dataFolder(): string {
  try {
    return path.dirname(createRequire(import.meta.url).resolve(`${PACKAGE}/package.json`));
    /* c8 ignore next 7 -- the package is a dependency; this is the message for a broken install */
  } catch (err) {
    throw new NetworkflowError(
      'input-unreadable',
      `the IP-to-country data (${PACKAGE}) is not installed: ${(err as Error).message}`,
      `run 'npm install' in the networkflow folder`,
    );
  }
}

async function loadFrom(folder: string): Promise<IpCountryDb> {
  const data = await readCsvData(folder);
  return new TypedIpCountryDb(data.v4, data.v6, data.codes);
}

async function readCsvData(folder: string): Promise<IpCountryData> {
  const codes = new CountryCodes();
  const [v4, v6] = await Promise.all([
    readRanges(path.join(folder, V4_FILE), codes, false),
    readRanges(path.join(folder, V6_FILE), codes, true),
  ]);
  return { v4, v6, codes: codes.list };
}

class CountryCodes {
  readonly list: string[] = [];
  private readonly index = new Map<string, number>();
  of(code: string): number {
    let i = this.index.get(code);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(code);
      this.index.set(code, i);
    }
    return i;
  }
}

/** Non-overlapping ranges of one file, sorted (see IpRangeTable). */
type Ranges = IpRangeTable;

const MASK64 = (1n << 64n) - 1n;

/** One range as read, before flattening. */
interface RawRanges<T> {
  starts: T[];
  ends: T[];
  countries: number[];
}

async function readRanges(file: string, codes: CountryCodes, ipv6: boolean): Promise<Ranges> {
  if (ipv6) {
    const raw = await readRaw(file, codes, BigInt);
    const flat = flatten(raw, (x) => x + 1n, (x) => x - 1n);
    const n = flat.countries.length;
    const cols = [0, 1, 2, 3].map(() => new BigUint64Array(n));
    for (let i = 0; i < n; i++) {
      cols[0][i] = flat.starts[i] >> 64n;
      cols[1][i] = flat.starts[i] & MASK64;
      cols[2][i] = flat.ends[i] >> 64n;
      cols[3][i] = flat.ends[i] & MASK64;
    }
    return { count: n, v4Start: new Uint32Array(0), v4End: new Uint32Array(0), v6: cols, country: Uint16Array.from(flat.countries) };
  }
  const raw = await readRaw(file, codes, Number);
  const flat = flatten(raw, (x) => x + 1, (x) => x - 1);
  return {
    count: flat.countries.length,
    v4Start: Uint32Array.from(flat.starts),
    v4End: Uint32Array.from(flat.ends),
    v6: [],
    country: Uint16Array.from(flat.countries),
  };
}

async function readRaw<T extends number | bigint>(file: string, codes: CountryCodes, parse: (text: string) => T): Promise<RawRanges<T>> {
  const raw: RawRanges<T> = { starts: [], ends: [], countries: [] };
  let lineNo = 0;
  const addLine = (line: string): void => {
    lineNo++;
    if (line.length === 0) return;
    const a = line.indexOf(',');
    const b = line.indexOf(',', a + 1);
    const code = line.slice(b + 1).trim();
    const start = a > 0 && b > a ? parseInteger(line.slice(0, a), parse) : null;
    const end = start !== null ? parseInteger(line.slice(a + 1, b), parse) : null;
    if (start === null || end === null || end < start || code.length !== 2) {
      throw new NetworkflowError('input-unreadable', `${file} line ${lineNo}: expected start,end,country, found ${JSON.stringify(line.slice(0, 80))}`, `reinstall ${PACKAGE}`);
    }
    raw.starts.push(start);
    raw.ends.push(end);
    raw.countries.push(codes.of(code));
  };
  let rest = '';
  try {
    for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
      const text = rest + (chunk as string);
      let pos = 0;
      for (let nl = text.indexOf('\n', pos); nl !== -1; nl = text.indexOf('\n', pos)) {
        addLine(text.slice(pos, nl > pos && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl));
        pos = nl + 1;
      }
      rest = text.slice(pos);
    }
  } catch (err) {
    if (err instanceof NetworkflowError) throw err;
    throw new NetworkflowError('input-unreadable', `cannot read ${file}: ${(err as Error).message}`, `reinstall ${PACKAGE}`);
  }
  addLine(rest);
  return raw;
}

function parseInteger<T>(text: string, parse: (text: string) => T): T | null {
  return /^\d+$/.test(text) ? parse(text) : null;
}

/**
 * The data nests ranges (a /24 of one country inside a /16 of another; ~7k in IPv4, ~700 in IPv6): cut them
 * into non-overlapping pieces where the more specific (later-starting) range wins, so one binary search
 * answers a lookup. Input sorted by start, as the files are.
 */
function flatten<T extends number | bigint>(raw: RawRanges<T>, inc: (x: T) => T, dec: (x: T) => T): RawRanges<T> {
  const out: RawRanges<T> = { starts: [], ends: [], countries: [] };
  const emit = (s: T, e: T, c: number) => {
    out.starts.push(s);
    out.ends.push(e);
    out.countries.push(c);
  };
  const stack: number[] = []; // indexes into raw; ends decrease towards the top
  let cursor: T | null = null; // first address not yet emitted
  const top = () => stack[stack.length - 1];
  const closeTop = () => {
    const t = top();
    if (cursor !== null && cursor <= raw.ends[t]) emit(cursor, raw.ends[t], raw.countries[t]);
    cursor = inc(raw.ends[t]);
    stack.pop();
  };
  for (let i = 0; i < raw.countries.length; i++) {
    const s = raw.starts[i];
    while (stack.length > 0 && raw.ends[top()] < s) closeTop();
    if (stack.length > 0 && cursor !== null && cursor < s) emit(cursor, dec(s), raw.countries[top()]);
    cursor = s;
    while (stack.length > 0 && raw.ends[top()] <= raw.ends[i]) stack.pop(); // covered by the new range
    stack.push(i);
  }
  while (stack.length > 0) closeTop();
  return out;
}

class TypedIpCountryDb implements IpCountryDb {
  readonly countries: readonly string[];
  readonly rangeCount: { ipv4: number; ipv6: number };
  /** Per country index: its IPv4 range indexes and the running total of their sizes (built on first use). */
  private readonly byCountry = new Map<string, { ranges: Uint32Array; cumulative: Float64Array }>();

  constructor(
    private readonly v4: Ranges,
    private readonly v6: Ranges,
    private readonly codes: readonly string[],
  ) {
    const seen = new Set<number>();
    for (let i = 0; i < v4.count; i++) seen.add(v4.country[i]);
    this.countries = [...seen].map((c) => codes[c]).sort();
    this.rangeCount = { ipv4: v4.count, ipv6: v6.count };
  }

  lookup(ip: string): string | null {
    const n4 = parseIPv4(ip);
    if (n4 >= 0) return isSpecialIPv4(n4) ? null : this.lookupV4(n4);
    const n6 = parseIPv6(ip);
    return n6 === null || isSpecialIPv6(n6[0], n6[1]) ? null : this.lookupV6(n6[0], n6[1]);
  }

  private lookupV4(n: number): string | null {
    const { v4Start, v4End, count } = this.v4;
    let lo = 0;
    let hi = count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (v4Start[mid] <= n) lo = mid + 1;
      else hi = mid - 1;
    }
    // hi: the last range starting at or before n
    return hi >= 0 && v4End[hi] >= n ? this.codes[this.v4.country[hi]] : null;
  }

  private lookupV6(nHi: bigint, nLo: bigint): string | null {
    const [sHi, sLo, eHi, eLo] = this.v6.v6;
    let lo = 0;
    let hi = this.v6.count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (sHi[mid] < nHi || (sHi[mid] === nHi && sLo[mid] <= nLo)) lo = mid + 1;
      else hi = mid - 1;
    }
    if (hi < 0) return null;
    const inside = eHi[hi] > nHi || (eHi[hi] === nHi && eLo[hi] >= nLo);
    return inside ? this.codes[this.v6.country[hi]] : null;
  }

  randomAddress(country: string, random: () => number): string {
    for (let attempt = 0; attempt < 1000; attempt++) {
      const n = this.drawV4(country, random);
      if (!isSpecialIPv4(n)) return formatIPv4(n);
    }
    /* c8 ignore next -- only a country whose every range is special-purpose space gets here */
    throw new NetworkflowError('bad-option', `the IP-to-country data has only special-purpose IPv4 space for '${country}'`);
  }

  private drawV4(country: string, random: () => number): number {
    const table = this.countryTable(country);
    const total = table.cumulative[table.cumulative.length - 1];
    const x = random() * total;
    // first range whose running total exceeds x
    let lo = 0;
    let hi = table.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (table.cumulative[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    const r = table.ranges[lo];
    const start = this.v4.v4Start[r];
    const size = this.v4.v4End[r] - start + 1;
    // avoid the .0 and .255 of a /24 so the address looks like a host
    let n = start + Math.floor(random() * size);
    if (size > 2 && (n & 255) === 0) n += 1;
    if (size > 2 && (n & 255) === 255) n -= 1;
    return n >>> 0;
  }

  private countryTable(country: string): { ranges: Uint32Array; cumulative: Float64Array } {
    let t = this.byCountry.get(country);
    if (t) return t;
    const code = this.codes.indexOf(country);
    const idx: number[] = [];
    if (code >= 0) for (let i = 0; i < this.v4.count; i++) if (this.v4.country[i] === code) idx.push(i);
    if (idx.length === 0) {
      throw new NetworkflowError('bad-option', `the IP-to-country data has no IPv4 range for '${country}'`, 'use an ISO 3166-1 alpha-2 code such as US, DE or JP');
    }
    const cumulative = new Float64Array(idx.length);
    let sum = 0;
    for (let k = 0; k < idx.length; k++) {
      sum += this.v4.v4End[idx[k]] - this.v4.v4Start[idx[k]] + 1;
      cumulative[k] = sum;
    }
    t = { ranges: Uint32Array.from(idx), cumulative };
    this.byCountry.set(country, t);
    return t;
  }
}

/** [network, prefix length] of the IPv4 special-purpose blocks (RFC 6890 and successors). */
const SPECIAL_V4: ReadonlyArray<readonly [number, number]> = [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15],
  ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
].map(([net, len]) => [parseIPv4(net as string), len as number] as const);

export function isSpecialIPv4(n: number): boolean {
  for (const [net, len] of SPECIAL_V4) if (Math.floor(n / 2 ** (32 - len)) === Math.floor(net / 2 ** (32 - len))) return true;
  return false;
}

function isSpecialIPv6(hi: bigint, lo: bigint): boolean {
  if (hi === 0n && lo <= 1n) return true; // :: and ::1
  const top16 = Number(hi >> 48n);
  if ((top16 & 0xfe00) === 0xfc00 || (top16 & 0xffc0) === 0xfe80 || (top16 & 0xff00) === 0xff00) return true;
  return hi >> 32n === 0x20010db8n;
}


/** IPv6 text (with `::` and an optional embedded IPv4 tail) → [high 64 bits, low 64 bits], or null. */
function parseIPv6(ip: string): [bigint, bigint] | null {
  if (ip.indexOf(':') === -1) return null;
  let text = ip;
  const zone = text.indexOf('%');
  if (zone !== -1) text = text.slice(0, zone);
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (s: string): number[] | null => {
    if (s === '') return [];
    const out: number[] = [];
    const parts = s.split(':');
    for (let k = 0; k < parts.length; k++) {
      const p = parts[k];
      if (k === parts.length - 1 && p.includes('.')) {
        const v4 = parseIPv4(p);
        if (v4 < 0) return null;
        out.push(v4 >>> 16, v4 & 0xffff);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) {
        out.push(parseInt(p, 16));
      } else {
        return null;
      }
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...head, ...new Array<number>(missing).fill(0), ...tail];
  let hi = 0n;
  let lo = 0n;
  for (let k = 0; k < 4; k++) hi = (hi << 16n) | BigInt(all[k]);
  for (let k = 4; k < 8; k++) lo = (lo << 16n) | BigInt(all[k]);
  return [hi, lo];
}
