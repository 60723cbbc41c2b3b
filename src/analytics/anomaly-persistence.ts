/**
 * Persistent / long-lived connections: the same 5-tuple (addresses, ports, protocol) in many consecutive
 * intervals — a connection the logs report again and again (Azure's Continuing tuples, AWS and GCP
 * aggregation intervals) — or one record lasting long where the format has start and end. Beacons and
 * tunnels look like this; so do database pools, which is why an internal-only connection stays low.
 * Client ports are random per connection, so a 5-tuple that recurs for an hour is one connection.
 */
import { EPOCH_MS_SQL, endAfter, formatTime, isInternalSql, type AnomalyDraft, type DetectContext } from './anomaly-context.js';

interface TupleRow {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  protocol: string | null;
  intervals: number[];
  flows: number;
  bytes: number;
  first: number;
  last: number;
  longest: number;
  srcInternal: boolean;
  dstInternal: boolean;
  geoSrc: string | null;
  geoDst: string | null;
}

/** Longest run of consecutive interval indexes, allowing one missing interval inside a run. */
export function longestRun(sortedIntervals: readonly number[]): { length: number; first: number; last: number } {
  let best = { length: 0, first: 0, last: 0 };
  let runFirst = 0;
  for (let i = 0; i < sortedIntervals.length; i++) {
    if (i > 0 && sortedIntervals[i] - sortedIntervals[i - 1] > 2) runFirst = i;
    const length = sortedIntervals[i] - sortedIntervals[runFirst] + 1;
    if (length > best.length) best = { length, first: sortedIntervals[runFirst], last: sortedIntervals[i] };
  }
  return best;
}

export async function detectPersistence(ctx: DetectContext): Promise<AnomalyDraft[]> {
  const { t } = ctx;
  const intervalMs = t.persistentIntervalMinutes * 60_000;
  const origin = Math.floor(ctx.window.since / intervalMs) * intervalMs;
  const minDurationMs = t.persistentMinDurationMinutes * 60_000;
  // Pass one groups every flow on a 64-bit hash of its tuple (far cheaper than five columns, two of them
  // text) and keeps the hashes that recur or last; a collision only merges two tuples' counts there. Pass two
  // reads the details of those tuples alone (lists per group over every flow do not fit in memory at 10M).
  const tuple = `hash("src_ip", "dst_ip", "src_port", "dst_port", "protocol")`;
  const hasTuple = `"src_port" IS NOT NULL AND "dst_port" IS NOT NULL AND "src_ip" IS NOT NULL AND "dst_ip" IS NOT NULL`;
  const duration = `coalesce(epoch_ms("end_time") - ${EPOCH_MS_SQL}, 0)`;
  const rows = await ctx.store.query<TupleRow>(
    `WITH c AS (
       SELECT ${tuple} AS k FROM flows WHERE ${hasTuple}
        GROUP BY k HAVING count(*) >= $3 OR max(${duration}) >= $4),
     f AS (
       SELECT ${tuple} AS k, "src_ip", "dst_ip", "src_port", "dst_port", "protocol",
              CAST(floor((${EPOCH_MS_SQL} - $1) / $2) AS BIGINT) AS i, ${EPOCH_MS_SQL} AS t0, ${duration} AS d,
              coalesce("bytes", 0) AS b, "geo_dst", "geo_src", ${isInternalSql('src')} AS si, ${isInternalSql('dst')} AS di
         FROM flows WHERE ${hasTuple} AND ${tuple} IN (SELECT k FROM c))
     SELECT CAST(any_value("src_ip") AS VARCHAR) AS src, CAST(any_value("dst_ip") AS VARCHAR) AS dst,
            any_value("src_port") AS sport, any_value("dst_port") AS dport, CAST(any_value("protocol") AS VARCHAR) AS protocol,
            list_sort(list(DISTINCT i)) AS intervals, count(*) AS flows, sum(b) AS bytes, min(t0) AS first, max(t0) AS last,
            max(d) AS longest, bool_and(si) AS "srcInternal", bool_and(di) AS "dstInternal",
            CAST(any_value("geo_src") AS VARCHAR) AS "geoSrc", CAST(any_value("geo_dst") AS VARCHAR) AS "geoDst"
       FROM f GROUP BY k
     HAVING count(DISTINCT i) >= $3 OR max(d) >= $4`,
    [origin, intervalMs, Math.ceil(t.persistentMinIntervals), minDurationMs],
    ctx.filter,
  );
  const drafts: AnomalyDraft[] = [];
  const candidates: { row: TupleRow; run: ReturnType<typeof longestRun> }[] = [];
  for (const row of rows) {
    const run = longestRun(row.intervals);
    if (run.length >= t.persistentMinIntervals || row.longest >= minDurationMs) candidates.push({ row, run });
  }
  for (const { row, run } of candidates) {
    const byIntervals = run.length >= t.persistentMinIntervals;
    const start = byIntervals ? Math.max(row.first, origin + run.first * intervalMs) : row.first;
    const end = byIntervals ? Math.min(endAfter(row.last), origin + (run.last + 1) * intervalMs) : row.first + row.longest;
    const external = [...(row.srcInternal ? [] : [row.src]), ...(row.dstInternal ? [] : [row.dst])];
    const countries = [...(row.srcInternal ? [] : [row.geoSrc]), ...(row.dstInternal ? [] : [row.geoDst])].filter((g): g is string => !!g && g !== 'ZZ');
    const minutes = Math.round((end - start) / 60_000);
    const score = byIntervals ? run.length / t.persistentMinIntervals : row.longest / minDurationMs;
    drafts.push({
      type: 'persistent-connection',
      start,
      end,
      entities: { srcIps: [row.src], dstIps: [row.dst], ports: [row.dport], countries },
      score,
      summary:
        `${row.src}:${row.sport} → ${row.dst}:${row.dport}${row.protocol ? `/${row.protocol}` : ''} held for ${minutes} min ` +
        `(${formatTime(start)} – ${formatTime(end)}${external.length > 0 ? `; external end ${external.join(', ')}` : '; internal'})`,
      evidence: {
        srcPort: row.sport,
        dstPort: row.dport,
        protocol: row.protocol,
        consecutiveIntervals: run.length,
        intervalMinutes: t.persistentIntervalMinutes,
        longestRecordMinutes: Math.round(row.longest / 60_000),
        flows: row.flows,
        bytes: row.bytes,
        external: external.length > 0,
      },
      narrow: { ip: [row.src], ipSide: 'src', port: [row.dport] },
      ...(external.length > 0 ? { severityFloor: 'medium' as const } : { severityCap: 'low' as const }),
    });
  }
  return drafts;
}
