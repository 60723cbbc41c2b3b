/** The metrics and anomaly text on hand-made inputs: empty views, long anomaly lists, entity-less anomalies. */
import { describe, expect, it } from 'vitest';
import type { Anomaly } from '../../src/index.js';
import { anomalyView, summaryMetrics, type SummaryWithAnomalies } from '../../src/web/summary-view.js';

const EMPTY: SummaryWithAnomalies = {
  flows: 0, bytes: 0, packets: 0, denied: 0, denialRate: 0, distinctSources: 0, distinctDestinations: 0, start: null, end: null,
  anomalies: { count: 0, timestamps: [] },
};

describe('summary view', () => {
  it('says so when nothing matches', () => {
    const m = Object.fromEntries(summaryMetrics(EMPTY).map((x) => [x.key, x.value]));
    expect(m).toEqual({ flows: '0', bytes: '0 B', 'denial-rate': '0.0% (0 denied)', sources: '0', destinations: '0', span: '—', anomalies: 'none' });
  });

  it('lists the first five anomaly times and counts the rest', () => {
    const hour = 3_600_000;
    const timestamps = Array.from({ length: 7 }, (_, i) => Date.UTC(2026, 10, 2) + i * hour);
    const m = summaryMetrics({ ...EMPTY, flows: 1234, start: timestamps[0], end: timestamps[6], anomalies: { count: 7, timestamps } });
    expect(m.find((x) => x.key === 'anomalies')?.value).toBe(
      '7 at 2026-11-02 00:00 UTC, 2026-11-02 01:00 UTC, 2026-11-02 02:00 UTC, 2026-11-02 03:00 UTC, 2026-11-02 04:00 UTC and 2 more',
    );
    expect(m.find((x) => x.key === 'span')?.value).toBe('2026-11-02 00:00 UTC – 2026-11-02 06:00 UTC');
  });

  it('describes an anomaly without entities, and one with all of them', () => {
    const a: Anomaly = {
      id: 'x', type: 'traffic-spike', start: 0, end: 60_000, score: 2, severity: 'high', summary: '<b>loud</b>', flows: 1500, filter: {},
      entities: { srcIps: [], dstIps: [], ports: [], countries: [] },
      evidence: { observed: 1500, ratio: 2.5, sample: ['a', 'b'] },
    };
    expect(anomalyView(a)).toEqual({
      title: 'traffic-spike · high · 1,500 flows',
      severity: 'high',
      window: '1970-01-01 00:00 UTC – 1970-01-01 00:01 UTC',
      entities: 'no entities',
      summary: '<b>loud</b>',
      evidence: [['observed', '1,500'], ['ratio', '2.500'], ['sample', 'a, b']],
    });
    const full = anomalyView({ ...a, entities: { srcIps: ['1.1.1.1'], dstIps: ['2.2.2.2', '3.3.3.3'], ports: [22], countries: ['US'] } });
    expect(full.entities).toBe('sources 1.1.1.1; destinations 2.2.2.2, 3.3.3.3; ports 22; countries US');
  });
});
