/** Matching detections to labels, and precision/recall per detector type. */
import { describe, expect, it } from 'vitest';
import { EXPECTED_LABELS, MATCHABLE_LABELS, matches, mergeQuality, scoreAnomalies, type LabelledAnomaly } from '../../src/analytics/anomaly-score.js';
import { ANOMALY_KINDS, type Anomaly, type AnomalyKind } from '../../src/analytics/anomaly-types.js';

const T = Date.parse('2026-11-02T10:00:00Z');
const MIN = 60_000;

function det(type: AnomalyKind, start: number, end: number, e: Partial<Anomaly['entities']>): Anomaly {
  return {
    id: `${type}-${start}`, type, start, end, score: 1, severity: 'low', summary: '', evidence: {}, flows: 1, filter: {},
    entities: { srcIps: [], dstIps: [], ports: [], countries: [], ...e },
  };
}
const lbl = (type: string, start: number, end: number, e: Partial<LabelledAnomaly['entities']>): LabelledAnomaly => ({
  type, start: new Date(start).toISOString(), end: new Date(end).toISOString(), entities: { src_ips: [], dst_ips: [], ...e },
});

describe('matches', () => {
  const l = lbl('vertical-scan', T, T + 10 * MIN, { src_ips: ['1.2.3.4'], dst_ips: ['10.0.0.1'], country: 'RU' });
  it('needs overlapping windows (with tolerance) and a shared address or country', () => {
    expect(matches(det('vertical-scan', T + MIN, T + 2 * MIN, { srcIps: ['1.2.3.4'] }), l)).toBe(true);
    expect(matches(det('vertical-scan', T + MIN, T + 2 * MIN, { dstIps: ['10.0.0.1'] }), l)).toBe(true);
    expect(matches(det('rare-country', T + MIN, T + 2 * MIN, { countries: ['RU'] }), l)).toBe(true);
    expect(matches(det('vertical-scan', T + MIN, T + 2 * MIN, { srcIps: ['9.9.9.9'] }), l)).toBe(false);
    expect(matches(det('vertical-scan', T + 11 * MIN + 1, T + 20 * MIN, { srcIps: ['1.2.3.4'] }), l)).toBe(false);
    expect(matches(det('vertical-scan', T + 10 * MIN + 30_000, T + 20 * MIN, { srcIps: ['1.2.3.4'] }), l)).toBe(true);
    expect(matches(det('vertical-scan', T - 30 * MIN, T - 2 * MIN, { srcIps: ['1.2.3.4'] }), l, 0)).toBe(false);
    expect(matches(det('vertical-scan', T - 30 * MIN, T - 2 * MIN, { srcIps: ['1.2.3.4'] }), { ...l, start: T, end: T + 10 * MIN }, 5 * MIN)).toBe(true);
  });
});

describe('scoreAnomalies', () => {
  const labels = [
    lbl('vertical-scan', T, T + 10 * MIN, { src_ips: ['1.2.3.4'], dst_ips: ['10.0.0.1'] }),
    lbl('lateral-movement', T + 60 * MIN, T + 80 * MIN, { src_ips: ['10.0.0.9'], dst_ips: ['10.0.0.2'] }),
    lbl('exfiltration', T + 120 * MIN, T + 180 * MIN, { src_ips: ['10.0.0.7'], dst_ips: ['5.6.7.8'], country: 'KP' }),
  ];
  it('counts a detection true only against a label its type may match, and recall over the labels it should find', () => {
    const detections = [
      det('vertical-scan', T, T + 9 * MIN, { srcIps: ['1.2.3.4'] }),
      det('vertical-scan', T + 60 * MIN, T + 61 * MIN, { srcIps: ['10.0.0.9'] }), // a lateral movement is not a vertical scan
      det('denied-spike', T, T + 10 * MIN, { srcIps: ['1.2.3.4'] }), // the scan seen as denied volume
      det('traffic-spike', T + 125 * MIN, T + 170 * MIN, { srcIps: ['10.0.0.7'] }),
      det('rare-country', T + 120 * MIN, T + 180 * MIN, { countries: ['KP'] }),
    ];
    const r = scoreAnomalies(detections, labels);
    expect(r.byKind['vertical-scan']).toEqual({ detections: 2, truePositives: 1, precision: 0.5, expected: 1, found: 1, recall: 1 });
    expect(r.byKind['denied-spike']).toMatchObject({ detections: 1, truePositives: 1, precision: 1, expected: 0, recall: null });
    expect(r.byKind['lateral-movement']).toMatchObject({ detections: 0, precision: null, expected: 1, found: 0, recall: 0 });
    expect(r.byKind['traffic-spike']).toMatchObject({ precision: 1, recall: 1 });
    expect(r.byKind['rare-country']).toMatchObject({ precision: 1, recall: 1, expected: 1 });
    expect(r.byKind['new-external-talker']).toMatchObject({ detections: 0, expected: 1, recall: 0 });
    expect(r.falsePositives.map((a) => a.start)).toEqual([T + 60 * MIN]);
    expect(r.missed.map((m) => `${m.kind}:${m.label.type}`).sort()).toEqual(['lateral-movement:lateral-movement', 'new-external-talker:exfiltration']);
  });

  it('merges reports by summing counts', () => {
    const a = scoreAnomalies([det('vertical-scan', T, T + MIN, { srcIps: ['1.2.3.4'] })], labels);
    const b = scoreAnomalies([det('vertical-scan', T, T + MIN, { srcIps: ['7.7.7.7'] })], labels);
    const m = mergeQuality([a, b]);
    expect(m.byKind['vertical-scan']).toEqual({ detections: 2, truePositives: 1, precision: 0.5, expected: 2, found: 1, recall: 0.5 });
    expect(m.byKind['horizontal-scan']).toEqual({ detections: 0, truePositives: 0, precision: null, expected: 0, found: 0, recall: null });
    expect(m.falsePositives).toHaveLength(1);
  });

  it('knows every detector type', () => {
    expect(Object.keys(MATCHABLE_LABELS).sort()).toEqual([...ANOMALY_KINDS].sort());
    expect(Object.keys(EXPECTED_LABELS).sort()).toEqual([...ANOMALY_KINDS].sort());
  });
});
