/** Top 10 source or destination addresses by bytes, as a horizontal bar chart; a click filters on the address. */
import type { TalkerRow } from '../../index.js';
import { escapePlotly } from '../text.js';
import { baseLayout, palette, type Chart, type ThemeName } from './figure.js';

export type AddressSide = 'src' | 'dst';

/** The named addresses among `rows` (the `other` and null rows dropped), at most `limit`, in rank order. */
export function namedAddresses(rows: readonly TalkerRow[], limit = 10): TalkerRow[] {
  return rows.filter((r) => r.ip !== null && r.ip !== 'other').slice(0, limit);
}

export function topAddressesChart(rows: readonly TalkerRow[], side: AddressSide, theme: ThemeName): Chart {
  const top = namedAddresses(rows);
  const p = palette(theme);
  return {
    figure: {
      data: [
        {
          type: 'bar',
          orientation: 'h',
          y: top.map((r) => escapePlotly(r.ip as string)),
          x: top.map((r) => r.bytes),
          customdata: top.map((r) => [r.flows, r.packets]),
          marker: { color: side === 'src' ? p.accent : p.allow },
          hovertemplate: '%{y}<br>%{x:,} bytes<br>%{customdata[0]:,} flows<extra></extra>',
        },
      ],
      layout: baseLayout(theme, {
        margin: { l: 120, r: 16, t: 8, b: 36 },
        yaxis: { autorange: 'reversed', type: 'category', automargin: true },
        xaxis: { title: { text: 'bytes' }, gridcolor: p.grid },
      }),
    },
    drills: top.map((r) => ({ ip: [r.ip as string], 'ip-side': [side] })),
  };
}
