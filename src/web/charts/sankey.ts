/**
 * Source → destination address pairs (the library's Sankey, nodes per column) as a Plotly Sankey. A click on
 * a link or a source node filters on its source address (ip-side src), a destination node on the
 * destination (ip-side dst): the Filter has no "this pair" form, so the source of a link stands for it.
 */
import type { Sankey } from '../../index.js';
import type { FilterState } from '../url-state.js';
import { escapePlotly } from '../text.js';
import { baseLayout, palette, type ThemeName, type Figure } from './figure.js';

/** Labels the library gives nodes that are not addresses. */
const NOT_ADDRESSES = new Set(['other', '(none)']);

export interface SankeyChart {
  figure: Figure;
  /** Per node (pointNumber of a node). */
  nodeDrills: (FilterState | null)[];
  /** Per link (pointNumber of a link). */
  linkDrills: (FilterState | null)[];
}

export function sankeyChart(sankey: Sankey, theme: ThemeName): SankeyChart {
  const p = palette(theme);
  const lastColumn = Math.max(0, ...sankey.node.column);
  const nodeDrills = sankey.node.label.map((label, i): FilterState | null => {
    if (NOT_ADDRESSES.has(label)) return null;
    const column = sankey.node.column[i];
    if (column !== 0 && column !== lastColumn) return null; // a port column
    return { ip: [label], 'ip-side': [column === 0 ? 'src' : 'dst'] };
  });
  return {
    figure: {
      data: [
        {
          type: 'sankey',
          arrangement: 'snap',
          node: {
            label: sankey.node.label.map(escapePlotly),
            pad: 12,
            thickness: 14,
            color: sankey.node.column.map((c) => (c === 0 ? p.accent : p.allow)),
            hovertemplate: '%{label}<br>%{value:,} bytes<extra></extra>',
          },
          link: {
            source: sankey.link.source,
            target: sankey.link.target,
            value: sankey.link.value,
            color: 'rgba(127,127,127,0.35)',
            hovertemplate: '%{source.label} → %{target.label}<br>%{value:,} bytes<extra></extra>',
          },
        },
      ],
      layout: baseLayout(theme, { margin: { l: 8, r: 8, t: 8, b: 8 } }),
    },
    nodeDrills,
    linkDrills: sankey.link.source.map((s) => nodeDrills[s] ?? null),
  };
}
