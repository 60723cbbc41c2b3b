/**
 * Flows per bucket, allowed and denied stacked, on a date axis with a range selector; zooming or picking a
 * range sets the time window (see time-window.ts). No per-point drill-down.
 */
import type { SeriesRow, TimeSeries } from '../../index.js';
import { baseLayout, palette, type Chart, type ThemeName } from './figure.js';

export function timeSeriesChart(series: TimeSeries<SeriesRow>, theme: ThemeName): Chart {
  const p = palette(theme);
  const x = series.rows.map((r) => r.time);
  const trace = (name: string, y: number[], color: string) => ({
    type: 'scatter',
    mode: 'lines',
    stackgroup: 'flows',
    name,
    x,
    y,
    line: { color, width: 1.5 },
    hovertemplate: `%{x|%Y-%m-%d %H:%M} UTC<br>%{y:,} ${name.toLowerCase()} flows<extra></extra>`,
  });
  const hours = (count: number, label: string) => ({ count, label, step: 'hour', stepmode: 'backward' });
  return {
    figure: {
      data: [trace('Allowed', series.rows.map((r) => r.allowed), p.allow), trace('Denied', series.rows.map((r) => r.denied), p.deny)],
      layout: baseLayout(theme, {
        showlegend: true,
        legend: { orientation: 'h', y: 1.12, x: 1, xanchor: 'right' },
        margin: { l: 56, r: 16, t: 36, b: 40 },
        xaxis: {
          type: 'date',
          gridcolor: p.grid,
          rangeselector: {
            x: 0,
            y: 1.12,
            bgcolor: 'rgba(127,127,127,0.15)',
            activecolor: 'rgba(127,127,127,0.4)',
            buttons: [hours(1, '1h'), hours(6, '6h'), hours(24, '24h'), hours(24 * 7, '7d'), { step: 'all', label: 'all' }],
          },
        },
        yaxis: { title: { text: `flows per ${series.unit}` }, gridcolor: p.grid, rangemode: 'tozero' },
      }),
    },
    drills: [],
  };
}
