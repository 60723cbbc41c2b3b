/**
 * verifyAzure: the real SDK clients against local servers speaking the real wire protocols: Azurite for the
 * storage checks, tests/helpers/arm-server.ts (HTTPS, self-signed certificate made with `openssl`) for the
 * Container Instances and Container Registry checks, and a plain HTTP server for /healthz.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { AuthenticationError, CredentialUnavailableError, type TokenCredential } from '@azure/identity';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { registryOfImage, verifyAzure, type AzureDeps } from '../../src/verify/azure.js';
import { VerifyUsageError, type Check, type CloudResult, type VerifyOptions } from '../../src/verify/types.js';
import { aciContainerGroup, acrRegistry, startArmServer, type AciGroupSpec, type ArmServer } from '../helpers/arm-server.js';
import { AZURITE_ACCOUNT, azuriteConnectionString, startAzurite, type Azurite } from '../helpers/azurite.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';

const RG = 'rg-flows';
const GROUP = 'nf-dashboard';
const REGISTRY = 'nfreg';
const IMAGE = `${REGISTRY}.azurecr.io/networkflow:1.4.0`;
const IDS = ['azure-storage-account', 'azure-blob-container', 'azure-container-group', 'azure-container-registry', 'service-health'];

const token = (value: string): TokenCredential => ({ getToken: async () => ({ token: value, expiresOnTimestamp: Date.now() + 3_600_000 }) });
const fakeCredential = token('fake-token');

let azurite: Azurite;
let arm: ArmServer;
let health: http.Server;
let healthPort: number;
let closedPort: number;
/** Accepts connections and never answers (neither HTTP nor TLS). */
let silent: net.Server;
let silentPort: number;
const silentSockets = new Set<net.Socket>();
const healthStatus = { code: 200 };

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function group(spec: Partial<AciGroupSpec> & { name: string }): object {
  return aciContainerGroup({
    subscriptionId: arm.subscriptionId,
    resourceGroup: RG,
    containers: [{ name: 'dashboard', image: IMAGE }],
    ip: '127.0.0.1',
    ports: [healthPort],
    ...spec,
  });
}

beforeAll(async () => {
  [azurite, arm] = await Promise.all([startAzurite(), startArmServer()]);
  health = http.createServer((req, res) => {
    res.writeHead(req.url === '/healthz' ? healthStatus.code : 404).end(req.url === '/healthz' ? 'ok' : 'no');
  });
  healthPort = await listen(health);
  const closed = net.createServer();
  closedPort = await listen(closed);
  await new Promise((resolve) => closed.close(resolve));
  silent = net.createServer((socket) => {
    silentSockets.add(socket);
    socket.once('close', () => silentSockets.delete(socket));
  });
  silentPort = await listen(silent);

  const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
  const flows = service.getContainerClient('flows');
  await flows.create();
  for (const name of ['a.json', 'b.json', 'c.json']) await flows.getBlockBlobClient(name).upload('{}', 2);
  await service.getContainerClient('empty').create();
  const many = service.getContainerClient('many');
  await many.create();
  const names = Array.from({ length: 1001 }, (_, i) => `y=2026/m=11/d=25/h=10/PT1H-${i}.json`);
  for (let i = 0; i < names.length; i += 50) {
    await Promise.all(names.slice(i, i + 50).map((n) => many.getBlockBlobClient(n).upload('', 0)));
  }

  arm.put('Microsoft.ContainerInstance/containerGroups', RG, GROUP, group({ name: GROUP }));
  arm.put('Microsoft.ContainerRegistry/registries', RG, REGISTRY, acrRegistry({ subscriptionId: arm.subscriptionId, resourceGroup: RG, name: REGISTRY }));
}, 60_000);

afterAll(async () => {
  health?.closeAllConnections();
  for (const socket of silentSockets) socket.destroy();
  await Promise.all([
    azurite?.stop(),
    arm?.close(),
    new Promise((resolve) => health?.close(resolve)),
    new Promise((resolve) => silent?.close(resolve)),
  ]);
});

afterEach(() => {
  vi.unstubAllEnvs();
  healthStatus.code = 200;
});

