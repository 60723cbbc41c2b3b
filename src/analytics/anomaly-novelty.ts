/**
 * Novelty against the baseline period (anomaly-context.ts resolveBaseline):
 * - rare destination country: flows to a country far above what its baseline share predicts (smoothed
 *   by half a flow, so a country never seen needs rareCountryMinRatio × the flows half a baseline flow predicts);
 * - new external talker: an external address absent from the baseline that carries real allowed traffic in
 *   the detection period (a flow count or a byte volume; denied knocking is the scan detectors' business).
 */
import { EPOCH_MS_SQL, endAfter, formatTime, isInternalSql, type AnomalyDraft, type DetectContext } from './anomaly-context.js';

const IN_BASELINE = `(${EPOCH_MS_SQL} >= $1 AND ${EPOCH_MS_SQL} < $2)`;
const IN_DETECTION = `(${EPOCH_MS_SQL} >= $3 AND ${EPOCH_MS_SQL} < $4)`;

function spanParams(ctx: DetectContext): number[] {
  return [ctx.baseline.since, ctx.baseline.until, ctx.detection.since, ctx.detection.until];
}

/** The analysis filter widened to cover both periods (the baseline may lie before the analysis window). */
function bothPeriods(ctx: DetectContext) {
  return { ...ctx.filter, since: Math.min(ctx.baseline.since, ctx.detection.since), until: Math.max(ctx.baseline.until, ctx.detection.until) };
}

export async function detectRareCountries(ctx: DetectContext): Promise<AnomalyDraft[]> {
  const rows = await ctx.store.query<{
    country: string; baseFlows: number; baseTotal: number; flows: number; total: number; bytes: number; first: number | null; last: number | null;
    dsts: string[]; srcs: string[];
  }>(
    `WITH f AS (
       SELECT CAST("geo_dst" AS VARCHAR) AS country, ${IN_BASELINE} AS base, ${IN_DETECTION} AS det, coalesce("bytes", 0) AS b,
              ${EPOCH_MS_SQL} AS t0, CAST("dst_ip" AS VARCHAR) AS dst, CAST("src_ip" AS VARCHAR) AS src
         FROM flows WHERE NOT ${isInternalSql('dst')} AND "geo_dst" IS NOT NULL AND "geo_dst" <> 'ZZ'),
     c AS (
       SELECT country, count(*) FILTER (WHERE base) AS "baseFlows", count(*) FILTER (WHERE det) AS flows,
              coalesce(sum(b) FILTER (WHERE det), 0) AS bytes, min(t0) FILTER (WHERE det) AS first, max(t0) FILTER (WHERE det) AS last,
              list_slice(list_sort(list(DISTINCT dst) FILTER (WHERE det)), 1, 10) AS dsts,
              list_slice(list_sort(list(DISTINCT src) FILTER (WHERE det)), 1, 10) AS srcs
         FROM f GROUP BY country)
     SELECT *, sum("baseFlows") OVER () AS "baseTotal", sum(flows) OVER () AS total FROM c`,
    spanParams(ctx),
    bothPeriods(ctx),
  );
  const { t } = ctx;
  const drafts: AnomalyDraft[] = [];
  for (const r of rows) {
    if (r.flows < t.rareCountryMinFlows || r.first === null || r.last === null) continue;
    const predicted = ((r.baseFlows + 0.5) / (r.baseTotal + 0.5)) * r.total;
    const ratio = r.flows / predicted;
    if (ratio < t.rareCountryMinRatio) continue;
    drafts.push({
      type: 'rare-country',
      start: r.first,
      end: endAfter(r.last),
      entities: { srcIps: r.srcs, dstIps: r.dsts, countries: [r.country] },
      score: ratio / t.rareCountryMinRatio,
      summary:
        `${r.flows} flows (${formatBytes(r.bytes)}) to ${r.country}, ` +
        `${r.baseFlows === 0 ? 'not seen' : `${r.baseFlows} flows`} in the baseline (${formatTime(ctx.baseline.since)} – ${formatTime(ctx.baseline.until)})`,
      evidence: {
        flows: r.flows,
        bytes: r.bytes,
        baselineFlows: r.baseFlows,
        baselineShare: r.baseTotal > 0 ? r.baseFlows / r.baseTotal : 0,
        predictedFlows: Math.round(predicted * 100) / 100,
        destinationsSample: r.dsts,
        sourcesSample: r.srcs,
      },
      narrow: { country: [r.country] },
      severityFloor: r.bytes >= 1e9 ? 'high' : 'medium',
    });
  }
  return drafts;
}

