/**
 * A fake Amazon CloudWatch Logs endpoint for tests, speaking the wire protocol of the official SDK client:
 * AWS JSON 1.1 over HTTP (POST /, `X-Amz-Target: Logs_20140328.<Op>`, `Content-Type: application/x-amz-json-1.1`).
 *
 * Operations: FilterLogEvents (logGroupName / logGroupIdentifier, logStreamNamePrefix, logStreamNames,
 * startTime inclusive, endTime inclusive — "events with a timestamp later than this time are not returned" —,
 * filterPattern as a plain substring, limit (default 10 000), nextToken). Events of the matching streams are
 * returned in (timestamp, eventId) order, `limit` per page, with a nextToken while more remain.
 *
 * Faults (injected through `faults`, consumed in order, one per request):
 *   - `{ kind: 'throttle' }`       400 `{"__type":"ThrottlingException"}` (optional Retry-After header)
 *   - `{ kind: 'limit' }`          400 LimitExceededException
 *   - `{ kind: 'outage' }`         503 ServiceUnavailableException (optional Retry-After)
 *   - `{ kind: 'reset' }`          the connection is destroyed without an answer
 *   - `{ kind: 'error', status, type, message }` any other error (AccessDeniedException, ResourceNotFoundException…)
 * `expireTokens()` makes every nextToken issued so far invalid (InvalidParameterException "The specified
 * nextToken is invalid.", the text AWS answers); `refuseTokens = true` refuses every request that carries
 * one (a service that keeps refusing).
 * Unknown log groups give ResourceNotFoundException. Requests without an
 * `Authorization: AWS4-HMAC-SHA256 …` header are refused (the SDK always signs).
 *
 * `requests` records every request with its arrival time (Date.now, ms), target, body and the answer status
 * (-1 for a reset), for rate and exactly-once assertions. Binds 127.0.0.1 on a free port.
 */
import http from 'node:http';
import { listenOnLoopback } from './loopback.js';

export interface FakeLogEvent {
  logStreamName: string;
  timestamp: number;
  message: string;
  ingestionTime?: number;
  eventId?: string;
}

export type FakeFault =
  | { kind: 'throttle'; retryAfter?: string }
  | { kind: 'limit' }
  | { kind: 'outage'; retryAfter?: string }
  | { kind: 'reset' }
  | { kind: 'error'; status: number; type: string; message: string };

export interface FakeRequest {
  at: number;
  target: string;
  body: Record<string, unknown>;
  status: number;
}

export interface CloudWatchLogsServer {
  url: string;
  /** Log group name → its events (any order; the server sorts). */
  readonly groups: Map<string, FakeLogEvent[]>;
  readonly faults: FakeFault[];
  readonly requests: FakeRequest[];
  /** Adds events to a group (creating it), giving each an eventId and ingestionTime if it has none. */
  addEvents(group: string, events: FakeLogEvent[]): void;
  /** Every nextToken issued so far becomes invalid. */
  expireTokens(): void;
  /** While true, every request that carries a nextToken is refused as expired (a service that keeps refusing). */
  refuseTokens: boolean;
  close(): Promise<void>;
}

const PREFIX = 'Logs_20140328.';

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly retryAfter?: string,
  ) {
    super(message);
  }
}

