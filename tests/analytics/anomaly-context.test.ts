/** Thresholds, windows and record construction shared by the detectors. */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_THRESHOLDS,
  endAfter,
  formatTime,
  joinWindows,
  resolveThresholds,
  severityOf,
  toAnomaly,
  within,
  type DetectContext,
} from '../../src/analytics/anomaly-context.js';
import type { FlowStore } from '../../src/store/flow-store.js';

describe('resolveThresholds', () => {
  it('returns the defaults, a copy that callers may change', () => {
    const t = resolveThresholds();
    expect(t).toEqual(DEFAULT_THRESHOLDS);
    t.lateralPorts.push(1);
    expect(DEFAULT_THRESHOLDS.lateralPorts).not.toContain(1);
    expect(Object.isFrozen(DEFAULT_THRESHOLDS)).toBe(true);
  });

  it('merges overrides and skips undefined ones', () => {
    expect(resolveThresholds({ spikeMinZ: 4, lateralPorts: [22], verticalMinPorts: undefined })).toMatchObject({ spikeMinZ: 4, lateralPorts: [22], verticalMinPorts: 50 });
  });

  it.each([
    [{ spikeMinZ: 0 }, /spikeMinZ/],
    [{ spikeMinZ: Number.NaN }, /spikeMinZ/],
    [{ habitualFraction: 1 }, /habitualFraction/],
    [{ lateralPorts: [70000] }, /lateralPorts/],
    [{ spikeBucketMinutes: 7 }, /does not divide a day/],
    [{ verticalMinPorts: '5' }, /verticalMinPorts/],
  ])('rejects %j', (overrides, message) => {
    expect(() => resolveThresholds(overrides as never)).toThrow(message);
  });
});

describe('helpers', () => {
  it('severity follows the score and never falls below the type floor', () => {
    expect(severityOf('traffic-spike', 1)).toBe('low');
    expect(severityOf('traffic-spike', 2)).toBe('medium');
    expect(severityOf('traffic-spike', 4)).toBe('high');
    expect(severityOf('traffic-spike', 8)).toBe('critical');
    expect(severityOf('lateral-movement', 1)).toBe('high');
    expect(severityOf('vertical-scan', 1.2)).toBe('medium');
    expect(severityOf('traffic-spike', 1, 'high')).toBe('high');
  });

  it('within narrows a filter to a span inside its own bounds', () => {
    expect(within({ nsg: ['a'] }, { since: 10, until: 20 })).toEqual({ nsg: ['a'], since: 10, until: 20 });
    expect(within({ since: 15, until: 18 }, { since: 10, until: 20 })).toEqual({ since: 15, until: 18 });
    expect(within({ since: 5, until: 30 }, { since: 10, until: 20 })).toEqual({ since: 10, until: 20 });
  });

  it('joinWindows groups adjacent window indexes', () => {
    const rows = [{ w: 5 }, { w: 1 }, { w: 2 }, { w: 9 }, { w: 4 }];
    expect(joinWindows(rows).map((g) => g.map((r) => r.w))).toEqual([[1, 2], [4, 5], [9]]);
    expect(joinWindows([])).toEqual([]);
  });

  it('ends a span at the next whole second after its last flow', () => {
    expect(endAfter(10_000)).toBe(11_000);
    expect(endAfter(10_999)).toBe(11_000);
  });

  it('formats times without milliseconds when whole', () => {
    expect(formatTime(Date.parse('2026-11-02T10:00:00Z'))).toBe('2026-11-02T10:00:00Z');
    expect(formatTime(Date.parse('2026-11-02T10:00:00.5Z'))).toBe('2026-11-02T10:00:00.500Z');
  });

  it('toAnomaly sorts entities, hashes a stable id, caps and floors severity and keeps the analysis filter fields', () => {
    const ctx = { filter: { ip: ['10.0.0.0/8'], nsg: ['x'] }, t: resolveThresholds() } as unknown as DetectContext & { store: FlowStore };
    const draft = {
      type: 'persistent-connection' as const,
      start: 100,
      end: 200,
      entities: { srcIps: ['b', 'a', 'a'], ports: [443, 22] },
      score: 9,
      summary: 's',
      evidence: {},
      narrow: { ip: ['1.2.3.4'], ipSide: 'src' as const, port: [443], decision: ['Allow' as const], country: ['US'], protocol: ['TCP'] },
      severityCap: 'low' as const,
    };
    const a = toAnomaly(ctx, draft);
    expect(a.entities).toEqual({ srcIps: ['a', 'b'], dstIps: [], ports: [22, 443], countries: [] });
    expect(a.severity).toBe('low');
    expect(a.filter).toEqual({ ip: ['10.0.0.0/8'], nsg: ['x'], since: 100, until: 200, port: [443], decision: ['Allow'], country: ['US'], protocol: ['TCP'] });
    expect(toAnomaly(ctx, draft).id).toBe(a.id);
    expect(toAnomaly(ctx, { ...draft, start: 101 }).id).not.toBe(a.id);
    const floored = toAnomaly({ ...ctx, filter: {} }, { ...draft, score: 1, severityCap: undefined, severityFloor: 'high' });
    expect(floored.severity).toBe('high');
    expect(floored.filter).toMatchObject({ ip: ['1.2.3.4'], ipSide: 'src', port: [443] });
    expect(floored.filter).not.toHaveProperty('portSide');
  });
});
