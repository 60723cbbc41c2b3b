/**
 * Azure Monitor Logs (a Log Analytics workspace) as a LogSource: one KQL query run over consecutive time slices
 * with the official client (@azure/monitor-query-logs `LogsQueryClient.queryWorkspace`, the REST endpoint
 * `POST {endpoint}/v1/workspaces/{workspaceId}/query` with body `{query, timespan}`).
 *
 * Service limits (Azure Monitor service limits, "Log Analytics workspaces → Query API",
 * https://learn.microsoft.com/azure/azure-monitor/service-limits#log-analytics-workspaces): at most 500,000 records
 * in a single query's result, ~104 MB (~100 MiB) of data (64 MB compressed) returned, 10 minutes of running time,
 * and 200 requests per 30 seconds per Microsoft Entra user or client IP address. A result cut by the record or
 * size limit comes back as a *partial* result (HTTP 200 with an `error` beside the tables, Kusto's
 * E_QUERY_RESULT_SET_TOO_LARGE); the SDK reports it as `LogsQueryResultStatus.PartialFailure`.
 *
 * Slicing: the window [since, until) is cut into slices of `sliceMinutes` (default 60); each slice is one query
 * with `timespan = sliceStart/sliceEnd`. A slice that comes back partial, or with `maxRowsPerSlice` rows or more
 * (default 500,000: a full result may have been cut), is split in half and queried again; nothing of the cut
 * result is kept. A slice that cannot be split further (1 second) is kept as it came, with an error diagnostic
 * `partial-result` saying data may be missing. After a small slice (under a quarter of the row limit) the next
 * slice grows back, doubling, up to `sliceMinutes`.
 *
 * Slice boundaries: the service's timespan filter may include rows stamped exactly at the slice's end; such rows
 * (timestamp == sliceEnd) are dropped from that slice, since the next slice (which starts there) returns them.
 * Rows stamped outside the slice otherwise (a query that rewrites TimeGenerated, e.g. `bin()`) are kept.
 *
 * Cursor: `{sliceStart, sliceMs}`: the start of the next slice and its size, JSON-serializable. One page per
 * slice (empty slices too, so the cursor and the watermark advance). A resumed pull re-runs nothing already
 * delivered, and the same page delivered twice around a crash carries the same `event_id`s.
 *
 * Dedupe: `event_id` is the row's `_ItemId`, which the service returns only when the query names it (hidden
 * standard columns are not part of `*`): end the query with `| extend _ItemId = _ItemId` or project it. Without
 * it the events have no id (one `no-item-id` warning per pull) and a page replayed after a crash is stored twice.
 *
 * Errors: 429 (with Retry-After) and 5xx / network failures are transient (retried by withRetry with backoff);
 * 401 → permanent, "sign in"; 403 → permanent, naming the Log Analytics Reader role; 404 → the workspace id;
 * 400 → the query, with the service's message. The SDK's own retries are off (maxRetries 0): every request
 * passes through the shared token bucket, retries included.
 *
 * Authentication: `credential` when given (tests, embedding), else DefaultAzureCredential (environment, workload
 * identity, managed identity, Azure CLI…) with `tenantId` when given. Sovereign clouds: `endpoint`
 * (`https://api.loganalytics.azure.cn`) and `audience` (its token scope).
 */
import { createHash } from 'node:crypto';
import type { Agent } from 'node:http';
import type { TokenCredential } from '@azure/core-auth';
import { diagnostic, type Diagnostic, type EventRecord } from '../../model/index.js';
import { normalizeLogAnalyticsTable, type LogAnalyticsTable } from '../../parsers/logs/azure-monitor.js';
import { DEFAULT_RETRY_POLICY, parseRetryAfter, TRANSIENT_NETWORK_CODES, withRetry } from '../retry.js';
import { SourceError } from '../types.js';
import type { LogCursor, LogPage, LogSource, LogSourceOptions, LogWindow } from './types.js';

/** Records in a single query's result (service limit, see the header). */
export const SERVICE_MAX_ROWS = 500_000;
const MIN_SLICE_MS = 1000;
const DEFAULT_SLICE_MINUTES = 60;

