/**
 * Amazon CloudWatch Logs as a LogSource: FilterLogEvents over one log group (optionally a stream-name prefix and
 * a filter pattern), through the official @aws-sdk/client-cloudwatch-logs.
 *
 * Paging: one FilterLogEvents call per page with startTime = window.since and endTime = window.until − 1 (the API's
 * endTime is inclusive: "events with a timestamp later than this time are not returned"; our windows end
 * exclusively), `limit` events at most (API default and maximum 10 000, or 1 MB), following nextToken until the
 * answer has none. A page may hold no events and still a nextToken (the service searched some streams): it is
 * yielded all the same so its cursor is checkpointed.
 *
 * Cursor (JSON): `{ nextToken, startTime, lastTimestamp }` — the token to continue after the page, the startTime
 * the token was issued for (a token is only valid with the parameters it came with) and the newest event time
 * delivered so far. FilterLogEvents tokens expire (about 24 hours). When a resumed token is refused
 * (InvalidParameterException naming the token), the source starts the window again from `lastTimestamp`
 * (inclusive, so events sharing that millisecond come again) without a token, and says so with a warning
 * diagnostic `token-expired`; events delivered twice carry the same eventId (event_id), which the store
 * dedupes. This relies on FilterLogEvents answering in ascending time order (interleaved results, the only
 * mode since 2019).
 *
 * Rate and retries: every request (retries included) first takes a token from `options.bucket`. The documented
 * quota is 5 FilterLogEvents transactions per second per account per Region ("CloudWatch Logs quotas",
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html — adjustable through
 * Service Quotas); the orchestrator sizes the bucket from it. The SDK's own retries are off (maxAttempts 1);
 * withRetry (src/sources/retry.ts) retries ThrottlingException, LimitExceededException, ServiceUnavailable,
 * 429/5xx and network failures with backoff and jitter, honouring a Retry-After header when there is one.
 * Authentication, authorization, missing log groups and bad parameters are permanent SourceErrors that say
 * what to fix (no credential ever appears in a message).
 *
 * Credentials: the SDK's default chain (env, shared config/credentials files with `profile`, SSO, web identity,
 * container and instance metadata). `credentials` is the injection seam for tests and embedding.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { CloudWatchLogsClient, FilterLogEventsCommand, type CloudWatchLogsClientConfig, type FilterLogEventsCommandOutput } from '@aws-sdk/client-cloudwatch-logs';
import { diagnostic, type Diagnostic, type EventRecord } from '../../model/index.js';
import { normalizeCloudWatchEvent } from '../../parsers/logs/cloudwatch.js';
import { DEFAULT_RETRY_POLICY, parseRetryAfter, TRANSIENT_NETWORK_CODES, withRetry } from '../retry.js';
import { SourceError } from '../types.js';
import type { LogCursor, LogPage, LogSource, LogSourceOptions, LogWindow } from './types.js';

export interface CloudWatchLogSourceOptions extends LogSourceOptions {
  /** Log group name (`/aws/lambda/f`) or ARN. */
  logGroup: string;
  logStreamNamePrefix?: string;
  /** CloudWatch Logs filter pattern syntax; all events when absent. */
  filterPattern?: string;
  /** Default: AWS_REGION, AWS_DEFAULT_REGION, the profile's region in the shared config file, else us-east-1. */
  region?: string;
  /** Named profile of the shared config/credentials files (default AWS_PROFILE, else `default`). */
  profile?: string;
  /** Custom endpoint (tests, VPC endpoints, emulators). */
  endpoint?: string;
  /** The account that owns the log group, when known (Lambda resource ARNs need it). */
  accountId?: string;
  /** Events per page asked of the API (1–10 000). */
  limit?: number;
  /** Connect / inactivity limit per request. */
  requestTimeoutMs?: number;
  /** Test seam: credentials (or a provider) instead of the default chain. */
  credentials?: CloudWatchLogsClientConfig['credentials'];
}

const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

/** The region of a profile in the shared config file (`[default]`, `[profile name]`), read synchronously. */
function profileRegion(env: NodeJS.ProcessEnv, profile: string): string | null {
  const file = env.AWS_CONFIG_FILE ?? path.join(homedir(), '.aws', 'config');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const wanted = profile === 'default' ? ['default', 'profile default'] : [`profile ${profile}`];
  let inSection = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('[')) {
      inSection = wanted.includes(line.slice(1, line.indexOf(']')).trim());
      continue;
    }
    if (!inSection) continue;
    const eq = line.indexOf('=');
    if (eq !== -1 && line.slice(0, eq).trim() === 'region') return line.slice(eq + 1).trim() || null;
  }
  return null;
}

/** Region: explicit, AWS_REGION, AWS_DEFAULT_REGION, the profile's region, else us-east-1 (known synchronously: it is part of the id). */
export function resolveAwsRegion(explicit: string | undefined, profile: string | undefined, env: NodeJS.ProcessEnv): string {
  return explicit ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? profileRegion(env, profile ?? env.AWS_PROFILE ?? 'default') ?? 'us-east-1';
}

