/**
 * verifyGcp: the real @google-cloud/storage against the GCS JSON API test server and the real
 * @google-cloud/run ServicesClient (REST) against the Cloud Run Admin API test server, all on 127.0.0.1,
 * with a service-account key made up here (signed locally, no token exchange) for Cloud Run.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyGcp, type GcpDeps } from '../../src/verify/gcp.js';
import { VerifyUsageError, type Check, type CloudResult, type VerifyOptions } from '../../src/verify/types.js';
import { startCloudRunTestServer, type CloudRunTestServer } from '../helpers/cloud-run-server.js';
import { startGcsTestServer, type GcsTestServer } from '../helpers/gcs-server.js';

// No real credentials, gcloud configuration or project are read, and no metadata server is looked for
// off this machine (the libraries read process.env, not options.env).
const scratch = mkdtempSync(path.join(tmpdir(), 'nf-verify-gcp-'));
mkdirSync(path.join(scratch, 'gcloud'));
for (const k of ['GOOGLE_APPLICATION_CREDENTIALS', 'GOOGLE_CLOUD_PROJECT', 'GCLOUD_PROJECT', 'STORAGE_EMULATOR_HOST', 'GOOGLE_CLOUD_UNIVERSE_DOMAIN']) delete process.env[k];
Object.assign(process.env, {
  HOME: scratch,
  CLOUDSDK_CONFIG: path.join(scratch, 'gcloud'),
  METADATA_SERVER_DETECTION: 'none',
  GCE_METADATA_HOST: '127.0.0.1:9',
  GCE_METADATA_IP: '127.0.0.1:9',
});

const PROJECT = 'nf-prod';
const REGION = 'europe-west1';
const SERVICE = 'networkflow';
const NAME = `projects/${PROJECT}/locations/${REGION}/services/${SERVICE}`;

const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

/** A service-account key (as GOOGLE_APPLICATION_CREDENTIALS would name): the library signs its own token. */
function key(projectId?: string): NonNullable<GcpDeps['runCredentials']> {
  return {
    type: 'service_account',
    client_email: `deployer@${projectId ?? 'x'}.iam.gserviceaccount.com`,
    private_key: privateKey,
    ...(projectId ? { project_id: projectId } : {}),
  } as NonNullable<GcpDeps['runCredentials']>;
}

let gcs: GcsTestServer;
let run: CloudRunTestServer;
let healthy: http.Server;
let healthyUrl: string;
let sick: http.Server;
let sickUrl: string;

async function listen(server: http.Server | net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return (server.address() as AddressInfo).port;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  const port = await listen(s);
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/** A server answering every request with `status` and Google's JSON error body. */
async function googleErrorServer(status: number, message: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: status, message, errors: [{ message, domain: 'global', reason: 'x' }] } }));
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function healthServer(status: number): http.Server {
  return http.createServer((req, res) => {
    res.writeHead(req.url === '/healthz' ? status : 404, { 'content-type': 'text/plain' });
    res.end(status === 200 ? 'ok' : 'starting');
  });
}

beforeAll(async () => {
  gcs = await startGcsTestServer({ buckets: ['nf-logs', 'nf-empty', 'nf-locked', 'nf-viewer'], forbiddenBuckets: ['nf-locked'], metadataForbiddenBuckets: ['nf-viewer'] });
  gcs.put('nf-logs', 'vpc/2026/11/25/a.json', '{}');
  gcs.put('nf-logs', 'vpc/2026/11/25/b.json', '{}');
  gcs.put('nf-logs', 'other/c.json', '{}');
  gcs.put('nf-viewer', 'vpc/a.json', '{}');
  run = await startCloudRunTestServer({ forbiddenProjects: ['locked-project'] });
  healthy = healthServer(200);
  healthyUrl = `http://127.0.0.1:${await listen(healthy)}`;
  sick = healthServer(503);
  sickUrl = `http://127.0.0.1:${await listen(sick)}`;
  run.setService(PROJECT, REGION, SERVICE, { uri: healthyUrl });
});