export interface AzureMonitorLogSourceOptions extends LogSourceOptions {
  /** The workspace id (its customer id GUID, shown as "Workspace ID" in the portal). */
  workspaceId: string;
  /** KQL, e.g. `AzureDiagnostics | where Category == "ApplicationGatewayAccessLog" | extend _ItemId = _ItemId`. */
  query: string;
  /** Slice length (default 60). */
  sliceMinutes?: number;
  /** A slice with this many rows or more is split (default and maximum 500,000, the service's limit). */
  maxRowsPerSlice?: number;
  /** Entra tenant for DefaultAzureCredential. */
  tenantId?: string;
  /** Service root (default `https://api.loganalytics.io`; `/v1` is appended unless present). */
  endpoint?: string;
  /** Token audience (default: the endpoint's origin, `https://api.loganalytics.io`). */
  audience?: string;
  /** Credential instead of DefaultAzureCredential. */
  credential?: TokenCredential;
  /** HTTP(S) agent (tests: one trusting a self-signed certificate). */
  agent?: Agent;
  /** Server-side time limit per query in seconds (default 180, at most 600). */
  serverTimeoutSeconds?: number;
}

interface QueryOutcome {
  tables: LogAnalyticsTable[];
  partial: { code: string; message: string } | null;
}

type QueryFn = (start: Date, end: Date, signal: AbortSignal) => Promise<QueryOutcome>;

/** Network failures a retry can cure: the shared list, and Azure core's wrapper code for a request that never went out. */
const isTransientCode = (code: string) => TRANSIENT_NETWORK_CODES.has(code) || code === 'REQUEST_SEND_ERROR';

const SIGN_IN_HINT =
  "sign in with 'az login', or set AZURE_TENANT_ID and AZURE_CLIENT_ID with AZURE_CLIENT_SECRET or a federated token (AZURE_FEDERATED_TOKEN_FILE), or run with a managed identity";

interface RestLike {
  name?: string;
  message?: string;
  code?: string;
  statusCode?: number;
  response?: { headers?: { get?(name: string): string | undefined } };
}

/** An SDK or credential failure as a SourceError (see the header). */
export function classifyAzureMonitorError(err: unknown, target: string, workspaceId: string, now: number = Date.now()): SourceError {
  if (err instanceof SourceError) return err;
  const e = (err ?? {}) as RestLike;
  const message = e.message ?? String(err);
  const status = typeof e.statusCode === 'number' ? e.statusCode : null;
  const retryAfterMs = parseRetryAfter(e.response?.headers?.get?.('retry-after') ?? null, now);
  const base = { target, status, cause: err };
  if (status === 429) return new SourceError(`${target}: throttled by Log Analytics (429): ${message}`, { ...base, transient: true, retryAfterMs });
  if (status !== null && status >= 500) return new SourceError(`${target}: Log Analytics failed (${status}): ${message}`, { ...base, transient: true, retryAfterMs });
  if (status === 401) return new SourceError(`${target}: not authenticated to Log Analytics (401): ${message}; ${SIGN_IN_HINT}`, { ...base, transient: false });
  if (status === 403) {
    return new SourceError(
      `${target}: access to workspace ${workspaceId} denied (403): ${message}; grant the signed-in identity the 'Log Analytics Reader' role (or Monitoring Reader / Reader) on the workspace`,
      { ...base, transient: false },
    );
  }
  if (status === 404) {
    return new SourceError(`${target}: workspace ${workspaceId} not found (404): ${message}; give the workspace's ID (its customer id GUID), not its name or resource id`, { ...base, transient: false });
  }
  if (status !== null) return new SourceError(`${target}: the query was rejected (${status}): ${message}; check the KQL`, { ...base, transient: false });
  const name = e.name ?? '';
  if (name === 'CredentialUnavailableError' || name === 'AggregateAuthenticationError' || name === 'AuthenticationRequiredError' || name === 'AuthenticationError') {
    return new SourceError(`${target}: no usable Azure credentials (${name}): ${message.split('\n')[0]}; ${SIGN_IN_HINT}`, { ...base, transient: false });
  }
  if (typeof e.code === 'string' && isTransientCode(e.code)) return new SourceError(`${target}: network failure talking to Log Analytics (${e.code}): ${message}`, { ...base, transient: true });
  return new SourceError(`${target}: ${message}`, { ...base, transient: false });
}

