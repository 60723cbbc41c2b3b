/**
 * The cloud-log formats networkflow reads, detected by content as the flow formats are (parsers/registry.ts).
 */
import { cloudTrailFormat } from './cloudtrail.js';
import { cloudWatchFormat } from './cloudwatch.js';
import { azureActivityFormat } from './azure-activity.js';
import { azureMonitorFormat } from './azure-monitor.js';
import { gcpLoggingFormat } from './gcp-logging.js';
import type { LogFormat, LogFormatId } from './types.js';

export const LOG_FORMATS: readonly LogFormat[] = [cloudWatchFormat, cloudTrailFormat, azureMonitorFormat, azureActivityFormat, gcpLoggingFormat];

export const LOG_FORMAT_IDS: readonly LogFormatId[] = LOG_FORMATS.map((f) => f.id);

export function isLogFormatId(id: string): id is LogFormatId {
  return (LOG_FORMAT_IDS as readonly string[]).includes(id);
}

export function getLogFormat(id: LogFormatId): LogFormat {
  const format = LOG_FORMATS.find((f) => f.id === id);
  if (!format) throw new Error(`unknown log format id ${id}`);
  return format;
}

export interface LogDetection {
  format: LogFormat;
  confidence: number;
}

/** The most likely log format of an input from its head; null if none claims it. */
export function detectLogFormat(head: string): LogDetection | null {
  const text = head.charCodeAt(0) === 0xfeff ? head.slice(1) : head;
  let best: LogDetection | null = null;
  for (const format of LOG_FORMATS) {
    let confidence = 0;
    try {
      confidence = format.detect(text);
    } catch {
      confidence = 0;
    }
    if (confidence > 0 && (best === null || confidence > best.confidence)) best = { format, confidence };
  }
  return best;
}
