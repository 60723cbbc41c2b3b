/**
 * verifyAws: the official S3, ECS, ECR and ELBv2 clients against local servers speaking their wire
 * protocols (tests/helpers/s3-server.ts; tests/helpers/aws-api-server.ts for ECS/ECR JSON and ELBv2
 * query/XML), a local /healthz, fake static credentials and no SDK retries. Every request goes to 127.0.0.1.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { awsEndpoint } from '../../src/verify/aws-errors.js';
import { verifyAws, type AwsDeps } from '../../src/verify/aws.js';
import { VerifyUsageError, type Check, type CloudResult, type VerifyOptions } from '../../src/verify/types.js';
import { emptyAwsState, startAwsApiServer, type AwsApiServer, type AwsApiState } from '../helpers/aws-api-server.js';
import { applyFakeAwsEnv, fakeAwsEnv } from '../helpers/aws-env.js';
import { startS3TestServer, type S3TestServer } from '../helpers/s3-server.js';

const ACCOUNT = '123456789012';
const TD_ARN = `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/dashboard:7`;
const TG_ARN = `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:targetgroup/dashboard-tg/6d0ecf831eec9f09`;
const LB_ARN = `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:loadbalancer/app/dashboard-alb/50dc6c495c0c9188`;
const IMAGE = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/dashboard:v1`;
const DIGEST = `sha256:${'ab'.repeat(32)}`;
const PUSHED = new Date('2026-11-20T14:03:09Z');
const IDS = ['aws-s3-bucket', 'aws-s3-prefix', 'aws-ecs-cluster', 'aws-ecs-service', 'aws-ecr-repository', 'aws-load-balancer', 'service-health'];

let restoreEnv: () => void;
let s3: S3TestServer;
let api: AwsApiServer;
let health: http.Server;
let healthPort: number;
let healthStatus = 200;

/** A healthy deployment: service `dashboard` in the third of four clusters, behind an HTTP ALB on the health server. */
function healthyState(): AwsApiState {
  return {
    ...emptyAwsState(),
    clusters: [{ name: 'batch' }, { name: 'old', status: 'INACTIVE' }, { name: 'web' }, { name: 'spare' }],
    clusterPageSize: 1,
    services: [
      { name: 'dashboard', cluster: 'old', status: 'INACTIVE', desiredCount: 0, runningCount: 0, taskDefinition: TD_ARN },
      {
        name: 'dashboard',
        cluster: 'web',
        desiredCount: 2,
        runningCount: 2,
        taskDefinition: TD_ARN,
        events: ['(service dashboard) has reached a steady state.'],
        loadBalancers: [{ targetGroupArn: TG_ARN, containerName: 'app', containerPort: 8050 }],
      },
    ],
    taskDefinitions: [{ arn: TD_ARN, containers: [{ name: 'log-router', image: 'public.ecr.aws/aws-observability/aws-for-fluent-bit:stable' }, { name: 'app', image: IMAGE }] }],
    repositories: { dashboard: [{ tags: ['v1'], digest: DIGEST, pushedAt: PUSHED }] },
    targetGroups: [
      {
        arn: TG_ARN,
        loadBalancerArns: [LB_ARN],
        targets: [
          { id: '10.0.1.12', port: 8050, state: 'healthy' },
          { id: '10.0.2.40', port: 8050, state: 'healthy' },
        ],
      },
    ],
    loadBalancers: [{ arn: LB_ARN, dnsName: '127.0.0.1', listeners: [{ protocol: 'HTTP', port: healthPort }] }],
  };
}

function putObjects(bucket: string, keys: string[]) {
  const objects = s3.buckets.get(bucket)!;
  for (const key of keys) {
    const body = Buffer.from(`{"key":"${key}"}\n`);
    objects.set(key, { body, etag: `"${createHash('md5').update(body).digest('hex')}"`, lastModified: new Date(), contentType: 'application/json' });
  }
}