// ---------------------------------------------------------------------------------------------------------
// Error classification

const TRANSIENT_NAMES = new Set([
  'ThrottlingException',
  'LimitExceededException',
  'ServiceUnavailableException',
  'ServiceUnavailable',
  'InternalFailure',
  'InternalServerError',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);
const CREDENTIAL_NAMES = new Set([
  'CredentialsProviderError',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'IncompleteSignature',
  'ExpiredTokenException',
  'MissingAuthenticationTokenException',
  'InvalidClientTokenId',
]);

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string | undefined> };
}

/** The SDK's errors hold the raw request (signature included): keep only name and message as the cause. */
function slimCause(e: SdkErrorShape): Error {
  const cause = new Error(e.message ?? 'unknown error');
  cause.name = e.name ?? 'Error';
  return cause;
}

/** A resumed nextToken the service no longer accepts. */
export function isTokenRejected(err: unknown): boolean {
  const e = (err ?? {}) as SdkErrorShape;
  return e.name === 'InvalidParameterException' && /token/i.test(e.message ?? '');
}

/** Whatever the SDK or the socket threw, as a SourceError that says whether to retry and what to fix. */
export function cloudWatchError(err: unknown, target: string, logGroup: string, region: string): SourceError {
  if (err instanceof SourceError) return err;
  const e = (err ?? {}) as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode ?? null;
  const name = e.name ?? 'Error';
  const what = `CloudWatch Logs FilterLogEvents on ${logGroup} (${region})`;
  if (name === 'AbortError') return new SourceError(`${what} was cancelled.`, { transient: false, target });
  if (CREDENTIAL_NAMES.has(name) || status === 401) {
    // the SDK's message may name the access key id: not kept
    return new SourceError(
      `${what} failed: the AWS credentials were refused or not found (${name}${status ? ` ${status}` : ''}). Check AWS_PROFILE / --profile or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or run 'aws sso login'), and that the session has not expired.`,
      { transient: false, target, status },
    );
  }
  if (name === 'AccessDeniedException' || status === 403) {
    return new SourceError(
      `${what} failed: access denied (${name}${status ? ` ${status}` : ''}). The identity from the AWS credential chain needs logs:FilterLogEvents on arn:aws:logs:${region}:<account>:log-group:${logGroup}.`,
      { transient: false, target, status: status ?? 403 },
    );
  }
  if (name === 'ResourceNotFoundException') {
    return new SourceError(`${what} failed: the log group does not exist in ${region} (ResourceNotFoundException). Check the log group name and the region/profile.`, {
      transient: false,
      target,
      status,
      cause: slimCause(e),
    });
  }
  const transient =
    TRANSIENT_NAMES.has(name) ||
    (status !== null && (status === 429 || status >= 500)) ||
    (e.code !== undefined && TRANSIENT_NETWORK_CODES.has(e.code)) ||
    /socket hang up|premature close|ECONNRESET/i.test(e.message ?? '');
  if (transient) {
    return new SourceError(`${what} failed for now (${name === 'Error' && e.code ? e.code : name}${status ? ` ${status}` : ''}); it will be retried.`, {
      transient: true,
      target,
      status,
      retryAfterMs: parseRetryAfter(e.$response?.headers?.['retry-after']),
      cause: slimCause(e),
    });
  }
  return new SourceError(`${what} failed (${name}${status ? ` ${status}` : ''}): ${e.message ?? 'unknown error'}. Check the source's parameters (filter pattern, stream prefix, limit).`, {
    transient: false,
    target,
    status,
    cause: slimCause(e),
  });
}

class TokenRejected extends Error {}

const MAX_TOKEN_RESTARTS = 3;

// ---------------------------------------------------------------------------------------------------------
// The source

interface CloudWatchCursor {
  nextToken: string;
  startTime: number;
  lastTimestamp: number | null;
}

function readCursor(c: LogCursor | null): CloudWatchCursor | null {
  if (c === null || typeof c.nextToken !== 'string' || typeof c.startTime !== 'number') return null;
  return { nextToken: c.nextToken, startTime: c.startTime, lastTimestamp: typeof c.lastTimestamp === 'number' ? c.lastTimestamp : null };
}

