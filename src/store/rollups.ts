/**
 * Rollups: pre-aggregated tables that let the dashboard answer its common questions without scanning the
 * raw flows. Each flow file has its own rollup files (one per rollup), holding the aggregates of exactly that
 * file's rows; the manifest lists them in the file's `rollups`. A flow file and its rollups are committed in
 * the same manifest commit and become obsolete together, so a rollup can never disagree with the raw rows:
 * the union of the rollups of the live files, re-aggregated, equals the same GROUP BY over the live rows.
 *
 * The lake writer computes them at flush time from its staging table (see rollupSelect); writeFileRollups
 * computes them for files written by compaction and purge, and for files that lack some (written by an
 * older version, or before a definition was added: filesMissingRollups).
 *
 * Layout: `rollups/<name>/date=YYYY-MM-DD/hour=HH/r-<seq>.parquet`, zstd; columns `time` (the minute or hour,
 * TIMESTAMP UTC), the dimensions, then the measures (BIGINT). A partition may hold several files of one
 * rollup (one per flow file), with the same groups in several of them: readers union and re-aggregate
 * (rollupMergeSelect). Measures are additive (sums and counts; a sum of nothing known is 0), so a reader may
 * also re-aggregate over any subset of the dimensions and any span of time.
 */
import type { DuckDB } from './duckdb.js';
import { allocateFilePath, copyToLake, partitionKey, readParquetSql } from './lake-io.js';
import { liveFiles, type Manifest, type ManifestFile } from './manifest.js';
import { LAKE_DIRS } from './schema.js';

export type RollupMeasure = 'flows' | 'packets' | 'bytes' | 'bytes_sent' | 'bytes_received';

export interface RollupDefinition {
  /** Folder name under rollups/ and key in each ManifestFile's `rollups`. */
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

// No per-pair rollup: on generated and real-shaped data, (hour, src, dst, port, …) groups come to ~40% of
// the raw rows, so it would cost a third of a flush's rollup time and save little at query time; top pairs
// (the Sankey) are read from the raw rows, grouped on the numeric IPv4 columns.
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

export function getRollup(name: string): RollupDefinition {
  const rollup = ROLLUPS.find((r) => r.name === name);
  if (!rollup) throw new Error(`rollup '${name}' does not exist; known rollups: ${ROLLUPS.map((r) => r.name).join(', ')}`);
  return rollup;
}

/**
 * The SELECT that computes a rollup from `source`: a read_parquet of flow files, or any relation with the lake
 * columns' names where `timestamp` is a TIMESTAMP (text columns may be ENUMs: grouping them is integer work,
 * and COPY writes them to Parquet as plain strings). Output columns: `time`, the dimensions, the measures.
 */
export function rollupSelect(rollup: RollupDefinition, source: string): string {
  const keys = [`CAST(date_trunc('${rollup.grain}', "timestamp") AS TIMESTAMP) AS "time"`, ...rollup.dimensions.map((d) => `"${d}"`)];
  const measures = rollup.measures.map((m) => `${MEASURE_SQL[m]} AS "${m}"`);
  const positions = keys.map((_, i) => i + 1).join(', ');
  // Minute rollups are sorted by time so that readers' time filters prune row groups. An hourly rollup file
  // holds one hour only, so sorting it would prune nothing, and for the per-address rollups (as many groups
  // as a third of the raw rows on scan-heavy hours) the sort would cost as much as the aggregation.
  const order = rollup.grain === 'minute' ? ' ORDER BY 1' : '';
  return `SELECT ${[...keys, ...measures].join(', ')} FROM ${source} GROUP BY ${positions}${order}`;
}

/**
 * The SELECT that merges rollup rows from `source` (e.g. a read_parquet of rollupFiles): one row per `time`
 * and dimensions, measures summed. Same columns, in the same order, as rollupSelect.
 */
export function rollupMergeSelect(rollup: RollupDefinition, source: string): string {
  const keys = ['"time"', ...rollup.dimensions.map((d) => `"${d}"`)];
  const measures = rollup.measures.map((m) => `CAST(sum("${m}") AS BIGINT) AS "${m}"`);
  return `SELECT ${[...keys, ...measures].join(', ')} FROM ${source} GROUP BY ${keys.map((_, i) => i + 1).join(', ')}`;
}

/**
 * Computes every rollup of each given flow file from that file's rows, writes each as a new file of the
 * file's partition (staged, then renamed) and sets `file.rollups` to exactly them (replacing what it held).
 * The caller commits the manifest; until then the new files are unlisted and a crash leaves them to
 * collectGarbage. Returns the rollup paths the files referenced before and no longer do: delete them after
 * the commit (deleteFiles), as with the other `obsolete` lists.
 */
export async function writeFileRollups(db: DuckDB, dataDir: string, manifest: Manifest, files: readonly ManifestFile[]): Promise<string[]> {
  const obsolete: string[] = [];
  for (const file of files) {
    const source = readParquetSql(dataDir, [file.path]);
    const key = partitionKey(file.date, file.hour);
    const rollups: NonNullable<ManifestFile['rollups']> = {};
    for (const rollup of ROLLUPS) {
      const target = allocateFilePath(manifest, `${LAKE_DIRS.rollups}/${rollup.name}`, key, 'r');
      const written = await copyToLake(db, dataDir, rollupSelect(rollup, source), [], target);
      // every row of a flow file has a timestamp, so a file with rows has at least one group
      if (!written) {
        throw new Error(`rollup ${rollup.name} of ${file.path} came out empty although the manifest lists ${file.rows} rows in it; check that the file is a flow file of this lake`);
      }
      rollups[rollup.name] = { path: target, rows: written.rows };
    }
    obsolete.push(...obsoleteRollupPaths(file));
    file.rollups = rollups;
  }
  return obsolete;
}

/** The rollup files of a flow file: obsolete together with it when it is dropped or replaced. */
export function obsoleteRollupPaths(file: ManifestFile): string[] {
  return Object.values(file.rollups ?? {})
    .map((r) => r.path)
    .sort();
}

/** Live flow files lacking a rollup of ROLLUPS (written by an older version, or before a definition was added), sorted by path. */
export function filesMissingRollups(manifest: Manifest): ManifestFile[] {
  return liveFiles(manifest).filter((file) => ROLLUPS.some((r) => !file.rollups?.[r.name]));
}

/**
 * Lake-relative paths of a rollup's files for the live flow files that may hold rows in [since, until) (epoch
 * ms; open ends when omitted), sorted. Several may belong to one partition: read them with
 * `read_parquet([...], hive_partitioning = true)` through rollupMergeSelect. A flow file in the window
 * without this rollup is an error (the answer would be short of its rows): run ingest, which repairs it, or
 * answer from the raw rows.
 */
export function rollupFiles(manifest: Manifest, name: string, since?: number, until?: number): string[] {
  getRollup(name);
  return liveFiles(manifest, since, until)
    .map((file) => {
      const entry = file.rollups?.[name];
      if (!entry) throw new Error(`flow file ${file.path} has no rollup '${name}'; run ingest on this data dir to compute the missing rollups`);
      return entry.path;
    })
    .sort();
}
