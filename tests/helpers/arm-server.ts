/**
 * A local Azure Resource Manager for tests: HTTPS on 127.0.0.1 (the SDKs' bearer-token policy refuses plain
 * http), answering the ARM REST shapes the verify checks read:
 *   GET /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ContainerInstance/containerGroups/{name}
 *   GET /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ContainerRegistry/registries/{name}
 * with ARM's error bodies ({ error: { code, message } }): 401 without a bearer token (or with one starting
 * 'expired'), 404 SubscriptionNotFound /
 * ResourceGroupNotFound / ResourceNotFound, 403 AuthorizationFailed for denied resource types, 400 without
 * api-version.
 *
 * The certificate is self-signed, made at start with the `openssl` CLI (self-signed-tls.ts); `agent` trusts it
 * (and nothing else), so no process-wide TLS setting is touched.
 */
import { randomUUID } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { selfSignedCert, trustingAgent } from './self-signed-tls.js';

export interface ArmRequest {
  method: string;
  path: string;
  apiVersion: string | null;
  authorization: string | undefined;
}

export type ArmProvider = 'Microsoft.ContainerInstance/containerGroups' | 'Microsoft.ContainerRegistry/registries';

export interface ArmServer {
  /** `https://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly subscriptionId: string;
  /** PEM of the self-signed certificate. */
  readonly ca: string;
  /** An https.Agent that trusts the certificate. */
  readonly agent: https.Agent;
  readonly requests: ArmRequest[];
  addResourceGroup(name: string): void;
  /** Stores a resource body (as ARM returns it) under its resource group, which is created if needed. */
  put(provider: ArmProvider, resourceGroup: string, name: string, body: object): void;
  /** Answers 403 AuthorizationFailed for every resource of this type. */
  deny(provider: ArmProvider): void;
  /** Answers this error for one resource (a 500 InternalServerError, say). */
  putError(provider: ArmProvider, resourceGroup: string, name: string, status: number, code: string, message: string): void;
  close(): Promise<void>;
}

const ROUTE = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/([^/]+\/[^/]+)\/([^/]+)$/i;

