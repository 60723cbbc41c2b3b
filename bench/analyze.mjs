// Analyzer benchmark: every analyzer query over a lake of ~10M generated flows, repeated with varied filters;
// p50 / p95 / max latency per query and which path answered (rollup or raw rows).
//
//   npx tsc -p tsconfig.build.json && node bench/analyze.mjs
// BENCH_ANALYZE_FLOWS (default 10,000,000) sets the size; BENCH_ANALYZE_CALLS (default 20) the timed calls
// per query, cycling through the filters; detectAnomalies (seconds per call, never from the rollups) gets
// BENCH_ANALYZE_ANOMALY_CALLS (default 5), no untimed pass and no raw comparison. BENCH_ANALYZE_RAW=0 skips
// the comparison with the raw path (the same calls on a store with rollups off). The lake (generated
// csv-zip logs over 48 hours, ingested) is built once and kept under NF_BENCH_DIR (default
// <tmp>/nf-bench-analyze)/<flows>/, reused while its parameters, the built generator and the lake layout are
// the same. Timings are of the library call alone, in this process, after one untimed pass over the filters
// (warm file cache, as for a dashboard in use). Route: calls answered from rollups only / rollups plus raw
// reads / raw rows only.
import os from 'node:os';
import * as lib from '../dist/index.js';
import { BENCH_HOURS as HOURS, BENCH_START as START, benchLake } from './lib/analyze-lake.mjs';

const total = Number(process.env.BENCH_ANALYZE_FLOWS ?? 10_000_000);
const calls = Number(process.env.BENCH_ANALYZE_CALLS ?? 20);
const anomalyCalls = Number(process.env.BENCH_ANALYZE_ANOMALY_CALLS ?? 5);
const TARGET_P95_MS = 150;
const compareRaw = process.env.BENCH_ANALYZE_RAW !== '0';

if (!Number.isInteger(total) || total <= 0) throw new Error(`BENCH_ANALYZE_FLOWS must be a positive integer, got '${process.env.BENCH_ANALYZE_FLOWS}'`);
if (!Number.isInteger(calls) || calls <= 0) throw new Error(`BENCH_ANALYZE_CALLS must be a positive integer, got '${process.env.BENCH_ANALYZE_CALLS}'`);
if (!Number.isInteger(anomalyCalls) || anomalyCalls <= 0) {
  throw new Error(`BENCH_ANALYZE_ANOMALY_CALLS must be a positive integer, got '${process.env.BENCH_ANALYZE_ANOMALY_CALLS}'`);
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');

const t0 = performance.now();
const lake = await benchLake(total);
console.log(`lake: ${lake.dataDir} (${lake.cached ? 'cached' : `built in ${((performance.now() - t0) / 1000).toFixed(1)} s`})`);

const HOUR = 3_600_000;
const MINUTE = 60_000;

/** The filters each query cycles through; values are picked from the lake (the busiest of each kind). */
async function benchFilters(store) {
  const top = async (column, skip = []) => (await store.distinct(column, {}, 10)).map((v) => v.value).find((v) => !skip.includes(v));
  return {
    none: {},
    'hours 12–18 (aligned)': { since: START + 12 * HOUR, until: START + 18 * HOUR },
    'hours 12:17–30:41 (unaligned)': { since: START + 12 * HOUR + 17 * MINUTE + 3_000, until: START + 30 * HOUR + 41 * MINUTE },
    'last hour': { since: START + (HOURS - 1) * HOUR, until: START + HOURS * HOUR },
    nsg: { nsg: [await top('nsg_name')] },
    'decision Deny': { decision: ['Deny'] },
    'protocol UDP': { protocol: ['UDP'] },
    'ip (either end)': { ip: [await top('dst_ip')] },
    'port 443': { port: [await top('dst_port')] },
    country: { country: [await top('geo_src', ['ZZ'])] },
  };
}

/** Every analyzer query: name → call(store, filter). */
async function benchQueries() {
  let detectAnomalies = lib.detectAnomalies;
  if (!detectAnomalies) {
    try {
      ({ detectAnomalies } = await import('../dist/analytics/anomalies.js'));
    } catch {
      detectAnomalies = undefined;
    }
  }
  return {
    summary: (s, f) => lib.summary(s, f),
    'top talkers by bytes': (s, f) => lib.topTalkers(s, f, { by: 'bytes' }),
    'top talkers by flows': (s, f) => lib.topTalkers(s, f, { by: 'flows' }),
    'top listeners by bytes': (s, f) => lib.topListeners(s, f, { by: 'bytes' }),
    'top listeners by flows': (s, f) => lib.topListeners(s, f, { by: 'flows' }),
    'service ports': (s, f) => lib.servicePorts(s, f),
    'denied by NSG/rule': (s, f) => lib.deniedBy(s, f, 'nsg_rule'),
    'denied by source': (s, f) => lib.deniedBy(s, f, 'source'),
    'denied by port': (s, f) => lib.deniedBy(s, f, 'dst_port'),
    'denied over time': (s, f) => lib.deniedOverTime(s, f),
    'time series': (s, f) => lib.timeSeries(s, f),
    'heatmap day×hour': (s, f) => lib.heatmapDayHour(s, f),
    'heatmap NSG×hour': (s, f) => lib.heatmapNsgHour(s, f),
    sankey: (s, f) => lib.sankeyPairs(s, f),
    'sankey via port': (s, f) => lib.sankeyPairs(s, f, { viaPort: true }),
    countries: (s, f) => lib.countries(s, f),
    ...(detectAnomalies ? { 'detect anomalies': (s, f) => detectAnomalies(s, f) } : {}),
  };
}

/** Nearest-rank percentile of sorted values. */
const percentile = (sorted, p) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];

