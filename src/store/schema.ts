/**
 * The `flows` table as stored in the Parquet lake: DESIGN.md's normalized columns plus the store's own
 * (numeric IPv4 forms for fast IP/CIDR filters, the manifest id of the object each row came from) and
 * the two Hive partition keys, which live in the path (`flows/date=YYYY-MM-DD/hour=HH/…`), not in the files.
 *
 * Types were chosen for speed: timestamps as TIMESTAMP (µs, UTC); low-cardinality text written as
 * dictionary-encoded strings (the writer hands DuckDB ENUM columns, which its Parquet writer stores as a
 * string dictionary with no per-value hashing; readers see plain strings); IPv4 as a number beside the text —
 * BIGINT rather than an unsigned 32-bit type, which some engines (Trino, Athena) mishandle above 2^31.
 */

export type LakeColumnType = 'TIMESTAMP' | 'VARCHAR' | 'INTEGER' | 'BIGINT';

export interface LakeColumn {
  name: string;
  type: LakeColumnType;
  /** Written through a per-flush dictionary (ENUM in DuckDB, a dictionary-encoded string in Parquet). */
  dictionary?: boolean;
}

/** Column order of the Parquet files (partition keys excluded). */
export const LAKE_COLUMNS: readonly LakeColumn[] = [
  { name: 'timestamp', type: 'TIMESTAMP' },
  { name: 'end_time', type: 'TIMESTAMP' },
  { name: 'subscription_id', type: 'VARCHAR', dictionary: true },
  { name: 'resource_group', type: 'VARCHAR', dictionary: true },
  { name: 'nsg_name', type: 'VARCHAR', dictionary: true },
  { name: 'rule_name', type: 'VARCHAR', dictionary: true },
  { name: 'src_ip', type: 'VARCHAR', dictionary: true },
  { name: 'src_port', type: 'INTEGER' },
  { name: 'dst_ip', type: 'VARCHAR', dictionary: true },
  { name: 'dst_port', type: 'INTEGER' },
  { name: 'protocol', type: 'VARCHAR', dictionary: true },
  { name: 'flow_direction', type: 'VARCHAR', dictionary: true },
  { name: 'flow_decision', type: 'VARCHAR', dictionary: true },
  { name: 'flow_state', type: 'VARCHAR', dictionary: true },
  { name: 'packets', type: 'BIGINT' },
  { name: 'bytes', type: 'BIGINT' },
  { name: 'packets_sent', type: 'BIGINT' },
  { name: 'bytes_sent', type: 'BIGINT' },
  { name: 'packets_received', type: 'BIGINT' },
  { name: 'bytes_received', type: 'BIGINT' },
  { name: 'region', type: 'VARCHAR', dictionary: true },
  { name: 'geo_src', type: 'VARCHAR', dictionary: true },
  { name: 'geo_dst', type: 'VARCHAR', dictionary: true },
  { name: 'provider', type: 'VARCHAR', dictionary: true },
  { name: 'source_format', type: 'VARCHAR', dictionary: true },
  { name: 'attributes', type: 'VARCHAR', dictionary: true },
  { name: 'source_object', type: 'VARCHAR', dictionary: true },
  { name: 'source_line', type: 'INTEGER' },
  /** IPv4 as a number (0 … 2^32-1); null for IPv6 and missing addresses. */
  { name: 'src_ipv4', type: 'BIGINT' },
  { name: 'dst_ipv4', type: 'BIGINT' },
  /** The manifest id of the object the row came from: what lets a changed object replace exactly its rows. */
  { name: 'object_id', type: 'BIGINT' },
];

/** Hive partition keys, in path order: `date` as `YYYY-MM-DD` text, `hour` as 0–23. */
export const PARTITION_KEYS = ['date', 'hour'] as const;

/** Where each table lives under a data directory. */
export const LAKE_DIRS = {
  flows: 'flows',
  rollups: 'rollups',
  /** Files being written; anything here after a crash is garbage. */
  staging: '.staging',
} as const;

export const MANIFEST_FILE = 'manifest.json';
