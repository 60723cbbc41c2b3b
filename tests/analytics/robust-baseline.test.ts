/** The robust expectation and run finding behind the spike detectors, on series with known answers. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DAY_MS, MAD_TO_SIGMA, anomalousRuns, expectations, mad, median, scoreBucket, type SpikeTest } from '../../src/analytics/robust-baseline.js';

const HOUR = 3_600_000;
const TEST: SpikeTest = { minZ: 6, minRatio: 2, minExcess: 50, poissonFloor: true };

describe('median and MAD', () => {
  it('are the middle value and the middle absolute deviation', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
    expect(mad([1, 1, 2, 2, 4, 6, 9])).toBe(1); // median 2, deviations 1 1 0 0 2 4 7
  });

  it('agree with a sort-based definition on any list, and ignore one huge outlier', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 50 }), (xs) => {
        const s = [...xs].sort((a, b) => a - b);
        const m = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        expect(median(xs)).toBe(m);
        const withOutlier = [...xs, ...xs, 1e12];
        expect(Math.abs(median(withOutlier) - m)).toBeLessThanOrEqual(Math.max(...xs) - Math.min(...xs));
      }),
    );
  });
});

describe('expectations', () => {
  it('uses the same time of day on other days when enough days exist (seasonal)', () => {
    // hourly buckets over 5 days: value = hour of day × 10, so each hour has its own level
    const values = Array.from({ length: 5 * 24 }, (_, i) => (i % 24) * 10);
    const exp = expectations(values, { bucketMs: HOUR, seasonalMinDays: 3 });
    expect(exp[3 * 24 + 7]).toMatchObject({ expected: 70, spread: 0, method: 'seasonal', references: 4 });
    // the local median over ±3 h would be the same here only by symmetry; check a bucket at the day edge
    expect(exp[2 * 24 + 23].expected).toBe(230);
  });

  it('falls back to the local window (itself excluded) when there are too few days', () => {
    const values = [10, 10, 10, 10, 500, 10, 10, 10, 10];
    const exp = expectations(values, { bucketMs: HOUR, seasonalMinDays: 3, localWindowMs: 2 * HOUR });
    expect(exp[4]).toMatchObject({ expected: 10, spread: 0, method: 'local', references: 4 });
    expect(exp[0].references).toBe(2);
    expect(exp[3].expected).toBe(10); // the spike is one of four references: the median ignores it
  });

  it('makes a 3 a.m. burst stand out against its own hour although the afternoon is busier', () => {
    const days = 5;
    const values = Array.from({ length: days * 24 }, (_, i) => 1000 + 800 * Math.sin((2 * Math.PI * ((i % 24) - 9)) / 24));
    const burst = 4 * 24 + 3;
    values[burst] *= 3; // still below the afternoon peak
    expect(values[burst]).toBeLessThan(Math.max(...values));
    const exp = expectations(values, { bucketMs: HOUR });
    const s = scoreBucket(values[burst], exp[burst], TEST);
    expect(s.anomalous).toBe(true);
    const peak = 4 * 24 + 15;
    expect(scoreBucket(values[peak], exp[peak], TEST).anomalous).toBe(false);
  });

  it('scales the spread from the MAD', () => {
    const values = [8, 10, 12, 10, 8, 12, 10];
    const exp = expectations(values, { bucketMs: DAY_MS / 4, seasonalMinDays: 10, localWindowMs: DAY_MS });
    expect(exp[3].spread).toBeCloseTo(MAD_TO_SIGMA * 2, 10);
  });

  it('returns the value itself for a lone bucket', () => {
    expect(expectations([7], { bucketMs: HOUR })).toEqual([{ expected: 7, spread: 0, method: 'local', references: 0 }]);
  });
});

describe('scoreBucket', () => {
  it('needs the z-score, the ratio and the excess together', () => {
    const e = { expected: 100, spread: 10, method: 'local' as const, references: 10 };
    expect(scoreBucket(400, e, TEST)).toMatchObject({ z: 30, ratio: 4, excess: 300, anomalous: true });
    expect(scoreBucket(190, e, TEST).anomalous).toBe(false); // z 9 but ratio 1.9
    expect(scoreBucket(140, { ...e, expected: 20, spread: 1 }, TEST).anomalous).toBe(true);
    expect(scoreBucket(60, { ...e, expected: 5, spread: 0 }, TEST).anomalous).toBe(true); // excess 55
    expect(scoreBucket(40, { ...e, expected: 5, spread: 0 }, TEST).anomalous).toBe(false); // excess 35 < 50
  });

  it('floors the spread at √expected for counts, so a flat series does not make noise significant', () => {
    const flat = { expected: 400, spread: 0, method: 'local' as const, references: 10 };
    expect(scoreBucket(440, flat, TEST).z).toBeCloseTo(2, 10);
    expect(scoreBucket(440, flat, { ...TEST, poissonFloor: false }).z).toBeCloseTo(10, 10); // 1% floor: 4
  });

  it('reports an infinite ratio over an expectation of zero', () => {
    expect(scoreBucket(100, { expected: 0, spread: 0, method: 'local', references: 3 }, TEST)).toMatchObject({ ratio: Infinity, anomalous: true });
    expect(scoreBucket(0, { expected: 0, spread: 0, method: 'local', references: 3 }, TEST)).toMatchObject({ ratio: 0, anomalous: false });
  });
});

describe('anomalousRuns', () => {
  it('joins runs across one-bucket gaps and drops short ones', () => {
    const f = [false, true, true, false, true, false, false, true, false, true, true, true];
    expect(anomalousRuns(f, 2)).toEqual([
      { first: 1, last: 4, anomalous: 3 },
      { first: 7, last: 11, anomalous: 4 },
    ]);
    expect(anomalousRuns(f, 5)).toEqual([]);
    expect(anomalousRuns(f, 1, 0)).toEqual([
      { first: 1, last: 2, anomalous: 2 },
      { first: 4, last: 4, anomalous: 1 },
      { first: 7, last: 7, anomalous: 1 },
      { first: 9, last: 11, anomalous: 3 },
    ]);
    expect(anomalousRuns([], 1)).toEqual([]);
  });

  it('covers every flagged bucket exactly once when nothing is dropped', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 60 }), fc.integer({ min: 0, max: 3 }), (flags, gap) => {
        const runs = anomalousRuns(flags, 1, gap);
        expect(runs.reduce((n, r) => n + r.anomalous, 0)).toBe(flags.filter(Boolean).length);
        for (const r of runs) expect(flags[r.first] && flags[r.last]).toBe(true);
        for (let i = 1; i < runs.length; i++) expect(runs[i].first - runs[i - 1].last - 1).toBeGreaterThan(gap);
      }),
    );
  });
});
