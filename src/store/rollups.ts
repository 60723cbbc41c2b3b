/**
 * Rollups: pre-aggregated tables that let the dashboard answer its common questions without scanning the
 * raw flows. Each is kept per partition (one hour of flows → one rollup file per rollup), so an ingest
 * recomputes only the hours it touched, from those hours' live flow files, and a rollup is exact: equal to
 * the same GROUP BY over the raw rows.
 *
 * Layout: `rollups/<name>/date=YYYY-MM-DD/hour=HH/r-<seq>.parquet`, zstd; columns `time` (the minute or
 * hour, TIMESTAMP UTC), the dimensions, then the measures (BIGINT). The manifest records each file with a
 * `source` fingerprint of the flow files (and the definition) it was computed from, so a rollup made stale
 * by a crash or a definition change is recognised (staleRollupPartitions) and recomputed.
 *
 * Measures are additive (sums and counts; a sum of nothing known is 0), so a reader may re-aggregate a
 * rollup over any subset of its dimensions and any span of time.
 */
import { createHash } from 'node:crypto';
import type { DuckDB } from './duckdb.js';
import {
  allocateFilePath,
  copyToLake,
  parsePartitionKey,
  partitionKey,
  readParquetSql,
} from './lake-files.js';
import type { Manifest, ManifestFile } from './manifest.js';
import { LAKE_DIRS } from './schema.js';

export type RollupMeasure = 'flows' | 'packets' | 'bytes' | 'bytes_sent' | 'bytes_received';

export interface RollupDefinition {
  /** Folder name under rollups/ and key in manifest.rollups. */
  name: string;
  /** The dashboard views it serves. */
  purpose: string;
  /** Width of the `time` bucket. */
  grain: 'minute' | 'hour';
  /** Lake columns grouped by (besides `time`). */
  dimensions: readonly string[];
  measures: readonly RollupMeasure[];
}

/** SQL of each measure over the raw rows; all BIGINT. */
export const MEASURE_SQL: Readonly<Record<RollupMeasure, string>> = {
  flows: 'count(*)',
  packets: 'CAST(coalesce(sum("packets"), 0) AS BIGINT)',
  bytes: 'CAST(coalesce(sum("bytes"), 0) AS BIGINT)',
  bytes_sent: 'CAST(coalesce(sum("bytes_sent"), 0) AS BIGINT)',
  bytes_received: 'CAST(coalesce(sum("bytes_received"), 0) AS BIGINT)',
};

/** The filter dimensions that have no per-address cardinality: a rollup over them stays small. */
const SCOPE = ['subscription_id', 'resource_group', 'nsg_name', 'protocol', 'flow_direction', 'flow_decision'] as const;

export const ROLLUPS: readonly RollupDefinition[] = [
  {
    name: 'minute',
    purpose:
      'Time series per minute (flows, packets, bytes; allowed vs denied) and totals under any filter on subscription, ' +
      'resource group, NSG, rule, protocol, direction and decision; denied flows by NSG and rule.',
    grain: 'minute',
    dimensions: [...SCOPE, 'rule_name'],
    measures: ['flows', 'packets', 'bytes'],
  },
  {
    name: 'hour',
    purpose: 'The same as minute per hour, 60 times smaller: time series and totals over days and weeks.',
    grain: 'hour',
    dimensions: [...SCOPE, 'rule_name'],
    measures: ['flows', 'packets', 'bytes'],
  },
  {
    name: 'src_ip',
    purpose: 'Top talkers: source addresses by flows, bytes sent/received, allowed vs denied, per NSG and direction.',
    grain: 'hour',
    dimensions: ['src_ip', ...SCOPE],
    measures: ['flows', 'packets', 'bytes', 'bytes_sent', 'bytes_received'],
  },
  {
    name: 'dst_ip',
    purpose: 'Top listeners: destination addresses by flows and bytes, allowed vs denied, per NSG and direction.',
    grain: 'hour',
    dimensions: ['dst_ip', ...SCOPE],
    measures: ['flows', 'packets', 'bytes', 'bytes_sent', 'bytes_received'],
  },
  {
    name: 'pair',
    purpose: 'Conversations for the Sankey and the top pairs: source → destination address and service port.',
    grain: 'hour',
    dimensions: ['src_ip', 'dst_ip', 'dst_port', 'protocol', 'flow_direction', 'flow_decision', 'nsg_name'],
    measures: ['flows', 'packets', 'bytes', 'bytes_sent', 'bytes_received'],
  },
  {
    name: 'port',
    purpose: 'Service ports (destination port and protocol) by flows and bytes; denied flows by port, NSG and rule.',
    grain: 'hour',
    dimensions: ['dst_port', ...SCOPE, 'rule_name'],
    measures: ['flows', 'packets', 'bytes'],
  },
  {
    name: 'country',
    purpose: 'The geo map: flows and bytes between source and destination countries, allowed vs denied.',
    grain: 'hour',
    dimensions: ['geo_src', 'geo_dst', 'protocol', 'flow_direction', 'flow_decision'],
    measures: ['flows', 'packets', 'bytes'],
  },
];

/** Bump when the rollup files' format changes: every rollup then reads as stale and is recomputed. */
const ROLLUP_FORMAT = 1;

export function getRollup(name: string): RollupDefinition {
  const rollup = ROLLUPS.find((r) => r.name === name);
  if (!rollup) throw new Error(`rollup '${name}' does not exist; known rollups: ${ROLLUPS.map((r) => r.name).join(', ')}`);
  return rollup;
}