function options(over: Partial<VerifyOptions> = {}): VerifyOptions {
  return {
    cloud: 'azure',
    storage: AZURITE_ACCOUNT,
    container: 'flows',
    service: GROUP,
    resourceGroup: RG,
    subscription: arm.subscriptionId,
    timeoutMs: 5_000,
    env: { AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString },
    ...over,
  };
}

function deps(over: AzureDeps = {}): AzureDeps {
  return { credential: fakeCredential, armEndpoint: arm.endpoint, armAgent: arm.agent, armMaxRetries: 0, ...over };
}

function byId(result: CloudResult): Record<string, Check> {
  expect(result.checks.map((c) => c.id)).toEqual(IDS);
  return Object.fromEntries(result.checks.map((c) => [c.id, c]));
}

function statuses(result: CloudResult): string[] {
  return result.checks.map((c) => c.status);
}

describe('verifyAzure: everything in place', () => {
  it('passes every check, with states, the service URL and a probe of /healthz', async () => {
    const before = arm.requests.length;
    const result = await verifyAzure(options(), deps());
    const c = byId(result);
    expect(statuses(result)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass']);
    expect(c['azure-storage-account']).toMatchObject({ title: 'Storage account', resource: AZURITE_ACCOUNT, state: 'reachable (StorageV2, Standard_RAGRS)' });
    expect(c['azure-blob-container']).toMatchObject({ title: 'Blob container', resource: `${AZURITE_ACCOUNT}/flows`, state: 'readable, 3 blobs' });
    expect(c['azure-container-group']).toMatchObject({ title: 'Container instance', resource: `${RG}/${GROUP}`, state: 'Succeeded / Running (restarts 0)' });
    expect(c['azure-container-registry']).toMatchObject({ resource: `${RG}/${REGISTRY}`, state: 'Succeeded, nfreg.azurecr.io' });
    expect(c['service-health']).toMatchObject({ resource: `http://127.0.0.1:${healthPort}/healthz`, state: 'HTTP 200' });
    expect(result.serviceUrl).toBe(`http://127.0.0.1:${healthPort}`);
    expect(result.checks.every((x) => x.detail === undefined)).toBe(true);
    // The SDKs sent the credential's token and their api-versions to the configured endpoint.
    const sent = arm.requests.slice(before);
    expect(sent.map((r) => r.path)).toEqual([
      `/subscriptions/${arm.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.ContainerInstance/containerGroups/${GROUP}`,
      `/subscriptions/${arm.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.ContainerRegistry/registries/${REGISTRY}`,
    ]);
    expect(sent.every((r) => r.authorization === 'Bearer fake-token' && r.apiVersion)).toBe(true);
  });

  it('takes the subscription from AZURE_SUBSCRIPTION_ID, then ARM_SUBSCRIPTION_ID', async () => {
    const env = { AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString };
    for (const name of ['AZURE_SUBSCRIPTION_ID', 'ARM_SUBSCRIPTION_ID']) {
      const result = await verifyAzure(options({ subscription: undefined, env: { ...env, [name]: arm.subscriptionId } }), deps());
      expect(statuses(result)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass']);
    }
  });

  it('counts a full first page as "1000+ blobs"', async () => {
    const result = await verifyAzure(options({ container: 'many' }), deps());
    expect(byId(result)['azure-blob-container']).toMatchObject({ status: 'pass', state: 'readable, 1000+ blobs' });
  });

  it('prefers port 8050 and the FQDN for the service URL, and skips the probe when asked', async () => {
    arm.put('Microsoft.ContainerInstance/containerGroups', RG, 'with-fqdn', group({ name: 'with-fqdn', fqdn: 'nf-dash.westeurope.azurecontainer.io', ports: [80, 8050] }));
    const result = await verifyAzure(options({ service: 'with-fqdn', probe: false }), deps());
    expect(result.serviceUrl).toBe('http://nf-dash.westeurope.azurecontainer.io:8050');
    expect(byId(result)['service-health']).toMatchObject({ status: 'skip', detail: 'probing /healthz was turned off' });
  });
});

describe('verifyAzure: storage', () => {
  it('warns about an empty container', async () => {
    const result = await verifyAzure(options({ container: 'empty' }), deps());
    expect(byId(result)['azure-blob-container']).toMatchObject({
      status: 'warn',
      state: 'readable, no blobs',
      detail: 'no blobs yet: flow logs arrive within ~10 minutes of enabling them',
    });
    expect(statuses(result)).toEqual(['pass', 'warn', 'pass', 'pass', 'pass']);
  });

  it('fails a missing container, naming it and the account', async () => {
    const result = await verifyAzure(options({ container: 'nope' }), deps());
    const c = byId(result)['azure-blob-container'];
    expect(c).toMatchObject({ status: 'fail', state: 'not found' });
    expect(c.detail).toMatch(/^container 'nope' not found in storage account 'devstoreaccount1' \(ContainerNotFound\): check --container/);
    expect(statuses(result)).toEqual(['pass', 'fail', 'pass', 'pass', 'pass']);
  });

  it('fails an unreachable storage account and skips the container', async () => {
    const result = await verifyAzure(options(), deps({ blobEndpoint: `http://127.0.0.1:${closedPort}` }));
    const c = byId(result);
    expect(c['azure-storage-account']).toMatchObject({
      status: 'fail',
      state: 'unreachable',
      detail: "storage account 'devstoreaccount1' not found or unreachable (ECONNREFUSED): check the account name",
    });
    expect(c['azure-blob-container']).toMatchObject({ status: 'skip', detail: 'the storage account check failed' });
  });

  it('fails a storage account that does not answer in time', async () => {
    const started = Date.now();
    const result = await verifyAzure(options({ timeoutMs: 400 }), deps({ blobEndpoint: `http://127.0.0.1:${silentPort}`, armEndpoint: `https://127.0.0.1:${silentPort}` }));
    const c = byId(result);
    expect(c['azure-storage-account']).toMatchObject({ status: 'fail', detail: expect.stringContaining('(no answer in time)') });
    expect(c['azure-container-group']).toMatchObject({
      status: 'fail',
      state: 'unreachable',
      detail: `cannot reach Resource Manager at https://127.0.0.1:${silentPort} (no answer in time)`,
    });
    expect(c['azure-container-registry']).toMatchObject({ status: 'skip', detail: 'Resource Manager is unreachable (no answer in time)' });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('fails a refused key with the role to assign', async () => {
    const wrongKey = azuriteConnectionString(azurite.blobEndpoint).replace(/AccountKey=[^;]+/, `AccountKey=${Buffer.alloc(64, 7).toString('base64')}`);
    const result = await verifyAzure(options({ env: { AZURE_STORAGE_CONNECTION_STRING: wrongKey } }), deps());
    const c = byId(result);
    expect(c['azure-storage-account']).toMatchObject({ status: 'fail', state: 'denied (HTTP 403)' });
    expect(c['azure-storage-account'].detail).toMatch(/^access denied \(AuthorizationFailure\): the signed-in identity needs the Storage Blob Data Reader role on storage account 'devstoreaccount1'/);
    expect(c['azure-storage-account'].detail).not.toContain(Buffer.alloc(64, 7).toString('base64'));
    expect(c['azure-blob-container'].status).toBe('skip');
  });

  it('passes an account whose details a role-based identity may not read, and lets the container check decide', async () => {
    // Get Account Information is documented for Shared Key and SAS: Azure answers a role-based identity
    // 403 AuthorizationPermissionMismatch even where it may list and read blobs
    const proxy = await startFaultProxy({
      target: azurite.host,
      policy: (r) =>
        r.url.includes('restype=account')
          ? { kind: 'status', status: 403, headers: { 'x-ms-error-code': 'AuthorizationPermissionMismatch' } }
          : { kind: 'pass' },
    });
    try {
      const env = { AZURE_STORAGE_CONNECTION_STRING: azuriteConnectionString(`${proxy.url}/${AZURITE_ACCOUNT}`) };
      const c = byId(await verifyAzure(options({ env }), deps()));
      expect(c['azure-storage-account']).toMatchObject({ status: 'pass', state: 'reachable (details not readable with this identity)' });
      expect(c['azure-blob-container']).toMatchObject({ status: 'pass', state: 'readable, 3 blobs' });
    } finally {
      await proxy.close();
    }
  });

  it('fails another HTTP answer of the blob service with its code', async () => {
    // Azurite knows only devstoreaccount1: another account in the path is refused.
    const result = await verifyAzure(options(), deps({ blobEndpoint: `${azurite.host}/otheraccount` }));
    const c = byId(result)['azure-storage-account'];
    expect(c).toMatchObject({
      status: 'fail',
      state: 'HTTP 404',
      detail: 'the blob service answered 404 (ResourceNotFound): The specified resource does not exist.',
    });
  });

  it('fails a connection string for another account, with its message', async () => {
    const result = await verifyAzure(options({ storage: 'flowlogsprod' }), deps());
    expect(byId(result)['azure-storage-account']).toMatchObject({
      status: 'fail',
      state: 'misconfigured',
      detail: expect.stringMatching(/^AZURE_STORAGE_CONNECTION_STRING is for storage account 'devstoreaccount1', not 'flowlogsprod'/),
    });
  });

  describe('without any credential (DefaultAzureCredential finds none)', () => {
    function noCredentials() {
      // Only the environment credential, which needs these: no CLI, no managed-identity probe, no network.
      vi.stubEnv('AZURE_TOKEN_CREDENTIALS', 'EnvironmentCredential');
      for (const name of ['AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET', 'AZURE_CLIENT_CERTIFICATE_PATH', 'AZURE_USERNAME']) vi.stubEnv(name, '');
    }

    it('fails storage and Resource Manager with how to sign in, and skips what depends on them', async () => {
      noCredentials();
      const result = await verifyAzure(options({ env: {} , subscription: arm.subscriptionId }), {
        blobEndpoint: `https://127.0.0.1:${closedPort}/${AZURITE_ACCOUNT}`,
        armEndpoint: arm.endpoint,
        armAgent: arm.agent,
        armMaxRetries: 0,
      });
      const c = byId(result);
      expect(statuses(result)).toEqual(['fail', 'skip', 'fail', 'skip', 'skip']);
      expect(c['azure-storage-account'].state).toBe('no credentials');
      expect(c['azure-storage-account'].detail).toMatch(/^no usable Azure credential \(\w+Error\): sign in with 'az login', or set AZURE_CLIENT_ID and AZURE_TENANT_ID with a federated token/);
      expect(c['azure-storage-account'].detail).toContain('AZURE_STORAGE_CONNECTION_STRING');
      expect(c['azure-container-group']).toMatchObject({ state: 'no credentials', detail: expect.stringContaining("'az login'") });
      expect(result.serviceUrl).toBeUndefined();
    });

    it('reports an unexpected failure with its message, not a stack', async () => {
      vi.stubEnv('AZURE_TOKEN_CREDENTIALS', 'bogus'); // DefaultAzureCredential's constructor throws
      const { credential: _, ...noCredential } = deps();
      const c = byId(await verifyAzure(options({ env: {} }), { ...noCredential, blobEndpoint: `https://127.0.0.1:${closedPort}` }));
      expect(c['azure-storage-account']).toMatchObject({ status: 'fail', state: 'error', detail: expect.stringMatching(/^reading storage account 'devstoreaccount1' failed: Invalid value for AZURE_TOKEN_CREDENTIALS = bogus/) });
      expect(c['azure-container-group']).toMatchObject({ status: 'fail', state: 'error', detail: expect.stringMatching(/^reading container group 'nf-dashboard' failed: Invalid value for AZURE_TOKEN_CREDENTIALS/) });
      expect(c['azure-container-group'].detail).not.toMatch(/\n|\s{2,}at /);
    });

    it('explains that a signed-in identity needs an https blob endpoint', async () => {
      noCredentials();
      const result = await verifyAzure(options({ env: {} }), deps({ blobEndpoint: azurite.blobEndpoint }));
      expect(byId(result)['azure-storage-account']).toMatchObject({
        status: 'fail',
        detail: 'a signed-in identity needs an https blob endpoint: use https, or AZURE_STORAGE_CONNECTION_STRING for an emulator',
      });
    });
  });
});

describe('verifyAzure: container group', () => {
  it('fails a missing container group, naming it and its resource group', async () => {
    const result = await verifyAzure(options({ service: 'nope' }), deps());
    const c = byId(result);
    expect(c['azure-container-group']).toMatchObject({ status: 'fail', state: 'not found', resource: `${RG}/nope` });
    expect(c['azure-container-group'].detail).toMatch(/^container group 'nope' not found in resource group 'rg-flows' \(ResourceNotFound\)/);
    expect(c['azure-container-registry']).toMatchObject({
      status: 'skip',
      detail: 'the container group could not be read, so its image (and registry) is unknown: give --registry to check one',
    });
    expect(c['service-health']).toMatchObject({ status: 'skip', detail: 'no service URL: the container group check failed' });
  });

  it('fails a missing resource group, and a missing subscription', async () => {
    const rg = byId(await verifyAzure(options({ resourceGroup: 'rg-gone' }), deps()))['azure-container-group'];
    expect(rg.detail).toMatch(/^resource group 'rg-gone' not found in subscription '00000000-0000-0000-0000-000000000001'/);
    const sub = byId(await verifyAzure(options({ subscription: 'ffffffff-0000-0000-0000-000000000000' }), deps()))['azure-container-group'];
    expect(sub).toMatchObject({ status: 'fail', detail: "subscription 'ffffffff-0000-0000-0000-000000000000' not found: check --subscription or AZURE_SUBSCRIPTION_ID" });
  });

  it('fails a stopped group with its containers\' state and newest event', async () => {
    arm.put(
      'Microsoft.ContainerInstance/containerGroups',
      RG,
      'stopped',
      group({
        name: 'stopped',
        state: 'Stopped',
        ip: undefined,
        containers: [
          { name: 'sidecar', image: IMAGE },
          {
            name: 'dashboard',
            image: IMAGE,
            state: 'Terminated',
            exitCode: 1,
            detailStatus: 'Error',
            restartCount: 3,
            events: [
              ['Pulling', 'pulling image "nfreg.azurecr.io/networkflow:1.4.0"'],
              ['Started', 'Started container'],
              ['Killing', 'Container dashboard terminated with ExitCode 1.'],
            ],
          },
        ],
      }),
    );
    const result = await verifyAzure(options({ service: 'stopped' }), deps());
    const c = byId(result);
    expect(c['azure-container-group']).toMatchObject({ status: 'fail', state: 'Succeeded / Stopped (restarts 3)' });
    expect(c['azure-container-group'].detail).toBe(
      "container group 'stopped' is Succeeded / Stopped; container 'dashboard' is Terminated (exit code 1, Error, 3 restarts): " +
        "Container dashboard terminated with ExitCode 1.: see 'az container logs -g rg-flows -n stopped'",
    );
    // The image is still known, so the registry is checked; without an IP there is nothing to probe.
    expect(c['azure-container-registry'].status).toBe('pass');
    expect(c['service-health']).toMatchObject({ status: 'skip', detail: "container group 'stopped' has no IP address, so there is no URL to probe" });
  });

  it('fails a group that failed to provision, with its own newest event', async () => {
    arm.put(
      'Microsoft.ContainerInstance/containerGroups',
      RG,
      'failed',
      group({ name: 'failed', provisioningState: 'Failed', state: 'Failed', events: [['Failed', 'Failed to pull image "nfreg.azurecr.io/networkflow:9"']] }),
    );
    const c = byId(await verifyAzure(options({ service: 'failed', probe: false }), deps()))['azure-container-group'];
    expect(c).toMatchObject({ status: 'fail', state: 'Failed / Failed (restarts 0)' });
    expect(c.detail).toContain('is Failed / Failed; Failed to pull image "nfreg.azurecr.io/networkflow:9"');
  });

  it('fails a container that has not started, without events', async () => {
    arm.put('Microsoft.ContainerInstance/containerGroups', RG, 'pending', group({ name: 'pending', state: 'Pending', containers: [{ name: 'dashboard', image: IMAGE, state: 'Waiting' }] }));
    const c = byId(await verifyAzure(options({ service: 'pending', probe: false }), deps()))['azure-container-group'];
    expect(c.detail).toBe("container group 'pending' is Succeeded / Pending; container 'dashboard' is Waiting: see 'az container logs -g rg-flows -n pending'");
  });

  it('fails 403 naming the Reader role, and still checks a given registry', async () => {
    const server = await startArmServer({ subscriptionId: arm.subscriptionId });
    try {
      server.deny('Microsoft.ContainerInstance/containerGroups');
      server.put('Microsoft.ContainerRegistry/registries', RG, REGISTRY, acrRegistry({ subscriptionId: arm.subscriptionId, resourceGroup: RG, name: REGISTRY }));
      const result = await verifyAzure(options({ registry: REGISTRY }), deps({ armEndpoint: server.endpoint, armAgent: server.agent }));
      const c = byId(result);
      expect(c['azure-container-group']).toMatchObject({
        status: 'fail',
        state: 'denied (HTTP 403)',
        detail: "the signed-in identity may not read container group 'nf-dashboard' (AuthorizationFailed): assign it the Reader role on resource group 'rg-flows'",
      });
      expect(c['azure-container-registry']).toMatchObject({ status: 'pass', state: 'Succeeded, nfreg.azurecr.io' });
    } finally {
      await server.close();
    }
  });

  it('fails a credential that cannot get a token, and skips the later ARM checks without calling ARM', async () => {
    const before = arm.requests.length;
    const credential: TokenCredential = {
      getToken: async () => {
        throw new CredentialUnavailableError('EnvironmentCredential is unavailable. No underlying credential could be used.');
      },
    };
    const result = await verifyAzure(options(), deps({ credential }));
    const c = byId(result);
    expect(statuses(result)).toEqual(['pass', 'pass', 'fail', 'skip', 'skip']);
    expect(c['azure-container-group']).toMatchObject({ state: 'no credentials' });
    expect(c['azure-container-group'].detail).toMatch(/^no usable Azure credential \(CredentialUnavailableError\): sign in with 'az login'/);
    expect(c['azure-container-registry'].detail).toBe('no Azure credential for Resource Manager (see the container group check)');
    expect(arm.requests.length).toBe(before);
  });

  it('fails a refused sign-in and an expired token', async () => {
    const refused: TokenCredential = {
      getToken: async () => {
        throw new AuthenticationError(401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });
      },
    };
    const r1 = byId(await verifyAzure(options(), deps({ credential: refused })));
    expect(r1['azure-container-group']).toMatchObject({ status: 'fail', state: 'sign-in failed', detail: expect.stringContaining('AADSTS7000215') });
    const r2 = byId(await verifyAzure(options(), deps({ credential: token('expired-token') })));
    expect(r2['azure-container-group']).toMatchObject({ status: 'fail', state: 'denied (HTTP 401)', detail: expect.stringMatching(/^Resource Manager rejected the credential \(ExpiredAuthenticationToken\)/) });
    expect(r2['azure-container-registry']).toMatchObject({ status: 'skip' });
  });

  it('fails an unreachable Resource Manager quickly', async () => {
    const started = Date.now();
    const result = await verifyAzure(options(), deps({ armEndpoint: `https://127.0.0.1:${closedPort}/`, armMaxRetries: 1 }));
    const c = byId(result);
    expect(c['azure-container-group']).toMatchObject({ status: 'fail', state: 'unreachable', detail: `cannot reach Resource Manager at https://127.0.0.1:${closedPort} (ECONNREFUSED)` });
    expect(c['azure-container-registry'].status).toBe('skip');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('fails a server error with its code', async () => {
    arm.putError('Microsoft.ContainerInstance/containerGroups', RG, 'broken', 500, 'InternalServerError', 'Encountered internal server error.');
    const c = byId(await verifyAzure(options({ service: 'broken' }), deps()))['azure-container-group'];
    expect(c).toMatchObject({
      status: 'fail',
      state: 'HTTP 500',
      detail: "Resource Manager answered 500 (InternalServerError) for container group 'broken': Encountered internal server error.",
    });
  });
});

describe('verifyAzure: container registry', () => {
  it('fails a registry that is not in the resource group', async () => {
    arm.put('Microsoft.ContainerInstance/containerGroups', RG, 'elsewhere', group({ name: 'elsewhere', containers: [{ name: 'dashboard', image: 'otherreg.azurecr.io/networkflow:1' }] }));
    const c = byId(await verifyAzure(options({ service: 'elsewhere' }), deps()))['azure-container-registry'];
    expect(c).toMatchObject({ status: 'fail', state: 'not found', resource: `${RG}/otherreg` });
    expect(c.detail).toMatch(/^container registry 'otherreg' not found in resource group 'rg-flows' \(ResourceNotFound\)/);
  });

  it('fails a registry that is not provisioned', async () => {
    arm.put('Microsoft.ContainerRegistry/registries', RG, 'newreg', acrRegistry({ subscriptionId: arm.subscriptionId, resourceGroup: RG, name: 'newreg', provisioningState: 'Creating' }));
    const c = byId(await verifyAzure(options({ registry: 'newreg' }), deps()))['azure-container-registry'];
    expect(c).toMatchObject({ status: 'fail', state: 'Creating, newreg.azurecr.io', detail: "container registry 'newreg' is Creating, not Succeeded" });
  });

  it('skips an image that is not in an Azure Container Registry', async () => {
    arm.put('Microsoft.ContainerInstance/containerGroups', RG, 'ghcr', group({ name: 'ghcr', containers: [{ name: 'dashboard', image: 'ghcr.io/acme/networkflow:1.4.0' }] }));
    const result = await verifyAzure(options({ service: 'ghcr' }), deps());
    expect(byId(result)['azure-container-registry']).toMatchObject({
      status: 'skip',
      resource: 'ghcr.io/acme/networkflow:1.4.0',
      detail: "image 'ghcr.io/acme/networkflow:1.4.0' is not in an Azure Container Registry (*.azurecr.io): give --registry to check one",
    });
    expect(statuses(result)).toEqual(['pass', 'pass', 'pass', 'skip', 'pass']);
  });

  it('names the registry of an image', () => {
    expect(registryOfImage('nfreg.azurecr.io/networkflow:1')).toBe('nfreg');
    expect(registryOfImage('NFReg.AzureCR.io/networkflow@sha256:00')).toBe('nfreg');
    expect(registryOfImage('nfreg-a1b2c3d4.azurecr.io/networkflow:1')).toBe('nfreg');
    expect(registryOfImage('govreg.azurecr.us/app')).toBe('govreg');
    expect(registryOfImage('nginx:1.27')).toBeUndefined();
    expect(registryOfImage('mcr.microsoft.com/azurelinux/base:3')).toBeUndefined();
    expect(registryOfImage('evil.azurecr.io.example.com/app')).toBeUndefined();
    expect(registryOfImage(undefined)).toBeUndefined();
  });
});

describe('verifyAzure: service health and options', () => {
  it('fails when /healthz does not answer 200', async () => {
    healthStatus.code = 503;
    const result = await verifyAzure(options(), deps());
    expect(byId(result)['service-health']).toMatchObject({ status: 'fail', state: 'HTTP 503' });
    expect(statuses(result)).toEqual(['pass', 'pass', 'pass', 'pass', 'fail']);
  });

  it('throws a usage error without a resource group or subscription, before any request', async () => {
    const before = arm.requests.length;
    await expect(verifyAzure(options({ resourceGroup: undefined }), deps())).rejects.toThrow(VerifyUsageError);
    await expect(verifyAzure(options({ resourceGroup: ' ' }), deps())).rejects.toThrow(/--resource-group is required for Azure/);
    const noSub = verifyAzure(options({ subscription: undefined, env: { AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString } }), deps());
    await expect(noSub).rejects.toThrow(VerifyUsageError);
    await expect(verifyAzure(options({ subscription: undefined, env: {} }), deps())).rejects.toThrow(
      'no Azure subscription: give --subscription <id>, or set AZURE_SUBSCRIPTION_ID (or ARM_SUBSCRIPTION_ID)',
    );
    expect(arm.requests.length).toBe(before);
  });
});
