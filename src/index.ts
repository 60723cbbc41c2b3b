/**
 * networkflow — the library API. Every capability is exported here; the CLI and later faces are thin
 * layers over it.
 */
export * from './model/index.js';
export type { ByteSource, FlowFormat, FlowFormatId, FlowParser, ParseBatch, ParseOptions } from './parsers/types.js';
export { FLOW_FORMATS, FLOW_FORMAT_IDS, detectFlowFormat, getFlowFormat, isFlowFormatId, type Detection } from './parsers/registry.js';
export { csvFormat } from './parsers/flow/csv.js';
export { azureNsgFormat } from './parsers/flow/azure-nsg.js';
export { azureVnetFormat } from './parsers/flow/azure-vnet.js';
export { awsVpcFormat } from './parsers/flow/aws-vpc.js';
export { gcpVpcFormat } from './parsers/flow/gcp-vpc.js';
export { normalizeIp } from './parsers/ip.js';
export { unwrap, detectContainer, DEFAULT_LIMITS, type ContainerEntry, type ContainerKind, type ContainerLimits } from './containers/index.js';
export { decodeFlows, type DecodeEvent, type DecodeOptions } from './ingest/decode.js';
export {
  parseInputs,
  parseLocalInputs,
  DEFAULT_CONCURRENCY,
  DEFAULT_TIME_SLACK_MS,
  type ParseInputsDeps,
  type ParseInputsHandlers,
  type ParseInputsOptions,
  type ParseInputsResult,
} from './ingest/parse-inputs.js';
export { emptySummary, formatSummary, countDiagnostic, type RunSummary, type ObjectFailure } from './ingest/summary.js';
export * from './generate/index.js';
export { loadIpCountryDb, type IpCountryDb } from './sources/ip-country.js';
export { SourceError, type ObjectInfo, type ObjectSource, type ListOptions, type ReadOptions, type SourceKind } from './sources/types.js';
export {
  parseLocation,
  azureLocationFromFlags,
  isUri,
  normalizePrefix,
  prefixPath,
  withPrefix,
  type LocationKind,
  type SourceLocation,
  type SourceOptions,
} from './sources/uri.js';
export { LocalSource, createLocalSource, localEtag, STDIN } from './sources/local.js';
export {
  withRetry,
  resilientRead,
  backoffDelay,
  parseRetryAfter,
  isTransientError,
  DEFAULT_RETRY_POLICY,
  type RetryPolicy,
  type RetryHooks,
  type RetryAttemptInfo,
} from './sources/retry.js';
export { keyTimeRange, inWindow, parseTimeBound, type TimeRange, type TimeWindow } from './sources/time-window.js';
export { openSource, openLocalFile, CLOUD_LOADERS, type SourceFactory } from './sources/open.js';
export { ingest, type IngestOptions, type IngestProgress, type IngestSummary } from './ingest/ingest.js';
export * from './ingest/progress.js';
export * from './store/schema.js';
export * from './store/manifest.js';
export { openDuckDB, type DuckDB, type DuckDBOptions } from './store/duckdb.js';
export * from './store/filter-sql.js';
export * from './store/filter-params.js';
export * from './store/flow-store.js';
export * from './store/lake-files.js';
export * from './store/rollups.js';
export * from './analytics/index.js';
export * from './verify/index.js';
export type { LogContext, LogFormat, LogFormatId, LogParseBatch, LogParseOptions, LogParser } from './parsers/logs/types.js';
export { LOG_FORMATS, LOG_FORMAT_IDS, detectLogFormat, getLogFormat, isLogFormatId, type LogDetection } from './parsers/logs/registry.js';
export { severityNumber } from './parsers/logs/severity.js';
export { TokenBucket, type TokenBucketOptions } from './sources/rate-limit.js';
export type { LogCursor, LogPage, LogProvider, LogSource, LogSourceOptions, LogWindow } from './sources/logs/types.js';
export { DEFAULT_LOG_RATES, logBuckets, openLogSource, type LogSourceSpec, type OpenLogSourceOptions } from './sources/logs/open.js';
export {
  EventLake,
  EVENTS_DIR,
  EVENTS_MANIFEST_FILE,
  emptyCheckpoint,
  readEventManifest,
  type CommitResult,
  type EventFile,
  type EventManifest,
  type SourceCheckpoint,
} from './store/event-lake.js';
export { pullLogs, nextGap, joinCovered, type FollowOptions, type LogPullOptions, type LogPullProgress, type LogPullSourceResult, type LogPullSpec } from './ingest/logs-pull.js';
export { createObjectLogSource, type ObjectLogSourceOptions } from './ingest/object-log-source.js';
