/** Total flows and the share denied, as a number and a gauge. */
import type { FlowSummary } from '../../index.js';
import { baseLayout, palette, type Chart, type ThemeName } from './figure.js';

export function gaugeChart(summary: FlowSummary, theme: ThemeName): Chart {
  const p = palette(theme);
  return {
    figure: {
      data: [
        { type: 'indicator', mode: 'number', value: summary.flows, title: { text: 'Flows' }, number: { valueformat: ',' }, domain: { x: [0, 0.42], y: [0, 1] } },
        {
          type: 'indicator',
          mode: 'gauge+number',
          value: Math.round(summary.denialRate * 1000) / 10,
          title: { text: 'Denied' },
          number: { suffix: '%' },
          gauge: { axis: { range: [0, 100] }, bar: { color: p.deny } },
          domain: { x: [0.5, 1], y: [0, 1] },
        },
      ],
      layout: baseLayout(theme, { margin: { l: 16, r: 24, t: 24, b: 8 } }),
    },
    drills: [],
  };
}