export async function startArmServer(options: { subscriptionId?: string } = {}): Promise<ArmServer> {
  const subscriptionId = options.subscriptionId ?? '00000000-0000-0000-0000-000000000001';
  const { key, cert } = await selfSignedCert();
  const groups = new Set<string>();
  const resources = new Map<string, { status: number; body: object }>();
  const denied = new Set<string>();
  const requests: ArmRequest[] = [];
  const id = (provider: string, rg: string, name: string) => `${provider}|${rg}|${name}`.toLowerCase();

  const server = https.createServer({ key, cert }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    requests.push({ method: req.method ?? 'GET', path: url.pathname, apiVersion: url.searchParams.get('api-version'), authorization: req.headers.authorization });
    const send = (status: number, body: object) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-ms-request-id': randomUUID() });
      res.end(JSON.stringify(body));
    };
    const error = (status: number, code: string, message: string) => send(status, { error: { code, message } });

    if (!/^Bearer \S+/.test(req.headers.authorization ?? '')) {
      return error(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.");
    }
    if (/^Bearer expired/.test(req.headers.authorization ?? '')) {
      return error(401, 'ExpiredAuthenticationToken', 'The access token expiry UTC time is earlier than current UTC time.');
    }
    const m = ROUTE.exec(url.pathname);
    if (!m || req.method !== 'GET') return error(400, 'InvalidRequest', `unsupported in this test server: ${req.method} ${url.pathname}`);
    if (!url.searchParams.get('api-version')) {
      return error(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.");
    }
    const [, sub, rg, provider, name] = m.map(decodeURIComponent);
    if (sub !== subscriptionId) return error(404, 'SubscriptionNotFound', `The subscription '${sub}' could not be found.`);
    if (denied.has(provider.toLowerCase())) {
      return error(
        403,
        'AuthorizationFailed',
        `The client 'tester@example.com' with object id '11111111-2222-3333-4444-555555555555' does not have authorization to perform action '${provider}/read' over scope '${url.pathname}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
      );
    }
    if (!groups.has(rg.toLowerCase())) return error(404, 'ResourceGroupNotFound', `Resource group '${rg}' could not be found.`);
    const stored = resources.get(id(provider, rg, name));
    if (!stored) {
      return error(
        404,
        'ResourceNotFound',
        `The Resource '${provider}/${name}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
      );
    }
    send(stored.status, stored.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const agent = trustingAgent(cert);
  return {
    endpoint: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    subscriptionId,
    ca: cert,
    agent,
    requests,
    addResourceGroup: (rg) => void groups.add(rg.toLowerCase()),
    put(provider, rg, name, body) {
      groups.add(rg.toLowerCase());
      resources.set(id(provider, rg, name), { status: 200, body });
    },
    putError(provider, rg, name, status, code, message) {
      groups.add(rg.toLowerCase());
      resources.set(id(provider, rg, name), { status, body: { error: { code, message } } });
    },
    deny: (provider) => void denied.add(provider.toLowerCase()),
    async close() {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ------------------------------------------------------------------------------- resource bodies

export interface AciContainerSpec {
  name: string;
  image: string;
  /** instanceView.currentState.state: 'Running', 'Waiting', 'Terminated'. */
  state?: string;
  detailStatus?: string;
  exitCode?: number;
  restartCount?: number;
  /** Container events, oldest first: [name, message]. */
  events?: Array<[string, string]>;
}

export interface AciGroupSpec {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  containers: AciContainerSpec[];
  provisioningState?: string;
  /** instanceView.state: 'Running', 'Stopped', 'Pending', 'Failed'. */
  state?: string;
  ip?: string;
  fqdn?: string;
  ports?: number[];
  /** Group events (instanceView.events), oldest first: [name, message]. */
  events?: Array<[string, string]>;
}

const T0 = Date.parse('2026-11-25T10:00:00Z');
const at = (i: number) => new Date(T0 + i * 60_000).toISOString();

function armEvents(events: Array<[string, string]> = []): object[] {
  return events.map(([name, message], i) => ({
    count: 1,
    firstTimestamp: at(i),
    lastTimestamp: at(i),
    name,
    message,
    type: name === 'Failed' || name === 'BackOff' ? 'Warning' : 'Normal',
  }));
}

/** A container group body as ARM returns it (api-version 2023-05-01). */
export function aciContainerGroup(spec: AciGroupSpec): object {
  const ports = spec.ports ?? [8050];
  return {
    id: `/subscriptions/${spec.subscriptionId}/resourceGroups/${spec.resourceGroup}/providers/Microsoft.ContainerInstance/containerGroups/${spec.name}`,
    name: spec.name,
    type: 'Microsoft.ContainerInstance/containerGroups',
    location: 'westeurope',
    properties: {
      sku: 'Standard',
      provisioningState: spec.provisioningState ?? 'Succeeded',
      osType: 'Linux',
      restartPolicy: 'Always',
      containers: spec.containers.map((c) => ({
        name: c.name,
        properties: {
          image: c.image,
          ports: ports.map((port) => ({ port, protocol: 'TCP' })),
          environmentVariables: [],
          resources: { requests: { cpu: 1, memoryInGB: 1.5 } },
          instanceView: {
            restartCount: c.restartCount ?? 0,
            currentState: {
              state: c.state ?? 'Running',
              startTime: at(0),
              ...(c.exitCode !== undefined ? { exitCode: c.exitCode, finishTime: at(5) } : {}),
              detailStatus: c.detailStatus ?? '',
            },
            events: armEvents(c.events),
          },
        },
      })),
      ...(spec.ip || spec.fqdn
        ? {
            ipAddress: {
              type: 'Public',
              ports: ports.map((port) => ({ port, protocol: 'TCP' })),
              ...(spec.ip ? { ip: spec.ip } : {}),
              ...(spec.fqdn ? { fqdn: spec.fqdn, dnsNameLabel: spec.fqdn.split('.')[0] } : {}),
            },
          }
        : {}),
      instanceView: { events: armEvents(spec.events), state: spec.state ?? 'Running' },
    },
  };
}

/** A container registry body as ARM returns it (api-version 2025-11-01). */
export function acrRegistry(spec: { subscriptionId: string; resourceGroup: string; name: string; provisioningState?: string }): object {
  return {
    id: `/subscriptions/${spec.subscriptionId}/resourceGroups/${spec.resourceGroup}/providers/Microsoft.ContainerRegistry/registries/${spec.name}`,
    name: spec.name,
    type: 'Microsoft.ContainerRegistry/registries',
    location: 'westeurope',
    sku: { name: 'Basic', tier: 'Basic' },
    properties: {
      loginServer: `${spec.name}.azurecr.io`,
      creationDate: '2026-11-01T09:00:00Z',
      provisioningState: spec.provisioningState ?? 'Succeeded',
      adminUserEnabled: false,
      publicNetworkAccess: 'Enabled',
      zoneRedundancy: 'Disabled',
    },
  };
}
