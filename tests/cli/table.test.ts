import { describe, expect, it } from 'vitest';
import { formatBytes, formatCount, formatPercent, formatTime, shadeGrid, sparkline, textTable } from '../../src/cli/table.js';

describe('text output helpers', () => {
  it('aligns columns: text left, numbers right, missing cells blank', () => {
    const text = textTable([{ header: 'name' }, { header: 'n', align: 'right' }], [['a', '1'], ['long name', '1,000'], ['b']]);
    expect(text).toBe('  name           n\n  a              1\n  long name  1,000\n  b\n');
  });

  it('writes bytes in binary units, counts with separators, percents, times in UTC', () => {
    expect([0, 1023, 1024, 1536, 10 * 1024, 100 * 1024 * 1024, 5 * 1024 ** 4, 2 ** 70].map(formatBytes)).toEqual([
      '0 B', '1023 B', '1.00 KiB', '1.50 KiB', '10.0 KiB', '100 MiB', '5.00 TiB', '1024 EiB',
    ]);
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatPercent(0.0456)).toBe('4.6%');
    expect(formatTime(Date.parse('2026-11-02T10:00:00Z'))).toBe('2026-11-02 10:00:00Z');
    expect(formatTime(Date.parse('2026-11-02T10:00:00.250Z'))).toBe('2026-11-02 10:00:00.250Z');
  });

  it('shades grids by share of the largest cell, blank only for zero', () => {
    expect(shadeGrid(['a', 'bb'], [[0, 1, 4], [2, 3, 0]])).toBe('  a  │ ░█│\n  bb │▒▓ │\n');
    expect(shadeGrid(['z'], [[0, 0]])).toBe('  z │  │\n');
  });

  it('draws sparklines of at most the given width', () => {
    expect(sparkline([])).toBe('');
    expect(sparkline([0, 0])).toBe('▁▁');
    expect(sparkline([0, 7, 14])).toBe('▁▄█');
    const long = sparkline(Array.from({ length: 180 }, (_, i) => i), 60);
    expect([...long]).toHaveLength(60);
    expect(long.endsWith('█')).toBe(true);
  });
});
