/**
 * The columnar form in which parsed flows travel from the parsing workers to the lake writer: typed
 * arrays laid out exactly as DuckDB's vectors are (little-endian int64 as two int32 words, validity
 * bitmaps with bit i of byte i>>3 set for a present value), so the writer copies them into DuckDB with one
 * memcpy per column per chunk, and the buffers cross threads without copying (transferable).
 *
 * Text columns are dictionary-encoded per batch: `codes[i]` indexes `values`; the writer merges the
 * batches' dictionaries when it flushes. A batch holds rows of one object only.
 */

/** Numeric columns, in the writer's order. `i64` columns hold two int32 words per row. */
export const NUMERIC_COLUMNS = [
  { name: 'timestamp', kind: 'i64', nullable: false },
  { name: 'end_time', kind: 'i64', nullable: true },
  { name: 'src_port', kind: 'i32', nullable: true },
  { name: 'dst_port', kind: 'i32', nullable: true },
  { name: 'packets', kind: 'i64', nullable: false },
  { name: 'bytes', kind: 'i64', nullable: false },
  { name: 'packets_sent', kind: 'i64', nullable: true },
  { name: 'bytes_sent', kind: 'i64', nullable: true },
  { name: 'packets_received', kind: 'i64', nullable: true },
  { name: 'bytes_received', kind: 'i64', nullable: true },
  { name: 'source_line', kind: 'i32', nullable: false },
  { name: 'src_ipv4', kind: 'u32', nullable: true },
  { name: 'dst_ipv4', kind: 'u32', nullable: true },
  /** Hour of day 0–23 (the `hour` partition key). */
  { name: 'hour', kind: 'u8', nullable: false },
] as const;

/** Dictionary-encoded text columns; `date` is the `YYYY-MM-DD` partition key. */
export const DICTIONARY_COLUMNS = [
  'subscription_id',
  'resource_group',
  'nsg_name',
  'rule_name',
  'src_ip',
  'dst_ip',
  'protocol',
  'flow_direction',
  'flow_decision',
  'flow_state',
  'region',
  'geo_src',
  'geo_dst',
  'provider',
  'source_format',
  'attributes',
  'source_object',
  'date',
] as const;

export type NumericColumnName = (typeof NUMERIC_COLUMNS)[number]['name'];
export type DictionaryColumnName = (typeof DICTIONARY_COLUMNS)[number];

export interface NumericColumn {
  /** Int32Array (i64: 2 words per row, low word first), Uint32Array or Uint8Array. */
  data: Int32Array | Uint32Array | Uint8Array;
  /** Null for a column without nulls in this batch. */
  validity: Uint8Array | null;
}

export interface DictionaryColumn {
  values: string[];
  codes: Uint32Array;
  validity: Uint8Array | null;
}

export interface ColumnBatch {
  rows: number;
  numeric: Record<NumericColumnName, NumericColumn>;
  text: Record<DictionaryColumnName, DictionaryColumn>;
  /** Epoch ms of the first and last timestamp in the batch. */
  minTime: number;
  maxTime: number;
}

/** Bytes per row of a numeric column kind. */
export const KIND_WIDTH = { i64: 8, i32: 4, u32: 4, u8: 1 } as const;

/** Validity bytes for `rows` rows, rounded up to whole 64-bit words as DuckDB keeps them. */
export function validityBytes(rows: number): number {
  return Math.ceil(rows / 64) * 8;
}

/** The buffers a batch owns, for `postMessage(batch, transferList(batch))`. */
export function transferList(batch: ColumnBatch): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const c of Object.values(batch.numeric)) {
    out.push(c.data.buffer as ArrayBuffer);
    if (c.validity) out.push(c.validity.buffer as ArrayBuffer);
  }
  for (const c of Object.values(batch.text)) {
    out.push(c.codes.buffer as ArrayBuffer);
    if (c.validity) out.push(c.validity.buffer as ArrayBuffer);
  }
  return out;
}
