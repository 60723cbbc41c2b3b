/**
 * The dashboard in Debian's Chromium (playwright-core), served by the real server over a generated lake that
 * also holds denied flows of an NSG named `<img src=x onerror=alert(1)>`. Every panel renders with data; a
 * click on the first top-talker bar filters every panel (checked against the API), shows a chip and puts the
 * address in the URL; reload reproduces the view; back returns; the hostile name shows as text and never as
 * an element; no request leaves 127.0.0.1. Screenshots (light and dark at 1280×800, 390 wide) go to
 * test-artifacts/.
 *
 * Without /usr/bin/chromium the suite skips with a notice, except under CI=true, where it fails.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, type NetworkflowServer } from '../../src/api/server.js';
import { FLOW_CSV_HEADER, flowRecordToCsv, ingest, type FlowRecord, type SeriesRow, type TalkerRow, type TimeSeries } from '../../src/index.js';
import { formatCount } from '../../src/web/text.js';
import { buildAnalyticsLake, type AnalyticsLake } from '../helpers/analytics-lake.js';
import { addBundleCoverage, lineSummary, type LineHits } from './browser-coverage.js';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const UNDER_CI = Boolean(process.env.CI) && process.env.CI !== 'false';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const EVIL = '<img src=x onerror=alert(1)>';

if (!HAVE_CHROMIUM) {
  // under CI a missing browser fails the file (as a missing ../shared does), rather than skipping quietly
  if (UNDER_CI) throw new Error(`dashboard e2e: ${CHROMIUM} must exist under CI (.ci/run installs Debian's chromium)`);
  const notice = `\n${'!'.repeat(78)}\n!! dashboard e2e: ${CHROMIUM} is missing, the browser tests are SKIPPED (apt-get install chromium)\n${'!'.repeat(78)}\n`;
  console.warn(notice);
}

describe.runIf(HAVE_CHROMIUM)('dashboard in Chromium', () => {
  let lake: AnalyticsLake;
  let webRoot: string;
  let server: NetworkflowServer;
  let browser: Browser;
  let base: string;
  /** Chromium's coverage of the bundle over every page of the suite. */
  const hits: LineHits = new Map();
  const pendingCoverage: Promise<void>[] = [];

  beforeAll(async () => {
    webRoot = await mkdtemp(path.join(tmpdir(), 'nf-web-e2e-'));
    const built = promisify(execFile)(process.execPath, [path.join(ROOT, 'scripts/build-web.mjs'), '--outdir', webRoot]);
    lake = await buildAnalyticsLake({ hours: 30, flowsPerHour: 400, seed: 21 });
    // denied flows of a hostile NSG, appended as a hand-written CSV source
    const hostile = path.join(webRoot, 'hostile-src');
    mkdirSync(hostile);
    const rows = lake.records.slice(0, 600).map((r): FlowRecord => ({ ...r, nsg_name: EVIL, rule_name: 'deny-<b>all</b>', flow_decision: 'Deny', attributes: null }));
    writeFileSync(path.join(hostile, 'hostile.csv'), FLOW_CSV_HEADER + rows.map(flowRecordToCsv).join(''));
    await ingest({ source: hostile, dataDir: lake.dataDir, concurrency: 0 });
    await built;
    server = await buildServer({ dataDir: lake.dataDir, webRoot, logger: false });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(server.app.server.address() as { port: number }).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await lake?.cleanup();
    if (webRoot) await rm(webRoot, { recursive: true, force: true });
  });

  const api = async <T>(pathAndQuery: string): Promise<T> => (await fetch(`${base}${pathAndQuery}`)).json() as Promise<T>;

  /** A page that records everything the test asserts about: requests, dialogs, errors. */
  async function openPage(viewport: { width: number; height: number }) {
    const page = await browser.newPage({ viewport, colorScheme: 'light' });
    // Chromium drops a document's coverage when it navigates away: collect it before every navigation
    await page.coverage.startJSCoverage({ resetOnNavigation: false });
    const collect = async () => {
      const entries = await page.coverage.stopJSCoverage();
      const added = addBundleCoverage(hits, entries, `${base}/assets/app.js`, path.join(webRoot, 'app.js'));
      added.catch(() => {}); // reported by the coverage test, which awaits it
      pendingCoverage.push(added);
    };
    const restart = () => page.coverage.startJSCoverage({ resetOnNavigation: false });
    const { goto, reload, goBack, close } = { goto: page.goto.bind(page), reload: page.reload.bind(page), goBack: page.goBack.bind(page), close: page.close.bind(page) };
    page.goto = async (...args) => (await collect(), await restart(), goto(...args));
    page.reload = async (...args) => (await collect(), await restart(), reload(...args));
    page.goBack = async (...args) => (await collect(), await restart(), goBack(...args));
    page.close = async (...args) => (await collect(), close(...args));
    const record = { requests: [] as string[], dialogs: [] as string[], errors: [] as string[] };
    page.on('request', (r) => record.requests.push(r.url()));
    page.on('dialog', (d) => {
      record.dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('pageerror', (e) => record.errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') record.errors.push(m.text());
    });
    return { page, record };
  }

  /** Waits until the page has drawn the view of `query` ('all' for no filter). */
  async function drawn(page: Page, query: string) {
    await page.waitForFunction((q) => document.body.dataset.ready === q, query, { timeout: 30_000 }).catch(async (err: Error) => {
      const seen = await page.evaluate(() => `${location.search} ready=${document.body.dataset.ready}`);
      throw new Error(`${err.message}; the page is at ${seen}, waiting for ${query}`);
    });
  }

  /** Each chart's number of points (bars, slices, cells, countries, links, indicators). */
  const chartPoints = (page: Page) =>
    page.evaluate(() => {
      const count = (t: Record<string, unknown>): number => {
        if (t.type === 'sankey') return ((t.link as { value: number[] }).value ?? []).length;
        if (t.type === 'indicator') return typeof t.value === 'number' ? 1 : 0;
        if (t.type === 'pie') return (t.values as number[]).length;
        if (t.type === 'choropleth') return (t.locations as string[]).length;
        if (t.type === 'heatmap') return (t.z as number[][]).flat().filter((v) => v > 0).length;
        return ((t.x as unknown[]) ?? []).length;
      };
      return Object.fromEntries(
        [...document.querySelectorAll<HTMLElement & { data?: Record<string, unknown>[] }>('.chart')].map((el) => [el.id, (el.data ?? []).reduce((n, t) => n + count(t), 0)]),
      );
    });

  const flowsMetric = (page: Page) => page.locator('[data-metric="flows"]').textContent();
  const flowsMetricOf = flowsMetric;
  const traceOf = (page: Page, chartId: string, field: string) =>
    page.evaluate(([id, f]) => (document.getElementById(id) as HTMLElement & { data: Record<string, unknown>[] }).data[0][f], [chartId, field] as const);

  it('renders every panel, drills down from a top-talker bar, survives reload and back, and keeps names as text', async () => {
    const { page, record } = await openPage({ width: 1280, height: 800 });
    await page.goto(`${base}/`);
    await drawn(page, 'all');
    console.log(`first complete render: ${Math.round(await page.evaluate(() => performance.now()))} ms after navigation start (small lake)`);

    // every chart has points, the table and the anomaly list have rows, the metrics match the API
    const points = await chartPoints(page);
    expect(Object.keys(points).sort()).toEqual(
      ['chart-denied-nsg', 'chart-denied-port', 'chart-gauge', 'chart-heatmap', 'chart-map', 'chart-sankey', 'chart-time-series', 'chart-top-listeners', 'chart-top-talkers'].sort(),
    );
    for (const [id, n] of Object.entries(points)) expect(n, id).toBeGreaterThan(0);
    expect(await page.locator('#talkers-table tbody tr').count()).toBe(10);
    expect(await page.locator('#anomaly-list li.anomaly').count()).toBeGreaterThan(0);
    const all = await api<{ flows: number }>('/api/aggregates/summary');
    expect(await flowsMetric(page)).toBe(formatCount(all.flows));
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-light-1280x800.png') });

    // the hostile NSG: in the select and the denied chart as text, never as an element
    const names = await page.evaluate(() => ({
      option: [...document.querySelectorAll('select[name="nsg"] option')].some((o) => o.textContent?.startsWith('<img src=x onerror=alert(1)>')),
      chart: document.getElementById('chart-denied-nsg')?.textContent?.includes('<img src=x onerror=alert(1)> / deny-<b>all</b>') ?? false,
      images: document.querySelectorAll('img').length,
      bold: document.querySelectorAll('#chart-denied-nsg b').length,
    }));
    expect(names).toEqual({ option: true, chart: true, images: 0, bold: 0 });

    // click the first top-talker bar
    const talkers = await api<TalkerRow[]>('/api/aggregates/top-talkers?top=100');
    const first = talkers[0].ip as string;
    expect(await traceOf(page, 'chart-top-talkers', 'y')).toContainEqual(first);
    const bar = page.locator('#chart-top-talkers g.point path').first();
    const box = (await bar.boundingBox()) as { x: number; y: number; width: number; height: number };
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    const query = new URLSearchParams([['ip', first], ['ip-side', 'src']]).toString();
    await drawn(page, query);
    expect(new URL(page.url()).search).toBe(`?${query}`);
    expect(await page.locator('#chips .chip').allTextContents()).toEqual([`ip: ${first}`, 'ip side: src']);

    // every other panel shows the filtered data
    const filtered = async () => {
      const [summary, listeners, series, ports, countries, sankey] = await Promise.all([
        api<{ flows: number }>(`/api/aggregates/summary?${query}`),
        api<TalkerRow[]>(`/api/aggregates/top-listeners?top=100&${query}`),
        api<TimeSeries<SeriesRow>>(`/api/aggregates/time-series?bucket=hour&${query}`),
        api<{ flows: number }[]>(`/api/aggregates/denied-by-port?top=8&${query}`),
        api<{ sources: { flows: number; country: string | null }[] }>(`/api/aggregates/countries?${query}`),
        api<{ link: { value: number[] } }>(`/api/aggregates/sankey?top=15&${query}`),
      ]);
      expect(summary.flows).toBeLessThan(all.flows);
      expect(await flowsMetric(page)).toBe(formatCount(summary.flows));
      expect(await traceOf(page, 'chart-gauge', 'value')).toBe(summary.flows);
      expect(await traceOf(page, 'chart-top-listeners', 'x')).toEqual(listeners.filter((r) => r.ip !== 'other' && r.ip !== null).slice(0, 10).map((r) => r.bytes));
      expect(await traceOf(page, 'chart-time-series', 'y')).toEqual(series.rows.map((r) => r.allowed));
      expect(await traceOf(page, 'chart-denied-port', 'values')).toEqual(ports.map((r) => r.flows));
      const heat = (await traceOf(page, 'chart-heatmap', 'z')) as number[][];
      expect(heat.flat().reduce((a, b) => a + b, 0)).toBe(summary.flows);
      const mapFlows = ((await traceOf(page, 'chart-map', 'z')) as number[]).reduce((a, b) => a + b, 0);
      expect(mapFlows).toBe(countries.sources.filter((c) => c.country !== null && c.country !== 'ZZ').reduce((a, c) => a + c.flows, 0));
      expect(((await traceOf(page, 'chart-sankey', 'link')) as { value: number[] }).value).toEqual(sankey.link.value);
      expect(await page.locator('#talkers-table tbody tr').first().getAttribute('data-ip')).toBe(first);
      expect(await page.locator('#talkers-table tbody tr').count()).toBe(1);
      return summary.flows;
    };
    const filteredFlows = await filtered();

    // reload: the same view from the URL alone
    await page.reload();
    await drawn(page, query);
    expect(await page.locator('#chips .chip').allTextContents()).toEqual([`ip: ${first}`, 'ip side: src']);
    expect(await filtered()).toBe(filteredFlows);

    // back: the unfiltered view
    await page.goBack();
    await drawn(page, 'all');
    expect(new URL(page.url()).search).toBe('');
    expect(await page.locator('#chips .chip').count()).toBe(0);
    expect(await flowsMetric(page)).toBe(formatCount(all.flows));

    // a denied-by bar of the hostile NSG filters on its NSG and rule; removing chips returns to all
    await page.evaluate(() => {
      const gd = document.getElementById('chart-denied-nsg') as HTMLElement & { data: { y: string[] }[]; emit(e: string, d: unknown): void };
      const i = gd.data[0].y.findIndex((y) => y.startsWith('&lt;img'));
      gd.emit('plotly_click', { points: [{ pointNumber: i }] });
    });
    const nsgQuery = new URLSearchParams([['nsg', EVIL], ['rule', 'deny-<b>all</b>']]).toString();
    await drawn(page, nsgQuery);
    const nsgSummary = await api<{ flows: number }>(`/api/aggregates/summary?${nsgQuery}`);
    expect(nsgSummary.flows).toBe(600);
    expect(await flowsMetric(page)).toBe(formatCount(600));
    await page.locator('#chips .chip', { hasText: 'rule:' }).click();
    await page.locator('#chips .chip', { hasText: 'nsg:' }).click();
    await drawn(page, 'all');

    // dark theme, remembered
    await page.click('#theme-toggle');
    await page.waitForFunction(() => document.body.dataset.drawnTheme === 'dark');
    expect(await page.evaluate(() => localStorage.getItem('networkflow-theme'))).toBe('dark');
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-dark-1280x800.png') });

    expect(record.dialogs).toEqual([]);
    expect(record.errors).toEqual([]);
    expect(record.requests.length).toBeGreaterThan(10);
    expect(record.requests.filter((u) => new URL(u).hostname !== '127.0.0.1')).toEqual([]);
    expect(record.requests).toContain(`${base}/vendor/world_110m.json`);
    await page.close();
  }, 180_000);

  it('is readable on a narrow screen: one column, no sideways scrolling', async () => {
    const { page, record } = await openPage({ width: 390, height: 844 });
    await page.goto(`${base}/`);
    await drawn(page, 'all');
    const layout = await page.evaluate(() => ({
      overflow: document.documentElement.scrollWidth - window.innerWidth,
      columns: getComputedStyle(document.querySelector('.grid') as Element).gridTemplateColumns.split(' ').length,
    }));
    expect(layout).toEqual({ overflow: 0, columns: 1 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-narrow-390.png'), fullPage: true });
    expect(record.errors).toEqual([]);
    await page.close();
  }, 120_000);
  it('sorts and pages the table, switches sides, applies presets, selects, zooms and anomalies, shows errors and empty views', async () => {
    const { page, record } = await openPage({ width: 1280, height: 800 });
    await page.goto(`${base}/`);
    await drawn(page, 'all');
    const ips = () => page.locator('#talkers-table tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-ip')));
    const talkers = (await api<TalkerRow[]>('/api/aggregates/top-talkers?top=100')).filter((r) => r.ip !== 'other' && r.ip !== null);

    // table: default bytes descending, then flows (descending), then flows again (ascending), pages, sides
    expect(await ips()).toEqual(talkers.slice(0, 10).map((r) => r.ip));
    await page.click('#talkers-table th button[data-column="flows"]');
    const byFlows = [...talkers].sort((a, b) => b.flows - a.flows || ((a.ip as string) < (b.ip as string) ? -1 : 1));
    expect((await ips()).map((ip) => talkers.find((r) => r.ip === ip)?.flows)).toEqual(byFlows.slice(0, 10).map((r) => r.flows));
    expect(await page.getAttribute('#talkers-table th:nth-child(2)', 'aria-sort')).toBe('descending');
    await page.click('#talkers-table th button[data-column="flows"]');
    expect(await page.getAttribute('#talkers-table th:nth-child(2)', 'aria-sort')).toBe('ascending');
    await page.click('#table-next');
    expect(await page.textContent('#table-page')).toBe(`page 2 of ${Math.ceil(talkers.length / 10)} (${talkers.length} addresses)`);
    await page.click('#table-prev');
    expect(await page.isDisabled('#table-prev')).toBe(true);
    await page.selectOption('#table-side', 'dst');
    expect(await page.getAttribute('#table-csv', 'href')).toBe('/api/aggregates/top-listeners?top=100&format=csv');
    const csv = await fetch(`${base}${await page.getAttribute('#table-csv', 'href')}`);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    // a row (by keyboard) filters on the destination
    const row = page.locator('#talkers-table tbody tr').first();
    const dst = (await row.getAttribute('data-ip')) as string;
    await row.focus();
    await page.keyboard.press('Enter');
    await drawn(page, new URLSearchParams([['ip', dst], ['ip-side', 'dst']]).toString());
    expect(await page.getAttribute('#table-csv', 'href')).toBe(`/api/aggregates/top-listeners?${new URLSearchParams([['ip', dst], ['ip-side', 'dst'], ['top', '100'], ['format', 'csv']])}`);
    await page.goBack();
    await drawn(page, 'all');

    // a time preset, then the select of a decision, then the time series' zoom
    const meta = await api<{ timeRange: { max: number } }>('/api/meta');
    await page.click('#time-presets button[data-preset="6h"]');
    const sixHours = new URLSearchParams([['since', new Date(meta.timeRange.max + 1 - 6 * 3_600_000).toISOString()], ['until', new Date(meta.timeRange.max + 1).toISOString()]]);
    await drawn(page, sixHours.toString());
    expect(await page.getAttribute('#time-presets button[data-preset="6h"]', 'aria-pressed')).toBe('true');
    await page.selectOption('select[name="decision"]', 'Deny');
    const denyQuery = `decision=Deny&${sixHours}`;
    await drawn(page, denyQuery);
    expect(await flowsMetricOf(page)).toBe(formatCount((await api<{ flows: number }>(`/api/aggregates/summary?${denyQuery}`)).flows));
    await page.evaluate(async (range) => {
      const Plotly = (window as unknown as { Plotly: { relayout(gd: HTMLElement, u: unknown): Promise<void> } }).Plotly;
      await Plotly.relayout(document.getElementById('chart-time-series') as HTMLElement, { 'xaxis.range': range });
    }, ['2026-11-02 12:00:00', '2026-11-02 14:00:00']);
    await drawn(page, 'decision=Deny&since=2026-11-02T12%3A00%3A00.000Z&until=2026-11-02T14%3A00%3A00.000Z');
    await page.click('#time-presets button[data-preset="all"]');
    await drawn(page, 'decision=Deny');

    // an anomaly applies its own filter
    const anomaly = page.locator('#anomaly-list li.anomaly').first();
    await anomaly.click();
    await page.waitForFunction(() => document.body.dataset.ready !== 'decision=Deny' && document.body.dataset.ready !== 'no');
    const anomalies = await api<{ flows: number }[]>('/api/aggregates/anomalies?decision=Deny');
    expect(await flowsMetricOf(page)).toBe(formatCount(anomalies[0].flows));

    // a country on the map
    await page.evaluate(() => (document.getElementById('chart-map') as HTMLElement & { emit(e: string, d: unknown): void }).emit('plotly_click', { points: [{ pointNumber: 0 }] }));
    await page.waitForFunction(() => location.search.includes('country='));
    await drawn(page, new URL(page.url()).search.slice(1));

    // a Sankey link filters on its source address
    const link = await api<{ node: { label: string[] }; link: { source: number[] } }>(`/api/aggregates/sankey?top=15&${new URL(page.url()).search.slice(1)}`);
    const linkSource = link.node.label[link.link.source[0]];
    await page.evaluate(() =>
      (document.getElementById('chart-sankey') as HTMLElement & { emit(e: string, d: unknown): void }).emit('plotly_click', { points: [{ pointNumber: 0, source: {}, target: {} }] }),
    );
    await page.waitForFunction((ip) => new URLSearchParams(location.search).get('ip') === ip, linkSource);
    expect(new URLSearchParams(new URL(page.url()).search).get('ip-side')).toBe('src');

    // errors: the API's message in the banner and the panels; an empty view says so
    await page.goto(`${base}/?port=70000`);
    await page.waitForFunction(() => document.querySelector('#panel-summary')?.getAttribute('data-status') === 'error');
    expect(await page.textContent('#banner')).toContain('port');
    expect(await page.isVisible('#banner')).toBe(true);
    await page.goto(`${base}/?nsg=no-such-nsg`);
    await drawn(page, 'nsg=no-such-nsg');
    expect(await page.textContent('#panel-top-talkers .panel-status')).toBe('No flows match these filters.');
    expect(await page.isHidden('#chart-top-talkers')).toBe(true);
    expect(await page.textContent('#chips')).toBe('nsg: no-such-nsg');
    expect(record.dialogs).toEqual([]);
    expect(record.errors.filter((e) => !e.includes('400'))).toEqual([]);
    await page.close();
  }, 180_000);

  it('exercises at least 90% of the browser code lines (Chromium coverage through the source map)', async () => {
    await Promise.all(pendingCoverage);
    const summary = lineSummary(hits)
      .filter((f) => f.file.startsWith(path.join(ROOT, 'src', 'web')))
      .map((f) => ({ ...f, file: path.relative(ROOT, f.file) }))
      .sort((a, b) => a.file.localeCompare(b.file));
    writeFileSync(path.join(ARTIFACTS, 'browser-coverage.json'), `${JSON.stringify(summary, null, 2)}\n`);
    const covered = summary.reduce((n, f) => n + f.covered, 0);
    const total = summary.reduce((n, f) => n + f.total, 0);
    console.log(summary.map((f) => `${f.file}: ${f.covered}/${f.total} uncovered ${f.uncovered.join(',')}`).join('\n'), `\ntotal ${covered}/${total}`);
    expect(covered / total).toBeGreaterThanOrEqual(0.9);
    // the modules only a browser runs (the rest are also unit-tested in Node)
    const browserOnly = summary.filter((f) => /src\/web\/(dashboard|panels|filter-bar|dom|theme|main|plotly-global)\.ts$/.test(f.file));
    expect(browserOnly).toHaveLength(7);
    expect(browserOnly.reduce((n, f) => n + f.covered, 0) / browserOnly.reduce((n, f) => n + f.total, 0)).toBeGreaterThanOrEqual(0.9);
  });
});
