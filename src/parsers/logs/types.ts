/**
 * Cloud-log formats: the same shape as the flow formats (detect by content, a pure streaming parser), with
 * events instead of flows. Each format module also exports the normalizer of one already-parsed record, so
 * the log-API sources (src/sources/logs/) turn SDK responses into the same EventRecords as files give.
 */
import type { Diagnostic, EventRecord, Provider } from '../../model/index.js';
import type { ByteSource, ParseOptions } from '../types.js';

export type LogFormatId = 'aws-cloudwatch' | 'aws-cloudtrail' | 'azure-monitor' | 'azure-activity' | 'gcp-logging';

export interface LogParseOptions extends ParseOptions {
  /**
   * What a record does not say about itself but its container does: the CloudWatch log group and stream
   * of an API page or an S3 export, the account and region of a CloudTrail object key, the Log Analytics
   * table of a query result.
   */
  context?: LogContext;
}

export interface LogContext {
  logGroup?: string;
  logStream?: string;
  accountId?: string;
  region?: string;
  table?: string;
}

export interface LogParseBatch {
  events: EventRecord[];
  diagnostics: Diagnostic[];
}

/** Pure and streaming; never throws on bad data (diagnostics instead), like FlowParser. */
export type LogParser = (input: ByteSource, options: LogParseOptions) => AsyncGenerator<LogParseBatch, void, undefined>;

export interface LogFormat {
  id: LogFormatId;
  description: string;
  provider: Provider;
  /** 0 = not mine, 1 = certain, from the head of an input (decoded text, BOM removed). Must not throw. */
  detect(head: string): number;
  parse: LogParser;
}