export async function detectNewTalkers(ctx: DetectContext): Promise<AnomalyDraft[]> {
  const { t } = ctx;
  const external = `CASE WHEN NOT ${isInternalSql('src')} THEN CAST("src_ip" AS VARCHAR) ELSE CAST("dst_ip" AS VARCHAR) END`;
  const notInternalPair = `"src_ip" IS NOT NULL AND "dst_ip" IS NOT NULL AND NOT (${isInternalSql('src')} AND ${isInternalSql('dst')})`;
  const detected = `${IN_DETECTION} AND "flow_decision" IS DISTINCT FROM 'Deny'`;
  // pass one: the new addresses with enough traffic, counted with nothing else; pass two: their details
  const rows = await ctx.store.query<{
    addr: string; country: string | null; flows: number; bytes: number; first: number; last: number; peers: string[]; ports: number[]; outbound: boolean;
  }>(
    `WITH c AS (
       SELECT ${external} AS addr FROM flows WHERE ${notInternalPair}
        GROUP BY addr
       HAVING count(*) FILTER (WHERE ${IN_BASELINE}) = 0
          AND (count(*) FILTER (WHERE ${detected}) >= $5 OR coalesce(sum("bytes") FILTER (WHERE ${detected}), 0) >= $6)),
     f AS (
       SELECT ${external} AS addr,
              CASE WHEN NOT ${isInternalSql('src')} THEN CAST("geo_src" AS VARCHAR) ELSE CAST("geo_dst" AS VARCHAR) END AS country,
              CASE WHEN NOT ${isInternalSql('src')} THEN CAST("dst_ip" AS VARCHAR) ELSE CAST("src_ip" AS VARCHAR) END AS peer,
              NOT ${isInternalSql('dst')} AND ${isInternalSql('src')} AS outbound,
              "dst_port" AS port, coalesce("bytes", 0) AS b, ${EPOCH_MS_SQL} AS t0
         FROM flows WHERE ${notInternalPair} AND ${detected}
          AND (CAST("src_ip" AS VARCHAR) IN (SELECT addr FROM c) OR CAST("dst_ip" AS VARCHAR) IN (SELECT addr FROM c)))
     SELECT addr, any_value(country) AS country, count(*) AS flows, sum(b) AS bytes, min(t0) AS first, max(t0) AS last,
            list_slice(list_sort(list(DISTINCT peer)), 1, 10) AS peers,
            list_slice(list_sort(list(DISTINCT port) FILTER (WHERE port IS NOT NULL)), 1, 10) AS ports,
            bool_or(outbound) AS outbound
       FROM f WHERE addr IN (SELECT addr FROM c) GROUP BY addr`,
    [...spanParams(ctx), Math.ceil(t.newTalkerMinFlows), t.newTalkerMinBytes],
    bothPeriods(ctx),
  );
  return rows.map((r) => ({
    type: 'new-external-talker' as const,
    start: r.first,
    end: endAfter(r.last),
    entities: r.outbound
      ? { srcIps: r.peers, dstIps: [r.addr], ports: r.ports, countries: r.country && r.country !== 'ZZ' ? [r.country] : [] }
      : { srcIps: [r.addr], dstIps: r.peers, ports: r.ports, countries: r.country && r.country !== 'ZZ' ? [r.country] : [] },
    score: Math.max(r.flows / t.newTalkerMinFlows, r.bytes / t.newTalkerMinBytes),
    summary:
      `${r.addr}${r.country ? ` (${r.country})` : ''}, not seen in the baseline, exchanged ${r.flows} allowed flows (${formatBytes(r.bytes)}) ` +
      `with ${r.peers.slice(0, 3).join(', ')}${r.peers.length > 3 ? ' …' : ''} from ${formatTime(r.first)}`,
    evidence: { flows: r.flows, bytes: r.bytes, peersSample: r.peers, ports: r.ports, direction: r.outbound ? 'outbound' : 'inbound' },
    narrow: { ip: [r.addr] },
    severityFloor: r.bytes >= 1e9 ? 'high' : 'low',
  }));
}

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}
