/**
 * Detection quality against labelled anomalies (the generator's truth.json, or any list of the same shape):
 * precision per detector type (its detections that point to a labelled anomaly it can legitimately report)
 * and recall per detector type (the labelled anomalies it is meant to find that it found).
 *
 * A detection matches a label when their windows overlap (with `toleranceMs` of slack) and they share an
 * entity: an address of either end, or the country for country-level detections.
 */
import { ANOMALY_KINDS, type Anomaly, type AnomalyKind } from './anomaly-types.js';

/** One labelled anomaly, as truth.json writes it. */
export interface LabelledAnomaly {
  type: string;
  /** ISO 8601 or epoch ms; the anomaly's flows start in [start, end). */
  start: string | number;
  end: string | number;
  entities: { src_ips: string[]; dst_ips: string[]; ports?: number[]; country?: string };
}

/** Which labelled types a detection of each kind may match (what it can legitimately be caused by). */
export const MATCHABLE_LABELS: Readonly<Record<AnomalyKind, readonly string[] | 'any'>> = {
  // volume moves with any injected activity; the spike names the entities that grew
  'traffic-spike': 'any',
  // scans are mostly denied probes and raise the denied count too
  'denied-spike': ['denied-spike', 'vertical-scan', 'horizontal-scan'],
  'vertical-scan': ['vertical-scan'],
  'horizontal-scan': ['horizontal-scan'],
  'persistent-connection': ['persistent-connection'],
  'lateral-movement': ['lateral-movement'],
  'rare-country': 'any',
  'new-external-talker': 'any',
};

/** The labelled types each detector is meant to find (its recall is measured over these). */
export const EXPECTED_LABELS: Readonly<Record<AnomalyKind, readonly string[]>> = {
  'traffic-spike': ['exfiltration'],
  'denied-spike': ['denied-spike'],
  'vertical-scan': ['vertical-scan'],
  'horizontal-scan': ['horizontal-scan'],
  'persistent-connection': ['persistent-connection'],
  'lateral-movement': ['lateral-movement'],
  // the generator sends both to countries outside its baseline peers, from new addresses
  'rare-country': ['exfiltration', 'persistent-connection'],
  'new-external-talker': ['exfiltration', 'persistent-connection'],
};

export interface KindScore {
  detections: number;
  truePositives: number;
  /** truePositives / detections; null with no detections. */
  precision: number | null;
  expected: number;
  found: number;
  /** found / expected; null when nothing of its kind was labelled. */
  recall: number | null;
}

export interface QualityReport {
  byKind: Record<AnomalyKind, KindScore>;
  /** Detections matching no label they may match. */
  falsePositives: Anomaly[];
  /** Labels a detector meant to find them missed, with that detector. */
  missed: { label: LabelledAnomaly; kind: AnomalyKind }[];
}

function ms(v: string | number): number {
  return typeof v === 'number' ? v : Date.parse(v);
}

export function matches(a: Anomaly, label: LabelledAnomaly, toleranceMs = 60_000): boolean {
  if (!(ms(label.start) < a.end + toleranceMs && ms(label.end) > a.start - toleranceMs)) return false;
  const ips = new Set([...label.entities.src_ips, ...label.entities.dst_ips]);
  if ([...a.entities.srcIps, ...a.entities.dstIps].some((ip) => ips.has(ip))) return true;
  return label.entities.country !== undefined && a.entities.countries.includes(label.entities.country);
}

function matchable(kind: AnomalyKind, label: LabelledAnomaly): boolean {
  const allowed = MATCHABLE_LABELS[kind];
  return allowed === 'any' || allowed.includes(label.type);
}

export function scoreAnomalies(detections: readonly Anomaly[], labels: readonly LabelledAnomaly[], toleranceMs = 60_000): QualityReport {
  const byKind = {} as Record<AnomalyKind, KindScore>;
  const falsePositives: Anomaly[] = [];
  const missed: QualityReport['missed'] = [];
  for (const kind of ANOMALY_KINDS) {
    const mine = detections.filter((a) => a.type === kind);
    let truePositives = 0;
    for (const a of mine) {
      if (labels.some((l) => matchable(kind, l) && matches(a, l, toleranceMs))) truePositives++;
      else falsePositives.push(a);
    }
    const expected = labels.filter((l) => EXPECTED_LABELS[kind].includes(l.type));
    let found = 0;
    for (const label of expected) {
      if (mine.some((a) => matches(a, label, toleranceMs))) found++;
      else missed.push({ label, kind });
    }
    byKind[kind] = {
      detections: mine.length,
      truePositives,
      precision: mine.length === 0 ? null : truePositives / mine.length,
      expected: expected.length,
      found,
      recall: expected.length === 0 ? null : found / expected.length,
    };
  }
  return { byKind, falsePositives, missed };
}

/** Sums reports (e.g. over several seeds) into one. */
export function mergeQuality(reports: readonly QualityReport[]): QualityReport {
  const byKind = {} as Record<AnomalyKind, KindScore>;
  for (const kind of ANOMALY_KINDS) {
    const s = reports.map((r) => r.byKind[kind]);
    const detections = s.reduce((n, x) => n + x.detections, 0);
    const truePositives = s.reduce((n, x) => n + x.truePositives, 0);
    const expected = s.reduce((n, x) => n + x.expected, 0);
    const found = s.reduce((n, x) => n + x.found, 0);
    byKind[kind] = {
      detections,
      truePositives,
      precision: detections === 0 ? null : truePositives / detections,
      expected,
      found,
      recall: expected === 0 ? null : found / expected,
    };
  }
  return { byKind, falsePositives: reports.flatMap((r) => r.falsePositives), missed: reports.flatMap((r) => r.missed) };
}
