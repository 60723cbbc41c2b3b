/**
 * Volume spikes (flows, bytes) and denied-flow spikes: a regular series per bucket, a robust hour-of-day
 * aware expectation per bucket (robust-baseline.ts), runs of buckets past the thresholds, and for each run
 * the entities whose share grew most against the hours around it.
 */
import type { Filter } from '../model/filter.js';
import { EPOCH_MS_SQL, formatTime, type AnomalyDraft, type DetectContext, type TimeSpan } from './anomaly-context.js';
import { anomalousRuns, expectations, scoreBucket, type SpikeTest } from './robust-baseline.js';

type SpikeMeasure = 'flows' | 'bytes' | 'denied';

interface Series {
  start: number;
  bucketMs: number;
  flows: number[];
  bytes: number[];
  denied: number[];
}

async function readSeries(ctx: DetectContext): Promise<Series> {
  const bucketMs = ctx.t.spikeBucketMinutes * 60_000;
  const start = Math.floor(ctx.window.since / bucketMs) * bucketMs;
  const n = Math.max(1, Math.ceil((ctx.window.until - start) / bucketMs));
  const rows = await ctx.store.query<{ b: number; flows: number; bytes: number; denied: number }>(
    `SELECT CAST(floor((${EPOCH_MS_SQL} - $1) / $2) AS BIGINT) AS b, count(*) AS flows, coalesce(sum("bytes"), 0) AS bytes,
            count(*) FILTER (WHERE "flow_decision" = 'Deny') AS denied
       FROM flows GROUP BY 1`,
    [start, bucketMs],
    ctx.filter,
  );
  const series: Series = { start, bucketMs, flows: new Array<number>(n).fill(0), bytes: new Array<number>(n).fill(0), denied: new Array<number>(n).fill(0) };
  for (const r of rows) {
    if (r.b < 0 || r.b >= n) continue;
    series.flows[r.b] = r.flows;
    series.bytes[r.b] = r.bytes;
    series.denied[r.b] = r.denied;
  }
  return series;
}

interface SpikeRun {
  measure: SpikeMeasure;
  span: TimeSpan;
  observed: number;
  expected: number;
  maxZ: number;
  maxRatio: number;
  buckets: number;
  method: string;
}

function findRuns(ctx: DetectContext, s: Series, measure: SpikeMeasure): SpikeRun[] {
  const { t } = ctx;
  const values = s[measure];
  const exp = expectations(values, { bucketMs: s.bucketMs, seasonalMinDays: t.seasonalMinDays, localWindowMs: t.localWindowHours * 3_600_000 });
  const test: SpikeTest = {
    minZ: t.spikeMinZ,
    minRatio: measure === 'bytes' ? t.spikeMinRatioBytes : t.spikeMinRatio,
    minExcess: measure === 'bytes' ? 0 : t.spikeMinExcessFlows,
    poissonFloor: measure !== 'bytes',
  };
  const scores = values.map((v, i) => scoreBucket(v, exp[i], test));
  return anomalousRuns(scores.map((x) => x.anomalous), measure === 'bytes' ? t.spikeMinBucketsBytes : t.spikeMinBuckets).map((run) => {
    let observed = 0;
    let expected = 0;
    let maxZ = 0;
    let maxRatio = 0;
    for (let i = run.first; i <= run.last; i++) {
      observed += values[i];
      expected += exp[i].expected;
      maxZ = Math.max(maxZ, scores[i].z);
      maxRatio = Math.max(maxRatio, scores[i].ratio);
    }
    return {
      measure,
      span: { since: s.start + run.first * s.bucketMs, until: s.start + (run.last + 1) * s.bucketMs },
      observed,
      expected,
      maxZ,
      maxRatio,
      buckets: run.last - run.first + 1,
      method: exp[run.first].method,
    };
  });
}

interface Contributor {
  dim: 'src' | 'dst' | 'port';
  key: string;
  inside: number;
  excess: number;
}

/**
 * The entities whose measure grew most in the run against the local window around it: inside − outside
 * scaled to the run's length. A spike of new addresses and one of a known address grown tenfold both show.
 */
