/**
 * Google Cloud Logging as a LogSource: `entries.list` (POST https://logging.googleapis.com/v2/entries:list,
 * https://cloud.google.com/logging/docs/reference/v2/rest/v2/entries/list) over a time window, page by page.
 *
 * Request: `{resourceNames, filter, orderBy: "timestamp asc", pageSize, pageToken}` where the filter is the
 * user's filter (parenthesized) AND `timestamp >= "<since>" AND timestamp < "<until>"` (RFC 3339, ms). The
 * response's entries go through the gcp-logging parser's normalizer (normalizeLogEntry), so an API pull and a
 * sink file give the same EventRecords; `nextPageToken` becomes the cursor `{pageToken, lastTimestamp}` (null:
 * window done), lastTimestamp being the newest entry's timestamp as written. Page tokens expire after 24 hours
 * (Cloud Logging quotas page): when a resumed token is refused (400), the window is listed again from
 * lastTimestamp (inclusive) with a `page-token-refused` warning; the entries at that instant come twice and
 * the store drops them by event_id, so an old checkpoint still resumes without a gap.
 *
 * Transport: @google-cloud/logging's generated `v2.LoggingServiceV2Client` (REST fallback mode) supplies the
 * authentication: its `auth` (google-auth-library's GoogleAuth, with the default credential chain or the given
 * key, the Logging API's scopes, a self-signed JWT for service accounts and the universe domain, all set up by
 * the client) sends the REST call itself. Not the client's own listLogEntries: in REST mode it decodes the
 * response into protobuf messages and every Cloud Audit Logs entry fails that decoding ("googleProtobufAnyFromProto3JSON:
 * cannot find type google.cloud.audit.AuditLog": the AuditLog proto is not in the client's proto root, checked
 * with @google-cloud/logging 11.4.0 / logging-api 0.2.0), taking the whole page down with it; over gRPC the
 * same payload comes back as undecoded bytes (googleapis/nodejs-logging#785). The raw JSON is also exactly
 * the LogEntry JSON of sink exports, with no proto round trip. The request is bounded by the retry policy's
 * `timeoutMs` (as the HTTP client's timeout and an abort signal) and the HTTP client's own retries are off:
 * withRetry owns retries, and every attempt takes a token from the bucket first.
 *
 * Quota: entries.list counts as a Logging API "read request": 60 per minute per project
 * (https://cloud.google.com/logging/quotas, API quotas: read requests; the older page said "1 per second, per
 * project"); so the orchestrator's default bucket for gcp is 1 request/s (burst 1) per project.
 *
 * Errors → SourceError: 429 / RESOURCE_EXHAUSTED (with Retry-After when the response has one; Cloud Logging
 * usually sends none, so the backoff applies), 500 / 502 / 503 / 504 / UNAVAILABLE / INTERNAL /
 * DEADLINE_EXCEEDED, network resets and timeouts → transient; 403 PERMISSION_DENIED → permanent naming
 * roles/logging.viewer (and roles/logging.privateLogViewer for Data Access audit logs); 401 and missing
 * credentials → permanent with how to provide them; 400 INVALID_ARGUMENT (a bad filter) and 404 → permanent
 * with Google's message. Nothing secret is ever put in a message.
 *
 * Live tail (`--follow`): Cloud Logging's tailLogEntries is a gRPC bidirectional stream only (no REST
 * binding; 10 sessions per project, 60,000 entries/min). The orchestrator follows by re-calling `pages` with
 * windows that advance from the watermark (minus the ingestion delay), which stays within the read quota.
 */
import { createHash } from 'node:crypto';
import { v2 } from '@google-cloud/logging';
import { diagnostic, type Diagnostic, type EventRecord } from '../../model/index.js';
import { normalizeLogEntry } from '../../parsers/logs/gcp-logging.js';
import { DEFAULT_RETRY_POLICY, isTransientError, parseRetryAfter, withRetry } from '../retry.js';
import { SourceError } from '../types.js';
import type { LogCursor, LogPage, LogSource, LogSourceOptions, LogWindow } from './types.js';

export const GCP_LOGGING_ENDPOINT = 'https://logging.googleapis.com';

/** What this source uses of the generated client: the auth object it configures (GoogleAuth). */
interface AuthRequestClient {
  request<T>(options: {
    url: string;
    method: 'POST';
    data: unknown;
    headers: Record<string, string>;
    responseType: 'json';
    retry: boolean;
    timeout?: number;
    signal?: AbortSignal;
  }): Promise<{ data: T }>;
}
interface GeneratedLoggingClient {
  auth: { getClient(): Promise<AuthRequestClient> };
}
type GeneratedLoggingClientClass = new (options: Record<string, unknown>) => GeneratedLoggingClient;
/** entries.list accepts at most 1000 entries a page. */
export const GCP_MAX_PAGE_SIZE = 1000;

