/**
 * `networkflow logs pull | show`: flags and config file, an end-to-end pull through the official CloudWatch
 * Logs client against the local fake (JSON 1.1), a failing source next to a working one, and a pull killed
 * with SIGKILL mid-way that the rerun completes with no gap and no duplicate.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSpec, parseLogsPullArgs } from '../../src/cli/logs.js';
import { fakeAwsEnv } from '../helpers/aws-env.js';
import { runCli } from '../helpers/cli.js';
import { startCloudWatchLogsServer, type CloudWatchLogsServer } from '../helpers/cloudwatch-logs-server.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const T0 = Date.parse('2026-11-25T08:00:00Z');
const GROUP = '/aws/lambda/orders';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'nf-logs-cli-'));
let server: CloudWatchLogsServer;
const savedEnv: Record<string, string | undefined> = {};
const awsEnv = fakeAwsEnv();

beforeAll(async () => {
  server = await startCloudWatchLogsServer();
  server.addEvents(
    GROUP,
    Array.from({ length: 200 }, (_, i) => ({
      logStreamName: `2026/11/25/[$LATEST]${i % 3}`,
      timestamp: T0 + i * 1000,
      message: i % 10 === 0 ? `{"level":"ERROR","message":"order ${i} failed","requestId":"r-${i}"}` : `START RequestId: r-${i} Version: $LATEST\n`,
    })),
  );
  for (const [k, v] of Object.entries(awsEnv)) {
    savedEnv[k] = process.env[k];
    process.env[k] = v;
  }
});

afterAll(async () => {
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

const pullArgs = (dataDir: string, extra: string[] = []) => [
  'logs', 'pull', '--provider', 'aws', '--log-group', GROUP, '--region', 'us-east-1', '--endpoint', server.url,
  '--since', new Date(T0).toISOString(), '--until', new Date(T0 + 200_000).toISOString(), '--data-dir', dataDir, '--rate', '100', ...extra,
];

function storedIds(dataDir: string): Promise<string[]> {
  return runCli(['logs', 'show', '--data-dir', dataDir]).then((r) => r.stdout.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { event_id: string }).event_id));
}

describe('networkflow logs pull (CloudWatch Logs client against the local fake)', () => {
  it('pulls every event once into the events table, and a rerun asks the API for nothing', async () => {
    const dir = path.join(tmp, 'e2e');
    const r = await runCli(pullArgs(dir, ['--page-size', '50']));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ok +CloudWatch Logs/m);
    expect(r.stdout).toContain('4 pages (4 requests), 200 events stored, 0 duplicates dropped');
    const ids = await storedIds(dir);
    expect(ids).toHaveLength(200);
    expect(new Set(ids).size).toBe(200);
    const shown = JSON.parse((await runCli(['logs', 'show', '--data-dir', dir, '--limit', '1', '--since', new Date(T0 + 10_000).toISOString()])).stdout) as Record<string, unknown>;
    expect(shown).toMatchObject({ provider: 'aws', source_format: 'aws-cloudwatch', log_name: GROUP, severity_text: 'ERROR', severity_number: 17, message: 'order 10 failed', request_id: 'r-10', timestamp: '2026-11-25T08:00:10.000Z' });
    const csv = await runCli(['logs', 'show', '--data-dir', dir, '--output', 'csv', '--until', new Date(T0 + 2000).toISOString()]);
    expect(csv.stdout.split('\n')[0]).toMatch(/^timestamp,observed_timestamp,provider,/);
    expect(csv.stdout.trim().split('\n')).toHaveLength(3);

    const before = server.requests.length;
    const again = await runCli([...pullArgs(dir), '--json']);
    expect(again.code).toBe(0);
    expect(server.requests.length).toBe(before);
    expect(JSON.parse(again.stdout)).toMatchObject({ sources: [{ pages: 0, stored: 0, error: null }] });
  });

  it('pulls the sources of a config file together; one that fails is reported (exit 2) and the other is stored', async () => {
    const dir = path.join(tmp, 'config');
    const config = path.join(tmp, 'networkflow.config.json');
    writeFileSync(
      config,
      JSON.stringify({
        dataDir: dir,
        since: new Date(T0).toISOString(),
        until: new Date(T0 + 100_000).toISOString(),
        rateLimits: { aws: 50 },
        sources: [
          { provider: 'aws', logGroup: GROUP, region: 'us-east-1', endpoint: server.url },
          { provider: 'aws', logGroup: '/aws/lambda/missing', region: 'us-east-1', endpoint: server.url },
        ],
      }),
    );
    const r = await runCli(['logs', 'pull', '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^ok +CloudWatch Logs .*orders/m);
    expect(r.stdout).toMatch(/^FAILED CloudWatch Logs .*missing/m);
    expect(r.stdout).toMatch(/100 events stored/);
    expect(await storedIds(dir)).toHaveLength(100);
  });

  it('resumes a pull killed with SIGKILL: no gap, no duplicate, from the stored page on', async () => {
    const dir = path.join(tmp, 'killed');
    // 4 requests per second, 10 events per page: 20 pages take ~5 s; kill after a few are stored
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...pullArgs(dir, ['--page-size', '10', '--rate', '4'])], {
      cwd: REPO,
      env: { ...process.env, ...awsEnv },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const manifest = path.join(dir, 'events-manifest.json');
    const pagesStored = () => {
      if (!existsSync(manifest)) return 0;
      try {
        return Object.values((JSON.parse(readFileSync(manifest, 'utf8')) as { sources: Record<string, { pages: number }> }).sources)[0]?.pages ?? 0;
      } catch {
        return 0; // being replaced at this instant
      }
    };
    const deadline = Date.now() + 30_000;
    while (pagesStored() < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const killedAt = pagesStored();
    expect(killedAt).toBeGreaterThanOrEqual(4);
    expect(killedAt).toBeLessThan(20);
    const partial = await storedIds(dir);
    expect(partial.length).toBe(killedAt * 10);

    const resumed = await runCli(pullArgs(dir, ['--page-size', '10']));
    expect(resumed.code, resumed.stderr).toBe(0);
    const ids = await storedIds(dir);
    expect(ids).toHaveLength(200);
    expect(new Set(ids).size).toBe(200);
    // the resumed run started from the checkpointed token, not from the window's start
    const resumedFirst = server.requests.filter((q) => (q.body.limit as number) === 10).at(-(20 - killedAt));
    expect(resumedFirst?.body.nextToken).toBeDefined();
  }, 60_000);
});

describe('parseLogsPullArgs', () => {
  const now = T0;
  it('reads flags and the config file, flags first', () => {
    const cmd = parseLogsPullArgs(
      ['--provider', 'aws', '--log-group', 'a', '--log-group', 'b', '--since', '1h', '--data-dir', tmp, '--follow', '', '--rate', '2', '--page-size', '100'],
      {},
      now,
      JSON.stringify({ until: '2026-11-25T09:00:00Z', sources: [{ provider: 'gcp', project: 'p', filter: 'severity>=ERROR' }], rateLimits: { gcp: 0.5 } }),
    );
    expect(cmd).toMatchObject({
      specs: [{ provider: 'gcp', project: 'p', filter: 'severity>=ERROR' }, { provider: 'aws', logGroup: 'a', pageSize: 100 }, { provider: 'aws', logGroup: 'b' }],
      since: now - 3_600_000,
      until: Date.parse('2026-11-25T09:00:00Z'),
      dataDir: tmp,
      followMs: 60_000,
      rates: { gcp: 2, aws: 2 }, // --rate wins over the config for every provider of the run
      json: false,
    });
    const azure = parseLogsPullArgs(['--provider', 'azure', '--workspace', 'w', '--query', 'AzureActivity', '--tenant', 't', '--since', '2h', '--follow', '5m'], { NETWORKFLOW_DATA_DIR: tmp }, now);
    expect(azure).toMatchObject({ specs: [{ provider: 'azure', workspace: 'w', query: 'AzureActivity', tenant: 't' }], followMs: 300_000, dataDir: tmp });
    expect(parseLogsPullArgs(['-h'], {}, now)).toBe('help');
    expect(parseLogsPullArgs(['--config', 'x'], {}, now, JSON.stringify({ dataDir: 'rel', since: '1d', sources: [{ provider: 'gcp' }] }))).toMatchObject({ dataDir: path.resolve('rel') });
  });

  it('refuses what it cannot pull, naming the flag or config entry', () => {
    const p = (argv: string[], config?: unknown) => () => parseLogsPullArgs(argv, {}, now, config === undefined ? undefined : typeof config === 'string' ? config : JSON.stringify(config));
    const base = ['--since', '1h', '--data-dir', tmp];
    expect(p([...base])).toThrow(/no source/);
    expect(p(['--provider', 'aws', ...base])).toThrow('--provider aws needs --log-group');
    expect(p(['--provider', 'azure', '--workspace', 'w', ...base])).toThrow(/'query' is required for provider azure/);
    expect(p(['--provider', 'oci', ...base])).toThrow(/provider must be aws, azure, gcp or objects/);
    expect(p(['--provider', 'gcp', '--data-dir', tmp])).toThrow(/--since is required/);
    expect(p(['--provider', 'gcp', '--since', '1h'])).toThrow(/--data-dir is required/);
    expect(p(['--provider', 'gcp', ...base, '--until', '2h'])).toThrow('--until must be after --since');
    expect(p(['--provider', 'gcp', ...base, '--follow', 'soon'])).toThrow(/--follow needs an interval/);
    expect(p(['--provider', 'gcp', ...base, '--follow', '10ms'])).toThrow(/at least 1s/);
    expect(p(['--provider', 'gcp', ...base, 'extra'])).toThrow("unexpected argument 'extra'");
    expect(p(['--config', 'c.json'], '{nope')).toThrow(/--config c.json: not JSON/);
    expect(p(['--config', 'c.json'], '[1]')).toThrow(/must be a JSON object/);
    expect(p([...base], { sources: [{ provider: 'aws', logGroup: 'g' }], rateLimits: { oci: 1 } })).toThrow(/rateLimits: 'oci'/);
    expect(p([...base], { sources: ['x'] })).toThrow(/sources\[0\]: a source must be an object/);
    expect(p([...base], { sources: [{ provider: 'aws', logGroup: '' }] })).toThrow(/'logGroup' must be a non-empty string/);
    expect(p([...base], { sources: [{ provider: 'gcp', pageSize: 0.5 }] })).toThrow(/'pageSize' must be a whole number/);
    expect(checkSpec({ provider: 'aws', logGroup: 'g', region: null }, 'x')).toMatchObject({ provider: 'aws', logGroup: 'g', region: undefined });
  });

  it('shows help, refuses an unknown subcommand and a missing config file', async () => {
    expect((await runCli(['logs'])).code).toBe(64);
    expect((await runCli(['logs', '--help'])).stdout).toContain('networkflow logs pull');
    expect((await runCli(['logs', 'pull', '--help'])).code).toBe(0);
    expect((await runCli(['logs', 'show', '--help'])).code).toBe(0);
    expect((await runCli(['logs', 'tail'])).stderr).toContain("unknown subcommand 'tail'");
    expect((await runCli(['logs', 'pull', '--config', path.join(tmp, 'nope.json')])).stderr).toMatch(/--config .*nope\.json: ENOENT/);
    expect((await runCli(['logs', 'show'])).stderr).toContain('--data-dir is required');
    expect((await runCli(['logs', 'show', '--data-dir', tmp, '--output', 'xml'])).stderr).toContain('--output must be ndjson or csv');
    expect((await runCli(['logs', 'show', '--data-dir', tmp, 'x'])).stderr).toContain("unexpected argument 'x'");
  });
});
