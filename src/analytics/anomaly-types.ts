/**
 * The anomaly record every detector returns, and the options of detectAnomalies (src/analytics/anomalies.ts).
 * A record names what is unusual (type, entities, window), how unusual (score, severity), the numbers behind
 * the call (evidence) and a Filter that selects the flows behind it, so any face can drill down.
 */
import type { Filter } from '../model/filter.js';

export const ANOMALY_KINDS = [
  'traffic-spike',
  'denied-spike',
  'vertical-scan',
  'horizontal-scan',
  'persistent-connection',
  'lateral-movement',
  'rare-country',
  'new-external-talker',
] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface AnomalyEntities {
  /** Sorted; at most a handful (the main contributors), the full count is in evidence. */
  srcIps: string[];
  dstIps: string[];
  ports: number[];
  /** ISO 3166-1 alpha-2 codes. */
  countries: string[];
}

/** Evidence values are plain data: numbers, text, or short lists of them. */
export type EvidenceValue = number | string | boolean | null | number[] | string[];

export interface Anomaly {
  /** Stable for the same data and options: type, window and main entities hashed. */
  id: string;
  type: AnomalyKind;
  /** Epoch ms; the anomaly's flows start in [start, end). */
  start: number;
  end: number;
  entities: AnomalyEntities;
  /** How far past its threshold (≥ 1 means at or over the threshold; larger is stronger). */
  score: number;
  severity: Severity;
  /** One sentence for people. */
  summary: string;
  evidence: Record<string, EvidenceValue>;
  /** Flows behind the anomaly (those that `filter` selects, within the analysis filter). */
  flows: number;
  /** Selects the flows behind the anomaly: the analysis filter narrowed to the window and main entity. */
  filter: Filter;
}
