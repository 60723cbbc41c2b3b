/**
 * A small Cloud Run Admin API v2 server for tests, enough for @google-cloud/run's ServicesClient in REST
 * (fallback) mode pointed at it (`apiEndpoint: '127.0.0.1', port, protocol: 'http'`):
 *
 * - GET /v2/projects/{project}/locations/{region}/services/{service}   the `Service` resource
 *
 * Enums are written as numbers when the client asks for `$alt=json;enum-encoding=int` (as the client
 * library does, and as the real API then answers), else by name. Errors use Google's JSON shape
 * `{error: {code, message, status}}`: 401 UNAUTHENTICATED without a bearer token, 403 PERMISSION_DENIED for
 * `forbiddenProjects`, 404 NOT_FOUND for unknown services, 503 UNAVAILABLE for the first `unavailable`
 * requests (to see retries bounded). Binds 127.0.0.1 on a free port.
 */
import http from 'node:http';
import { listenOnLoopback } from './loopback.js';

export interface CloudRunCondition {
  type: string;
  state: 'CONDITION_PENDING' | 'CONDITION_RECONCILING' | 'CONDITION_FAILED' | 'CONDITION_SUCCEEDED';
  message?: string;
  reason?: keyof typeof COMMON_REASON;
  revisionReason?: keyof typeof REVISION_REASON;
  lastTransitionTime?: string;
}

export interface CloudRunTrafficStatus {
  type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST' | 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION';
  revision?: string;
  percent: number;
}

/** The fields of a v2 `Service` this server fills in (the API's JSON names). */
export interface CloudRunService {
  name: string;
  uid: string;
  generation: string;
  observedGeneration: string;
  uri: string;
  urls: string[];
  reconciling: boolean;
  terminalCondition: CloudRunCondition;
  conditions: CloudRunCondition[];
  latestReadyRevision: string;
  latestCreatedRevision: string;
  trafficStatuses: CloudRunTrafficStatus[];
  template: { containers: { image: string; ports?: { containerPort: number }[] }[]; serviceAccount?: string };
  ingress: string;
  launchStage: string;
  etag: string;
}

export interface CloudRunServerOptions {
  /** Projects whose services answer 403, as when the caller lacks run.services.get. */
  forbiddenProjects?: string[];
  /** Answer this many requests with 503 UNAVAILABLE before serving. */
  unavailable?: number;
}

export interface CloudRunTestServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Requests received: method, path with query, and the Authorization header. */
  readonly requests: { method: string; path: string; authorization?: string }[];
  /**
   * Adds or replaces a service: a healthy one (Ready, one revision serving 100%) with `overrides` on top.
   * Returns the stored resource.
   */
  setService(project: string, region: string, service: string, overrides?: Partial<CloudRunService>): CloudRunService;
  close(): Promise<void>;
}

const CONDITION_STATE = { STATE_UNSPECIFIED: 0, CONDITION_PENDING: 1, CONDITION_RECONCILING: 2, CONDITION_FAILED: 3, CONDITION_SUCCEEDED: 4 };
const COMMON_REASON = { UNKNOWN: 1, REVISION_FAILED: 3, PROGRESS_DEADLINE_EXCEEDED: 4, CONTAINER_MISSING: 6, CONTAINER_PERMISSION_DENIED: 7, CONTAINER_IMAGE_UNAUTHORIZED: 8 };
const REVISION_REASON = { PENDING: 1, RESERVE: 2, RETIRED: 3, HEALTH_CHECK_CONTAINER_ERROR: 6, MIN_INSTANCES_NOT_PROVISIONED: 8 };
const TRAFFIC_TYPE = { TRAFFIC_TARGET_ALLOCATION_TYPE_UNSPECIFIED: 0, TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST: 1, TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION: 2 };
const INGRESS = { INGRESS_TRAFFIC_UNSPECIFIED: 0, INGRESS_TRAFFIC_ALL: 1, INGRESS_TRAFFIC_INTERNAL_ONLY: 2, INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER: 3 };
const LAUNCH_STAGE = { LAUNCH_STAGE_UNSPECIFIED: 0, GA: 4 };

const STATUS_NAME: Record<number, string> = { 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 405: 'METHOD_NOT_ALLOWED', 503: 'UNAVAILABLE' };

function sendJson(res: http.ServerResponse, status: number, value: unknown) {
  const bytes = Buffer.from(JSON.stringify(value));
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': bytes.length });
  res.end(bytes);
}

