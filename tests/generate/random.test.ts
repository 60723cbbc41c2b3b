import { describe, expect, it } from 'vitest';
import { hashString, Random, WeightedPicker, zipfWeights } from '../../src/generate/random.js';

describe('Random', () => {
  it('is deterministic per seed (numbers and strings), and forks independent streams', () => {
    const seq = (r: Random) => Array.from({ length: 5 }, () => r.uint32());
    expect(seq(new Random(1))).toEqual(seq(new Random(1)));
    expect(seq(new Random(1))).not.toEqual(seq(new Random(2)));
    expect(seq(new Random('abc'))).toEqual(seq(new Random(hashString('abc'))));
    expect(seq(new Random(1).fork('a'))).not.toEqual(seq(new Random(1).fork('b')));
    // pinned: a change of the generator changes every data set, so it must be deliberate
    expect(seq(new Random(42))).toMatchInlineSnapshot(`
      [
        1028872839,
        2516511472,
        400437680,
        853279530,
        1920286840,
      ]
    `);
  });

  it('draws in range with the right means', () => {
    const r = new Random(7);
    const n = 20_000;
    let sum = 0;
    let small = 0;
    let big = 0;
    let min = Infinity;
    let max = -Infinity;
    let chance = 0;
    for (let i = 0; i < n; i++) {
      const x = r.next();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      sum += x;
      const k = r.int(3, 5);
      min = Math.min(min, k);
      max = Math.max(max, k);
      small += r.poisson(2.5);
      big += r.poisson(400);
      if (r.chance(0.25)) chance++;
      expect(r.pareto(2, 1.5)).toBeGreaterThanOrEqual(2);
    }
    expect(sum / n).toBeCloseTo(0.5, 1);
    expect([min, max]).toEqual([3, 5]);
    expect(small / n).toBeCloseTo(2.5, 1);
    expect(big / n / 400).toBeCloseTo(1, 2);
    expect(chance / n).toBeCloseTo(0.25, 1);
    expect(r.poisson(0)).toBe(0);
    expect(['a', 'b', 'c']).toContain(r.pick(['a', 'b', 'c']));
  });

  it('WeightedPicker follows the weights (Zipf: the first index dominates)', () => {
    const r = new Random(3);
    const p = new WeightedPicker([1, 0, 3]);
    const counts = [0, 0, 0];
    for (let i = 0; i < 8000; i++) counts[p.pick(r)]++;
    expect(counts[1]).toBe(0);
    expect(counts[2] / counts[0]).toBeGreaterThan(2.6);
    expect(counts[2] / counts[0]).toBeLessThan(3.4);
    const z = zipfWeights(4, 1);
    expect(z).toEqual([1, 1 / 2, 1 / 3, 1 / 4]);
  });
});