/** The SELECT that computes a rollup from `source` (a read_parquet over one partition's flow files). */
export function rollupSelect(rollup: RollupDefinition, source: string): string {
  const keys = [`CAST(date_trunc('${rollup.grain}', "timestamp") AS TIMESTAMP) AS "time"`, ...rollup.dimensions.map((d) => `"${d}"`)];
  const measures = rollup.measures.map((m) => `${MEASURE_SQL[m]} AS "${m}"`);
  const positions = keys.map((_, i) => i + 1).join(', ');
  // Minute rollups are sorted by time so that readers' time filters prune row groups. An hourly rollup file
  // holds one hour only, so sorting it would prune nothing, and for the per-address rollups (as many groups
  // as a third of the raw rows on scan-heavy hours) the sort would cost as much as the aggregation.
  const order = rollup.grain === 'minute' ? ` ORDER BY ${positions}` : '';
  return `SELECT ${[...keys, ...measures].join(', ')} FROM ${source} GROUP BY ${positions}${order}`;
}

/** Fingerprint of a rollup's inputs: its definition and the exact flow files (paths never repeat). */
export function rollupSource(rollup: RollupDefinition, files: readonly ManifestFile[]): string {
  const hash = createHash('sha256');
  hash.update(`${ROLLUP_FORMAT}\n${rollupSelect(rollup, '?')}\n`);
  for (const p of files.map((f) => `${f.path}:${f.rows}`).sort()) hash.update(`${p}\n`);
  return hash.digest('hex').slice(0, 32);
}

export interface UpdateRollupsResult {
  /** Rollup files no longer live: delete them after committing the manifest. */
  obsolete: string[];
  /** Rollup files written. */
  written: number;
}

/**
 * Recomputes every rollup of each given partition (`YYYY-MM-DD/HH`) from that partition's live flow files
 * and records the new files in `manifest.rollups`; a partition without flow files loses its rollup entries.
 * Entries of rollups no longer defined are dropped from the partitions visited.
 */
export async function updateRollups(db: DuckDB, dataDir: string, manifest: Manifest, partitions: Iterable<string>): Promise<UpdateRollupsResult> {
  const keys = [...new Set(partitions)].sort();
  keys.forEach(parsePartitionKey);
  const files = filesByPartition(manifest);
  const result: UpdateRollupsResult = { obsolete: [], written: 0 };
  for (const key of keys) {
    const sources = files.get(key) ?? [];
    for (const [name, state] of Object.entries(manifest.rollups)) {
      const old = state.partitions[key];
      if (old && (sources.length === 0 || !ROLLUPS.some((r) => r.name === name))) {
        result.obsolete.push(old.path);
        delete state.partitions[key];
      }
    }
    if (sources.length === 0) continue;
    const source = readParquetSql(
      dataDir,
      sources.map((f) => f.path),
    );
    for (const rollup of ROLLUPS) {
      const target = allocateFilePath(manifest, `${LAKE_DIRS.rollups}/${rollup.name}`, key, 'r');
      const written = await copyToLake(db, dataDir, rollupSelect(rollup, source), [], target);
      const state = (manifest.rollups[rollup.name] ??= { partitions: {} });
      const old = state.partitions[key];
      if (old) result.obsolete.push(old.path);
      // the lake holds no empty flow files, so a rollup of a partition with files has rows
      if (!written) throw new Error(`rollup ${rollup.name} of partition ${key} came out empty although its flow files list rows; check the files ${sources.map((f) => f.path).join(', ')}`);
      state.partitions[key] = { path: target, rows: written.rows, source: rollupSource(rollup, sources) };
      result.written++;
    }
  }
  return result;
}

/**
 * Partitions whose rollups do not match their flow files: a rollup missing or computed from other files (or
 * by another definition), or rollup entries left for a partition with no flow files. What ingest repairs
 * after a crash, and what readers must answer from the raw rows instead.
 */
export function staleRollupPartitions(manifest: Manifest): string[] {
  const files = filesByPartition(manifest);
  const stale = new Set<string>();
  for (const [key, sources] of files) {
    for (const rollup of ROLLUPS) {
      const entry = manifest.rollups[rollup.name]?.partitions[key];
      if (!entry || entry.source !== rollupSource(rollup, sources)) {
        stale.add(key);
        break;
      }
    }
  }
  for (const [name, state] of Object.entries(manifest.rollups)) {
    const defined = ROLLUPS.some((r) => r.name === name);
    for (const key of Object.keys(state.partitions)) {
      if (!defined || !files.has(key)) stale.add(key);
    }
  }
  return [...stale].sort();
}

/**
 * Lake-relative paths of a rollup's files whose hour overlaps [since, until) (epoch ms; open ends when
 * omitted), sorted. Read them with `read_parquet([...], hive_partitioning = true)`.
 */
export function rollupFiles(manifest: Manifest, name: string, since?: number, until?: number): string[] {
  getRollup(name);
  const partitions = manifest.rollups[name]?.partitions ?? {};
  const paths: string[] = [];
  for (const [key, entry] of Object.entries(partitions)) {
    const { date, hour } = parsePartitionKey(key);
    const start = Date.parse(`${date}T00:00:00Z`) + hour * 3_600_000;
    if ((since === undefined || start + 3_600_000 > since) && (until === undefined || start < until)) paths.push(entry.path);
  }
  return paths.sort();
}

function filesByPartition(manifest: Manifest): Map<string, ManifestFile[]> {
  const byKey = new Map<string, ManifestFile[]>();
  for (const file of Object.values(manifest.files)) {
    const key = partitionKey(file.date, file.hour);
    const list = byKey.get(key);
    if (list) list.push(file);
    else byKey.set(key, [file]);
  }
  for (const list of byKey.values()) list.sort((a, b) => (a.path < b.path ? -1 : 1));
  return byKey;
}
