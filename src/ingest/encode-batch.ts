/**
 * Flow records → the lake writer's columnar batches (store/column-batch.ts), in the parsing worker so the
 * writer thread only copies memory. Per row this is a handful of typed-array stores and one dictionary
 * lookup per text column (a last-value check first: most columns repeat row after row). The numeric IPv4
 * form is computed once per distinct address per batch. (Countries for inputs without geo columns are
 * filled by the writer, once per distinct address per flush, so the IP data is loaded in one thread only.)
 */
import { parseIPv4, type FlowRecord } from '../model/index.js';
import {
  DICTIONARY_COLUMNS,
  validityBytes,
  type ColumnBatch,
  type DictionaryColumn,
  type DictionaryColumnName,
  type NumericColumn,
  type NumericColumnName,
} from '../store/column-batch.js';

export const DEFAULT_BATCH_ROWS = 32_768;

const TWO_32 = 4294967296;
const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 86_400_000;

/** A per-batch string dictionary with a last-value shortcut. */
class Dictionary {
  readonly values: string[] = [];
  readonly codes: Uint32Array;
  validity: Uint8Array | null = null;
  protected readonly index = new Map<string, number>();
  private last: string | null = null;
  private lastCode = 0;
  constructor(protected readonly capacity: number) {
    this.codes = new Uint32Array(capacity);
  }
  /** Sets row `row` to `value` (null → not valid); returns the value's code (-1 for null). */
  set(row: number, value: string | null): number {
    if (value === null) {
      this.setNull(row);
      return -1;
    }
    let code: number;
    if (value === this.last) {
      code = this.lastCode;
    } else {
      const known = this.index.get(value);
      code = known === undefined ? this.add(value) : known;
      this.last = value;
      this.lastCode = code;
    }
    this.codes[row] = code;
    return code;
  }
  /** A new value's code. */
  protected add(value: string): number {
    const code = this.values.length;
    this.values.push(value);
    this.index.set(value, code);
    return code;
  }
  setNull(row: number): void {
    this.validity ??= allValid(this.capacity);
    this.validity[row >> 3] &= ~(1 << (row & 7));
    this.codes[row] = 0;
  }
  column(rows: number): DictionaryColumn {
    return { values: this.values, codes: this.codes.subarray(0, rows), validity: this.validity?.subarray(0, validityBytes(rows)) ?? null };
  }
}

/**
 * The dictionary of an address column: IPv4 text is looked up by its 32-bit value (a small-integer map key:
 * no string hashing for the fresh strings a parser makes per row), other text by the string.
 */
class AddressDictionary extends Dictionary {
  private readonly byNumber = new Map<number, number>();
  /** Sets the row's address; returns its IPv4 number, or -1 (IPv6, not an address) and -2 (null). */
  setAddress(row: number, value: string | null): number {
    if (value === null) {
      this.setNull(row);
      return -2;
    }
    const n = parseIPv4(value);
    if (n < 0) {
      this.set(row, value);
      return -1;
    }
    let code = this.byNumber.get(n | 0);
    if (code === undefined) {
      code = this.add(value);
      this.byNumber.set(n | 0, code);
    }
    this.codes[row] = code;
    return n;
  }
}

function allValid(rows: number): Uint8Array {
  return new Uint8Array(validityBytes(rows)).fill(0xff);
}

const dateCache = new Map<number, string>();
function dateOfDay(day: number): string {
  let s = dateCache.get(day);
  if (s === undefined) {
    s = new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
    dateCache.set(day, s);
  }
  return s;
}

type AttributesKey = Record<string, unknown>;

export interface EncoderOptions {
  capacity?: number;
}