async function contributors(ctx: DetectContext, run: SpikeRun): Promise<Contributor[]> {
  const around = ctx.t.localWindowHours * 3_600_000;
  const span = { since: Math.max(ctx.window.since, run.span.since - around), until: Math.min(ctx.window.until, run.span.until + around) };
  const outsideMs = span.until - span.since - (run.span.until - run.span.since);
  const scale = outsideMs > 0 ? (run.span.until - run.span.since) / outsideMs : 0;
  const value = run.measure === 'bytes' ? 'coalesce("bytes", 0)' : '1';
  const where = run.measure === 'denied' ? `"flow_decision" = 'Deny'` : 'TRUE';
  const filter: Filter = { ...ctx.filter, since: span.since, until: span.until };
  const rows = await ctx.store.query<{ src: string | null; dst: string | null; port: number | null; g: number; inside: number; outside: number }>(
    `WITH m AS (SELECT "src_ip" AS src, "dst_ip" AS dst, "dst_port" AS port, ${value} AS v,
                       ${EPOCH_MS_SQL} >= $1 AND ${EPOCH_MS_SQL} < $2 AS inside
                  FROM flows WHERE ${where})
     SELECT src, dst, port, GROUPING(src, dst, port) AS g,
            coalesce(sum(v) FILTER (WHERE inside), 0) AS inside, coalesce(sum(v) FILTER (WHERE NOT inside), 0) AS outside
       FROM m GROUP BY GROUPING SETS ((src), (dst), (port))`,
    [run.span.since, run.span.until],
    filter,
  );
  const totalExcess = Math.max(1, run.observed - run.expected);
  const out: Contributor[] = [];
  for (const r of rows) {
    // GROUPING bits (src, dst, port): 3 = only src grouped (011), 5 = only dst (101), 6 = only port (110)
    const dim = r.g === 3 ? 'src' : r.g === 5 ? 'dst' : 'port';
    const key = dim === 'src' ? r.src : dim === 'dst' ? r.dst : r.port;
    if (key === null) continue;
    const excess = r.inside - r.outside * scale;
    // named when it grew at all and carries a visible part of the excess (150 bots of a botnet each carry <1%)
    if (excess > 0 && excess >= 0.005 * totalExcess) out.push({ dim, key: String(key), inside: r.inside, excess });
  }
  return out.sort((a, b) => b.excess - a.excess || a.key.localeCompare(b.key));
}

const LABEL: Record<SpikeMeasure, string> = { flows: 'flows', bytes: 'bytes', denied: 'denied flows' };

function draftFor(run: SpikeRun, parts: Contributor[], minZ: number): AnomalyDraft {
  const top = (dim: Contributor['dim'], n: number) => parts.filter((p) => p.dim === dim).slice(0, n);
  const srcs = top('src', 5);
  const dsts = top('dst', 5);
  const ports = top('port', 5);
  const ratio = run.expected > 0 ? run.observed / run.expected : Infinity;
  const who = srcs.length > 0 ? `; top sources ${srcs.slice(0, 3).map((p) => p.key).join(', ')}` : '';
  const to = dsts.length > 0 ? `; top destinations ${dsts.slice(0, 3).map((p) => p.key).join(', ')}` : '';
  return {
    type: run.measure === 'denied' ? 'denied-spike' : 'traffic-spike',
    start: run.span.since,
    end: run.span.until,
    entities: { srcIps: srcs.map((p) => p.key), dstIps: dsts.map((p) => p.key), ports: ports.map((p) => Number(p.key)) },
    score: run.maxZ / minZ,
    summary:
      `${LABEL[run.measure]} ${Number.isFinite(ratio) ? `${ratio.toFixed(1)}×` : 'far above'} the expected level ` +
      `${formatTime(run.span.since)} – ${formatTime(run.span.until)}${who}${to}`,
    evidence: {
      measure: run.measure,
      observed: run.observed,
      expected: Math.round(run.expected),
      ratio: Number.isFinite(ratio) ? Math.round(ratio * 100) / 100 : null,
      maxZ: Math.round(run.maxZ * 10) / 10,
      maxBucketRatio: Number.isFinite(run.maxRatio) ? Math.round(run.maxRatio * 100) / 100 : null,
      buckets: run.buckets,
      baseline: run.method,
      topSources: srcs.map((p) => p.key),
      topSourceShares: srcs.map((p) => Math.round((100 * p.excess) / Math.max(1, run.observed - run.expected)) / 100),
    },
    narrow: run.measure === 'denied' ? { decision: ['Deny'] } : {},
  };
}

/**
 * Spike drafts for the measures asked. A flows spike that is mostly denied flows (a denied-spike run
 * covering it explains ≥ half its excess) is left to the denied-spike record.
 */
export async function detectSpikes(ctx: DetectContext, want: { traffic: boolean; denied: boolean }): Promise<AnomalyDraft[]> {
  const series = await readSeries(ctx);
  const deniedRuns = findRuns(ctx, series, 'denied');
  const runs: SpikeRun[] = [];
  if (want.denied) runs.push(...deniedRuns);
  if (want.traffic) {
    runs.push(...findRuns(ctx, series, 'bytes'));
    for (const run of findRuns(ctx, series, 'flows')) {
      const excess = run.observed - run.expected;
      const deniedExcess = deniedRuns
        .filter((d) => d.span.since < run.span.until && d.span.until > run.span.since)
        .reduce((sum, d) => sum + (d.observed - d.expected), 0);
      if (deniedExcess < 0.5 * excess) runs.push(run);
    }
  }
  const drafts: AnomalyDraft[] = [];
  for (const run of runs) {
    drafts.push(draftFor(run, await contributors(ctx, run), ctx.t.spikeMinZ));
  }
  return drafts;
}
