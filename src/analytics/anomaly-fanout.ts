/**
 * Fan-out detectors, counted per window (fanoutWindowMinutes):
 * - vertical scan: one source probing many ports of one host;
 * - horizontal scan: one source probing one port on many hosts;
 * - lateral movement: an internal host reaching many internal hosts on admin ports.
 * Responses (a service port answering a client port) never count as probes. A source that fans out past the
 * threshold in a large share of the windows does so by habit (a jump host, a resolver, a monitoring poller):
 * its windows are reported only when they exceed its usual fan-out several times over.
 */
import { EPOCH_MS_SQL, RESPONSE_LIKE_SQL, endAfter, formatTime, isInternalSql, joinWindows, type AnomalyDraft, type DetectContext } from './anomaly-context.js';
import { median } from './robust-baseline.js';

interface FanoutRow {
  /** The key: source, plus destination (vertical) or port (horizontal). */
  src: string;
  dst: string | null;
  port: number | null;
  w: number;
  targets: number;
  flows: number;
  denied: number;
  first: number;
  last: number;
  /** A sample of the targets (sorted, at most 20). */
  sample: (string | number)[];
  /** Vertical/lateral: ports seen; horizontal: unused. */
  ports: number[] | null;
  srcInternal: boolean;
}

type FanoutKind = 'vertical-scan' | 'horizontal-scan' | 'lateral-movement';

interface FanoutSpec {
  kind: FanoutKind;
  /** Extra key columns beside the source. */
  keyDst: boolean;
  keyPort: boolean;
  /** What is counted distinct. */
  target: string;
  where: string;
  min: number;
}

function specs(ctx: DetectContext): Record<FanoutKind, FanoutSpec> {
  const { t } = ctx;
  const probe = `("flow_decision" = 'Deny' OR coalesce("packets", 0) <= ${Math.floor(t.probeMaxPackets)})`;
  const ports = t.lateralPorts.map((p) => Math.floor(p)).join(', ');
  return {
    'vertical-scan': { kind: 'vertical-scan', keyDst: true, keyPort: false, target: '"dst_port"', where: `"dst_port" IS NOT NULL AND NOT ${RESPONSE_LIKE_SQL}`, min: t.verticalMinPorts },
    'horizontal-scan': {
      kind: 'horizontal-scan',
      keyDst: false,
      keyPort: true,
      target: '"dst_ip"',
      where: `"dst_port" IS NOT NULL AND NOT ${RESPONSE_LIKE_SQL} AND ${probe}`,
      min: t.horizontalMinHosts,
    },
    'lateral-movement': {
      kind: 'lateral-movement',
      keyDst: false,
      keyPort: false,
      target: '"dst_ip"',
      where: `"dst_port" IN (${ports}) AND ${isInternalSql('src')} AND ${isInternalSql('dst')} AND NOT ("src_port" IN (${ports}) AND "dst_port" >= 1024)`,
      min: t.lateralMinHosts,
    },
  };
}

/**
 * Two passes in one statement: the (key, window) groups at half the threshold or more, counted with nothing
 * else (one cheap aggregate over every flow); then the details of those groups only, from the flows of their
 * sources. Computing the lists and flags for every group of every flow cost ten times as much.
 */
async function readFanout(ctx: DetectContext, spec: FanoutSpec, windowMs: number, origin: number): Promise<FanoutRow[]> {
  const dst = spec.keyDst ? 'CAST("dst_ip" AS VARCHAR)' : 'CAST(NULL AS VARCHAR)';
  const port = spec.keyPort ? '"dst_port"' : 'CAST(NULL AS INTEGER)';
  const w = `CAST(floor((${EPOCH_MS_SQL} - $1) / $2) AS BIGINT)`;
  return ctx.store.query<FanoutRow>(
    `WITH c AS (
       SELECT CAST("src_ip" AS VARCHAR) AS src, ${dst} AS dst, ${port} AS port, ${w} AS w, count(DISTINCT ${spec.target}) AS targets
         FROM flows WHERE "src_ip" IS NOT NULL AND ${spec.where}
        GROUP BY ALL HAVING count(DISTINCT ${spec.target}) >= $3),
     d AS (
       SELECT CAST("src_ip" AS VARCHAR) AS src, ${dst} AS dst, ${port} AS port, ${w} AS w, ${spec.target} AS target, "dst_port",
              "flow_decision", ${EPOCH_MS_SQL} AS t0, ${isInternalSql('src')} AS si
         FROM flows WHERE CAST("src_ip" AS VARCHAR) IN (SELECT src FROM c) AND ${spec.where})
     SELECT d.src, d.dst, d.port, d.w, any_value(c.targets) AS targets, count(*) AS flows,
            count(*) FILTER (WHERE "flow_decision" = 'Deny') AS denied, min(t0) AS first, max(t0) AS last,
            list_slice(list_sort(list(DISTINCT target)), 1, 20) AS sample, list_sort(list(DISTINCT "dst_port")) AS ports,
            bool_and(si) AS "srcInternal"
       FROM d JOIN c ON d.src = c.src AND d.dst IS NOT DISTINCT FROM c.dst AND d.port IS NOT DISTINCT FROM c.port AND d.w = c.w
      GROUP BY d.src, d.dst, d.port, d.w`,
    // half the threshold: the windows that show a source's habit, not only the ones it is reported for
    [origin, windowMs, Math.ceil(spec.min / 2)],
    ctx.filter,
  );
}