/**
 * Times `calls` calls of `run`, cycling through the filters after one untimed pass over them. Returns the
 * sorted latencies, the slowest filter, and per call which relations answered (from the store's onQuery).
 */
async function measure(store, events, run, filters, { calls, warm }) {
  const entries = Object.entries(filters);
  if (warm) for (const [, filter] of entries) await run(store, filter);
  const times = [];
  const routes = { rollup: 0, mixed: 0, raw: 0 };
  let slowest = { ms: -1, filter: '' };
  for (let i = 0; i < calls; i++) {
    const [name, filter] = entries[i % entries.length];
    events.length = 0;
    const t = performance.now();
    await run(store, filter);
    const ms = performance.now() - t;
    times.push(ms);
    if (ms > slowest.ms) slowest = { ms, filter: name };
    const raw = events.filter((e) => e.source === 'raw').length;
    routes[raw === 0 ? 'rollup' : raw === events.length ? 'raw' : 'mixed']++;
  }
  return { sorted: times.sort((a, b) => a - b), slowest, routes };
}

const events = [];
const store = await lib.FlowStore.open(lake.dataDir, { onQuery: (e) => events.push(e) });
const rawStore = compareRaw ? await lib.FlowStore.open(lake.dataDir, { rollups: false }) : undefined;
try {
  const flows = await store.count();
  const filters = await benchFilters(store);
  const queries = await benchQueries();
  console.log(
    `Analyzer benchmark: ${fmt(flows)} flows, ${Object.keys(store.manifest.files).length} files, ${calls} calls per query over ${Object.keys(filters).length} filters ` +
      `(node ${process.version}, ${os.availableParallelism()} cores); target p95 < ${TARGET_P95_MS} ms`,
  );
  for (const [name, filter] of Object.entries(filters)) console.log(`  filter ${name}: ${JSON.stringify(filter)}`);
  if (!queries['detect anomalies']) console.log('  detectAnomalies: not in the build (dist/analytics/anomalies.js), not measured');
  const rows = [];
  for (const [name, run] of Object.entries(queries)) {
    const heavy = name === 'detect anomalies';
    const options = heavy ? { calls: anomalyCalls, warm: false } : { calls, warm: true };
    const m = await measure(store, events, run, filters, options);
    const r = rawStore && !heavy ? await measure(rawStore, [], run, filters, options) : undefined;
    const p95 = percentile(m.sorted, 0.95);
    rows.push({
      query: name,
      calls: options.calls,
      'p50 ms': percentile(m.sorted, 0.5).toFixed(0),
      'p95 ms': p95.toFixed(0),
      'max ms': m.sorted.at(-1).toFixed(0),
      'slowest filter': m.slowest.filter,
      'route rollup/mixed/raw': `${m.routes.rollup}/${m.routes.mixed}/${m.routes.raw}`,
      ...(rawStore ? { 'raw p50 ms': r ? percentile(r.sorted, 0.5).toFixed(0) : '', 'raw p95 ms': r ? percentile(r.sorted, 0.95).toFixed(0) : '' } : {}),
      ok: p95 < TARGET_P95_MS ? 'ok' : 'MISSED',
    });
    if (p95 >= TARGET_P95_MS) process.exitCode = 1;
  }
  console.table(rows);
} finally {
  store.close();
  rawStore?.close();
}