export async function startCloudWatchLogsServer(): Promise<CloudWatchLogsServer> {
  const groups = new Map<string, FakeLogEvent[]>();
  const faults: FakeFault[] = [];
  const requests: FakeRequest[] = [];
  let stop: () => Promise<void> = async () => undefined;
  let generation = 0; // tokens carry the generation they were issued in
  let seq = 0;

  const addEvents = (group: string, events: FakeLogEvent[]) => {
    const list = groups.get(group) ?? [];
    for (const e of events) {
      seq++;
      list.push({ ...e, eventId: e.eventId ?? String(seq).padStart(56, '0'), ingestionTime: e.ingestionTime ?? e.timestamp + 500 });
    }
    list.sort((a, b) => a.timestamp - b.timestamp || (a.eventId! < b.eventId! ? -1 : a.eventId! > b.eventId! ? 1 : 0));
    groups.set(group, list);
  };

  const api = {
    url: '',
    groups,
    faults,
    requests,
    addEvents,
    refuseTokens: false,
    expireTokens() {
      generation++;
    },
    close: () => stop(),
  };

  const filterLogEvents = (input: Record<string, unknown>) => {
    const ref = String(input.logGroupIdentifier ?? input.logGroupName ?? '');
    const name = ref.startsWith('arn:') ? ref.replace(/^.*:log-group:/, '').replace(/:\*$/, '') : ref;
    const events = groups.get(name);
    if (!events) throw new ApiError(400, 'ResourceNotFoundException', 'The specified log group does not exist.');
    if (input.logStreamNamePrefix !== undefined && input.logStreamNames !== undefined) {
      throw new ApiError(400, 'InvalidParameterException', 'logStreamNamePrefix and logStreamNames are mutually exclusive');
    }
    const limit = input.limit === undefined ? 10_000 : Number(input.limit);
    if (!(limit >= 1 && limit <= 10_000)) throw new ApiError(400, 'InvalidParameterException', `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint`);
    let offset = 0;
    if (input.nextToken !== undefined) {
      let token: { g: number; o: number; q: string };
      try {
        token = JSON.parse(Buffer.from(String(input.nextToken), 'base64url').toString()) as { g: number; o: number; q: string };
      } catch {
        throw new ApiError(400, 'InvalidParameterException', 'The specified nextToken is invalid.');
      }
      // (what AWS answers for a bad or stale token)
      if (token.g !== generation || api.refuseTokens) throw new ApiError(400, 'InvalidParameterException', 'The specified nextToken is invalid.');
      offset = token.o;
    }
    const start = input.startTime === undefined ? -Infinity : Number(input.startTime);
    const end = input.endTime === undefined ? Infinity : Number(input.endTime);
    const prefix = input.logStreamNamePrefix === undefined ? null : String(input.logStreamNamePrefix);
    const names = Array.isArray(input.logStreamNames) ? (input.logStreamNames as string[]) : null;
    const pattern = input.filterPattern === undefined || input.filterPattern === '' ? null : String(input.filterPattern).replace(/^"|"$/g, '');
    const matching = events.filter(
      (e) =>
        e.timestamp >= start &&
        e.timestamp <= end &&
        (prefix === null || e.logStreamName.startsWith(prefix)) &&
        (names === null || names.includes(e.logStreamName)) &&
        (pattern === null || e.message.includes(pattern)),
    );
    const page = matching.slice(offset, offset + limit);
    const next = offset + limit < matching.length ? Buffer.from(JSON.stringify({ g: generation, o: offset + limit, q: `${start}|${end}` })).toString('base64url') : undefined;
    return {
      events: page.map((e) => ({ logStreamName: e.logStreamName, timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime, eventId: e.eventId })),
      searchedLogStreams: [],
      ...(next ? { nextToken: next } : {}),
    };
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>;
      } catch {
        // answered below as a serialization error
      }
      const record: FakeRequest = { at: Date.now(), target, body, status: 0 };
      requests.push(record);
      const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        record.status = status;
        const text = JSON.stringify(payload);
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': `req-${requests.length}`, 'content-length': Buffer.byteLength(text), ...headers });
        res.end(text);
      };
      const fail = (e: ApiError) => send(e.status, { __type: e.type, message: e.message }, { 'x-amzn-errortype': e.type, ...(e.retryAfter ? { 'retry-after': e.retryAfter } : {}) });
      try {
        if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) throw new ApiError(400, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
        const fault = faults.shift();
        if (fault) {
          switch (fault.kind) {
            case 'throttle':
              throw new ApiError(400, 'ThrottlingException', 'Rate exceeded', fault.retryAfter);
            case 'limit':
              throw new ApiError(400, 'LimitExceededException', 'Resource limit exceeded.');
            case 'outage':
              throw new ApiError(503, 'ServiceUnavailableException', 'Service Unavailable', fault.retryAfter);
            case 'reset':
              record.status = -1;
              req.socket.destroy();
              return;
            case 'error':
              throw new ApiError(fault.status, fault.type, fault.message);
          }
        }
        if (!target.startsWith(PREFIX)) throw new ApiError(400, 'UnknownOperationException', `unknown target ${target}`);
        const op = target.slice(PREFIX.length);
        if (op !== 'FilterLogEvents') throw new ApiError(400, 'UnknownOperationException', `operation ${op} is not implemented by the fake`);
        send(200, filterLogEvents(body));
      } catch (err) {
        if (err instanceof ApiError) fail(err);
        else send(500, { __type: 'ServiceUnavailableException', message: String(err) });
      }
    });
  });
  const listening = await listenOnLoopback(server);
  api.url = `http://127.0.0.1:${listening.port}`;
  stop = listening.close;
  return api;
}
