/**
 * Denied flows by NSG/rule or by destination port, as a bar chart or a pie; a click filters on the NSG and
 * rule, or on the port.
 */
import type { DeniedRow } from '../../index.js';
import type { FilterState } from '../url-state.js';
import { escapePlotly } from '../text.js';
import { baseLayout, palette, type Chart, type ThemeName } from './figure.js';

/** The filter a denied row selects; null for the folded `other` row and rows without keys. */
export function deniedDrill(row: DeniedRow): FilterState | null {
  if (row.other) return null;
  if ('dst_port' in row) return row.dst_port === null || row.dst_port === undefined ? null : { port: [String(row.dst_port)] };
  if ('src_ip' in row) return row.src_ip ? { ip: [row.src_ip], 'ip-side': ['src'] } : null;
  const patch: FilterState = {};
  if (row.nsg_name) patch.nsg = [row.nsg_name];
  if (row.rule_name) patch.rule = [row.rule_name];
  return Object.keys(patch).length > 0 ? patch : null;
}

export function deniedBarChart(rows: readonly DeniedRow[], theme: ThemeName): Chart {
  const p = palette(theme);
  return {
    figure: {
      data: [
        {
          type: 'bar',
          orientation: 'h',
          y: rows.map((r) => escapePlotly(r.label)),
          x: rows.map((r) => r.flows),
          customdata: rows.map((r) => [r.bytes]),
          marker: { color: p.deny },
          hovertemplate: '%{y}<br>%{x:,} denied flows<br>%{customdata[0]:,} bytes<extra></extra>',
        },
      ],
      layout: baseLayout(theme, {
        margin: { l: 160, r: 16, t: 8, b: 36 },
        yaxis: { autorange: 'reversed', type: 'category', automargin: true },
        xaxis: { title: { text: 'denied flows' }, gridcolor: p.grid },
      }),
    },
    drills: rows.map(deniedDrill),
  };
}

export function deniedPieChart(rows: readonly DeniedRow[], theme: ThemeName): Chart {
  return {
    figure: {
      data: [
        {
          type: 'pie',
          labels: rows.map((r) => escapePlotly(r.label)),
          values: rows.map((r) => r.flows),
          hole: 0.45,
          sort: false,
          textinfo: 'percent',
          hovertemplate: '%{label}<br>%{value:,} denied flows (%{percent})<extra></extra>',
        },
      ],
      layout: baseLayout(theme, { showlegend: true, legend: { orientation: 'v' }, margin: { l: 8, r: 8, t: 8, b: 8 } }),
    },
    drills: rows.map(deniedDrill),
  };
}
