/**
 * A local Log Analytics query endpoint for tests, speaking the REST wire protocol the official client uses:
 *   POST /v1/workspaces/{workspaceId}/query   body {query, timespan: "<start>/<end>"}   (Prefer: wait=…)
 *   → 200 {tables:[{name:"PrimaryResult", columns:[{name,type}], rows:[[…]]}]}
 * over HTTPS with a self-signed certificate (the SDK's bearer-token policy refuses http; see self-signed-tls.ts).
 *
 * The "workspace" holds rows with a time; a query returns the rows whose time is in the timespan, both ends
 * included (as a lenient service might: the client must not count a boundary row twice), in time order, with the
 * columns TimeGenerated (datetime), _ItemId (only when the query text mentions `_ItemId`), _ResourceId, Category,
 * OperationName, Level, ResultType, CallerIpAddress, DurationMs (long, sent as text like the REST examples),
 * Properties (dynamic, sent as JSON text). More rows than `maxRows` → the first `maxRows` rows plus the
 * partial-error body the service sends when Kusto's record limit cuts a result.
 *
 * Faults: `failNext(…)` queues answers for the next requests: a status with an error body (429 with Retry-After,
 * 503, 403…) or a connection reset. `requests` records every request with its arrival time (for rate checks).
 * Authentication: a request without `Authorization: Bearer …` gets 401.
 */
import { randomUUID } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { selfSignedCert, trustingAgent } from './self-signed-tls.js';

export interface FakeRow {
  /** Epoch ms. */
  time: number;
  itemId: string;
  resourceId?: string;
  category?: string;
  operationName?: string;
  level?: string;
  resultType?: string;
  callerIp?: string;
  durationMs?: number;
  properties?: Record<string, unknown>;
}

export interface LogAnalyticsRequest {
  /** Arrival, epoch ms (performance-based, sub-ms). */
  at: number;
  workspaceId: string;
  query: string | null;
  timespan: string | null;
  prefer: string | undefined;
  authorization: string | undefined;
  status: number;
}

export type Fault =
  | { status: number; code?: string; message?: string; retryAfter?: string }
  | { reset: true };

export interface LogAnalyticsServer {
  /** `https://127.0.0.1:<port>` (the client's endpoint; it appends `/v1`). */
  readonly endpoint: string;
  readonly workspaceId: string;
  readonly agent: https.Agent;
  readonly requests: LogAnalyticsRequest[];
  rows: FakeRow[];
  /** Rows per result before the partial error (the service's 500,000). */
  maxRows: number;
  failNext(...faults: Fault[]): void;
  close(): Promise<void>;
}

const COLUMNS = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: '_ResourceId', type: 'string' },
  { name: 'Category', type: 'string' },
  { name: 'OperationName', type: 'string' },
  { name: 'Level', type: 'string' },
  { name: 'ResultType', type: 'string' },
  { name: 'CallerIpAddress', type: 'string' },
  { name: 'DurationMs', type: 'long' },
  { name: 'Properties', type: 'dynamic' },
];

function cells(r: FakeRow, withItemId: boolean): unknown[] {
  const out: unknown[] = [
    new Date(r.time).toISOString(),
    r.resourceId ?? '',
    r.category ?? 'ApplicationGatewayAccessLog',
    r.operationName ?? 'ApplicationGatewayAccess',
    r.level ?? 'Informational',
    r.resultType ?? 'Succeeded',
    r.callerIp ?? '',
    r.durationMs === undefined ? null : String(r.durationMs),
    JSON.stringify(r.properties ?? {}),
  ];
  if (withItemId) out.splice(1, 0, r.itemId);
  return out;
}

const ROUTE = /^\/v1\/workspaces\/([^/]+)\/query$/;