const deps = (): AwsDeps => ({ endpoint: api.url, s3Endpoint: s3.url, maxAttempts: 1 });
const opts = (over: Partial<VerifyOptions> = {}): VerifyOptions => ({ cloud: 'aws', storage: 'flow-logs', container: 'vpc', service: 'dashboard', timeoutMs: 3000, ...over });
const run = (over: Partial<VerifyOptions> = {}, d: AwsDeps = deps()) => verifyAws(opts(over), d);
const check = (r: CloudResult, id: string): Check => {
  const c = r.checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id}`);
  return c;
};
const statuses = (r: CloudResult) => Object.fromEntries(r.checks.map((c) => [c.id, c.status]));

/** Runs `fn` with some process variables changed, restoring them afterwards. */
async function withEnv<T>(changes: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(changes).map((k) => [k, process.env[k]]));
  const apply = (vars: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(vars)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  apply(changes);
  try {
    return await fn();
  } finally {
    apply(saved);
  }
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  restoreEnv = applyFakeAwsEnv();
  for (const k of ['AWS_SESSION_TOKEN', 'AWS_DEFAULT_REGION', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_ARN', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI']) delete process.env[k];
  health = http.createServer((req, res) => {
    res.writeHead(req.url === '/healthz' ? healthStatus : 404);
    res.end('ok');
  });
  await new Promise<void>((resolve) => health.listen(0, '127.0.0.1', resolve));
  healthPort = (health.address() as AddressInfo).port;
  s3 = await startS3TestServer({ buckets: ['flow-logs', 'fresh-logs', 'big-logs', 'eu-logs', 'locked-logs'], bucketRegions: { 'eu-logs': 'eu-west-1' }, denyBuckets: ['locked-logs'] });
  putObjects('flow-logs', ['vpc/2026/11/25/a.log.gz', 'vpc/2026/11/25/b.log.gz', 'vpc/2026/11/25/c.log.gz', 'other/x.log']);
  putObjects('big-logs', Array.from({ length: 1001 }, (_, i) => `AWSLogs/${String(i).padStart(5, '0')}.log.gz`));
  api = await startAwsApiServer(healthyState());
});

afterAll(async () => {
  await Promise.all([s3?.close(), api?.close(), new Promise<void>((resolve) => (health ? health.close(() => resolve()) : resolve()))]);
  restoreEnv?.();
});

beforeEach(() => {
  Object.assign(api.state, healthyState());
  api.requests.length = 0;
  api.regions.length = 0;
  healthStatus = 200;
});

describe('verifyAws: a healthy deployment', () => {
  it('passes every check in order, finding the cluster across ListClusters pages, and returns the ALB URL', async () => {
    const r = await run();
    expect(r.checks.map((c) => c.id)).toEqual(IDS);
    expect(r.checks.map((c) => [c.title, c.resource, c.state, c.status])).toEqual([
      ['S3 bucket', 's3://flow-logs', 'exists (us-east-1)', 'pass'],
      ['Log prefix', 's3://flow-logs/vpc/', 'readable, 3 objects', 'pass'],
      ['ECS cluster', 'web', 'ACTIVE, 1 service, 2 tasks', 'pass'],
      ['ECS service', 'dashboard', 'ACTIVE 2/2 running', 'pass'],
      ['ECR image', IMAGE, 'dashboard:v1 pushed 2026-11-20 14:03 UTC', 'pass'],
      ['Load balancer', 'dashboard-alb', '2 healthy of 2', 'pass'],
      ['Service /healthz', `http://127.0.0.1:${healthPort}/healthz`, 'HTTP 200', 'pass'],
    ]);
    expect(r.serviceUrl).toBe(`http://127.0.0.1:${healthPort}`);
    // one cluster per page; the deleted copy in `old` was passed over; the search stopped at `web`
    expect(api.requests.filter((op) => op === 'ECS.ListClusters')).toHaveLength(3);
    expect(api.requests.filter((op) => op === 'ECS.DescribeServices')).toHaveLength(3);
    expect(api.regions.every((reg) => reg === 'us-east-1')).toBe(true);
  });

  it('describes the named cluster with --cluster instead of searching', async () => {
    const r = await run({ cluster: 'web' });
    expect(statuses(r)['aws-ecs-cluster']).toBe('pass');
    expect(check(r, 'aws-ecs-service').state).toBe('ACTIVE 2/2 running');
    expect(api.requests).not.toContain('ECS.ListClusters');
    expect(api.requests.slice(0, 2)).toEqual(['ECS.DescribeClusters', 'ECS.DescribeServices']);
  });

  it('counts objects as 1000+ past one page, reads the whole bucket for an empty prefix, and accepts a rollout without state', async () => {
    api.state.services[1].rolloutState = null;
    const r = await run({ storage: 'big-logs', container: '' });
    expect(check(r, 'aws-s3-prefix')).toMatchObject({ resource: 's3://big-logs/', state: 'readable, 1000+ objects', status: 'pass' });
    expect(check(r, 'aws-ecs-service').status).toBe('pass');
  });

  it('checks an image pinned by digest', async () => {
    api.state.taskDefinitions[0].containers[1].image = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/dashboard@${DIGEST}`;
    const r = await run();
    expect(check(r, 'aws-ecr-repository')).toMatchObject({ state: 'dashboard@sha256:abababababab pushed 2026-11-20 14:03 UTC', status: 'pass' });
  });

  it('takes static keys from options.env when the process has none', async () => {
    const r = await withEnv({ AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined }, () => run({ env: { ...fakeAwsEnv(), AWS_REGION: 'us-east-1' } }));
    expect(r.checks.every((c) => c.status === 'pass')).toBe(true);
  });
});

describe('verifyAws: storage', () => {
  it('fails a missing bucket and skips the prefix, but still checks the service', async () => {
    const r = await run({ storage: 'no-such-bucket' });
    expect(check(r, 'aws-s3-bucket')).toMatchObject({ state: 'not found', status: 'fail' });
    expect(check(r, 'aws-s3-bucket').detail).toMatch(/bucket no-such-bucket does not exist.*--storage/);
    expect(check(r, 'aws-s3-prefix')).toMatchObject({ resource: 's3://no-such-bucket/vpc/', status: 'skip', detail: 'not checked: the bucket check failed' });
    expect(check(r, 'aws-ecs-service').status).toBe('pass');
    expect(check(r, 'service-health').status).toBe('pass');
  });

  it('names s3:ListBucket when access is denied', async () => {
    const r = await run({ storage: 'locked-logs' });
    expect(check(r, 'aws-s3-bucket')).toMatchObject({ state: 'access denied', status: 'fail' });
    expect(check(r, 'aws-s3-bucket').detail).toContain('s3:ListBucket on arn:aws:s3:::locked-logs');
  });

  it("names the bucket's region and the region used on a PermanentRedirect", async () => {
    const r = await run({ storage: 'eu-logs' });
    expect(check(r, 'aws-s3-bucket')).toMatchObject({ state: 'in eu-west-1', status: 'fail' });
    expect(check(r, 'aws-s3-bucket').detail).toBe('bucket eu-logs is in eu-west-1, but the region used is us-east-1: pass --region eu-west-1 (or set AWS_REGION)');
  });

  it('fails when HeadBucket reports another region than the one used', async () => {
    const r = await run({ region: 'ap-south-1' });
    expect(check(r, 'aws-s3-bucket')).toMatchObject({ state: 'in us-east-1', status: 'fail' });
    expect(check(r, 'aws-s3-bucket').detail).toContain('the region used is ap-south-1');
    expect(api.regions.at(-1)).toBe('ap-south-1');
  });

  it('warns on an empty prefix (no flow logs yet)', async () => {
    const r = await run({ storage: 'fresh-logs', container: 'vpc/' });
    expect(check(r, 'aws-s3-prefix')).toMatchObject({ resource: 's3://fresh-logs/vpc/', state: 'readable, empty', status: 'warn' });
    expect(check(r, 'aws-s3-prefix').detail).toMatch(/no flow logs delivered.*--container/);
    expect(check(await run({ container: 'other' }), 'aws-s3-prefix')).toMatchObject({ state: 'readable, 1 object', status: 'pass' });
  });

  it('fails the prefix when listing is denied after HeadBucket passed', async () => {
    // a policy that allows HeadBucket but denies the listing under this prefix (an s3:prefix condition)
    const server = http.createServer((req, res) => {
      if (req.method === 'HEAD') {
        res.writeHead(200, { 'x-amz-bucket-region': 'us-east-1' });
        return res.end();
      }
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>R1</RequestId></Error>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const r = await run({}, { ...deps(), s3Endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
      expect(check(r, 'aws-s3-bucket').status).toBe('pass');
      expect(check(r, 'aws-s3-prefix')).toMatchObject({ state: 'access denied', status: 'fail' });
      expect(check(r, 'aws-s3-prefix').detail).toMatch(/^listing s3:\/\/flow-logs\/vpc\/ denied \(403\): the credentials need s3:ListBucket/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('verifyAws: credentials, endpoints and options', () => {
  it('fails with how to provide credentials when there are none, and skips every other check', async () => {
    const r = await withEnv({ AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined }, () => run());
    expect(r.checks.map((c) => c.id)).toEqual(IDS);
    expect(check(r, 'aws-s3-bucket')).toMatchObject({ state: 'no credentials', status: 'fail' });
    expect(check(r, 'aws-s3-bucket').detail).toMatch(/AWS_PROFILE.*AWS_ACCESS_KEY_ID.*aws-actions\/configure-aws-credentials with OIDC/);
    expect(r.checks.slice(1).every((c) => c.status === 'skip' && c.detail === 'not checked: no AWS credentials (see S3 bucket)')).toBe(true);
    expect(r.checks.slice(1, 4).map((c) => c.resource)).toEqual(['s3://flow-logs/vpc/', '-', 'dashboard']);
    expect(r.serviceUrl).toBeUndefined();
    expect(api.requests).toEqual([]);
  });

  it('names the endpoint it cannot reach, for S3 and ECS, without a stack trace', async () => {
    const port = await closedPort();
    const started = Date.now();
    const r = await run({}, { endpoint: `http://127.0.0.1:${port}`, maxAttempts: 1 });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(check(r, 'aws-s3-bucket')).toMatchObject({ state: 'unreachable', status: 'fail', detail: `cannot reach http://127.0.0.1:${port}: ECONNREFUSED (check the network, proxy and region)` });
    expect(check(r, 'aws-s3-prefix').status).toBe('skip');
    expect(check(r, 'aws-ecs-cluster')).toMatchObject({ resource: '(region us-east-1)', state: 'unreachable', status: 'fail' });
    expect(check(r, 'aws-ecs-cluster').detail).toContain(`cannot reach http://127.0.0.1:${port}`);
    expect(statuses(r)).toMatchObject({ 'aws-ecs-service': 'skip', 'aws-ecr-repository': 'skip', 'aws-load-balancer': 'skip', 'service-health': 'skip' });
    expect(JSON.stringify(r)).not.toMatch(/\n\s+at |test-secret/);
  });

  it('reports a request timeout as no answer in time, at the endpoint AWS_ENDPOINT_URL names', async () => {
    // a server that accepts and never answers: the request timeout turns into "no answer in time"
    const silent = http.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const r = await withEnv({ AWS_ENDPOINT_URL: url }, () => run({ timeoutMs: 300 }, { maxAttempts: 1 }));
      expect(check(r, 'aws-s3-bucket').detail).toBe(`cannot reach ${url}: no answer in time (check the network, proxy and region)`);
      expect(check(r, 'aws-ecs-cluster').detail).toContain(`cannot reach ${url}: no answer in time`);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it("names AWS's regional hosts when no endpoint is configured", () => {
    expect(awsEndpoint('ecs', 'eu-west-1', undefined, {})).toBe('ecs.eu-west-1.amazonaws.com');
    expect(awsEndpoint('elasticloadbalancing', 'eu-west-1', undefined, { AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2: 'http://localhost:4566' })).toBe('http://localhost:4566');
    expect(awsEndpoint('s3', 'eu-west-1', 'http://minio:9000', { AWS_ENDPOINT_URL: 'http://localhost:4566' })).toBe('http://minio:9000');
  });

  it('follows the per-service endpoint variables (AWS_ENDPOINT_URL_S3, _ECS)', async () => {
    const port = await closedPort();
    const r = await withEnv({ AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`, AWS_ENDPOINT_URL_ECS: `http://127.0.0.1:${port}` }, () => run({}, { maxAttempts: 1 }));
    expect(check(r, 'aws-s3-bucket').detail).toBe(`cannot reach http://127.0.0.1:${port}: ECONNREFUSED (check the network, proxy and region)`);
    expect(check(r, 'aws-ecs-cluster').detail).toContain(`cannot reach http://127.0.0.1:${port}`);
  });

  it('takes the region from the environment, then AWS_DEFAULT_REGION, and is a usage error without one', async () => {
    const r = await withEnv({ AWS_REGION: undefined, AWS_DEFAULT_REGION: 'us-east-1' }, () => run());
    expect(check(r, 'aws-s3-bucket').status).toBe('pass');
    await expect(withEnv({ AWS_REGION: undefined }, () => run())).rejects.toThrow(new VerifyUsageError('no AWS region: pass --region, or set AWS_REGION (or a region in your AWS profile)'));
    await expect(run({ storage: '' })).rejects.toBeInstanceOf(VerifyUsageError);
    // the profile's region, from the shared config file
    const dir = mkdtempSync(path.join(tmpdir(), 'nf-aws-verify-'));
    try {
      writeFileSync(path.join(dir, 'config'), '[default]\nregion = us-east-1\n');
      const fromProfile = await withEnv({ AWS_REGION: undefined, AWS_CONFIG_FILE: path.join(dir, 'config') }, () => run());
      expect(check(fromProfile, 'aws-s3-bucket').status).toBe('pass');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    await expect(run({ service: '' })).rejects.toThrow(/--service/);
  });

  it('skips the probe when probing is off', async () => {
    const r = await run({ probe: false });
    expect(check(r, 'service-health')).toMatchObject({ resource: `http://127.0.0.1:${healthPort}/healthz`, status: 'skip', detail: 'not probed: probing is turned off' });
    expect(r.serviceUrl).toBe(`http://127.0.0.1:${healthPort}`);
  });

  it('fails service-health when /healthz does not answer 200', async () => {
    healthStatus = 503;
    const r = await run();
    expect(check(r, 'aws-load-balancer').status).toBe('pass');
    expect(check(r, 'service-health')).toMatchObject({ state: 'HTTP 503', status: 'fail' });
  });
});

describe('verifyAws: ECS cluster and service', () => {
  it('fails a named cluster that does not exist and skips what depends on it', async () => {
    const r = await run({ cluster: 'nope' });
    expect(check(r, 'aws-ecs-cluster')).toMatchObject({ resource: 'nope', state: 'not found', status: 'fail' });
    expect(check(r, 'aws-ecs-cluster').detail).toBe('ECS cluster nope was not found in us-east-1 (MISSING): check --cluster and --region');
    expect(statuses(r)).toMatchObject({ 'aws-ecs-service': 'skip', 'aws-ecr-repository': 'skip', 'aws-load-balancer': 'skip', 'service-health': 'skip' });
    expect(check(r, 'service-health').detail).toBe('not probed: no ECS service (see ECS cluster)');
  });

  it('fails an INACTIVE cluster', async () => {
    const r = await run({ cluster: 'old' });
    expect(check(r, 'aws-ecs-cluster')).toMatchObject({ state: 'INACTIVE, 0 services, 0 tasks', status: 'fail', detail: 'the cluster was deleted: check --cluster' });
    expect(check(r, 'aws-ecs-service')).toMatchObject({ status: 'skip', detail: 'not checked: the cluster check failed' });
  });

  it('fails a cluster in another state', async () => {
    api.state.clusters[2].status = 'PROVISIONING';
    const r = await run({ cluster: 'web' });
    expect(check(r, 'aws-ecs-cluster')).toMatchObject({ status: 'fail', detail: 'the cluster is PROVISIONING, not ACTIVE: check --cluster' });
  });

  it('fails when no cluster of the region holds the service, suggesting --cluster', async () => {
    const r = await run({ service: 'ghost' });
    expect(check(r, 'aws-ecs-cluster')).toMatchObject({ resource: '(region us-east-1)', state: 'service not found', status: 'fail' });
    expect(check(r, 'aws-ecs-cluster').detail).toBe('no ECS cluster in us-east-1 holds a service named ghost (4 clusters searched): check --service and --region, or name the cluster with --cluster');
    expect(check(r, 'aws-ecs-service')).toMatchObject({ status: 'skip', detail: 'not checked: no cluster holds the service (see ECS cluster)' });
  });

  it('reports a service found only deleted', async () => {
    api.state.services.splice(1, 1);
    api.state.clusters = [{ name: 'old', status: 'INACTIVE' }];
    const r = await run();
    expect(check(r, 'aws-ecs-cluster')).toMatchObject({ resource: 'old', status: 'fail' });
    expect(check(r, 'aws-ecs-service')).toMatchObject({ status: 'fail', detail: 'the service was deleted (INACTIVE) from cluster old' });
  });

  it('fails a service that is not in the named cluster', async () => {
    const r = await run({ cluster: 'batch' });
    expect(check(r, 'aws-ecs-cluster').status).toBe('pass');
    expect(check(r, 'aws-ecs-service')).toMatchObject({ resource: 'dashboard', state: 'not found', status: 'fail' });
    expect(check(r, 'aws-ecs-service').detail).toBe('service dashboard was not found in cluster batch (MISSING): check --service and --cluster');
    expect(check(r, 'aws-ecr-repository')).toMatchObject({ status: 'skip', detail: 'not checked: no ECS service (see ECS service)' });
  });

  it('fails a service still rolling out, with the latest event', async () => {
    Object.assign(api.state.services[1], { runningCount: 1, rolloutState: 'IN_PROGRESS', events: ['(service dashboard) has started 1 tasks: (task 4f2c).', 'older event'] });
    const r = await run();
    expect(check(r, 'aws-ecs-service')).toMatchObject({
      state: 'ACTIVE 1/2 running',
      status: 'fail',
      detail: 'still rolling out (1/2 running); latest event: (service dashboard) has started 1 tasks: (task 4f2c).',
    });
  });

  it('fails a service scaled to 0', async () => {
    Object.assign(api.state.services[1], { desiredCount: 0, runningCount: 0 });
    const r = await run();
    expect(check(r, 'aws-ecs-service')).toMatchObject({ state: 'ACTIVE 0/0 running', status: 'fail' });
    expect(check(r, 'aws-ecs-service').detail).toMatch(/^the service is scaled to 0/);
  });

  it('fails a failed rollout, a short service and a draining one', async () => {
    Object.assign(api.state.services[1], { rolloutState: 'FAILED', rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.', events: [] });
    expect(check(await run(), 'aws-ecs-service').detail).toBe('the latest deployment failed: ECS deployment circuit breaker: tasks failed to start.');
    Object.assign(api.state.services[1], { rolloutState: 'FAILED', rolloutStateReason: undefined });
    expect(check(await run(), 'aws-ecs-service').detail).toBe('the latest deployment failed: no reason given');
    Object.assign(api.state.services[1], { rolloutState: 'COMPLETED', runningCount: 1, events: ['(service dashboard) is unable to consistently start tasks successfully.'] });
    expect(check(await run(), 'aws-ecs-service')).toMatchObject({
      state: 'ACTIVE 1/2 running',
      status: 'fail',
      detail: 'only 1/2 running: tasks are failing to start or stay up; latest event: (service dashboard) is unable to consistently start tasks successfully.',
    });
    Object.assign(api.state.services[1], { status: 'DRAINING' });
    expect(check(await run({ cluster: 'web' }), 'aws-ecs-service').detail).toBe('the service is DRAINING, not ACTIVE (being deleted?)');
  });

  it('names the IAM action when ECS denies access, and reports other errors by name', async () => {
    api.state.faults.ListClusters = { status: 400, code: 'AccessDeniedException', message: 'User: arn:aws:iam::123456789012:user/ci is not authorized to perform: ecs:ListClusters' };
    let r = await run();
    expect(check(r, 'aws-ecs-cluster')).toMatchObject({ state: 'access denied', status: 'fail' });
    expect(check(r, 'aws-ecs-cluster').detail).toBe(
      'access denied (AccessDeniedException 400): the credentials need ecs:ListClusters and ecs:DescribeServices; AWS says: User: arn:aws:iam::123456789012:user/ci is not authorized to perform: ecs:ListClusters',
    );
    api.state.faults = { DescribeClusters: { status: 400, code: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' } };
    r = await run({ cluster: 'web' });
    expect(check(r, 'aws-ecs-cluster')).toMatchObject({ state: 'credentials refused', status: 'fail' });
    expect(check(r, 'aws-ecs-cluster').detail).toMatch(/^the AWS credentials were refused \(UnrecognizedClientException 400\)/);
    expect(check(r, 'aws-ecs-service').status).toBe('skip');
    api.state.faults = { DescribeServices: { status: 400, code: 'ThrottlingException', message: 'Rate exceeded' } };
    r = await run({ cluster: 'web' });
    expect(check(r, 'aws-ecs-service')).toMatchObject({ state: 'throttled', status: 'fail', detail: 'AWS throttled ecs:DescribeServices (ThrottlingException 400): run verify again in a minute' });
    api.state.faults = { DescribeServices: { status: 500, code: 'ServerException', message: 'Internal error AKIAABCDEFGHIJKLMNOP' } };
    r = await run({ cluster: 'web' });
    expect(check(r, 'aws-ecs-service')).toMatchObject({ state: 'ServerException 500', status: 'fail', detail: 'ecs:DescribeServices failed (ServerException 500): Internal error <access key>' });
    // long messages are cut, on one line
    api.state.faults = { DescribeServices: { status: 400, code: 'InvalidParameterException', message: `bad\n${'x'.repeat(400)}` } };
    const detail = check(await run({ cluster: 'web' }), 'aws-ecs-service').detail!;
    expect(detail).toMatch(/^ecs:DescribeServices failed \(InvalidParameterException 400\): bad x+\.\.\.$/);
    expect(detail.length).toBeLessThan(320);
  });
});

describe('verifyAws: ECR image', () => {
  it('fails when the repository does not exist', async () => {
    api.state.repositories = {};
    const r = await run();
    expect(check(r, 'aws-ecr-repository')).toMatchObject({ resource: IMAGE, state: 'not found', status: 'fail' });
    expect(check(r, 'aws-ecr-repository').detail).toBe(`ECR repository dashboard does not exist in registry ${ACCOUNT} (us-east-1): push the image or fix the task definition`);
  });

  it('fails when the tag is not in the repository', async () => {
    api.state.repositories.dashboard[0].tags = ['v0'];
    const r = await run();
    expect(check(r, 'aws-ecr-repository')).toMatchObject({ state: 'not found', status: 'fail' });
    expect(check(r, 'aws-ecr-repository').detail).toMatch(/^image dashboard:v1 is not in ECR repository dashboard/);
  });

  it('checks :latest for an untagged image, in the image region, and skips images outside ECR', async () => {
    api.state.taskDefinitions[0].containers[1].image = `${ACCOUNT}.dkr.ecr.eu-central-1.amazonaws.com/dashboard`;
    api.state.repositories.dashboard[0].tags = ['latest'];
    let r = await run();
    expect(check(r, 'aws-ecr-repository')).toMatchObject({ state: 'dashboard:latest pushed 2026-11-20 14:03 UTC', status: 'pass' });
    expect(api.regions[api.requests.indexOf('ECR.DescribeImages')]).toBe('eu-central-1');
    api.state.taskDefinitions[0].containers[1].image = 'ghcr.io/example/dashboard:v1';
    r = await run();
    expect(check(r, 'aws-ecr-repository')).toMatchObject({ resource: 'ghcr.io/example/dashboard:v1', status: 'skip', detail: 'not checked: the image is not in a private ECR registry' });
  });

  it("uses the first container when the load balancer names none, and fails an unreadable task definition", async () => {
    api.state.services[1].loadBalancers = [{ targetGroupArn: TG_ARN }];
    let r = await run();
    expect(check(r, 'aws-ecr-repository')).toMatchObject({ resource: 'public.ecr.aws/aws-observability/aws-for-fluent-bit:stable', status: 'skip' });
    api.state.taskDefinitions[0].containers = [];
    r = await run();
    expect(check(r, 'aws-ecr-repository')).toMatchObject({ resource: TD_ARN, status: 'skip', detail: 'not checked: the task definition names no image' });
    api.state.taskDefinitions = [];
    r = await run();
    expect(check(r, 'aws-ecr-repository')).toMatchObject({ resource: TD_ARN, state: 'not found', status: 'fail', detail: `the service's task definition ${TD_ARN} cannot be read` });
  });
});

describe('verifyAws: load balancer', () => {
  it('skips the load balancer and the probe for a service without one', async () => {
    api.state.services[1].loadBalancers = [];
    const r = await run();
    expect(check(r, 'aws-load-balancer')).toMatchObject({ status: 'skip', detail: 'not checked: the service has no load balancer (no URL to probe)' });
    expect(check(r, 'service-health')).toMatchObject({ status: 'skip', detail: 'not probed: the service has no load balancer, so no URL' });
    expect(r.serviceUrl).toBeUndefined();
    expect(api.requests.some((op) => op.startsWith('ELBv2.'))).toBe(false);
  });

  it('skips a Classic Load Balancer', async () => {
    api.state.services[1].loadBalancers = [{ loadBalancerName: 'legacy-elb', containerName: 'app', containerPort: 8050 }];
    const r = await run();
    expect(check(r, 'aws-load-balancer')).toMatchObject({ resource: 'legacy-elb', status: 'skip' });
  });

  it('fails with every target state and reason when none is healthy, still giving the URL', async () => {
    api.state.targetGroups[0].targets = [
      { id: '10.0.1.12', port: 8050, state: 'unhealthy', reason: 'Target.FailedHealthChecks', description: 'Health checks failed' },
      { id: '10.0.2.40', port: 8050, state: 'initial', reason: 'Elb.RegistrationInProgress' },
      { id: '10.0.3.7', port: 8050, state: 'draining' },
    ];
    const r = await run();
    expect(check(r, 'aws-load-balancer')).toMatchObject({
      resource: 'dashboard-alb',
      state: '0 healthy of 3',
      status: 'fail',
      detail: 'no healthy target: 10.0.1.12:8050 unhealthy (Target.FailedHealthChecks), 10.0.2.40:8050 initial (Elb.RegistrationInProgress), 10.0.3.7:8050 draining',
    });
    expect(r.serviceUrl).toBe(`http://127.0.0.1:${healthPort}`);
    api.state.targetGroups[0].targets = [];
    expect(check(await run(), 'aws-load-balancer').detail).toBe('no targets registered: the service has no running task behind the load balancer');
  });

  it('passes with one healthy target of two', async () => {
    api.state.targetGroups[0].targets[1].state = 'unhealthy';
    expect(check(await run(), 'aws-load-balancer')).toMatchObject({ state: '1 healthy of 2', status: 'pass' });
  });

  it('fails a target group no load balancer uses, and a missing target group', async () => {
    api.state.targetGroups[0].loadBalancerArns = [];
    let r = await run();
    expect(check(r, 'aws-load-balancer')).toMatchObject({ resource: TG_ARN, state: 'no load balancer', status: 'fail' });
    expect(check(r, 'service-health')).toMatchObject({ status: 'skip', detail: 'not probed: no service URL (see Load balancer)' });
    api.state.targetGroups = [];
    r = await run();
    expect(check(r, 'aws-load-balancer')).toMatchObject({ resource: TG_ARN, state: 'not found', status: 'fail' });
    expect(check(r, 'aws-load-balancer').detail).toMatch(/^not found \(TargetGroupNotFound 400\): One or more target groups not found/);
  });

  it('fails a provisioning load balancer and warns on an impaired one', async () => {
    api.state.loadBalancers[0].state = 'provisioning';
    let r = await run();
    expect(check(r, 'aws-load-balancer')).toMatchObject({ state: '2 healthy of 2, provisioning', status: 'fail', detail: 'the load balancer is provisioning, not active' });
    Object.assign(api.state.loadBalancers[0], { state: 'failed', stateReason: 'The subnet has insufficient IP addresses' });
    expect(check(await run(), 'aws-load-balancer').detail).toBe('the load balancer is failed (The subnet has insufficient IP addresses), not active');
    Object.assign(api.state.loadBalancers[0], { state: 'active_impaired', stateReason: undefined });
    r = await run();
    expect(check(r, 'aws-load-balancer')).toMatchObject({ state: '2 healthy of 2, active_impaired', status: 'warn' });
    expect(check(r, 'service-health').status).toBe('pass');
  });

  it('builds an https URL from an HTTPS listener and names the ELB action when denied', async () => {
    api.state.loadBalancers[0] = { arn: LB_ARN, dnsName: 'dashboard-alb-1234.us-east-1.elb.amazonaws.com', listeners: [{ protocol: 'HTTP', port: 80 }, { protocol: 'HTTPS', port: 443 }] };
    let r = await run({ probe: false });
    expect(r.serviceUrl).toBe('https://dashboard-alb-1234.us-east-1.elb.amazonaws.com');
    api.state.loadBalancers[0].listeners = [{ protocol: 'HTTP', port: 80 }];
    r = await run({ probe: false });
    expect(r.serviceUrl).toBe('http://dashboard-alb-1234.us-east-1.elb.amazonaws.com');
    api.state.faults.DescribeTargetHealth = { status: 403, code: 'AccessDenied', message: 'User is not authorized to perform: elasticloadbalancing:DescribeTargetHealth' };
    r = await run({ probe: false });
    expect(check(r, 'aws-load-balancer')).toMatchObject({ state: 'access denied', status: 'fail' });
    expect(check(r, 'aws-load-balancer').detail).toMatch(/the credentials need elasticloadbalancing:Describe\*/);
  });
});
