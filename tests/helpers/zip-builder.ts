/**
 * Test helper: writes zip archives byte by byte (local headers, data, data descriptors, central directory,
 * end record) so tests can craft every layout the streaming zip reader must handle — descriptors with and
 * without signature, ZIP64 sizes, odd methods and flags, wrong CRCs — and know where each entry's data lies.
 */
import { crc32, deflateRawSync } from 'node:zlib';

/** A data descriptor after the data: with or without its signature, 4- or 8-byte (ZIP64) sizes. */
export type DescriptorKind = 'signature' | 'bare' | 'signature64' | 'bare64';

export interface ZipEntrySpec {
  /** A string is written as UTF-8 with flag bit 11; bytes are written as is, without it. */
  name: string | Uint8Array;
  data: Uint8Array;
  /** 8 = deflate (default), 0 = stored, anything else is written as is. */
  method?: number;
  /** The compressed bytes as written (default: the data deflated at level 6, or stored). */
  body?: Uint8Array;
  /** Extra flags (bit 11 is set for string names). */
  flags?: number;
  /** A data descriptor after the data (flag bit 3); header CRC and sizes are then 0. */
  descriptor?: DescriptorKind;
  /** Sizes 0xFFFFFFFF in the header and the real ones in a ZIP64 extra field. */
  zip64Extra?: boolean;
  extra?: Uint8Array;
  /** The CRC-32 written to the header or descriptor (default: the data's). */
  crc?: number;
}

export interface BuiltZip {
  zip: Buffer;
  /** Where each entry's compressed data lies in the archive, in entry order. */
  ranges: { start: number; end: number }[];
}

export const le32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};

const le64 = (n: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
};

const DOS_DATE_1980_01_01 = 0x21;

/** Writes local headers, data, descriptors, a central directory and the end record, as the entries say. */
export function buildZip(entries: ZipEntrySpec[]): BuiltZip {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  const ranges: BuiltZip['ranges'] = [];
  let offset = 0;
  const add = (b: Uint8Array) => {
    parts.push(Buffer.from(b));
    offset += b.length;
  };
  for (const e of entries) {
    const method = e.method ?? 8;
    const body = Buffer.from(e.body ?? (method === 8 ? deflateRawSync(e.data, { level: 6 }) : e.data));
    // `>>> 0`: a CRC given by a test may be negative (e.g. `crc32(x) ^ 1` is a signed 32-bit result)
    const crc = (e.crc ?? crc32(e.data)) >>> 0;
    const name = typeof e.name === 'string' ? Buffer.from(e.name, 'utf8') : Buffer.from(e.name);
    const flags = (typeof e.name === 'string' ? 0x800 : 0) | (e.descriptor ? 0x08 : 0) | (e.flags ?? 0);
    const zip64 = e.zip64Extra || e.descriptor?.endsWith('64');
    const extra = Buffer.concat([
      zip64 ? Buffer.concat([Buffer.from([1, 0, 16, 0]), le64(e.descriptor ? 0 : e.data.length), le64(e.descriptor ? 0 : body.length)]) : Buffer.alloc(0),
      Buffer.from(e.extra ?? []),
    ]);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(zip64 ? 45 : 20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(DOS_DATE_1980_01_01, 12);
    if (!e.descriptor) {
      local.writeUInt32LE(crc, 14);
      local.writeUInt32LE(zip64 ? 0xffffffff : body.length, 18);
      local.writeUInt32LE(zip64 ? 0xffffffff : e.data.length, 22);
    } else if (zip64) {
      local.writeUInt32LE(0xffffffff, 18);
      local.writeUInt32LE(0xffffffff, 22);
    }
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(extra.length, 28);
    const headerAt = offset;
    add(Buffer.concat([local, name, extra]));
    ranges.push({ start: offset, end: offset + body.length });
    add(body);
    if (e.descriptor) {
      const wide = e.descriptor.endsWith('64');
      const size = (n: number) => (wide ? le64(n) : le32(n));
      add(Buffer.concat([e.descriptor.startsWith('signature') ? le32(0x08074b50) : Buffer.alloc(0), le32(crc), size(body.length), size(e.data.length)]));
    }
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(flags, 8);
    cd.writeUInt16LE(method, 10);
    cd.writeUInt16LE(DOS_DATE_1980_01_01, 14);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(body.length, 20);
    cd.writeUInt32LE(e.data.length, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(headerAt, 42);
    central.push(cd, name);
  }
  const cdAt = offset;
  const cdBytes = Buffer.concat(central);
  add(cdBytes);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cdBytes.length, 12);
  end.writeUInt32LE(cdAt, 16);
  add(end);
  return { zip: Buffer.concat(parts), ranges };
}