export class BatchEncoder {
  readonly capacity: number;
  private rows = 0;
  private minTime = Infinity;
  private maxTime = -Infinity;
  // numeric columns
  private readonly ts: Int32Array;
  private readonly endTime: Int32Array;
  private readonly srcPort: Int32Array;
  private readonly dstPort: Int32Array;
  private readonly packets: Int32Array;
  private readonly bytes: Int32Array;
  private readonly packetsSent: Int32Array;
  private readonly bytesSent: Int32Array;
  private readonly packetsReceived: Int32Array;
  private readonly bytesReceived: Int32Array;
  private readonly line: Int32Array;
  private readonly srcV4: Uint32Array;
  private readonly dstV4: Uint32Array;
  private readonly hour: Uint8Array;
  private readonly validity: Partial<Record<NumericColumnName, Uint8Array>> = {};
  // text columns
  private readonly dict: Record<DictionaryColumnName, Dictionary>;
  /** Per src_ip / dst_ip code: numeric IPv4 (-1: not IPv4). */
  private readonly srcIp: AddressDictionary;
  private readonly dstIp: AddressDictionary;
  private lastDay = NaN;
  private readonly attributeCodes = new Map<AttributesKey, string>();

  constructor(options: EncoderOptions = {}) {
    const c = (this.capacity = options.capacity ?? DEFAULT_BATCH_ROWS);
    this.ts = new Int32Array(c * 2);
    this.endTime = new Int32Array(c * 2);
    this.srcPort = new Int32Array(c);
    this.dstPort = new Int32Array(c);
    this.packets = new Int32Array(c * 2);
    this.bytes = new Int32Array(c * 2);
    this.packetsSent = new Int32Array(c * 2);
    this.bytesSent = new Int32Array(c * 2);
    this.packetsReceived = new Int32Array(c * 2);
    this.bytesReceived = new Int32Array(c * 2);
    this.line = new Int32Array(c);
    this.srcV4 = new Uint32Array(c);
    this.dstV4 = new Uint32Array(c);
    this.hour = new Uint8Array(c);
    this.srcIp = new AddressDictionary(c);
    this.dstIp = new AddressDictionary(c);
    this.dict = Object.fromEntries(
      DICTIONARY_COLUMNS.map((name) => [name, name === 'src_ip' ? this.srcIp : name === 'dst_ip' ? this.dstIp : new Dictionary(c)]),
    ) as Record<DictionaryColumnName, Dictionary>;
  }

  get size(): number {
    return this.rows;
  }

  get full(): boolean {
    return this.rows >= this.capacity;
  }

  /**
   * Adds a record; returns false (and stores nothing) for a record without a timestamp, which the lake
   * cannot place in a partition — the caller counts it as a bad row.
   */
  add(r: FlowRecord): boolean {
    const t = r.timestamp;
    if (t === null || !Number.isFinite(t)) return false;
    const i = this.rows++;
    const d = this.dict;
    setI64(this.ts, i, t);
    if (t < this.minTime) this.minTime = t;
    if (t > this.maxTime) this.maxTime = t;
    const hourIndex = Math.floor(t / MS_PER_HOUR);
    this.hour[i] = hourIndex - Math.floor(hourIndex / 24) * 24;
    const day = Math.floor(t / MS_PER_DAY);
    if (day !== this.lastDay) {
      this.lastDay = day;
      d.date.set(i, dateOfDay(day));
    } else {
      d.date.codes[i] = d.date.codes[i - 1];
    }
    if (r.end_time === null) this.setNull('end_time', i);
    else setI64(this.endTime, i, r.end_time);
    if (r.src_port === null) this.setNull('src_port', i);
    else this.srcPort[i] = r.src_port;
    if (r.dst_port === null) this.setNull('dst_port', i);
    else this.dstPort[i] = r.dst_port;
    setI64(this.packets, i, r.packets);
    setI64(this.bytes, i, r.bytes);
    if (r.packets_sent === null) this.setNull('packets_sent', i);
    else setI64(this.packetsSent, i, r.packets_sent);
    if (r.bytes_sent === null) this.setNull('bytes_sent', i);
    else setI64(this.bytesSent, i, r.bytes_sent);
    if (r.packets_received === null) this.setNull('packets_received', i);
    else setI64(this.packetsReceived, i, r.packets_received);
    if (r.bytes_received === null) this.setNull('bytes_received', i);
    else setI64(this.bytesReceived, i, r.bytes_received);
    this.line[i] = r.source_line;

    d.subscription_id.set(i, r.subscription_id);
    d.resource_group.set(i, r.resource_group);
    d.nsg_name.set(i, r.nsg_name);
    d.rule_name.set(i, r.rule_name);
    d.protocol.set(i, r.protocol);
    d.flow_direction.set(i, r.flow_direction);
    d.flow_decision.set(i, r.flow_decision);
    d.flow_state.set(i, r.flow_state);
    d.region.set(i, r.region);
    d.provider.set(i, r.provider);
    d.source_format.set(i, r.source_format);
    d.source_object.set(i, r.source_object);
    d.attributes.set(i, r.attributes === null ? null : this.attributesText(r.attributes));

    const sn = this.srcIp.setAddress(i, r.src_ip);
    if (sn >= 0) this.srcV4[i] = sn;
    else this.setNull('src_ipv4', i);
    const dn = this.dstIp.setAddress(i, r.dst_ip);
    if (dn >= 0) this.dstV4[i] = dn;
    else this.setNull('dst_ipv4', i);
    d.geo_src.set(i, r.geo_src);
    d.geo_dst.set(i, r.geo_dst);
    return true;
  }

