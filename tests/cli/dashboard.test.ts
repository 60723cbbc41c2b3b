/**
 * `networkflow dashboard`: argument parsing (flags and their environment variables), and the running
 * command on real data: the server answers /healthz at once and /readyz once the first ingest is in, serves
 * what the library computes, picks up new objects with --watch, and serves the demo data without a source.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DASHBOARD_HELP,
  DEFAULT_HOST,
  DEFAULT_PORT,
  defaultLakeDir,
  intervalArg,
  parseDashboardArgs,
  startDashboard,
  type RunningDashboard,
} from '../../src/cli/dashboard.js';
import { UsageError } from '../../src/cli/io.js';
import { FlowStore, generateFlowLogs, localObjectWriter, summary } from '../../src/index.js';
import { runCli } from '../helpers/cli.js';

let root: string;
const running: RunningDashboard[] = [];

function quietIO() {
  const stderr = new PassThrough();
  const lines: string[] = [];
  stderr.on('data', (b: Buffer) => lines.push(b.toString('utf8')));
  return { io: { stdout: new PassThrough(), stderr }, text: () => lines.join('') };
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'nf-dashboard-cli-'));
});

afterAll(async () => {
  for (const r of running) await r.close();
  await rm(root, { recursive: true, force: true });
});

describe('parseDashboardArgs', () => {
  it('defaults to the demo data on 127.0.0.1:8050', () => {
    expect(parseDashboardArgs([], {})).toEqual({ port: DEFAULT_PORT, host: DEFAULT_HOST, quiet: false });
    expect(DEFAULT_PORT).toBe(8050);
  });

  it('reads every flag, and the environment stands in for each', () => {
    expect(parseDashboardArgs(['--source', 's3://b/p', '--data-dir', 'lake', '--port', '9000', '--host', '0.0.0.0', '--watch', '5m', '--endpoint', 'http://127.0.0.1:9000', '--quiet'], {})).toEqual({
      source: 's3://b/p', dataDir: path.resolve('lake'), port: 9000, host: '0.0.0.0', watchMs: 300_000, endpoint: 'http://127.0.0.1:9000', quiet: true,
    });
    const env = { NETWORKFLOW_SOURCE: 'gs://logs', NETWORKFLOW_DATA_DIR: '/srv/lake', NETWORKFLOW_HOST: '0.0.0.0', NETWORKFLOW_PORT: '8080', NETWORKFLOW_WATCH: '60s' };
    expect(parseDashboardArgs([], env)).toEqual({ source: 'gs://logs', dataDir: '/srv/lake', port: 8080, host: '0.0.0.0', watchMs: 60_000, quiet: false });
    // a flag wins over its variable
    expect(parseDashboardArgs(['--port', '1234'], env)).toMatchObject({ port: 1234 });
    expect(parseDashboardArgs([], { NETWORKFLOW_STORAGE_ACCOUNT: 'acct', NETWORKFLOW_CONTAINER: 'insights-logs' })).toMatchObject({ source: 'azure://acct/insights-logs' });
    expect(parseDashboardArgs(['--help'], {})).toBe('help');
  });

  it.each([
    [['--port', '70000'], /--port needs/],
    [['--port', 'x'], /--port needs/],
    [['--watch', '0.5s'], /at least 1s/],
    [['--watch', 'soon'], /--watch needs/],
    [['--storage-account', 'a'], /go together/],
    [['--source', 'x', '--storage-account', 'a', '--container', 'c'], /either --source/],
    [['extra'], /takes no arguments/],
    [['--nope'], /Unknown option/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseDashboardArgs(argv, {})).toThrow(UsageError);
    expect(() => parseDashboardArgs(argv, {})).toThrow(message);
  });

  it('reads intervals in ms, s, m, h or plain seconds', () => {
    expect([intervalArg('1500ms'), intervalArg('30'), intervalArg('2m'), intervalArg('1h')]).toEqual([1500, 30_000, 120_000, 3_600_000]);
  });

  it('keeps a lake per source under the cache folder', () => {
    const a = defaultLakeDir('s3://bucket/AWSLogs/', { XDG_CACHE_HOME: '/c' });
    expect(a).toBe('/c/networkflow/lakes/s3_bucket_AWSLogs');
    expect(defaultLakeDir('gs://other', { XDG_CACHE_HOME: '/c' })).not.toBe(a);
  });
});

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}

describe('a running dashboard', () => {
  it('answers /healthz at once, /readyz once the source is in, serves the library results, and picks up new objects with --watch', async () => {
    const source = path.join(root, 'source');
    await generateFlowLogs(localObjectWriter(source), { format: 'csv-zip', hours: 2, start: '2026-11-02T00:00:00Z', seed: 3, flowsPerHour: 400 });
    const dataDir = path.join(root, 'lake');
    const { io, text } = quietIO();
    const dash = await startDashboard({ source, dataDir, port: 0, host: '127.0.0.1', quiet: true, watchMs: 1000 }, io);
    running.push(dash);
    expect(dash.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect((await getJson(`${dash.url}healthz`)).status).toBe(200);
    expect(await dash.loaded).toBe(0);
    expect((await getJson(`${dash.url}readyz`)).status).toBe(200);
    const store = await FlowStore.open(dataDir);
    try {
      const served = await getJson(`${dash.url}api/aggregates/summary`);
      expect(served.status).toBe(200);
      expect((served.body as { flows: number }).flows).toBe((await summary(store)).flows);
    } finally {
      store.close();
    }
    const before = ((await getJson(`${dash.url}api/meta`)).body as { flows: number }).flows;
    // two more hours land in the source: the watcher ingests them and the server serves them
    await generateFlowLogs(localObjectWriter(source), { format: 'csv-zip', hours: 2, start: '2026-11-02T02:00:00Z', seed: 4, flowsPerHour: 400 });
    let after = before;
    for (let i = 0; i < 100 && after === before; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = ((await getJson(`${dash.url}api/meta`)).body as { flows: number }).flows;
    }
    expect(after).toBeGreaterThan(before);
    expect(text()).toContain('ready at');
  }, 60_000);

  it('serves the demo data without a source, generated once into its cache folder', async () => {
    const demoDir = path.join(root, 'demo');
    const demoOptions = { format: 'csv-zip' as const, hours: 2, seed: 42, start: '2026-11-02T00:00:00Z', flowsPerHour: 300 };
    const { io } = quietIO();
    const dash = await startDashboard({ port: 0, host: '127.0.0.1', quiet: true }, io, { demoDir, demoOptions });
    running.push(dash);
    expect(await dash.loaded).toBe(0);
    const meta = (await getJson(`${dash.url}api/meta`)).body as { flows: number };
    expect(meta.flows).toBeGreaterThan(0);
    const anomalies = (await getJson(`${dash.url}api/aggregates/anomalies`)).body as unknown[];
    expect(Array.isArray(anomalies)).toBe(true);
    await dash.close();
    running.pop();
    // a second start reuses the generated data and the lake
    const again = await startDashboard({ port: 0, host: '127.0.0.1', quiet: true }, quietIO().io, { demoDir, demoOptions });
    running.push(again);
    expect(await again.loaded).toBe(0);
    expect(((await getJson(`${again.url}api/meta`)).body as { flows: number }).flows).toBe(meta.flows);
  }, 60_000);

  it('exits 2 naming the port when it is taken, and prints help', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    const cache = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = path.join(root, 'cache');
    try {
      const run = await runCli(['dashboard', '--port', String(port), '--quiet']);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
    } finally {
      if (cache === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = cache;
      blocker.close();
    }
    const help = await runCli(['dashboard', '--help']);
    expect(help.code).toBe(0);
    expect(help.stderr).toBe(DASHBOARD_HELP);
  });
});
