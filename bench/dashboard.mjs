/* global document */
// Dashboard benchmark on the analyzer bench's lake (~10M generated flows): each API route's p50/p95 over
// varied filters (every call a distinct query, so none is answered from the server's result cache), and the
// time to a first complete render of the dashboard in Debian's Chromium (all panels drawn), first load and
// then loads with filters in the URL.
//   npx tsc -p tsconfig.build.json && node scripts/build-web.mjs && node bench/dashboard.mjs
// BENCH_DASHBOARD_FLOWS (default 10,000,000) sets the lake (shared with bench/analyze.mjs); without
// /usr/bin/chromium the render part is skipped with a notice.
import { existsSync } from 'node:fs';
import os from 'node:os';
import { chromium } from 'playwright-core';
import { buildServer } from '../dist/api/server.js';
import * as lib from '../dist/index.js';
import { BENCH_HOURS, BENCH_START, benchLake } from './lib/analyze-lake.mjs';

const total = Number(process.env.BENCH_DASHBOARD_FLOWS ?? 10_000_000);
const TARGET = { p95Ms: 150, renderMs: 2000 };
const HOUR = 3_600_000;
const CHROMIUM = '/usr/bin/chromium';

const t0 = performance.now();
const lake = await benchLake(total);
console.log(`lake: ${lake.dataDir} (${lake.cached ? 'cached' : `built in ${((performance.now() - t0) / 1000).toFixed(1)} s`})`);

const srv = await buildServer({ dataDir: lake.dataDir, logger: false });
await srv.app.listen({ port: 0, host: '127.0.0.1' });
const base = `http://127.0.0.1:${srv.app.server.address().port}`;

async function get(pathAndQuery) {
  const t = performance.now();
  const res = await fetch(base + pathAndQuery, { headers: { 'accept-encoding': 'br, gzip' } });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${pathAndQuery}: HTTP ${res.status}`);
  return performance.now() - t;
}

// the server prepares the unfiltered view when it starts listening (anomaly detection takes seconds): wait for it
const tWarm = performance.now();
await get('/api/aggregates/anomalies');
console.log(`unfiltered anomalies ready ${((performance.now() - tWarm) / 1000).toFixed(1)} s after listen`);

const top = async (column, skip = []) => (await srv.store.distinct(column, {}, 10)).map((v) => v.value).find((v) => !skip.includes(v));
const FILTERS = [
  '',
  `since=${BENCH_START + 12 * HOUR}&until=${BENCH_START + 18 * HOUR}`,
  `since=${BENCH_START + 12 * HOUR + 1_023_000}&until=${BENCH_START + 30 * HOUR + 2_460_000}`,
  `since=${BENCH_START + (BENCH_HOURS - 1) * HOUR}`,
  `nsg=${encodeURIComponent(await top('nsg_name'))}`,
  'decision=deny',
  'protocol=udp',
  `ip=${await top('dst_ip')}`,
  'port=443',
  `country=${await top('geo_src', ['ZZ'])}`,
];

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const routes = ['/api/meta', '/api/options', ...lib.AGGREGATE_NAMES.map((n) => `/api/aggregates/${n}`), '/api/flows'];
const rows = [];
for (const route of routes) {
  const times = [];
  // two calls per filter, each with a different `top` (or page) so the second is a query of its own too
  for (const variant of [0, 1]) {
    for (const f of FILTERS) {
      const extra = route === '/api/flows' ? `offset=${variant * 100}` : route.startsWith('/api/aggregates/') && variant === 1 ? 'top=11' : '';
      // meta and options take no filter: they describe the whole lake (and are cached per lake version)
      const q = route === '/api/meta' || route === '/api/options' ? '' : [f, extra].filter(Boolean).join('&');
      times.push(await get(`${route}${q ? `?${q}` : ''}`));
    }
  }
  const p95 = pct(times, 95);
  rows.push({ route, calls: times.length, 'p50 ms': Math.round(pct(times, 50)), 'p95 ms': Math.round(p95), 'max ms': Math.round(Math.max(...times)), ok: p95 < TARGET.p95Ms ? 'ok' : 'MISSED' });
}
console.log(`API routes on ${total.toLocaleString('en-US')} flows (${os.availableParallelism()} cores), ${FILTERS.length} filters × 2 variants, each call a distinct query; target p95 < ${TARGET.p95Ms} ms`);
console.table(rows);

if (!existsSync(CHROMIUM)) {
  console.log(`render: skipped (${CHROMIUM} not found; apt-get install chromium)`);
} else {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const render = async (query) => {
      const t = performance.now();
      await page.goto(`${base}/${query ? `?${query}` : ''}`);
      await page.waitForFunction(() => document.body.dataset.ready !== undefined && document.body.dataset.ready !== 'no', undefined, { timeout: 120_000 });
      return performance.now() - t;
    };
    const renders = [{ view: 'first load, no filter', ms: await render('') }];
    renders.push({ view: 'reload, no filter', ms: await render('') });
    for (const f of ['decision=deny', `nsg=${encodeURIComponent(await top('nsg_name'))}`, 'protocol=udp', `since=${BENCH_START + 24 * HOUR}`]) renders.push({ view: f, ms: await render(f) });
    console.log(`Time to a complete render in Chromium (navigation until every panel is drawn); target < ${TARGET.renderMs} ms`);
    console.table(renders.map((r) => ({ ...r, ms: Math.round(r.ms), ok: r.ms < TARGET.renderMs ? 'ok' : 'MISSED' })));
  } finally {
    await browser.close();
  }
}
await srv.close();
