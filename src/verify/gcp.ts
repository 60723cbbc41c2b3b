/**
 * verify-resources for GCP, in order:
 *   1. gcp-gcs-bucket         the GCS bucket exists (@google-cloud/storage, built as src/sources/gcs.ts builds it)
 *   2. gcp-gcs-prefix         the log prefix is listable and holds objects (empty: warn)
 *   3. gcp-cloud-run-service  the Cloud Run service (@google-cloud/run v2, over REST) is ready on its newest revision
 *   4. service-health         GET <service uri>/healthz
 *
 * Missing credentials fail the first check and skip the rest. Every call is bounded by the per-request
 * timeout, with at most one retry for storage and none over REST for Cloud Run.
 *
 * Both libraries find application default credentials themselves (GOOGLE_APPLICATION_CREDENTIALS, gcloud's
 * ADC file, workload identity, the metadata server); they read them from process.env, while the project
 * defaults come from `options.env`.
 */
import { ServicesClient, type protos } from '@google-cloud/run';
import { Storage, type File } from '@google-cloud/storage';
import { gcsError } from '../sources/gcs.js';
import { probeHealth } from './probe.js';
import { DEFAULT_TIMEOUT_MS, VerifyUsageError, type Check, type CloudResult, type VerifyOptions } from './types.js';

type RunClientOptions = NonNullable<ConstructorParameters<typeof ServicesClient>[0]>;
type Service = protos.google.cloud.run.v2.IService;

/** Test seam (the CLI passes none): endpoints and credentials instead of Google's and ADC. */
export interface GcpDeps {
  /** GCS JSON API endpoint; a plain http:// one (an emulator) is called without credentials, as in src/sources/gcs.ts. */
  storageEndpoint?: string;
  /** Send application default credentials to `storageEndpoint` even when it is plain http://. */
  storageCredentials?: boolean;
  /** Cloud Run Admin API endpoint, e.g. `http://127.0.0.1:8080` (REST), instead of https://run.googleapis.com. */
  runEndpoint?: string;
  /** A service-account key for Cloud Run instead of application default credentials (as a key file holds it). */
  runCredentials?: RunClientOptions['credentials'];
}

const CREDENTIALS_HELP =
  "no usable Google credentials: run 'gcloud auth application-default login', or set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file; in GitHub Actions use google-github-actions/auth with workload identity federation";

/** Objects per listing page: enough to say "there are logs" without walking the bucket. */
const LIST_PAGE = 1000;