function apiBase(endpoint: string | undefined): { url: string; origin: string } {
  const root = (endpoint ?? 'https://api.loganalytics.io').replace(/\/+$/, '');
  const url = root.endsWith('/v1') ? root : `${root}/v1`;
  return { url, origin: new URL(url).origin };
}

async function sdkQuery(options: AzureMonitorLogSourceOptions): Promise<QueryFn> {
  const { LogsQueryClient, LogsQueryResultStatus } = await import('@azure/monitor-query-logs');
  let credential = options.credential;
  if (credential === undefined) {
    const { DefaultAzureCredential } = await import('@azure/identity');
    credential = new DefaultAzureCredential(options.tenantId !== undefined ? { tenantId: options.tenantId } : {});
  }
  const { url, origin } = apiBase(options.endpoint);
  const audience = (options.audience ?? origin).replace(/\/+$/, '');
  const client = new LogsQueryClient(credential, {
    endpoint: url,
    credentials: { scopes: [audience.endsWith('/.default') ? audience : `${audience}/.default`] },
    retryOptions: { maxRetries: 0 },
    agent: options.agent,
    userAgentOptions: { userAgentPrefix: 'networkflow' },
  });
  const serverTimeoutInSeconds = options.serverTimeoutSeconds;
  return async (startTime, endTime, abortSignal) => {
    const result = await client.queryWorkspace(options.workspaceId, options.query, { startTime, endTime }, { abortSignal, serverTimeoutInSeconds });
    if (result.status === LogsQueryResultStatus.Success) return { tables: result.tables, partial: null };
    return { tables: result.partialTables, partial: { code: result.partialError?.code ?? 'PartialError', message: partialMessage(result.partialError) } };
  };
}

/** The messages of a partial error, outermost first (Kusto's reason may be nested in details[] / innererror). */
function partialMessage(error: unknown): string {
  const msgs: string[] = [];
  const walk = (e: unknown, depth: number): void => {
    if (e === null || typeof e !== 'object' || depth > 6) return;
    const o = e as { message?: unknown; details?: unknown; innererror?: unknown };
    if (typeof o.message === 'string' && o.message !== '' && !msgs.includes(o.message)) msgs.push(o.message);
    if (Array.isArray(o.details)) for (const d of o.details) walk(d, depth + 1);
    walk(o.innererror, depth + 1);
  };
  walk(error, 0);
  return msgs.join(' / ');
}

export function azureMonitorSourceId(workspaceId: string, query: string): string {
  return `azure:${workspaceId}:${createHash('sha256').update(query).digest('hex').slice(0, 12)}`;
}