export function createCloudWatchLogSource(options: CloudWatchLogSourceOptions): LogSource {
  const env = options.env ?? process.env;
  const region = resolveAwsRegion(options.region, options.profile, env);
  const group = options.logGroup;
  const groupName = group.startsWith('arn:') ? group.replace(/^.*:log-group:/, '').replace(/:\*$/, '') : group;
  const id = `aws:${region}:${groupName}${options.logStreamNamePrefix ? `:${options.logStreamNamePrefix}` : ''}`;
  const policy = options.retry ?? DEFAULT_RETRY_POLICY;
  const timeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const context: Parameters<typeof normalizeCloudWatchEvent>[1] = { logGroup: groupName, region, accountId: options.accountId ?? (group.startsWith('arn:') ? group.split(':')[4] : undefined) };
  let client: CloudWatchLogsClient | null = null;
  const getClient = () =>
    (client ??= new CloudWatchLogsClient({
      region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.profile ? { profile: options.profile } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      // No SDK retries: withRetry owns them (backoff, jitter, Retry-After, the bucket before every attempt).
      maxAttempts: 1,
      requestHandler: { connectionTimeout: timeout, requestTimeout: timeout },
    }));

  // The client (and its keep-alive sockets) lives while some `pages` call runs, so an idle source holds no socket.
  let active = 0;
  async function* pages(window: LogWindow, cursor: LogCursor | null, signal?: AbortSignal): AsyncGenerator<LogPage, void, undefined> {
    active++;
    try {
      yield* run(window, cursor, signal);
    } finally {
      if (--active === 0 && client !== null) {
        client.destroy();
        client = null;
      }
    }
  }

  async function* run(window: LogWindow, cursor: LogCursor | null, signal?: AbortSignal): AsyncGenerator<LogPage, void, undefined> {
    if (window.until <= window.since) return;
    const resumed = readCursor(cursor);
    let token: string | undefined = resumed?.nextToken;
    let startTime = resumed?.startTime ?? window.since;
    let lastTimestamp = resumed?.lastTimestamp ?? null;
    let pending: Diagnostic[] = [];
    let requests = 0;
    // restarts from the same time in a row: a refusal after a restart that gained nothing (more events in one
    // millisecond than a page holds) would loop forever
    let stuck = 0;
    let lastRestart: number | null = null;
    for (;;) {
      let out: FilterLogEventsCommandOutput;
      try {
        out = await withRetry(
          async (_attempt, attemptSignal) => {
            signal?.throwIfAborted();
            await options.bucket.take(attemptSignal);
            requests++;
            try {
              return await getClient().send(
                new FilterLogEventsCommand({
                  ...(group.startsWith('arn:') ? { logGroupIdentifier: group } : { logGroupName: group }),
                  ...(options.logStreamNamePrefix ? { logStreamNamePrefix: options.logStreamNamePrefix } : {}),
                  ...(options.filterPattern ? { filterPattern: options.filterPattern } : {}),
                  startTime,
                  endTime: window.until - 1,
                  ...(options.limit ? { limit: options.limit } : {}),
                  ...(token ? { nextToken: token } : {}),
                }),
                { abortSignal: attemptSignal },
              );
            } catch (err) {
              if (token !== undefined && isTokenRejected(err)) throw new TokenRejected();
              throw cloudWatchError(err, id, groupName, region);
            }
          },
          policy,
          { ...options.hooks, signal: signal ?? options.hooks?.signal, target: id },
        );
      } catch (err) {
        if (!(err instanceof TokenRejected)) throw err;
        // The token expired: start again from the newest event already delivered (dedupe on event_id).
        const from = lastTimestamp ?? startTime;
        stuck = from === lastRestart ? stuck + 1 : 1;
        lastRestart = from;
        if (stuck >= MAX_TOKEN_RESTARTS) {
          throw new SourceError(
            `${id}: the service refused the nextToken again after restarting from ${new Date(from).toISOString()} ${stuck} times; giving up (a larger --limit, or try again later)`,
            { transient: false, target: id },
          );
        }
        pending.push(
          diagnostic(
            id,
            null,
            'nextToken',
            'token-expired',
            `${id}: the service refused the saved nextToken (expired); reading again from ${new Date(from).toISOString()}, events already stored are dropped as duplicates by eventId`,
            'warning',
          ),
        );
        token = undefined;
        startTime = from;
        continue;
      }
      const events: EventRecord[] = [];
      const diagnostics = pending;
      pending = [];
      const list = out.events ?? [];
      for (let i = 0; i < list.length; i++) {
        const rec = normalizeCloudWatchEvent(list[i], context, id, i + 1, diagnostics);
        if (rec === null) continue;
        events.push(rec);
        if (rec.timestamp !== null && (lastTimestamp === null || rec.timestamp > lastTimestamp)) lastTimestamp = rec.timestamp;
      }
      token = out.nextToken;
      const next: LogCursor | null = token ? { nextToken: token, startTime, lastTimestamp } : null;
      const page: LogPage = { events, diagnostics, cursor: next, requests };
      requests = 0;
      yield page;
      if (!token) return;
    }
  }

  return {
    provider: 'aws',
    id,
    description: `CloudWatch Logs ${groupName}${options.logStreamNamePrefix ? ` (streams ${options.logStreamNamePrefix}*)` : ''}${options.filterPattern ? ` matching ${JSON.stringify(options.filterPattern)}` : ''} in ${region}`,
    pages,
  };
}