export async function verifyGcp(options: VerifyOptions, deps: GcpDeps = {}): Promise<CloudResult> {
  if (!options.storage) throw new VerifyUsageError('--storage (the GCS bucket) is required for GCP');
  if (!options.service) throw new VerifyUsageError('--service (the Cloud Run service name) is required for GCP');
  if (!options.region) {
    throw new VerifyUsageError('GCP needs the Cloud Run service\'s region: pass --region (e.g. --region europe-west1)');
  }
  const region = options.region;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const env = options.env ?? process.env;
  const checks: Check[] = [];
  const bucketUri = `gs://${options.storage}`;
  const prefix = folderPrefix(options.container);
  const prefixUri = `${bucketUri}/${prefix}`;
  const storage = new Storage({
    ...(deps.storageEndpoint
      ? { apiEndpoint: deps.storageEndpoint, useAuthWithCustomEndpoint: deps.storageCredentials ?? !/^http:\/\//i.test(deps.storageEndpoint) }
      : {}),
    timeout: timeoutMs,
    // one retry of a transient error, soon: a verify run must end in well under a minute
    retryOptions: { autoRetry: true, maxRetries: 1, maxRetryDelay: 2, totalTimeout: Math.ceil((2 * timeoutMs) / 1000) },
  });
  const bucket = storage.bucket(options.storage);
  const storageHost = deps.storageEndpoint ?? 'https://storage.googleapis.com';

  // 1. the bucket exists. Without credentials the library still asks (a public bucket answers) and turns
  // the 401 into google-auth-library's "Could not load the default credentials". An identity with only
  // roles/storage.objectViewer may not read the bucket's metadata: a 403 there is settled by a listing.
  const bucketBase = { id: 'gcp-gcs-bucket', title: 'GCS bucket', resource: bucketUri };
  let bucketOk = false;
  let noCredentials = false;
  try {
    const [meta] = await bucket.getMetadata();
    const where = [meta.location, meta.storageClass].filter(Boolean).join(' ');
    checks.push({ ...bucketBase, state: where ? `exists, ${where}` : 'exists', status: 'pass' });
    bucketOk = true;
  } catch (err) {
    let problem = storageProblem(err, bucketUri, bucketUri, storageHost, 'bucket');
    if (problem.state === 'denied') {
      try {
        await bucket.getFiles({ maxResults: 1, autoPaginate: false });
        checks.push({ ...bucketBase, state: 'exists (objects readable)', status: 'pass' });
        bucketOk = true;
      } catch (listErr) {
        problem = storageProblem(listErr, bucketUri, bucketUri, storageHost, 'bucket');
      }
    }
    if (!bucketOk) {
      checks.push({ ...bucketBase, ...problem, status: 'fail' });
      noCredentials = problem.state === 'no credentials';
    }
  }

  // 2. the log prefix is readable and holds objects
  const prefixBase = { id: 'gcp-gcs-prefix', title: 'Log prefix', resource: prefixUri };
  if (!bucketOk) {
    checks.push({ ...prefixBase, state: 'not checked', status: 'skip', detail: 'skipped: the bucket check failed' });
  } else {
    try {
      const [files, next] = (await bucket.getFiles({ prefix, maxResults: LIST_PAGE, autoPaginate: false })) as [File[], { pageToken?: string } | null, unknown];
      const count = next?.pageToken ? `${LIST_PAGE}+ objects` : `${files.length} object${files.length === 1 ? '' : 's'}`;
      if (files.length === 0) {
        checks.push({
          ...prefixBase,
          state: 'readable, empty',
          status: 'warn',
          detail: `no objects under ${prefixUri} yet: flow logs arrive some minutes after the log sink starts; check the sink's destination and the prefix`,
        });
      } else {
        checks.push({ ...prefixBase, state: `readable, ${count}`, status: 'pass' });
      }
    } catch (err) {
      checks.push({ ...prefixBase, ...storageProblem(err, prefixUri, bucketUri, storageHost, 'prefix'), status: 'fail' });
    }
  }

  // 3. the Cloud Run service exists and its latest revision is ready
  const serviceTitle = { id: 'gcp-cloud-run-service', title: 'Cloud Run service' };
  const projectFromOptions = options.project || env.GOOGLE_CLOUD_PROJECT || env.GCLOUD_PROJECT || env.CLOUDSDK_CORE_PROJECT || undefined;
  let serviceUrl: string | undefined;
  if (noCredentials) {
    const resource = `projects/${projectFromOptions ?? '?'}/locations/${region}/services/${options.service}`;
    checks.push({ ...serviceTitle, resource, state: 'not checked', status: 'skip', detail: 'skipped: no Google credentials (see the bucket check)' });
  } else {
    const client = new ServicesClient({
      fallback: true,
      ...runEndpoint(deps.runEndpoint),
      ...(deps.runCredentials ? { credentials: deps.runCredentials } : {}),
      // REST calls ignore the call timeout below (it becomes a gRPC deadline): the HTTP client's bounds them
      clientOptions: { transporterOptions: { timeout: timeoutMs } },
    });
    try {
      const project = projectFromOptions ? { ok: projectFromOptions } : await credentialsProject(client);
      const name = `projects/${project.ok ?? '?'}/locations/${region}/services/${options.service}`;
      if (project.ok === undefined) {
        checks.push({ ...serviceTitle, resource: name, ...project.problem, status: 'fail' });
      } else {
        const where = { project: project.ok, region, service: options.service, host: deps.runEndpoint ?? 'https://run.googleapis.com' };
        try {
          // credentials are looked up here: a failure inside getService would go unhandled in the library
          await client.initialize();
          const service = await getService(client, name, timeoutMs);
          serviceUrl = service.uri || undefined;
          checks.push({ ...serviceTitle, resource: name, ...serviceState(service) });
        } catch (err) {
          checks.push({ ...serviceTitle, resource: name, ...runProblem(err, where), status: 'fail' });
        }
      }
    } finally {
      // (close rethrows a failed initialization, already reported)
      await client.close().catch(() => undefined);
    }
  }

  // 4. what a browser would see
  if (serviceUrl && options.probe !== false) {
    checks.push(privateServiceAware(await probeHealth(serviceUrl, timeoutMs)));
  } else {
    const why = serviceUrl ? 'skipped: --no-probe' : 'skipped: no service URL (the Cloud Run check did not find one)';
    checks.push({ id: 'service-health', title: 'Service /healthz', resource: serviceUrl ?? options.service, state: 'not checked', status: 'skip', detail: why });
  }
  return { checks, ...(serviceUrl ? { serviceUrl } : {}) };
}

/**
 * A private Cloud Run service (allow_public_access = false, the Terraform default) answers an
 * unauthenticated request 401/403 before it reaches the container: that is the service working as set up,
 * not a failure. The service check above already proved its revision ready (Cloud Run's own startup probe).
 */
function privateServiceAware(check: Check): Check {
  if (!/^HTTP 40[13]$/.test(check.state)) return check;
  return {
    ...check,
    status: 'warn',
    detail: `Cloud Run refused the unauthenticated request (${check.state}): the service is private, so /healthz cannot be probed from here; its readiness is the Cloud Run check above (allow_public_access = true, or run.invoker for a caller, opens it)`,
  };
}

/** A prefix names a folder, as src/sources/gcs.ts reads it: `logs` and `logs/` both mean `logs/`. */
function folderPrefix(prefix: string): string {
  const p = prefix.replace(/^\/+/, '');
  return p === '' || p.endsWith('/') ? p : `${p}/`;
}

/** REST (HTTP/1.1) always: no gRPC channel to set up, and an http:// endpoint works for tests. */
function runEndpoint(endpoint: string | undefined): Partial<RunClientOptions> {
  if (!endpoint) return {};
  const url = new URL(endpoint);
  const protocol = url.protocol.replace(/:$/, '');
  return { apiEndpoint: url.hostname, port: Number(url.port) || (protocol === 'http' ? 80 : 443), protocol };
}

type Problem = { state: string; detail: string };

/** The project from the credentials (a key file's project_id, gcloud's configured project, the metadata server). */
async function credentialsProject(client: ServicesClient): Promise<{ ok: string } | { ok?: undefined; problem: Problem }> {
  const none = {
    state: 'no project',
    detail: 'no GCP project given or found: pass --project, or set GOOGLE_CLOUD_PROJECT (the credentials name none)',
  };
  try {
    await client.auth.getClient();
    return { ok: await client.getProjectId() };
  } catch (err) {
    return { problem: isCredentialsError(err) ? { state: 'no credentials', detail: CREDENTIALS_HELP } : none };
  }
}

async function getService(client: ServicesClient, name: string, timeoutMs: number): Promise<Service> {
  // `timeout` caps the library's retries in total; over REST each request is bounded by the HTTP client's timeout
  const [service] = await client.getService({ name }, { timeout: timeoutMs });
  return service;
}

const READY = 'CONDITION_SUCCEEDED';

/** Ready: the terminal condition succeeded, nothing reconciling, and the newest revision is the ready one. */
function serviceState(svc: Service): Pick<Check, 'state' | 'status' | 'detail'> {
  const cond = svc.terminalCondition ?? {};
  const created = shortRevision(svc.latestCreatedRevision);
  const ready = shortRevision(svc.latestReadyRevision);
  const image = svc.template?.containers?.[0]?.image;
  const reason = String(cond.revisionReason ?? cond.reason ?? '');
  const why = [cond.message, reason && `reason ${reason}`, image && `image ${image}`].filter(Boolean).join('; ');
  if (cond.state === 'CONDITION_FAILED') {
    return {
      state: `Failed, revision ${created || '?'}`,
      status: 'fail',
      detail: `the service is not ready: ${why || 'no message'}. See its revision's logs (gcloud run revisions describe ${created || '<revision>'})`,
    };
  }
  if (svc.reconciling || cond.state !== READY || created !== ready) {
    return {
      state: 'still deploying',
      status: 'fail',
      detail: `revision ${created || '?'} is still deploying${ready ? ` (${ready} is the last ready one)` : ''}${cond.message ? `: ${cond.message}` : ''}; wait for the rollout and run verify again`,
    };
  }
  const percent = (svc.trafficStatuses ?? [])
    .filter((t) => t.type === 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST' || t.revision === ready)
    .reduce((sum, t) => sum + (t.percent ?? 0), 0);
  const state = `Ready, revision ${ready}, ${percent}% traffic`;
  if (percent === 0) {
    return { state, status: 'warn', detail: `the latest revision serves no traffic: traffic is pinned to older revisions (gcloud run services update-traffic --to-latest)` };
  }
  return { state, status: 'pass' };
}

/** `projects/p/locations/r/services/s/revisions/s-00003-kex` → `s-00003-kex`. */
function shortRevision(name: string | null | undefined): string {
  return (name ?? '').split('/').pop() ?? '';
}

function isCredentialsError(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err);
  return /Could not load the default credentials|Could not refresh access token|invalid_grant|The file at .* does not exist/i.test(message);
}

/** The bucket or prefix check's failure, with what to do. */
function storageProblem(err: unknown, target: string, bucketUri: string, host: string, what: 'bucket' | 'prefix'): Problem {
  if (isCredentialsError(err)) return { state: 'no credentials', detail: CREDENTIALS_HELP };
  const e = gcsError(err, target, what === 'bucket' ? 'stat' : 'list');
  if (e.status === 401) return { state: 'credentials refused', detail: `Google refused the credentials (401): ${CREDENTIALS_HELP}` };
  if (e.status === 403) {
    return {
      state: 'denied',
      detail: `access denied (403): grant the identity roles/storage.objectViewer on the bucket (storage.objects.list${what === 'bucket' ? ', or storage.buckets.get' : ''})`,
    };
  }
  if (e.status === 404) return { state: 'not found', detail: `no bucket ${bucketUri} (404): check --storage (the bucket's name, without gs://)` };
  if (e.transient && e.status === null) return { state: 'unreachable', detail: `cannot reach ${host}: ${socketReason(err)}` };
  return { state: e.status ? `HTTP ${e.status}` : 'error', detail: `GCS answered: ${firstLine(causeMessage(err))}` };
}

interface RunErrorShape {
  code?: number | string;
  status?: number;
  message?: string;
  cause?: { name?: string };
}

/**
 * The Cloud Run check's failure. Over REST the library's HTTP client (gaxios) throws for a non-2xx answer
 * with the HTTP status and Google's JSON error as the message, and for a socket error with its code.
 */
function runProblem(err: unknown, where: { project: string; region: string; service: string; host: string }): Problem {
  const e = (err ?? {}) as RunErrorShape;
  const message = e.message ?? String(err);
  const google = googleError(message);
  const status = typeof e.status === 'number' ? e.status : google?.code;
  const said = google?.message ?? firstLine(message);
  if (status === 404) {
    return {
      state: 'not found',
      detail: `no Cloud Run service '${where.service}' in project '${where.project}', region '${where.region}': check --service, --region and --project (gcloud run services list --project ${where.project} --region ${where.region})`,
    };
  }
  if (status === 403) {
    return { state: 'denied', detail: `access denied (403): grant the identity roles/run.viewer on project '${where.project}' (Google said: ${said})` };
  }
  if (status === 401 || isCredentialsError(err)) return { state: 'no credentials', detail: CREDENTIALS_HELP };
  // the HTTP client's timeout aborts the request: an AbortError cause
  if (status === undefined && /^(AbortError|TimeoutError)$/.test(e.cause?.name ?? '')) {
    return { state: 'unreachable', detail: `cannot reach ${where.host}: no answer in time` };
  }
  if (status === undefined && typeof e.code === 'string') return { state: 'unreachable', detail: `cannot reach ${where.host}: ${e.code}` };
  return { state: status ? `HTTP ${status}` : 'error', detail: `Cloud Run answered: ${said}` };
}

/** Google's JSON error body `{error: {code, message, status}}`, when the message is one. */
function googleError(text: string): { code?: number; message?: string } | undefined {
  try {
    const parsed = JSON.parse(text) as { error?: { code?: number; message?: string } };
    return parsed.error;
  } catch {
    return undefined;
  }
}

/** The storage library's HTTP client (node-fetch) names a stall by type and a socket error by code. */
function socketReason(err: unknown): string {
  const e = err as { type?: string; code?: unknown; message?: string };
  if (e.type === 'request-timeout') return 'no answer in time';
  return typeof e.code === 'string' ? e.code : firstLine(causeMessage(err));
}

function causeMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function firstLine(text: string): string {
  return text.split('\n')[0];
}