export async function detectFanout(ctx: DetectContext, kinds: readonly FanoutKind[]): Promise<AnomalyDraft[]> {
  const windowMs = ctx.t.fanoutWindowMinutes * 60_000;
  const origin = Math.floor(ctx.window.since / windowMs) * windowMs;
  const windows = Math.max(1, Math.ceil((ctx.window.until - origin) / windowMs));
  const all = specs(ctx);
  const drafts: AnomalyDraft[] = [];
  for (const kind of kinds) {
    const spec = all[kind];
    const rows = await readFanout(ctx, spec, windowMs, origin);
    const byKey = new Map<string, FanoutRow[]>();
    for (const row of rows) {
      const key = JSON.stringify([row.src, row.dst, row.port]);
      const list = byKey.get(key) ?? [];
      list.push(row);
      byKey.set(key, list);
    }
    for (const keyRows of byKey.values()) {
      const habitual = keyRows.length >= Math.max(ctx.t.habitualMinWindows, ctx.t.habitualFraction * windows);
      const usual = median(keyRows.map((r) => r.targets));
      const over = keyRows.filter((r) => r.targets >= spec.min);
      const flagged = habitual ? over.filter((r) => r.targets > ctx.t.habitualMultiplier * usual) : over;
      for (const group of joinWindows(flagged)) drafts.push(draft(ctx, spec, group, habitual ? usual : null));
    }
  }
  return drafts;
}

function draft(ctx: DetectContext, spec: FanoutSpec, rows: FanoutRow[], usual: number | null): AnomalyDraft {
  const first = rows[0];
  const start = Math.min(...rows.map((r) => r.first));
  const end = endAfter(Math.max(...rows.map((r) => r.last)));
  const maxTargets = Math.max(...rows.map((r) => r.targets));
  const flows = rows.reduce((s, r) => s + r.flows, 0);
  const denied = rows.reduce((s, r) => s + r.denied, 0);
  const sample = [...new Set(rows.flatMap((r) => r.sample.map(String)))].sort().slice(0, 20);
  const ports = [...new Set(rows.flatMap((r) => r.ports ?? []))].sort((a, b) => a - b);
  const evidence = {
    windows: rows.length,
    windowMinutes: ctx.t.fanoutWindowMinutes,
    maxTargetsPerWindow: maxTargets,
    threshold: spec.min,
    flows,
    denied,
    habitualFanout: usual,
  };
  const span = `${formatTime(start)} – ${formatTime(end)}`;
  switch (spec.kind) {
    case 'vertical-scan':
      return {
        type: spec.kind,
        start,
        end,
        entities: { srcIps: [first.src], dstIps: first.dst === null ? [] : [first.dst], ports: ports.slice(0, 20) },
        score: maxTargets / spec.min,
        summary: `${first.src} probed ${maxTargets} ports of ${first.dst ?? '?'} within ${ctx.t.fanoutWindowMinutes} min (${span}; ${denied} of ${flows} flows denied)`,
        evidence: { ...evidence, portsSample: ports.slice(0, 20), portCount: ports.length },
        narrow: { ip: [first.src], ipSide: 'src' },
        severityFloor: first.srcInternal ? 'high' : 'medium',
      };
    case 'horizontal-scan':
      return {
        type: spec.kind,
        start,
        end,
        entities: { srcIps: [first.src], dstIps: sample, ports: first.port === null ? [] : [first.port] },
        score: maxTargets / spec.min,
        summary: `${first.src} probed port ${first.port ?? '?'} on ${maxTargets} hosts within ${ctx.t.fanoutWindowMinutes} min (${span}; ${denied} of ${flows} flows denied)`,
        evidence: { ...evidence, targetsSample: sample },
        narrow: { ip: [first.src], ipSide: 'src', ...(first.port === null ? {} : { port: [first.port] }) },
        severityFloor: first.srcInternal ? 'high' : 'medium',
      };
    case 'lateral-movement':
      return {
        type: spec.kind,
        start,
        end,
        entities: { srcIps: [first.src], dstIps: sample, ports },
        score: maxTargets / spec.min,
        summary: `internal host ${first.src} reached ${maxTargets} internal hosts on admin ports ${ports.join('/')} within ${ctx.t.fanoutWindowMinutes} min (${span})`,
        evidence: { ...evidence, targetsSample: sample, ports },
        narrow: { ip: [first.src], ipSide: 'src', port: ctx.t.lateralPorts },
      };
  }
}