/** A service-account key (or other credentials JSON) as a key file holds it. */
export type GcpCredentials = Record<string, unknown> & { type?: string; client_email?: string; private_key?: string; project_id?: string };

export interface GcpLoggingSourceOptions extends LogSourceOptions {
  /** The project to read (`projects/<id>`); default: GOOGLE_CLOUD_PROJECT, GCLOUD_PROJECT, CLOUDSDK_CORE_PROJECT, the key's project_id. */
  projectId?: string;
  /** Parents to read instead of the project: `projects/p`, `organizations/o`, `folders/f`, `billingAccounts/b`, log views. */
  resourceNames?: string[];
  /** Logging query language filter, e.g. `logName:"cloudaudit.googleapis.com"`; the window is added to it. */
  filter?: string;
  /** Entries a page (1–1000, default 1000). */
  pageSize?: number;
  /** Test seam: the API base URL instead of https://logging.googleapis.com. */
  endpoint?: string;
  /** A credentials object (service-account key) instead of application default credentials. */
  credentials?: GcpCredentials;
}

const CREDENTIALS_HELP =
  "no usable Google credentials: run 'gcloud auth application-default login', or set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file (in GitHub Actions use google-github-actions/auth with workload identity federation)";

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

/** RFC 3339 UTC with milliseconds: the form the filter's timestamp comparisons take. */
function rfc3339(ms: number): string {
  return new Date(ms).toISOString();
}

/** The filter of one window: the user's filter AND the window's bounds (since inclusive, until exclusive). */
export function windowFilter(filter: string | undefined, window: LogWindow): string {
  return boundsFilter(filter, rfc3339(window.since), rfc3339(window.until));
}

function boundsFilter(filter: string | undefined, since: string, until: string): string {
  const bounds = `timestamp >= "${since}" AND timestamp < "${until}"`;
  const user = filter?.trim();
  return user ? `(${user}) AND ${bounds}` : bounds;
}

interface GoogleErrorBody {
  error?: { code?: number; message?: string; status?: string };
}

interface GaxiosLikeError {
  message?: string;
  code?: unknown;
  status?: number;
  name?: string;
  response?: { status?: number; headers?: Record<string, unknown> | { get?(name: string): string | null }; data?: unknown };
  cause?: { name?: string; code?: unknown };
}

function header(headers: unknown, name: string): string | null {
  if (typeof headers !== 'object' || headers === null) return null;
  const h = headers as { get?: unknown } & Record<string, unknown>;
  if (typeof h.get === 'function') return (h.get as (n: string) => string | null)(name);
  const v = h[name];
  return typeof v === 'string' ? v : null;
}

function googleError(data: unknown): { code?: number; message?: string; status?: string } | undefined {
  let body = data;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body) as unknown;
    } catch {
      return undefined;
    }
  }
  return typeof body === 'object' && body !== null ? (body as GoogleErrorBody).error : undefined;
}

function isCredentialsError(message: string): boolean {
  return /Could not load the default credentials|Could not refresh access token|invalid_grant|The file at .* does not exist|Unable to detect a Project Id|private_key|client_email/i.test(message);
}

const TRANSIENT_STATUS = new Set(['RESOURCE_EXHAUSTED', 'UNAVAILABLE', 'INTERNAL', 'DEADLINE_EXCEEDED', 'ABORTED']);

