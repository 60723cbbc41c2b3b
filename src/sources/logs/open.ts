/**
 * A log source from plain settings (a CLI flag set or one entry of networkflow.config.json): loads only the
 * SDK of the provider asked for, as sources/open.ts does for object stores. One token bucket per provider
 * API is shared by all of that provider's sources, sized from the documented quotas unless configured.
 */
import { TokenBucket } from '../rate-limit.js';
import { SourceError } from '../types.js';
import { DEFAULT_RETRY_POLICY, type RetryHooks, type RetryPolicy } from '../retry.js';
import type { LogProvider, LogSource } from './types.js';

export type LogSourceSpec =
  | { provider: 'aws'; logGroup: string; logStreamNamePrefix?: string; filterPattern?: string; region?: string; profile?: string; endpoint?: string; pageSize?: number }
  | { provider: 'azure'; workspace: string; query: string; tenant?: string; endpoint?: string; sliceMinutes?: number }
  | { provider: 'gcp'; project?: string; filter?: string; endpoint?: string; pageSize?: number };

/**
 * Requests per second, per provider API, by default:
 * - AWS FilterLogEvents: 5 per second per account and Region (CloudWatch Logs quotas, "FilterLogEvents").
 * - Azure Monitor Log Analytics query API: 200 requests per 30 s per user or client address ("Log queries"
 *   limits) — 5 per second stays under it.
 * - Google Cloud Logging entries.list: 60 read requests per minute per project ("Logging API quotas").
 */
export const DEFAULT_LOG_RATES: Record<LogProvider, { ratePerSecond: number; burst: number }> = {
  aws: { ratePerSecond: 5, burst: 5 },
  azure: { ratePerSecond: 5, burst: 5 },
  gcp: { ratePerSecond: 1, burst: 1 },
};

export function logBuckets(rates: Partial<Record<LogProvider, { ratePerSecond: number; burst?: number }>> = {}): Record<LogProvider, TokenBucket> {
  const make = (p: LogProvider) => new TokenBucket({ ...DEFAULT_LOG_RATES[p], ...rates[p] });
  return { aws: make('aws'), azure: make('azure'), gcp: make('gcp') };
}

export interface OpenLogSourceOptions {
  buckets: Record<LogProvider, TokenBucket>;
  retry?: RetryPolicy;
  hooks?: RetryHooks;
  env?: NodeJS.ProcessEnv;
}

/** An SDK module that this installation leaves out (the container image carries the dashboard only). */
export async function loadLogModule<T>(provider: LogProvider, importer: () => Promise<T>): Promise<T> {
  try {
    return await importer();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    throw new SourceError(
      `log pulls from ${provider} are not part of this installation (${(err as Error).message.split('\n')[0]}): the container image carries the dashboard only; pull logs from a full install (npm ci) or npx networkflow`,
      { transient: false, target: provider },
    );
  }
}

export async function openLogSource(spec: LogSourceSpec, options: OpenLogSourceOptions): Promise<LogSource> {
  const common = { retry: options.retry, hooks: options.hooks, env: options.env };
  switch (spec.provider) {
    case 'aws': {
      const { createCloudWatchLogSource } = await loadLogModule('aws', () => import('./cloudwatch.js'));
      const { pageSize, ...rest } = spec;
      return createCloudWatchLogSource({ ...rest, limit: pageSize, ...common, bucket: options.buckets.aws });
    }
    case 'azure': {
      const { createAzureMonitorLogSource } = await loadLogModule('azure', () => import('./azure-monitor.js'));
      return createAzureMonitorLogSource({ workspaceId: spec.workspace, query: spec.query, tenantId: spec.tenant, endpoint: spec.endpoint, sliceMinutes: spec.sliceMinutes, ...common, bucket: options.buckets.azure });
    }
    case 'gcp': {
      const { createGcpLoggingSource } = await loadLogModule('gcp', () => import('./gcp-logging.js'));
      // Cloud Logging rarely sends Retry-After with a 429 and its read quota is per minute: back off up to a minute
      const retry = options.retry ?? { ...DEFAULT_RETRY_POLICY, maxAttempts: 8, maxDelayMs: 60_000 };
      return createGcpLoggingSource({ projectId: spec.project, filter: spec.filter, endpoint: spec.endpoint, pageSize: spec.pageSize, ...common, retry, bucket: options.buckets.gcp });
    }
  }
}