function sendError(res: http.ServerResponse, code: number, message: string) {
  sendJson(res, code, { error: { code, message, status: STATUS_NAME[code] ?? 'UNKNOWN' } });
}

function enumValue(map: Record<string, number>, name: string | undefined, ints: boolean): string | number | undefined {
  if (name === undefined) return undefined;
  return ints ? (map[name] ?? 0) : name;
}

function encodeCondition(c: CloudRunCondition, ints: boolean) {
  return {
    ...c,
    state: enumValue(CONDITION_STATE, c.state, ints),
    reason: enumValue(COMMON_REASON, c.reason, ints),
    revisionReason: enumValue(REVISION_REASON, c.revisionReason, ints),
  };
}

/** The resource as the API writes it: enums by number when asked. */
function encodeService(s: CloudRunService, ints: boolean) {
  return {
    ...s,
    ingress: enumValue(INGRESS, s.ingress, ints),
    launchStage: enumValue(LAUNCH_STAGE, s.launchStage, ints),
    terminalCondition: encodeCondition(s.terminalCondition, ints),
    conditions: s.conditions.map((c) => encodeCondition(c, ints)),
    trafficStatuses: s.trafficStatuses.map((t) => ({ ...t, type: enumValue(TRAFFIC_TYPE, t.type, ints) })),
  };
}

export async function startCloudRunTestServer(options: CloudRunServerOptions = {}): Promise<CloudRunTestServer> {
  const services = new Map<string, CloudRunService>();
  const forbidden = new Set(options.forbiddenProjects ?? []);
  let unavailable = options.unavailable ?? 0;
  const requests: CloudRunTestServer['requests'] = [];

  const setService = (project: string, region: string, service: string, overrides: Partial<CloudRunService> = {}) => {
    const name = `projects/${project}/locations/${region}/services/${service}`;
    const revision = `${name}/revisions/${service}-00003-kex`;
    const now = new Date().toISOString();
    const s: CloudRunService = {
      name,
      uid: '5b1bd2c4-6c0a-4c1e-9f5e-2f0d2b0c7a11',
      generation: '3',
      observedGeneration: '3',
      uri: `https://${service}-abc123xyz-uc.a.run.app`,
      urls: [`https://${service}-123456789.${region}.run.app`],
      reconciling: false,
      terminalCondition: { type: 'Ready', state: 'CONDITION_SUCCEEDED', lastTransitionTime: now },
      conditions: [
        { type: 'ConfigurationsReady', state: 'CONDITION_SUCCEEDED', lastTransitionTime: now },
        { type: 'RoutesReady', state: 'CONDITION_SUCCEEDED', lastTransitionTime: now },
      ],
      latestReadyRevision: revision,
      latestCreatedRevision: revision,
      trafficStatuses: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 }],
      template: { containers: [{ image: `${region}-docker.pkg.dev/${project}/networkflow/networkflow:latest`, ports: [{ containerPort: 8050 }] }] },
      ingress: 'INGRESS_TRAFFIC_ALL',
      launchStage: 'GA',
      etag: '"CKXq3qoGEJDk0Ag/cHJvamVjdHM"',
      ...overrides,
    };
    services.set(name, s);
    return s;
  };

  const server = http.createServer((req, res) => {
    req.resume();
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push({ method, path: `${url.pathname}${url.search}`, authorization: req.headers.authorization });
    if (!/^Bearer \S+/.test(req.headers.authorization ?? '')) {
      return sendError(res, 401, 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.');
    }
    if (unavailable > 0) {
      unavailable--;
      return sendError(res, 503, 'The service is currently unavailable.');
    }
    const m = /^\/v2\/(projects\/([^/]+)\/locations\/([^/]+)\/services\/([^/]+))$/.exec(url.pathname);
    if (!m) return sendError(res, 404, `Not found: ${url.pathname}`);
    if (method !== 'GET') return sendError(res, 405, `${method} is not implemented by the test server`);
    const [, name, project, region, service] = m;
    if (forbidden.has(project)) {
      return sendError(res, 403, `Permission 'run.services.get' denied on resource '${name}' (or resource may not exist).`);
    }
    const found = services.get(name);
    if (!found) return sendError(res, 404, `Resource '${service}' of kind 'SERVICE' in region '${region}' in project '${project}' does not exist.`);
    const ints = (url.searchParams.get('$alt') ?? '').includes('enum-encoding=int');
    return sendJson(res, 200, encodeService(found, ints));
  });
  const { port, close } = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    setService,
    close,
  };
}
