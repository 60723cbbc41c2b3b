/** The text metrics and the anomaly list as plain label/value text for the DOM (which sets it as text). Pure. */
import type { Anomaly, EvidenceValue, FlowSummary } from '../index.js';
import { formatBytes, formatCount, formatPercent } from './text.js';
import { formatUtc } from './url-state.js';

/** /api/aggregates/summary: the summary with the anomalies' count and start times. */
export type SummaryWithAnomalies = FlowSummary & { anomalies: { count: number; timestamps: number[] } };

export interface Metric {
  label: string;
  value: string;
  /** Where tests and people can find it: `flows`, `bytes`, … */
  key: string;
}

export function summaryMetrics(s: SummaryWithAnomalies): Metric[] {
  const anomalyTimes = s.anomalies.timestamps.slice(0, 5).map(formatUtc).join(', ');
  const more = s.anomalies.timestamps.length > 5 ? ` and ${s.anomalies.timestamps.length - 5} more` : '';
  return [
    { key: 'flows', label: 'Total flows', value: formatCount(s.flows) },
    { key: 'bytes', label: 'Bytes', value: formatBytes(s.bytes) },
    { key: 'denial-rate', label: 'Denial rate', value: `${formatPercent(s.denialRate)} (${formatCount(s.denied)} denied)` },
    { key: 'sources', label: 'Distinct sources', value: formatCount(s.distinctSources) },
    { key: 'destinations', label: 'Distinct destinations', value: formatCount(s.distinctDestinations) },
    { key: 'span', label: 'Time span', value: s.start === null || s.end === null ? '—' : `${formatUtc(s.start)} – ${formatUtc(s.end)}` },
    { key: 'anomalies', label: 'Anomalies', value: s.anomalies.count === 0 ? 'none' : `${formatCount(s.anomalies.count)} at ${anomalyTimes}${more}` },
  ];
}

export interface AnomalyView {
  title: string;
  severity: Anomaly['severity'];
  window: string;
  entities: string;
  summary: string;
  evidence: [string, string][];
}

export function anomalyView(a: Anomaly): AnomalyView {
  const e = a.entities;
  const parts = [
    e.srcIps.length > 0 ? `sources ${e.srcIps.join(', ')}` : '',
    e.dstIps.length > 0 ? `destinations ${e.dstIps.join(', ')}` : '',
    e.ports.length > 0 ? `ports ${e.ports.join(', ')}` : '',
    e.countries.length > 0 ? `countries ${e.countries.join(', ')}` : '',
  ].filter((s) => s !== '');
  return {
    title: `${a.type} · ${a.severity} · ${formatCount(a.flows)} flows`,
    severity: a.severity,
    window: `${formatUtc(a.start)} – ${formatUtc(a.end)}`,
    entities: parts.join('; ') || 'no entities',
    summary: a.summary,
    evidence: Object.entries(a.evidence).map(([k, v]) => [k, evidenceText(v)]),
  };
}

export function evidenceText(v: EvidenceValue): string {
  if (v === null) return '—';
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'number' ? formatNumber(x) : x)).join(', ');
  if (typeof v === 'number') return formatNumber(v);
  return String(v);
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? formatCount(n) : n.toPrecision(4);
}