export function createAzureMonitorLogSource(options: AzureMonitorLogSourceOptions): LogSource {
  const workspaceId = options.workspaceId?.trim();
  if (!workspaceId) throw new SourceError('azure-monitor: a workspace id is required (the Log Analytics workspace ID, a GUID)', { transient: false, target: 'azure' });
  if (!options.query?.trim()) throw new SourceError(`azure-monitor: a KQL query is required for workspace ${workspaceId}`, { transient: false, target: `azure:${workspaceId}` });
  const sliceMinutes = options.sliceMinutes ?? DEFAULT_SLICE_MINUTES;
  if (!(sliceMinutes > 0) || !Number.isFinite(sliceMinutes)) {
    throw new SourceError(`azure-monitor: sliceMinutes must be a positive number, not ${sliceMinutes}`, { transient: false, target: `azure:${workspaceId}` });
  }
  const maxRows = Math.min(SERVICE_MAX_ROWS, Math.max(1, Math.floor(options.maxRowsPerSlice ?? SERVICE_MAX_ROWS)));
  const defaultSliceMs = Math.max(MIN_SLICE_MS, Math.round(sliceMinutes * 60_000));
  const id = azureMonitorSourceId(workspaceId, options.query);
  const policy = options.retry ?? DEFAULT_RETRY_POLICY;
  let query: Promise<QueryFn> | null = null;

  async function* pages(window: LogWindow, cursor: LogCursor | null, signal?: AbortSignal): AsyncGenerator<LogPage, void, undefined> {
    let start = typeof cursor?.sliceStart === 'number' ? cursor.sliceStart : window.since;
    let size = typeof cursor?.sliceMs === 'number' && cursor.sliceMs >= MIN_SLICE_MS ? Math.min(cursor.sliceMs, defaultSliceMs) : defaultSliceMs;
    let warnedNoItemId = false;
    let requests = 0;
    while (start < window.until) {
      signal?.throwIfAborted();
      const end = Math.min(start + size, window.until);
      const object = `${id}/${new Date(start).toISOString()}`;
      const result = await withRetry(
        async (_attempt, attemptSignal) => {
          await options.bucket.take(attemptSignal);
          requests++;
          try {
            query ??= sdkQuery(options);
            return await (await query)(new Date(start), new Date(end), attemptSignal);
          } catch (err) {
            if (attemptSignal.aborted && !(err instanceof SourceError)) throw attemptSignal.reason ?? err;
            throw classifyAzureMonitorError(err, id, workspaceId);
          }
        },
        policy,
        { ...options.hooks, target: id, signal: signal ?? options.hooks?.signal },
      );
      const rowCount = result.tables.reduce((n, t) => n + (Array.isArray(t.rows) ? t.rows.length : 0), 0);
      const cut = result.partial !== null || rowCount >= maxRows;
      if (cut && end - start > MIN_SLICE_MS) {
        // too much for one query: halve the slice and ask again (nothing of the cut result is kept)
        size = Math.max(MIN_SLICE_MS, Math.floor((end - start) / 2));
        continue;
      }
      const events: EventRecord[] = [];
      const diagnostics: Diagnostic[] = [];
      if (cut) {
        const why = result.partial !== null ? `${result.partial.code}: ${result.partial.message}` : `${rowCount} rows, the limit of one slice`;
        diagnostics.push(
          diagnostic(object, null, null, 'partial-result', `${id}: the slice ${new Date(start).toISOString()}/${new Date(end).toISOString()} is still cut at ${MIN_SLICE_MS} ms (${why}); rows may be missing: narrow the query (fewer columns or rows)`),
        );
      }
      let firstRow = 0;
      let hasItemId = true;
      for (const table of result.tables) {
        const batch = normalizeLogAnalyticsTable(table, { object, firstRow, context: { table: table.name && table.name !== 'PrimaryResult' ? table.name : undefined } });
        firstRow += Array.isArray(table.rows) ? table.rows.length : 0;
        const columns = table.columnDescriptors ?? table.columns ?? [];
        if (!columns.some((c) => c.name === '_ItemId')) hasItemId = false;
        for (const e of batch.events) if (e.timestamp !== end) events.push(e);
        for (const d of batch.diagnostics) diagnostics.push(d);
      }
      if (!hasItemId && rowCount > 0 && !warnedNoItemId) {
        warnedNoItemId = true;
        diagnostics.push(
          diagnostic(object, null, '_ItemId', 'no-item-id', `${id}: the query does not return _ItemId, so events cannot be deduplicated after an interrupted pull; end the query with '| extend _ItemId = _ItemId'`, 'warning'),
        );
      }
      // grow back after small slices
      if (rowCount < maxRows / 4 && size < defaultSliceMs) size = Math.min(defaultSliceMs, size * 2);
      start = end;
      const next = start < window.until ? { sliceStart: start, sliceMs: size } : null;
      yield { events, diagnostics, cursor: next, requests };
      requests = 0;
    }
  }

  return {
    provider: 'azure',
    id,
    description: `Log Analytics workspace ${workspaceId}: ${options.query.length > 60 ? `${options.query.slice(0, 57)}...` : options.query}`,
    pages,
  };
}
