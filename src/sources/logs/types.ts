/**
 * Log APIs as sources: CloudWatch Logs, Azure Monitor Logs (Log Analytics), Google Cloud Logging behind one
 * interface, so `networkflow logs pull` (ingest/logs-pull.ts) pages, stores, checkpoints and resumes them
 * alike. A source only talks to its API: it turns responses into EventRecords with the log parsers'
 * normalizers, classifies failures as SourceErrors (transient with Retry-After, or permanent), and never
 * writes anything.
 *
 * Pagination and resume: a pull covers a time window [since, until). `pages` yields one page at a time with
 * a `cursor` from which a later call continues *after* that page (the provider's page token plus whatever
 * else is needed, JSON-serializable); the caller stores the page durably and then checkpoints the cursor, so
 * a pull killed at any point resumes from the last stored page. The same page may therefore be delivered
 * twice around a crash; `event_id` on every event lets the store drop such duplicates.
 */
import type { Diagnostic, EventRecord } from '../../model/index.js';
import type { RetryHooks, RetryPolicy } from '../retry.js';
import type { TokenBucket } from '../rate-limit.js';

export type LogProvider = 'aws' | 'azure' | 'gcp';

export interface LogWindow {
  /** Epoch ms, inclusive. */
  since: number;
  /** Epoch ms, exclusive. */
  until: number;
}

/** Opaque to the caller; JSON-serializable (it is written to the checkpoint file as is). */
export type LogCursor = Record<string, unknown>;

export interface LogPage {
  events: EventRecord[];
  diagnostics: Diagnostic[];
  /** Where the next call continues after this page; null when the window is exhausted. */
  cursor: LogCursor | null;
  /** API requests this page took (retries included), for the summary. */
  requests: number;
}

export interface LogSourceOptions {
  /** Requests to this API wait for a token here (one bucket per provider API, shared by its sources). */
  bucket: TokenBucket;
  retry?: RetryPolicy;
  hooks?: RetryHooks;
  /** Credentials' environment (default process.env); SDK default chains apply. */
  env?: NodeJS.ProcessEnv;
}

export interface LogSource {
  readonly provider: LogProvider;
  /** Stable id for checkpoints and file names: `aws:us-east-1:/aws/lambda/f`, `azure:<workspace>:<query hash>`. */
  readonly id: string;
  /** Human description for progress and errors. */
  readonly description: string;
  /** Pages of the window from `cursor` (null: from its start). */
  pages(window: LogWindow, cursor: LogCursor | null, signal?: AbortSignal): AsyncGenerator<LogPage, void, undefined>;
}