/** An error of one entries.list call as a SourceError (already one: as is). */
export function gcpLoggingError(err: unknown, where: { target: string; parents: string[]; filter: string }): SourceError {
  if (err instanceof SourceError) return err;
  const e = (err ?? {}) as GaxiosLikeError;
  const message = e.message ?? String(err);
  const target = where.target;
  const status = typeof e.response?.status === 'number' ? e.response.status : typeof e.status === 'number' ? e.status : null;
  const g = googleError(e.response?.data);
  const said = g?.message ?? message.split('\n')[0];
  const grpc = g?.status;
  if (status === null) {
    if (isCredentialsError(message)) return new SourceError(`${target}: ${CREDENTIALS_HELP}`, { transient: false, target, cause: err });
    const code = typeof e.code === 'string' ? e.code : typeof e.cause?.code === 'string' ? e.cause.code : undefined;
    if (e.name === 'AbortError' || e.cause?.name === 'AbortError' || e.name === 'TimeoutError' || code === 'ETIMEDOUT') {
      return new SourceError(`${target}: no answer in time from the Cloud Logging API`, { transient: true, target, cause: err });
    }
    const transient = code !== undefined && isTransientError({ code });
    return new SourceError(`${target}: cannot reach the Cloud Logging API: ${code ?? said}`, { transient: transient || code === undefined, target, cause: err });
  }
  if (status === 429 || grpc === 'RESOURCE_EXHAUSTED') {
    const retryAfterMs = parseRetryAfter(header(e.response?.headers, 'retry-after'));
    return new SourceError(`${target}: throttled by Cloud Logging (429 RESOURCE_EXHAUSTED: ${said}); the read quota is 60 entries.list requests per minute per project`, {
      transient: true,
      status,
      retryAfterMs,
      target,
      cause: err,
    });
  }
  if (status >= 500 || (grpc !== undefined && TRANSIENT_STATUS.has(grpc))) {
    return new SourceError(`${target}: Cloud Logging failed (${status} ${grpc ?? ''}: ${said})`.replace(' :', ':'), { transient: true, status, target, cause: err });
  }
  if (status === 403) {
    const dataAccess = where.filter.includes('data_access');
    return new SourceError(
      `${target}: permission denied (403): grant the identity roles/logging.viewer on ${where.parents.join(', ')}${
        dataAccess ? ' and roles/logging.privateLogViewer to read Data Access audit logs' : ' (roles/logging.privateLogViewer as well to read Data Access audit logs)'
      } (Google said: ${said})`,
      { transient: false, status, target, cause: err },
    );
  }
  if (status === 401) {
    return new SourceError(`${target}: Google refused the credentials (401): ${CREDENTIALS_HELP}`, { transient: false, status, target, cause: err });
  }
  if (status === 404) {
    return new SourceError(`${target}: not found (404): check the project or resource names ${where.parents.join(', ')} (Google said: ${said})`, { transient: false, status, target, cause: err });
  }
  if (status === 400) {
    return new SourceError(`${target}: Cloud Logging refused the request (400 INVALID_ARGUMENT): ${said}; check the filter: ${where.filter}`, { transient: false, status, target, cause: err });
  }
  return new SourceError(`${target}: Cloud Logging answered ${status}: ${said}`, { transient: false, status, target, cause: err });
}

interface ListResponse {
  entries?: unknown;
  nextPageToken?: unknown;
}

/** The project from the options, the environment or the key; null when none says. */
function projectOf(options: GcpLoggingSourceOptions, env: NodeJS.ProcessEnv): string | null {
  const p = options.projectId || env.GOOGLE_CLOUD_PROJECT || env.GCLOUD_PROJECT || env.CLOUDSDK_CORE_PROJECT || options.credentials?.project_id;
  return typeof p === 'string' && p !== '' ? p : null;
}