afterAll(async () => {
  await Promise.all([gcs.close(), run.close(), new Promise((r) => healthy.close(r)), new Promise((r) => sick.close(r))]);
  rmSync(scratch, { recursive: true, force: true });
});

const base: VerifyOptions = { cloud: 'gcp', storage: 'nf-logs', container: 'vpc', service: SERVICE, region: REGION, project: PROJECT, timeoutMs: 3000, env: {} };

function deps(extra: GcpDeps = {}): GcpDeps {
  return { storageEndpoint: gcs.url, runEndpoint: run.url, runCredentials: key(PROJECT), ...extra };
}

function check(result: CloudResult, id: string): Check {
  const c = result.checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id} in ${result.checks.map((x) => x.id).join(', ')}`);
  return c;
}

const IDS = ['gcp-gcs-bucket', 'gcp-gcs-prefix', 'gcp-cloud-run-service', 'service-health'];

describe('verifyGcp', () => {
  it('passes every check for a healthy deployment, in order, with the service URL', async () => {
    const before = run.requests.length;
    const result = await verifyGcp(base, deps());
    expect(result.checks.map((c) => c.id)).toEqual(IDS);
    expect(result.checks.map((c) => c.status)).toEqual(['pass', 'pass', 'pass', 'pass']);
    expect(check(result, 'gcp-gcs-bucket')).toMatchObject({ title: 'GCS bucket', resource: 'gs://nf-logs', state: 'exists, EUROPE-WEST1 STANDARD' });
    expect(check(result, 'gcp-gcs-prefix')).toMatchObject({ title: 'Log prefix', resource: 'gs://nf-logs/vpc/', state: 'readable, 2 objects' });
    expect(check(result, 'gcp-cloud-run-service')).toMatchObject({
      title: 'Cloud Run service',
      resource: NAME,
      state: `Ready, revision ${SERVICE}-00003-kex, 100% traffic`,
    });
    expect(check(result, 'service-health')).toMatchObject({ resource: `${healthyUrl}/healthz`, state: 'HTTP 200' });
    expect(result.serviceUrl).toBe(healthyUrl);
    // the Cloud Run call carried the key's self-signed token
    const calls = run.requests.slice(before);
    expect(calls).toHaveLength(1);
    expect(calls[0].path).toMatch(new RegExp(`^/v2/${NAME}\\?`));
    expect(calls[0].authorization).toMatch(/^Bearer eyJ/);
  });

  it("counts the whole bucket for an empty prefix, '1 object', and 1000+ without paging on", async () => {
    const whole = await verifyGcp({ ...base, container: '' }, deps());
    expect(check(whole, 'gcp-gcs-prefix')).toMatchObject({ resource: 'gs://nf-logs/', state: 'readable, 3 objects', status: 'pass' });

    const one = await verifyGcp({ ...base, container: '/other/', probe: false }, deps());
    expect(check(one, 'gcp-gcs-prefix')).toMatchObject({ resource: 'gs://nf-logs/other/', state: 'readable, 1 object', status: 'pass' });

    for (let i = 0; i < 1001; i++) gcs.put('nf-empty', `many/${String(i).padStart(4, '0')}.json`, '{}');
    try {
      const before = gcs.requests.length;
      const many = await verifyGcp({ ...base, storage: 'nf-empty', container: 'many', probe: false }, deps());
      expect(check(many, 'gcp-gcs-prefix')).toMatchObject({ state: 'readable, 1000+ objects', status: 'pass' });
      expect(gcs.requests.slice(before).filter((r) => r.includes('/o?'))).toHaveLength(1);
    } finally {
      gcs.buckets.get('nf-empty')!.clear();
    }
  });

  it('warns on an empty prefix', async () => {
    const result = await verifyGcp({ ...base, storage: 'nf-empty', probe: false }, deps());
    const prefix = check(result, 'gcp-gcs-prefix');
    expect(prefix).toMatchObject({ resource: 'gs://nf-empty/vpc/', state: 'readable, empty', status: 'warn' });
    expect(prefix.detail).toMatch(/no objects under gs:\/\/nf-empty\/vpc\/ yet/);
    expect(check(result, 'gcp-gcs-bucket').status).toBe('pass');
  });

  it('fails a missing bucket, skips the prefix, and still checks the service', async () => {
    const result = await verifyGcp({ ...base, storage: 'nf-nope' }, deps());
    expect(check(result, 'gcp-gcs-bucket')).toMatchObject({ resource: 'gs://nf-nope', state: 'not found', status: 'fail' });
    expect(check(result, 'gcp-gcs-bucket').detail).toMatch(/no bucket gs:\/\/nf-nope \(404\).*--storage/);
    expect(check(result, 'gcp-gcs-prefix')).toMatchObject({ status: 'skip', detail: 'skipped: the bucket check failed' });
    expect(check(result, 'gcp-cloud-run-service').status).toBe('pass');
    expect(check(result, 'service-health').status).toBe('pass');
  });

  it('fails a bucket the identity may not read, naming the role', async () => {
    const result = await verifyGcp({ ...base, storage: 'nf-locked' }, deps());
    const bucket = check(result, 'gcp-gcs-bucket');
    expect(bucket).toMatchObject({ state: 'denied', status: 'fail' });
    expect(bucket.detail).toMatch(/403.*roles\/storage\.objectViewer.*storage\.buckets\.get/);
    expect(check(result, 'gcp-gcs-prefix').status).toBe('skip');
  });

  it('passes a bucket whose metadata is denied but whose objects can be listed (objectViewer only)', async () => {
    const result = await verifyGcp({ ...base, storage: 'nf-viewer', probe: false }, deps());
    expect(check(result, 'gcp-gcs-bucket')).toMatchObject({ state: 'exists (objects readable)', status: 'pass' });
    expect(check(result, 'gcp-gcs-prefix')).toMatchObject({ state: 'readable, 1 object', status: 'pass' });
  });

  it('fails a prefix listing that is denied', async () => {
    // metadata readable, listing denied: a server that answers the metadata GET and 403s the rest
    const server = http.createServer((req, res) => {
      req.resume();
      const listing = (req.url ?? '').includes('/o');
      res.writeHead(listing ? 403 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(listing ? { error: { code: 403, message: 'no storage.objects.list' } } : { kind: 'storage#bucket', name: 'b' }));
    });
    const port = await listen(server);
    try {
      const result = await verifyGcp({ ...base, probe: false }, deps({ storageEndpoint: `http://127.0.0.1:${port}` }));
      expect(check(result, 'gcp-gcs-bucket')).toMatchObject({ state: 'exists', status: 'pass' });
      const prefix = check(result, 'gcp-gcs-prefix');
      expect(prefix).toMatchObject({ state: 'denied', status: 'fail' });
      expect(prefix.detail).toMatch(/roles\/storage\.objectViewer on the bucket \(storage\.objects\.list\)$/);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('fails a GCS endpoint that cannot be reached, quickly', async () => {
    const port = await closedPort();
    const started = Date.now();
    const result = await verifyGcp({ ...base, probe: false }, deps({ storageEndpoint: `http://127.0.0.1:${port}` }));
    expect(Date.now() - started).toBeLessThan(10_000);
    const bucket = check(result, 'gcp-gcs-bucket');
    expect(bucket).toMatchObject({ state: 'unreachable', status: 'fail', detail: `cannot reach http://127.0.0.1:${port}: ECONNREFUSED` });
  });

  it('gives up on a GCS endpoint that never answers, within the timeout and one retry', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((s) => sockets.add(s));
    const port = await listen(silent);
    try {
      const started = Date.now();
      const result = await verifyGcp({ ...base, timeoutMs: 700, probe: false }, deps({ storageEndpoint: `http://127.0.0.1:${port}` }));
      expect(Date.now() - started).toBeLessThan(6000);
      const bucket = check(result, 'gcp-gcs-bucket');
      expect(bucket).toMatchObject({ state: 'unreachable', status: 'fail', detail: `cannot reach http://127.0.0.1:${port}: no answer in time` });
      expect(check(result, 'gcp-cloud-run-service').status).toBe('pass');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it('names other GCS answers: 401 as refused credentials, 400 by its message', async () => {
    const refused = await googleErrorServer(401, 'Invalid Credentials');
    const invalid = await googleErrorServer(400, 'Invalid bucket name: NF_LOGS');
    try {
      const r401 = await verifyGcp({ ...base, probe: false }, deps({ storageEndpoint: refused.url }));
      expect(check(r401, 'gcp-gcs-bucket')).toMatchObject({ state: 'credentials refused', status: 'fail' });
      expect(check(r401, 'gcp-gcs-bucket').detail).toMatch(/^Google refused the credentials \(401\).*gcloud auth application-default login/);
      // a refusal of the token is not "no credentials at all": the service is still checked
      expect(check(r401, 'gcp-cloud-run-service').status).toBe('pass');

      const r400 = await verifyGcp({ ...base, storage: 'NF_LOGS', probe: false }, deps({ storageEndpoint: invalid.url }));
      expect(check(r400, 'gcp-gcs-bucket')).toMatchObject({ state: 'HTTP 400', status: 'fail', detail: 'GCS answered: Invalid bucket name: NF_LOGS' });
    } finally {
      await Promise.all([refused.close(), invalid.close()]);
    }
  });

  it('fails a service that does not exist, naming project and region, and skips the probe', async () => {
    const result = await verifyGcp({ ...base, service: 'nf-missing' }, deps());
    const svc = check(result, 'gcp-cloud-run-service');
    expect(svc).toMatchObject({ resource: `projects/${PROJECT}/locations/${REGION}/services/nf-missing`, state: 'not found', status: 'fail' });
    expect(svc.detail).toMatch(new RegExp(`no Cloud Run service 'nf-missing' in project '${PROJECT}', region '${REGION}'`));
    expect(check(result, 'service-health')).toMatchObject({ resource: 'nf-missing', status: 'skip', detail: 'skipped: no service URL (the Cloud Run check did not find one)' });
    expect(result.serviceUrl).toBeUndefined();
  });

  it('fails a service whose latest revision failed, with Google\'s message and reason', async () => {
    const message =
      "Revision 'nf-failing-00002-abc' is not ready and cannot serve traffic. The user-provided container failed to start and listen on the port defined provided by the PORT=8050 environment variable.";
    run.setService(PROJECT, REGION, 'nf-failing', {
      uri: sickUrl,
      terminalCondition: { type: 'Ready', state: 'CONDITION_FAILED', message, revisionReason: 'HEALTH_CHECK_CONTAINER_ERROR' },
      latestReadyRevision: `projects/${PROJECT}/locations/${REGION}/services/nf-failing/revisions/nf-failing-00001-old`,
      latestCreatedRevision: `projects/${PROJECT}/locations/${REGION}/services/nf-failing/revisions/nf-failing-00002-abc`,
    });
    const result = await verifyGcp({ ...base, service: 'nf-failing' }, deps());
    const svc = check(result, 'gcp-cloud-run-service');
    expect(svc).toMatchObject({ state: 'Failed, revision nf-failing-00002-abc', status: 'fail' });
    expect(svc.detail).toContain(message);
    expect(svc.detail).toContain('reason HEALTH_CHECK_CONTAINER_ERROR');
    expect(svc.detail).toContain(`image ${REGION}-docker.pkg.dev/${PROJECT}/networkflow/networkflow:latest`);
    // the URL is still known and probed (the previous revision may serve): here it answers 503
    expect(result.serviceUrl).toBe(sickUrl);
    const health = check(result, 'service-health');
    expect(health).toMatchObject({ state: 'HTTP 503', status: 'fail' });
  });

  it('warns, not fails, when a private service refuses the unauthenticated probe', async () => {
    const privateServer = healthServer(403);
    const privateUrl = `http://127.0.0.1:${await listen(privateServer)}`;
    try {
      run.setService(PROJECT, REGION, 'nf-private', { uri: privateUrl });
      const result = await verifyGcp({ ...base, service: 'nf-private' }, deps());
      expect(check(result, 'gcp-cloud-run-service').status).toBe('pass');
      expect(check(result, 'service-health')).toMatchObject({ state: 'HTTP 403', status: 'warn', detail: expect.stringMatching(/^Cloud Run refused the unauthenticated request \(HTTP 403\): the service is private/) });
    } finally {
      await new Promise((r) => privateServer.close(r));
    }
  });

  it('fails a failed service with neither message nor revisions as such', async () => {
    run.setService(PROJECT, REGION, 'nf-bare', {
      uri: '',
      terminalCondition: { type: 'Ready', state: 'CONDITION_FAILED' },
      latestReadyRevision: '',
      latestCreatedRevision: '',
      template: { containers: [] },
    });
    const result = await verifyGcp({ ...base, service: 'nf-bare' }, deps());
    expect(check(result, 'gcp-cloud-run-service')).toMatchObject({
      state: 'Failed, revision ?',
      status: 'fail',
      detail: 'the service is not ready: no message. See its revision\'s logs (gcloud run revisions describe <revision>)',
    });
    expect(check(result, 'service-health').status).toBe('skip');
  });

  it('fails a service that is still deploying', async () => {
    run.setService(PROJECT, REGION, 'nf-rolling', {
      uri: healthyUrl,
      reconciling: true,
      terminalCondition: { type: 'Ready', state: 'CONDITION_RECONCILING', message: 'Deploying revision nf-rolling-00004-new.' },
      latestReadyRevision: `projects/${PROJECT}/locations/${REGION}/services/nf-rolling/revisions/nf-rolling-00003-kex`,
      latestCreatedRevision: `projects/${PROJECT}/locations/${REGION}/services/nf-rolling/revisions/nf-rolling-00004-new`,
    });
    const result = await verifyGcp({ ...base, service: 'nf-rolling', probe: false }, deps());
    expect(check(result, 'gcp-cloud-run-service')).toMatchObject({
      state: 'still deploying',
      status: 'fail',
      detail: 'revision nf-rolling-00004-new is still deploying (nf-rolling-00003-kex is the last ready one): Deploying revision nf-rolling-00004-new.; wait for the rollout and run verify again',
    });
    expect(check(result, 'service-health')).toMatchObject({ status: 'skip', detail: 'skipped: --no-probe' });

    // a first deployment: nothing ready yet, no message; ready ≠ created alone is enough
    run.setService(PROJECT, REGION, 'nf-first', {
      terminalCondition: { type: 'Ready', state: 'CONDITION_SUCCEEDED' },
      latestReadyRevision: '',
      latestCreatedRevision: `projects/${PROJECT}/locations/${REGION}/services/nf-first/revisions/nf-first-00001-aaa`,
    });
    const first = await verifyGcp({ ...base, service: 'nf-first', probe: false }, deps());
    expect(check(first, 'gcp-cloud-run-service')).toMatchObject({
      state: 'still deploying',
      detail: 'revision nf-first-00001-aaa is still deploying; wait for the rollout and run verify again',
    });
  });

  it('warns when the ready revision serves no traffic', async () => {
    run.setService(PROJECT, REGION, 'nf-pinned', {
      trafficStatuses: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'nf-pinned-00001-old', percent: 100 }],
    });
    const result = await verifyGcp({ ...base, service: 'nf-pinned', probe: false }, deps());
    const svc = check(result, 'gcp-cloud-run-service');
    expect(svc).toMatchObject({ state: 'Ready, revision nf-pinned-00003-kex, 0% traffic', status: 'warn' });
    expect(svc.detail).toMatch(/--to-latest/);
  });

  it('fails when Cloud Run denies the read, naming roles/run.viewer', async () => {
    const result = await verifyGcp({ ...base, project: 'locked-project' }, deps());
    const svc = check(result, 'gcp-cloud-run-service');
    expect(svc).toMatchObject({ resource: `projects/locked-project/locations/${REGION}/services/${SERVICE}`, state: 'denied', status: 'fail' });
    expect(svc.detail).toMatch(/roles\/run\.viewer on project 'locked-project' \(Google said: Permission 'run\.services\.get' denied/);
  });

  it('reports another Cloud Run answer by its status and message', async () => {
    const busy = await startCloudRunTestServer({ unavailable: 5 });
    try {
      const result = await verifyGcp({ ...base, probe: false }, deps({ runEndpoint: busy.url }));
      expect(check(result, 'gcp-cloud-run-service')).toMatchObject({ state: 'HTTP 503', status: 'fail', detail: 'Cloud Run answered: The service is currently unavailable.' });
    } finally {
      await busy.close();
    }
  });

  it('fails fast when the Cloud Run endpoint cannot be reached', async () => {
    const port = await closedPort();
    const started = Date.now();
    const result = await verifyGcp(base, deps({ runEndpoint: `http://127.0.0.1:${port}` }));
    expect(Date.now() - started).toBeLessThan(5000);
    const svc = check(result, 'gcp-cloud-run-service');
    expect(svc).toMatchObject({ state: 'unreachable', status: 'fail', detail: `cannot reach http://127.0.0.1:${port}: ECONNREFUSED` });
    expect(check(result, 'service-health').status).toBe('skip');
  });

  it('gives up on a Cloud Run endpoint that never answers within the timeout', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((s) => sockets.add(s));
    const port = await listen(silent);
    try {
      const started = Date.now();
      const result = await verifyGcp({ ...base, timeoutMs: 700, probe: false }, deps({ runEndpoint: `http://127.0.0.1:${port}` }));
      expect(Date.now() - started).toBeLessThan(5000);
      expect(check(result, 'gcp-cloud-run-service')).toMatchObject({ state: 'unreachable', status: 'fail', detail: `cannot reach http://127.0.0.1:${port}: no answer in time` });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it('throws a usage error without a region, bucket or service', async () => {
    await expect(verifyGcp({ ...base, region: undefined }, deps())).rejects.toThrow(VerifyUsageError);
    await expect(verifyGcp({ ...base, region: '' }, deps())).rejects.toThrow(/--region/);
    await expect(verifyGcp({ ...base, storage: '' }, deps())).rejects.toThrow(/--storage/);
    await expect(verifyGcp({ ...base, service: '' }, deps())).rejects.toThrow(/--service/);
  });

  describe('project resolution', () => {
    it('takes GOOGLE_CLOUD_PROJECT, then GCLOUD_PROJECT, then CLOUDSDK_CORE_PROJECT from the environment', async () => {
      const opts = { ...base, project: undefined, probe: false };
      const cases: [NodeJS.ProcessEnv, string][] = [
        [{ GOOGLE_CLOUD_PROJECT: PROJECT, GCLOUD_PROJECT: 'b', CLOUDSDK_CORE_PROJECT: 'c' }, PROJECT],
        [{ GCLOUD_PROJECT: 'env-b', CLOUDSDK_CORE_PROJECT: 'c' }, 'env-b'],
        [{ GOOGLE_CLOUD_PROJECT: '', CLOUDSDK_CORE_PROJECT: 'env-c' }, 'env-c'],
      ];
      for (const [env, project] of cases) {
        const result = await verifyGcp({ ...opts, env }, deps({ runCredentials: key('key-project') }));
        expect(check(result, 'gcp-cloud-run-service').resource).toBe(`projects/${project}/locations/${REGION}/services/${SERVICE}`);
      }
      // --project wins over the environment
      const flagged = await verifyGcp({ ...base, env: { GOOGLE_CLOUD_PROJECT: 'env-a' }, probe: false }, deps());
      expect(check(flagged, 'gcp-cloud-run-service')).toMatchObject({ resource: NAME, status: 'pass' });
    });

    it("falls back to the credentials' project", async () => {
      run.setService('key-project', REGION, SERVICE, { uri: healthyUrl });
      const result = await verifyGcp({ ...base, project: undefined, probe: false }, deps({ runCredentials: key('key-project') }));
      expect(check(result, 'gcp-cloud-run-service')).toMatchObject({ resource: `projects/key-project/locations/${REGION}/services/${SERVICE}`, status: 'pass' });
    });

    it('fails the service check when no project is given or found', async () => {
      const result = await verifyGcp({ ...base, project: undefined, probe: false }, deps({ runCredentials: key() }));
      expect(check(result, 'gcp-cloud-run-service')).toMatchObject({
        resource: `projects/?/locations/${REGION}/services/${SERVICE}`,
        state: 'no project',
        status: 'fail',
        detail: 'no GCP project given or found: pass --project, or set GOOGLE_CLOUD_PROJECT (the credentials name none)',
      });
      expect(check(result, 'gcp-gcs-bucket').status).toBe('pass');
    });
  });

  describe('missing credentials', () => {
    const closers: (() => Promise<void>)[] = [];
    afterAll(async () => {
      await Promise.all(closers.map((close) => close()));
    });
    const help = /^no usable Google credentials: run 'gcloud auth application-default login', or set GOOGLE_APPLICATION_CREDENTIALS .*google-github-actions\/auth with workload identity federation$/;

    it('fails the bucket check with how to provide them, and skips every other check', async () => {
      // the library looks for application default credentials, finds none, asks anyway and GCS says 401
      const gcs401 = await googleErrorServer(401, 'Anonymous caller does not have storage.buckets.get access to the Google Cloud Storage bucket.');
      closers.push(gcs401.close);
      const noAdc = { storageEndpoint: gcs401.url, storageCredentials: true, runEndpoint: run.url };
      const result = await verifyGcp(base, noAdc);
      expect(result.checks.map((c) => [c.id, c.status])).toEqual([
        ['gcp-gcs-bucket', 'fail'],
        ['gcp-gcs-prefix', 'skip'],
        ['gcp-cloud-run-service', 'skip'],
        ['service-health', 'skip'],
      ]);
      expect(check(result, 'gcp-gcs-bucket')).toMatchObject({ state: 'no credentials' });
      expect(check(result, 'gcp-gcs-bucket').detail).toMatch(help);
      expect(check(result, 'gcp-cloud-run-service')).toMatchObject({ resource: NAME, detail: 'skipped: no Google credentials (see the bucket check)' });
      const unnamed = await verifyGcp({ ...base, project: undefined }, noAdc);
      expect(check(unnamed, 'gcp-cloud-run-service').resource).toBe(`projects/?/locations/${REGION}/services/${SERVICE}`);
    });

    it('fails the Cloud Run check with how to provide them when only Cloud Run needs them', async () => {
      const before = run.requests.length;
      const named = await verifyGcp({ ...base, probe: false }, { storageEndpoint: gcs.url, runEndpoint: run.url });
      expect(check(named, 'gcp-gcs-bucket').status).toBe('pass');
      expect(check(named, 'gcp-cloud-run-service')).toMatchObject({ resource: NAME, state: 'no credentials', status: 'fail' });
      expect(check(named, 'gcp-cloud-run-service').detail).toMatch(help);

      const unnamed = await verifyGcp({ ...base, project: undefined, probe: false }, { storageEndpoint: gcs.url, runEndpoint: run.url });
      expect(check(unnamed, 'gcp-cloud-run-service')).toMatchObject({ state: 'no credentials', status: 'fail' });
      expect(run.requests.length).toBe(before); // nothing was sent without a token

      // the default (Google's) endpoint: the credentials lookup fails before anything is sent
      const google = await verifyGcp({ ...base, probe: false }, { storageEndpoint: gcs.url });
      expect(check(google, 'gcp-cloud-run-service')).toMatchObject({ resource: NAME, state: 'no credentials', status: 'fail' });
    });
  });

  it('fails the probe when /healthz does not answer 200', async () => {
    run.setService(PROJECT, REGION, 'nf-sick', { uri: sickUrl });
    const result = await verifyGcp({ ...base, service: 'nf-sick' }, deps());
    expect(check(result, 'gcp-cloud-run-service').status).toBe('pass');
    expect(check(result, 'service-health')).toMatchObject({ resource: `${sickUrl}/healthz`, state: 'HTTP 503', status: 'fail' });
    expect(result.serviceUrl).toBe(sickUrl);
  });
});
