/** Flows by day of week × hour of day (UTC) as a heatmap. */
import type { Heatmap } from '../../index.js';
import { escapePlotly } from '../text.js';
import { baseLayout, palette, type Chart, type ThemeName } from './figure.js';

export function heatmapChart(heatmap: Heatmap, theme: ThemeName): Chart {
  return {
    figure: {
      data: [
        {
          type: 'heatmap',
          x: heatmap.hours,
          y: heatmap.rows.map(escapePlotly),
          z: heatmap.z,
          colorscale: palette(theme).scale,
          hovertemplate: '%{y} %{x}:00 UTC<br>%{z:,} flows<extra></extra>',
        },
      ],
      layout: baseLayout(theme, {
        margin: { l: 56, r: 16, t: 8, b: 40 },
        xaxis: { title: { text: 'hour (UTC)' }, dtick: 3 },
        yaxis: { autorange: 'reversed', type: 'category' },
      }),
    },
    drills: [],
  };
}