export function createGcpLoggingSource(options: GcpLoggingSourceOptions): LogSource {
  const env = options.env ?? process.env;
  const project = projectOf(options, env);
  const parents = options.resourceNames && options.resourceNames.length > 0 ? [...options.resourceNames] : project !== null ? [`projects/${project}`] : [];
  if (parents.length === 0) {
    throw new SourceError('gcp: no GCP project given or found: pass --project (or resourceNames), or set GOOGLE_CLOUD_PROJECT', {
      transient: false,
      target: 'gcp',
    });
  }
  const pageSize = options.pageSize ?? GCP_MAX_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > GCP_MAX_PAGE_SIZE) {
    throw new RangeError(`pageSize must be an integer from 1 to ${GCP_MAX_PAGE_SIZE}, not ${pageSize}`);
  }
  const filter = options.filter?.trim() || undefined;
  const label = project ?? parents.join(',');
  const id = `gcp:${label}:${shortHash(`${parents.join(',')}\n${filter ?? ''}`)}`;
  const description = `Cloud Logging ${parents.join(', ')}${filter ? ` filter ${JSON.stringify(filter)}` : ''}`;
  const endpoint = (options.endpoint ?? GCP_LOGGING_ENDPOINT).replace(/\/+$/, '');
  const url = `${endpoint}/v2/entries:list`;
  const policy = options.retry ?? DEFAULT_RETRY_POLICY;
  const hooks = options.hooks ?? {};
  const objectName = `gcp-logging://${parents.join(',')}`;

  // The generated client is built only for its auth object, configured as it configures it for its own calls
  // (scopes, self-signed JWT for service accounts, universe domain); it sends nothing itself.
  const LoggingClient = (v2 as { LoggingServiceV2Client: GeneratedLoggingClientClass }).LoggingServiceV2Client;
  const { auth } = new LoggingClient({
    fallback: true,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(project !== null ? { projectId: project } : {}),
  });

  async function list(body: Record<string, unknown>, signal: AbortSignal, window: string): Promise<ListResponse> {
    const client = await auth.getClient();
    const res = await client.request<ListResponse>({
      url,
      method: 'POST',
      data: body,
      headers: { 'content-type': 'application/json' },
      responseType: 'json',
      retry: false,
      ...(policy.timeoutMs !== undefined ? { timeout: policy.timeoutMs } : {}),
      signal,
    });
    const data = res.data;
    if (typeof data !== 'object' || data === null || (data.entries !== undefined && !Array.isArray(data.entries))) {
      throw new SourceError(`${description}: Cloud Logging sent a response that is not an entries.list response (${window})`, { transient: true, target: description });
    }
    return data;
  }

  /** One entries.list call through the bucket and the retry policy; `count` is told of every attempt. */
  function fetchPage(body: Record<string, unknown>, where: { target: string; parents: string[]; filter: string }, windowText: string, count: () => void, signal?: AbortSignal): Promise<ListResponse> {
    return withRetry(
      async (_attempt, attemptSignal) => {
        await options.bucket.take(signal);
        count();
        try {
          return await list(body, attemptSignal, windowText);
        } catch (err) {
          throw gcpLoggingError(err, where);
        }
      },
      policy,
      { ...hooks, target: description, signal: signal ?? hooks.signal },
    );
  }

  async function* pages(window: LogWindow, cursor: LogCursor | null, signal?: AbortSignal): AsyncGenerator<LogPage, void, undefined> {
    let pageToken = typeof cursor?.pageToken === 'string' && cursor.pageToken !== '' ? cursor.pageToken : undefined;
    // the timestamp (as written) of the newest entry delivered so far: where a refused page token restarts
    let last = typeof cursor?.lastTimestamp === 'string' && cursor.lastTimestamp !== '' ? cursor.lastTimestamp : undefined;
    let currentFilter = windowFilter(filter, window);
    const windowText = `${rfc3339(window.since)}..${rfc3339(window.until)}`;
    for (;;) {
      const body: Record<string, unknown> = { resourceNames: parents, filter: currentFilter, orderBy: 'timestamp asc', pageSize };
      if (pageToken !== undefined) body.pageToken = pageToken;
      let requests = 0;
      const count = () => void requests++;
      const diagnostics: Diagnostic[] = [];
      let response: ListResponse;
      try {
        response = await fetchPage(body, { target: description, parents, filter: currentFilter }, windowText, count, signal);
      } catch (err) {
        if (pageToken === undefined || !(err instanceof SourceError) || err.status !== 400) throw err;
        // The page token was refused (tokens expire after 24 hours; a token of another filter is refused too):
        // list again from the newest entry already delivered. Entries at that very timestamp come again and
        // are dropped by their event_id; nothing after it is lost.
        const from = last ?? rfc3339(window.since);
        currentFilter = boundsFilter(filter, from, rfc3339(window.until));
        diagnostics.push(
          diagnostic(objectName, null, 'pageToken', 'page-token-refused', `${description}: the saved page token was refused (${err.message}); listing again from ${from}`, 'warning'),
        );
        pageToken = undefined;
        const retryBody = { resourceNames: parents, filter: currentFilter, orderBy: 'timestamp asc', pageSize };
        response = await fetchPage(retryBody, { target: description, parents, filter: currentFilter }, windowText, count, signal);
      }
      const events: EventRecord[] = [];
      const entries = (response.entries ?? []) as unknown[];
      for (let i = 0; i < entries.length; i++) {
        const entry = entries[i];
        if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
          diagnostics.push(diagnostic(objectName, i + 1, null, 'not-a-record', `entry ${i + 1} of a page is not a LogEntry object; skipped`));
          continue;
        }
        const e = entry as Record<string, unknown>;
        const rec = normalizeLogEntry(e, objectName, i + 1, Buffer.byteLength(JSON.stringify(e)), diagnostics);
        if (rec !== null) events.push(rec);
        if (typeof e.timestamp === 'string') last = e.timestamp;
      }
      const next = typeof response.nextPageToken === 'string' && response.nextPageToken !== '' ? response.nextPageToken : undefined;
      const nextCursor = next === undefined ? null : last === undefined ? { pageToken: next } : { pageToken: next, lastTimestamp: last };
      yield { events, diagnostics, cursor: nextCursor, requests };
      if (next === undefined) return;
      pageToken = next;
    }
  }

  return { provider: 'gcp', id, description, pages };
}