export async function startLogAnalyticsServer(options: { workspaceId?: string; rows?: FakeRow[]; maxRows?: number } = {}): Promise<LogAnalyticsServer> {
  const workspaceId = options.workspaceId ?? '63613592-b6f7-4c3d-a390-22ba13102111';
  const { key, cert } = await selfSignedCert();
  const faults: Fault[] = [];
  const requests: LogAnalyticsRequest[] = [];
  const state = { rows: options.rows ?? [], maxRows: options.maxRows ?? 500_000 };
  const t0 = Date.now() - performance.now();

  const server = https.createServer({ key, cert }, (req, res) => {
    const at = t0 + performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'https://127.0.0.1');
      let body: { query?: string; timespan?: string } = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as typeof body;
      } catch {
        body = {};
      }
      const m = ROUTE.exec(url.pathname);
      const record: LogAnalyticsRequest = {
        at,
        workspaceId: m ? decodeURIComponent(m[1]) : '',
        query: body.query ?? null,
        timespan: body.timespan ?? null,
        prefer: req.headers.prefer as string | undefined,
        authorization: req.headers.authorization,
        status: 0,
      };
      requests.push(record);
      const send = (status: number, payload: object, headers: Record<string, string> = {}) => {
        record.status = status;
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-ms-request-id': randomUUID(), ...headers });
        res.end(JSON.stringify(payload));
      };
      const error = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
        send(status, { error: { code, message, correlationId: randomUUID() } }, headers);

      const fault = faults.shift();
      if (fault !== undefined) {
        if ('reset' in fault) {
          record.status = -1;
          req.socket.destroy();
          return;
        }
        return error(fault.status, fault.code ?? (fault.status === 429 ? 'TooManyRequests' : 'ServiceUnavailable'), fault.message ?? 'injected fault', fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {});
      }
      if (!/^Bearer \S+/.test(req.headers.authorization ?? '')) return error(401, 'AuthorizationRequiredError', 'Valid authentication was not provided');
      if (req.method !== 'POST' || !m) return error(404, 'PathNotFoundError', `The requested path does not exist: ${req.method} ${url.pathname}`);
      if (record.workspaceId !== workspaceId) return error(404, 'WorkspaceNotFoundError', `Workspace ${record.workspaceId} not found`);
      if (typeof body.query !== 'string' || body.query.trim() === '') return error(400, 'BadArgumentError', 'The request had some invalid properties: query is required');
      let from = -Infinity, to = Infinity;
      if (typeof body.timespan === 'string') {
        const [a, b] = body.timespan.split('/');
        from = Date.parse(a);
        to = Date.parse(b);
        if (Number.isNaN(from) || Number.isNaN(to)) return error(400, 'BadArgumentError', `Invalid timespan: ${body.timespan}`);
      }
      const withItemId = body.query.includes('_ItemId');
      const columns = withItemId ? [COLUMNS[0], { name: '_ItemId', type: 'string' }, ...COLUMNS.slice(1)] : COLUMNS;
      const matching = state.rows.filter((r) => r.time >= from && r.time <= to).sort((x, y) => x.time - y.time);
      const kept = matching.slice(0, state.maxRows);
      const tables = [{ name: 'PrimaryResult', columns, rows: kept.map((r) => cells(r, withItemId)) }];
      if (matching.length > state.maxRows) {
        return send(200, {
          tables,
          error: {
            code: 'PartialError',
            message: 'There were some errors when processing your query.',
            details: [
              {
                code: 'EngineError',
                message: 'Something went wrong processing your query on the server.',
                innererror: {
                  code: '-2133196797',
                  message: `Query result set has exceeded the internal record count limit ${state.maxRows} (E_QUERY_RESULT_SET_TOO_LARGE; see https://aka.ms/kustoquerylimits)`,
                  severity: 2,
                  severityName: 'Error',
                },
              },
            ],
          },
        });
      }
      send(200, { tables });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const agent = trustingAgent(cert);
  return {
    endpoint: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    workspaceId,
    agent,
    requests,
    get rows() {
      return state.rows;
    },
    set rows(v: FakeRow[]) {
      state.rows = v;
    },
    get maxRows() {
      return state.maxRows;
    },
    set maxRows(v: number) {
      state.maxRows = v;
    },
    failNext: (...f) => void faults.push(...f),
    async close() {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** `n` rows, one every `stepMs` from `start`, item ids `item-<i>`. */
export function makeRows(n: number, start: number, stepMs: number, extra: Partial<FakeRow> = {}): FakeRow[] {
  return Array.from({ length: n }, (_, i) => ({
    time: start + i * stepMs,
    itemId: `item-${i}`,
    resourceId: '/SUBSCRIPTIONS/2F4C7D23-B548-4FCC-8D25-7F6C4404642E/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/APPLICATIONGATEWAYS/GW1',
    callerIp: `10.0.${(i >> 8) & 255}.${i & 255}`,
    durationMs: i % 100,
    properties: { n: i },
    ...extra,
  }));
}
