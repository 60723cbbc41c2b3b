/**
 * The IP-to-country ranges in a compact binary form, so the container image and the package carry ~0.6 MB
 * instead of the 25 MB of CSV in @ip-location-db (which then is a build-time dependency only). Written by
 * the build (scripts/build-ip-data.mjs → dist/data/ip-country.br), read by src/sources/ip-country.ts.
 *
 * Layout, all little-endian, then Brotli-compressed as a whole:
 *   "NFIPCTRY" · u32 version (1) · u32 header length · header JSON {codes, ipv4, ipv6, source} · zero pad to 8
 *   IPv4 (n4 ranges): u32 gap before each range (start − previous end − 1) · u32 size − 1 · u16 country
 *   pad to 8 · IPv6 (n6 ranges): u64 gap hi, gap lo, length hi, length lo (each a column of n6) · u16 country
 * Ranges are the flattened, non-overlapping ones, sorted; storing gaps and lengths instead of addresses
 * makes the columns mostly small numbers, which is what lets Brotli shrink 10.7 MB to ~0.6 MB (quality 9:
 * 0.3 s; quality 11 would save 120 KB more for 10 s of every build).
 */
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';

/** Sorted non-overlapping ranges: IPv4 as Uint32 starts/ends, IPv6 as 64-bit halves, countries as code indexes. */
export interface IpRangeTable {
  count: number;
  v4Start: Uint32Array;
  v4End: Uint32Array;
  /** IPv6 only: startHi, startLo, endHi, endLo. */
  v6: BigUint64Array[];
  country: Uint16Array;
}

export interface IpCountryData {
  v4: IpRangeTable;
  v6: IpRangeTable;
  /** Country codes, indexed by `country` values. */
  codes: string[];
}

const MAGIC = 'NFIPCTRY';
const VERSION = 1;
const MASK64 = (1n << 64n) - 1n;

interface Header {
  codes: string[];
  ipv4: number;
  ipv6: number;
  source: string;
}

/** `source` names the data's origin and version (kept in the header for `strings`-level provenance). */
export function encodeIpCountryPack(data: IpCountryData, source: string): Buffer {
  const header = Buffer.from(JSON.stringify({ codes: data.codes, ipv4: data.v4.count, ipv6: data.v6.count, source } satisfies Header), 'utf8');
  const n4 = data.v4.count;
  const n6 = data.v6.count;
  const headLen = pad8(8 + 4 + 4 + header.length);
  const v4Len = n4 * 10;
  const total = headLen + pad8(v4Len) + n6 * 34;
  const out = Buffer.alloc(total);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(VERSION, 8);
  out.writeUInt32LE(header.length, 12);
  header.copy(out, 16);
  let pos = headLen;
  let prevEnd = -1;
  for (let i = 0; i < n4; i++) {
    out.writeUInt32LE(data.v4.v4Start[i] - prevEnd - 1, pos + 4 * i);
    out.writeUInt32LE(data.v4.v4End[i] - data.v4.v4Start[i], pos + 4 * (n4 + i));
    out.writeUInt16LE(data.v4.country[i], pos + 8 * n4 + 2 * i);
    prevEnd = data.v4.v4End[i];
  }
  pos += pad8(v4Len);
  const [sHi, sLo, eHi, eLo] = data.v6.v6;
  let prev = -1n; // the previous range's end (−1: the first gap counts from 0)
  for (let i = 0; i < n6; i++) {
    const start = (sHi[i] << 64n) | sLo[i];
    const end = (eHi[i] << 64n) | eLo[i];
    const gap = start - prev - 1n;
    const length = end - start;
    out.writeBigUInt64LE(gap >> 64n, pos + 8 * i);
    out.writeBigUInt64LE(gap & MASK64, pos + 8 * (n6 + i));
    out.writeBigUInt64LE(length >> 64n, pos + 8 * (2 * n6 + i));
    out.writeBigUInt64LE(length & MASK64, pos + 8 * (3 * n6 + i));
    out.writeUInt16LE(data.v6.country[i], pos + 32 * n6 + 2 * i);
    prev = end;
  }
  return brotliCompressSync(out, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 9, [constants.BROTLI_PARAM_LGWIN]: 24, [constants.BROTLI_PARAM_SIZE_HINT]: out.length },
  });
}

/** Reads a pack; `name` (the file) goes into the error of a damaged or foreign file. */
export function decodeIpCountryPack(packed: Uint8Array, name: string): IpCountryData {
  const fail = (why: string): never => {
    throw new Error(`${name} is not a usable IP-to-country pack: ${why}`);
  };
  let buf: Buffer;
  try {
    buf = brotliDecompressSync(packed);
  } catch (err) {
    return fail(`cannot decompress it (${(err as Error).message})`);
  }
  if (buf.length < 16 || buf.toString('latin1', 0, 8) !== MAGIC) return fail('no NFIPCTRY header');
  const version = buf.readUInt32LE(8);
  if (version !== VERSION) return fail(`version ${version}, this build reads ${VERSION}`);
  const headerLength = buf.readUInt32LE(12);
  let header: Header;
  try {
    header = JSON.parse(buf.toString('utf8', 16, 16 + headerLength)) as Header;
  } catch {
    return fail('its header is not JSON');
  }
  const { codes, ipv4: n4, ipv6: n6 } = header;
  const headLen = pad8(16 + headerLength);
  if (buf.length !== headLen + pad8(n4 * 10) + n6 * 34) return fail(`its length does not match ${n4} IPv4 and ${n6} IPv6 ranges`);

  let pos = headLen;
  const v4Start = new Uint32Array(n4);
  const v4End = new Uint32Array(n4);
  const country4 = new Uint16Array(n4);
  let prevEnd = -1;
  for (let i = 0; i < n4; i++) {
    v4Start[i] = prevEnd + 1 + buf.readUInt32LE(pos + 4 * i);
    v4End[i] = v4Start[i] + buf.readUInt32LE(pos + 4 * (n4 + i));
    country4[i] = buf.readUInt16LE(pos + 8 * n4 + 2 * i);
    prevEnd = v4End[i];
  }
  pos += pad8(n4 * 10);
  const cols = [0, 1, 2, 3].map(() => new BigUint64Array(n6));
  const country6 = new Uint16Array(n6);
  let prev = -1n;
  for (let i = 0; i < n6; i++) {
    const gap = (buf.readBigUInt64LE(pos + 8 * i) << 64n) | buf.readBigUInt64LE(pos + 8 * (n6 + i));
    const length = (buf.readBigUInt64LE(pos + 8 * (2 * n6 + i)) << 64n) | buf.readBigUInt64LE(pos + 8 * (3 * n6 + i));
    const start = prev + 1n + gap;
    const end = start + length;
    cols[0][i] = start >> 64n;
    cols[1][i] = start & MASK64;
    cols[2][i] = end >> 64n;
    cols[3][i] = end & MASK64;
    country6[i] = buf.readUInt16LE(pos + 32 * n6 + 2 * i);
    prev = end;
  }
  let maxCountry = -1;
  for (const c of country4) maxCountry = Math.max(maxCountry, c);
  for (const c of country6) maxCountry = Math.max(maxCountry, c);
  if (maxCountry >= codes.length) fail(`country index ${maxCountry} outside its ${codes.length} codes`);
  return {
    v4: { count: n4, v4Start, v4End, v6: [], country: country4 },
    v6: { count: n6, v4Start: new Uint32Array(0), v4End: new Uint32Array(0), v6: cols, country: country6 },
    codes,
  };
}

function pad8(n: number): number {
  return Math.ceil(n / 8) * 8;
}
