/** Escaping for Plotly's pseudo-HTML and the number formats of the metrics. */
import { describe, expect, it } from 'vitest';
import { escapePlotly, formatBytes, formatCount, formatPercent } from '../../src/web/text.js';

describe('text', () => {
  it('escapes the characters Plotly reads as markup, and only those', () => {
    expect(escapePlotly('<img src=x onerror=alert(1)>')).toBe('&lt;img src=x onerror=alert(1)&gt;');
    expect(escapePlotly('a & b &lt;')).toBe('a &amp; b &amp;lt;');
    expect(escapePlotly('10.0.0.1 / rule "x"')).toBe('10.0.0.1 / rule "x"');
  });

  it('formats counts, bytes and rates', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1234)).toBe('1.23 KB');
    expect(formatBytes(23_012_345_678)).toBe('23.0 GB');
    expect(formatBytes(5e21)).toBe('5.00e+6 PB');
    expect(formatPercent(0.3634)).toBe('36.3%');
    expect(formatPercent(0)).toBe('0.0%');
  });
});