  /** The batch (its buffers move to the caller, e.g. to another thread): an encoder makes one batch. */
  finish(): ColumnBatch {
    const n = this.rows;
    const num = (data: Int32Array | Uint32Array | Uint8Array, name: NumericColumnName, words: number): NumericColumn => ({
      data: data.subarray(0, n * words),
      validity: this.validity[name]?.subarray(0, validityBytes(n)) ?? null,
    });
    const batch: ColumnBatch = {
      rows: n,
      minTime: this.minTime,
      maxTime: this.maxTime,
      numeric: {
        timestamp: num(this.ts, 'timestamp', 2),
        end_time: num(this.endTime, 'end_time', 2),
        src_port: num(this.srcPort, 'src_port', 1),
        dst_port: num(this.dstPort, 'dst_port', 1),
        packets: num(this.packets, 'packets', 2),
        bytes: num(this.bytes, 'bytes', 2),
        packets_sent: num(this.packetsSent, 'packets_sent', 2),
        bytes_sent: num(this.bytesSent, 'bytes_sent', 2),
        packets_received: num(this.packetsReceived, 'packets_received', 2),
        bytes_received: num(this.bytesReceived, 'bytes_received', 2),
        source_line: num(this.line, 'source_line', 1),
        src_ipv4: num(this.srcV4, 'src_ipv4', 1),
        dst_ipv4: num(this.dstV4, 'dst_ipv4', 1),
        hour: num(this.hour, 'hour', 1),
      },
      text: Object.fromEntries(DICTIONARY_COLUMNS.map((name) => [name, this.dict[name].column(n)])) as ColumnBatch['text'],
    };
    return batch;
  }

  private setNull(name: NumericColumnName, row: number): void {
    let v = this.validity[name];
    if (v === undefined) v = this.validity[name] = allValid(this.capacity);
    v[row >> 3] &= ~(1 << (row & 7));
  }

  /** Records of one input often share one attributes object (Azure): serialize each object once. */
  private attributesText(a: AttributesKey): string {
    let s = this.attributeCodes.get(a);
    if (s === undefined) {
      s = JSON.stringify(a);
      if (this.attributeCodes.size > 4096) this.attributeCodes.clear();
      this.attributeCodes.set(a, s);
    }
    return s;
  }
}

/** Stores a JS number as a little-endian int64 in two int32 words (exact up to 2^53). */
function setI64(a: Int32Array, row: number, v: number): void {
  if (v >= 0 && v <= 0x7fffffff) {
    a[2 * row] = v;
    a[2 * row + 1] = 0;
    return;
  }
  const hi = Math.floor(v / TWO_32);
  a[2 * row] = (v - hi * TWO_32) | 0;
  a[2 * row + 1] = hi;
}
