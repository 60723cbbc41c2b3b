/**
 * Source countries on a world choropleth (Plotly `locationmode: 'ISO-3'` over the topojson served from
 * /vendor/); a click filters on the country. Private/reserved and unknown addresses cannot be drawn, so
 * they come back as `unmapped` for the panel to list.
 */
import type { Countries, CountryRow } from '../../index.js';
import { alpha3 } from '../iso-countries.js';
import { escapePlotly } from '../text.js';
import { baseLayout, palette, type ThemeName, type Chart } from './figure.js';

export function countriesChart(countries: Countries, theme: ThemeName): Chart & { unmapped: CountryRow[] } {
  const mapped = countries.sources.filter((r) => alpha3(r.country) !== null);
  const unmapped = countries.sources.filter((r) => alpha3(r.country) === null);
  const p = palette(theme);
  return {
    figure: {
      data: [
        {
          type: 'choropleth',
          locationmode: 'ISO-3',
          locations: mapped.map((r) => alpha3(r.country)),
          z: mapped.map((r) => r.flows),
          text: mapped.map((r) => escapePlotly(r.label)),
          customdata: mapped.map((r) => [r.bytes]),
          colorscale: p.scale,
          marker: { line: { color: p.grid, width: 0.5 } },
          colorbar: { thickness: 10, title: { text: 'flows' } },
          hovertemplate: '%{text}<br>%{z:,} flows<br>%{customdata[0]:,} bytes<extra></extra>',
        },
      ],
      layout: baseLayout(theme, {
        margin: { l: 0, r: 0, t: 0, b: 0 },
        geo: {
          projection: { type: 'natural earth' },
          showframe: false,
          bgcolor: 'rgba(0,0,0,0)',
          showcountries: true,
          countrycolor: p.grid,
          landcolor: theme === 'dark' ? '#1f2937' : '#f3f4f6',
          showocean: false,
          coastlinecolor: p.grid,
        },
      }),
    },
    drills: mapped.map((r) => ({ country: [r.country as string] })),
    unmapped,
  };
}
