/**
 * `networkflow verify` / `verify-resources`: argument parsing, the table and JSON output and the exit codes,
 * end to end through the official AWS clients against the local S3 and ECS/ECR/ELBv2 servers (reached
 * through the SDK's own AWS_ENDPOINT_URL variables, as LocalStack users do); and the library's dispatch.
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseVerifyArgs } from '../../src/cli/verify.js';
import { buildReport, formatReport, verifyResources, VerifyUsageError, type VerifyReport } from '../../src/verify/index.js';
import { emptyAwsState, startAwsApiServer, type AwsApiServer, type AwsApiState } from '../helpers/aws-api-server.js';
import { applyFakeAwsEnv } from '../helpers/aws-env.js';
import { runCli } from '../helpers/cli.js';
import { startS3TestServer, type S3TestServer } from '../helpers/s3-server.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ACCOUNT = '123456789012';
const TD = `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/networkflow:3`;
const TG = `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:targetgroup/networkflow-tg/1a2b3c4d5e6f7a8b`;
const LB = `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:loadbalancer/app/networkflow-alb/9c8d7e6f5a4b3c2d`;

let s3: S3TestServer;
let api: AwsApiServer;
let health: http.Server;
let healthPort: number;
let restoreEnv: () => void;
const saved: Record<string, string | undefined> = {};

function deployment(): AwsApiState {
  return {
    ...emptyAwsState(),
    clusters: [{ name: 'networkflow' }],
    services: [
      {
        name: 'networkflow',
        cluster: 'networkflow',
        desiredCount: 1,
        runningCount: 1,
        taskDefinition: TD,
        loadBalancers: [{ targetGroupArn: TG, containerName: 'networkflow', containerPort: 8050 }],
      },
    ],
    taskDefinitions: [{ arn: TD, containers: [{ name: 'networkflow', image: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/networkflow:4f1c2e9` }] }],
    repositories: { networkflow: [{ tags: ['4f1c2e9'], digest: `sha256:${'cd'.repeat(32)}`, pushedAt: new Date('2026-11-25T09:12:00Z') }] },
    targetGroups: [{ arn: TG, loadBalancerArns: [LB], targets: [{ id: '10.0.3.17', port: 8050, state: 'healthy' }] }],
    loadBalancers: [{ arn: LB, dnsName: '127.0.0.1', listeners: [{ protocol: 'HTTP', port: healthPort }] }],
  };
}

beforeAll(async () => {
  restoreEnv = applyFakeAwsEnv();
  health = http.createServer((req, res) => {
    res.writeHead(req.url === '/healthz' ? 200 : 404);
    res.end('ok');
  });
  await new Promise<void>((resolve) => health.listen(0, '127.0.0.1', resolve));
  healthPort = (health.address() as AddressInfo).port;
  s3 = await startS3TestServer({ buckets: ['networkflow-flow-logs', 'empty-logs'] });
  const body = Buffer.from('version account-id\n');
  s3.buckets.get('networkflow-flow-logs')!.set('AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/25/a.log.gz', {
    body,
    etag: `"${createHash('md5').update(body).digest('hex')}"`,
    lastModified: new Date(),
    contentType: 'application/octet-stream',
  });
  api = await startAwsApiServer(deployment());
  for (const k of ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3', 'NETWORKFLOW_CLOUD', 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED']) saved[k] = process.env[k];
  process.env.AWS_ENDPOINT_URL = api.url;
  process.env.AWS_ENDPOINT_URL_S3 = s3.url;
  delete process.env.NETWORKFLOW_CLOUD;
});

afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  restoreEnv?.();
  await Promise.all([s3?.close(), api?.close(), new Promise<void>((resolve) => (health ? health.close(() => resolve()) : resolve()))]);
});

const AWS_ARGS = ['verify', '--cloud', 'aws', '--storage', 'networkflow-flow-logs', '--container', 'AWSLogs/', '--service', 'networkflow'];

describe('networkflow verify (end to end, AWS clients against local servers)', () => {
  it('prints one row per check and the service URL, and exits 0 when all pass', async () => {
    const r = await runCli([...AWS_ARGS, '--cluster', 'networkflow']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const rows = r.stdout.split('\n').filter((l) => /^(PASS|FAIL|WARN|SKIP) /.test(l));
    expect(rows.map((l) => l.split(/\s{2,}/).slice(0, 2))).toEqual([
      ['PASS', 'S3 bucket'],
      ['PASS', 'Log prefix'],
      ['PASS', 'ECS cluster'],
      ['PASS', 'ECS service'],
      ['PASS', 'ECR image'],
      ['PASS', 'Load balancer'],
      ['PASS', 'Service /healthz'],
    ]);
    expect(r.stdout).toMatch(/^verify-resources: aws\n\nRESULT +CHECK +RESOURCE +STATE\n/);
    expect(r.stdout).toContain(`service URL: http://127.0.0.1:${healthPort}\n`);
    expect(r.stdout).toMatch(/all checks passed \(7 of 7\)\n$/);
  });

  it('exits 1 naming the failing check; a warning alone does not fail; --json prints the report', async () => {
    api.state.services[0].runningCount = 0;
    try {
      const failed = await runCli([...AWS_ARGS, '--storage', 'empty-logs', '--no-probe']);
      expect(failed.code).toBe(1);
      expect(failed.stdout).toMatch(/WARN +Log prefix/);
      expect(failed.stdout).toMatch(/FAIL +ECS service +networkflow +ACTIVE 0\/1 running\n {6}\S/);
      expect(failed.stdout).toMatch(/SKIP +Service \/healthz/);
      expect(failed.stdout).toMatch(/FAILED: aws-ecs-service \(4 of 7 passed\)\n$/);

      const json = await runCli([...AWS_ARGS, '--json', '--timeout', '5']);
      expect(json.code).toBe(1);
      const report = JSON.parse(json.stdout) as VerifyReport;
      expect(report).toMatchObject({ cloud: 'aws', ok: false, failed: ['aws-ecs-service'], serviceUrl: `http://127.0.0.1:${healthPort}` });
      expect(report.checks).toHaveLength(7);
      expect(json.stderr).toBe('networkflow verify: FAILED: aws-ecs-service\n');
    } finally {
      api.state.services[0].runningCount = 1;
    }
    const warned = await runCli([...AWS_ARGS, '--storage', 'empty-logs']);
    expect(warned.code).toBe(0);
    expect(warned.stdout).toMatch(/all checks passed \(6 of 7, 1 warning\)\n$/);
  });

  it('refuses bad options with exit 64 and the usage hint', async () => {
    const noGroup = await runCli(['verify', '--cloud', 'azure', '--storage', 'a', '--container', 'c', '--service', 's']);
    expect(noGroup.code).toBe(64);
    expect(noGroup.stderr).toMatch(/^networkflow verify: .*--resource-group/);
    expect(noGroup.stderr).toContain("Run 'networkflow verify --help' for usage.");
    const help = await runCli(['verify', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes: 0 every check passed');
  });

  it('is installed as verify-resources too (the built entry point)', async () => {
    const { stdout } = await promisify(execFile)('node', [path.join(ROOT, 'dist/cli/verify-resources.js'), '--help']);
    expect(stdout).toMatch(/^Usage: networkflow verify /);
  });
});

describe('parseVerifyArgs', () => {
  it('maps every flag, with the cloud from NETWORKFLOW_CLOUD and azure by default', () => {
    const parsed = parseVerifyArgs(
      ['--storage', ' logs ', '--container', 'c', '--service', 's', '--resource-group', 'rg', '--subscription', 'sub', '--registry', 'reg', '--region', 'r', '--cluster', 'k', '--project', 'p', '--no-probe', '--timeout', '2.5', '--json'],
      { NETWORKFLOW_CLOUD: 'GCP' },
    );
    expect(parsed).toEqual({
      json: true,
      options: { cloud: 'gcp', storage: 'logs', container: 'c', service: 's', resourceGroup: 'rg', subscription: 'sub', registry: 'reg', region: 'r', cluster: 'k', project: 'p', probe: false, timeoutMs: 2500 },
    });
    const plain = parseVerifyArgs(['--storage', 'a', '--container', '', '--service', 's', '--cloud', 'aws', '--region', ' '], {});
    expect(plain).toEqual({ json: false, options: expect.objectContaining({ cloud: 'aws', container: '', region: undefined, probe: true, timeoutMs: undefined }) });
    expect(parseVerifyArgs(['-h'], {})).toBe('help');
    expect((parseVerifyArgs(['--storage', 'a', '--container', 'c', '--service', 's'], {}) as { options: { cloud: string } }).options.cloud).toBe('azure');
  });

  it('refuses what cannot be checked, saying what is missing', () => {
    const base = ['--storage', 'a', '--container', 'c', '--service', 's'];
    expect(() => parseVerifyArgs([...base, '--cloud', 'oci'], {})).toThrow("--cloud must be azure, aws or gcp, not 'oci'");
    expect(() => parseVerifyArgs(['--container', 'c', '--service', 's'], {})).toThrow('--storage is required');
    expect(() => parseVerifyArgs(['--storage', 'a', '--container', 'c', '--service', '  '], {})).toThrow('--service is required');
    expect(() => parseVerifyArgs(['--storage', 'a', '--service', 's'], {})).toThrow(/--container is required/);
    expect(() => parseVerifyArgs(['--storage', 'a', '--container', ' ', '--service', 's'], {})).toThrow('--container must name the blob container on Azure');
    expect(() => parseVerifyArgs([...base, 'extra'], {})).toThrow("unexpected argument 'extra'");
    expect(() => parseVerifyArgs([...base, '--timeout', '0'], {})).toThrow(/--timeout/);
    expect(() => parseVerifyArgs([...base, '--bogus'], {})).toThrow(/bogus/);
  });
});

describe('verifyResources and the report', () => {
  const options = { cloud: 'aws' as const, storage: 'b', container: '', service: 's' };

  it('reports a cloud whose checks are not installed as a failed check (the container image leaves them out)', async () => {
    const missing = Object.assign(new Error("Cannot find module '/app/dist/cli/aws.js' imported from /app/dist/cli/main.js"), { code: 'ERR_MODULE_NOT_FOUND' });
    const checkers = { azure: () => Promise.reject(missing), aws: () => Promise.reject(missing), gcp: () => Promise.reject(missing) };
    const report = await verifyResources(options, checkers);
    expect(report).toMatchObject({ ok: false, failed: ['verify-installed'] });
    expect(report.checks[0].detail).toMatch(/leaves out verify's aws checks \(Cannot find module .*\); the container image carries the dashboard only/);
    const other = new Error('boom');
    await expect(verifyResources(options, { ...checkers, aws: () => Promise.reject(other) })).rejects.toBe(other);
  });

  it('loads the checker of each cloud (their option checks run before any request)', async () => {
    await expect(verifyResources({ ...options, cloud: 'azure' })).rejects.toThrow(/--resource-group/);
    await expect(verifyResources({ ...options, cloud: 'gcp' })).rejects.toThrow(/--region/);
    await expect(verifyResources({ ...options, cloud: 'aws', storage: '' })).rejects.toThrow(VerifyUsageError);
  });

  it('refuses an unknown cloud and runs the checker of the one asked for', async () => {
    await expect(verifyResources({ ...options, cloud: 'oci' as never })).rejects.toThrow(VerifyUsageError);
    await expect(verifyResources({ ...options, cloud: 'toString' as never })).rejects.toThrow("unknown cloud 'toString'");
    const report = await verifyResources(options, {
      azure: () => Promise.reject(new Error('not this one')),
      gcp: () => Promise.reject(new Error('not this one')),
      aws: async () => async () => ({ checks: [{ id: 'x', title: 'X', resource: 'r', state: 'fine', status: 'pass' }] }),
    });
    expect(report).toEqual({ cloud: 'aws', ok: true, failed: [], checks: [{ id: 'x', title: 'X', resource: 'r', state: 'fine', status: 'pass' }] });
  });

  it('is not ok without checks, and counts warnings and skips in the closing line', () => {
    expect(buildReport('gcp', { checks: [] }).ok).toBe(false);
    const report = buildReport('gcp', {
      checks: [
        { id: 'a', title: 'A', resource: 'ra', state: 'ok', status: 'pass' },
        { id: 'b', title: 'B', resource: 'rb', state: 'empty', status: 'warn', detail: 'nothing yet' },
        { id: 'c', title: 'C', resource: 'rc', state: 'not checked', status: 'skip', detail: 'turned off' },
        { id: 'd', title: 'D', resource: 'rd', state: 'meh', status: 'warn' },
      ],
    });
    const text = formatReport(report);
    expect(text).toContain('WARN    B      rb        empty\n      nothing yet\n');
    expect(text).not.toContain('service URL');
    expect(text).toMatch(/all checks passed \(1 of 4, 2 warnings, 1 skipped\)\n$/);
  });
});
