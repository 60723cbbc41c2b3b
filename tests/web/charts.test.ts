/**
 * Chart builders on small hand-made aggregates: the traces carry the values, clicks map to the right
 * filters, the folded `other` rows select nothing, and hostile names come out escaped for Plotly.
 */
import { describe, expect, it } from 'vitest';
import type { Countries, DeniedRow, Heatmap, Sankey, SeriesRow, TalkerRow, TimeSeries } from '../../src/index.js';
import { countriesChart } from '../../src/web/charts/countries.js';
import { deniedBarChart, deniedDrill, deniedPieChart } from '../../src/web/charts/denied.js';
import { baseLayout, palette } from '../../src/web/charts/figure.js';
import { gaugeChart } from '../../src/web/charts/gauge.js';
import { heatmapChart } from '../../src/web/charts/heatmap.js';
import { sankeyChart } from '../../src/web/charts/sankey.js';
import { timeSeriesChart } from '../../src/web/charts/time-series.js';
import { namedAddresses, topAddressesChart } from '../../src/web/charts/top-addresses.js';

const EVIL = '<img src=x onerror=alert(1)>';
const ESCAPED = '&lt;img src=x onerror=alert(1)&gt;';
const talker = (ip: string | null, bytes: number): TalkerRow => ({ ip, bytes, flows: bytes / 10, packets: bytes / 100, denied: 1 });

/** Every string anywhere in a figure's data, for "nothing raw leaks" checks. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

describe('top addresses', () => {
  const rows = [talker('10.0.0.1', 5000), talker(null, 4000), ...Array.from({ length: 12 }, (_, i) => talker(`10.0.1.${i}`, 3000 - i)), talker('other', 9)];

  it('draws the first ten named addresses by bytes and drills into the address on its side', () => {
    const chart = topAddressesChart(rows, 'src', 'light');
    const [trace] = chart.figure.data;
    expect(trace.y).toEqual(['10.0.0.1', ...Array.from({ length: 9 }, (_, i) => `10.0.1.${i}`)]);
    expect(trace.x).toEqual([5000, ...Array.from({ length: 9 }, (_, i) => 3000 - i)]);
    expect((trace.customdata as number[][])[0]).toEqual([500, 50]);
    expect(chart.drills[0]).toEqual({ ip: ['10.0.0.1'], 'ip-side': ['src'] });
    expect(topAddressesChart(rows, 'dst', 'dark').drills[3]).toEqual({ ip: ['10.0.1.2'], 'ip-side': ['dst'] });
    expect(namedAddresses(rows, 3).map((r) => r.ip)).toEqual(['10.0.0.1', '10.0.1.0', '10.0.1.1']);
  });

  it('escapes an address-like value carrying markup', () => {
    const chart = topAddressesChart([talker(EVIL, 1)], 'src', 'light');
    expect(chart.figure.data[0].y).toEqual([ESCAPED]);
    expect(chart.drills[0]).toEqual({ ip: [EVIL], 'ip-side': ['src'] });
  });
});

describe('denied', () => {
  const rows: DeniedRow[] = [
    { label: `${EVIL} / deny-all`, nsg_name: EVIL, rule_name: 'deny-all', other: false, flows: 30, bytes: 300, packets: 3 },
    { label: 'nsg-b / (none)', nsg_name: 'nsg-b', rule_name: null, other: false, flows: 20, bytes: 200, packets: 2 },
    { label: '(none) / (none)', nsg_name: null, rule_name: null, other: false, flows: 5, bytes: 50, packets: 1 },
    { label: 'other', other: true, flows: 10, bytes: 100, packets: 1 },
  ];

  it('bars and pie carry the flows with escaped labels; clicks select nsg and rule', () => {
    const bar = deniedBarChart(rows, 'light');
    expect(bar.figure.data[0].x).toEqual([30, 20, 5, 10]);
    expect(bar.figure.data[0].y).toEqual([`${ESCAPED} / deny-all`, 'nsg-b / (none)', '(none) / (none)', 'other']);
    expect(bar.drills).toEqual([{ nsg: [EVIL], rule: ['deny-all'] }, { nsg: ['nsg-b'] }, null, null]);
    const pie = deniedPieChart(rows, 'dark');
    expect(pie.figure.data[0].values).toEqual([30, 20, 5, 10]);
    expect(pie.figure.data[0].labels).toEqual(bar.figure.data[0].y);
    expect(pie.drills).toEqual(bar.drills);
    for (const chart of [bar, pie]) expect(strings(chart.figure.data).filter((s) => s.includes('<img'))).toEqual([]);
  });

  it('drills by port and by source', () => {
    expect(deniedDrill({ label: '22', dst_port: 22, other: false, flows: 1, bytes: 1, packets: 1 })).toEqual({ port: ['22'] });
    expect(deniedDrill({ label: '(none)', dst_port: null, other: false, flows: 1, bytes: 1, packets: 1 })).toBeNull();
    expect(deniedDrill({ label: '1.2.3.4', src_ip: '1.2.3.4', other: false, flows: 1, bytes: 1, packets: 1 })).toEqual({ ip: ['1.2.3.4'], 'ip-side': ['src'] });
    expect(deniedDrill({ label: '(none)', src_ip: null, other: false, flows: 1, bytes: 1, packets: 1 })).toBeNull();
  });
});

describe('time series, heatmap, gauge', () => {
  it('stacks allowed and denied per bucket on a date axis with range buttons', () => {
    const rows: SeriesRow[] = [
      { time: 0, flows: 3, bytes: 30, denied: 1, allowed: 2 },
      { time: 3_600_000, flows: 5, bytes: 50, denied: 4, allowed: 1 },
    ];
    const series: TimeSeries<SeriesRow> = { unit: 'hour', stepMs: 3_600_000, rows };
    const { figure } = timeSeriesChart(series, 'light');
    expect(figure.data.map((t) => [t.name, t.x, t.y])).toEqual([
      ['Allowed', [0, 3_600_000], [2, 1]],
      ['Denied', [0, 3_600_000], [1, 4]],
    ]);
    const xaxis = figure.layout.xaxis as { type: string; rangeselector: { buttons: { label: string }[] } };
    expect(xaxis.type).toBe('date');
    expect(xaxis.rangeselector.buttons.map((b) => b.label)).toEqual(['1h', '6h', '24h', '7d', 'all']);
  });

  it('draws the heatmap matrix with escaped row names', () => {
    const heatmap: Heatmap = { rows: ['Sun', EVIL], hours: [0, 1], z: [[1, 2], [3, 4]] };
    const [trace] = heatmapChart(heatmap, 'dark').figure.data;
    expect(trace).toMatchObject({ type: 'heatmap', x: [0, 1], y: ['Sun', ESCAPED], z: [[1, 2], [3, 4]], colorscale: palette('dark').scale });
  });

  it('shows total flows and the denied percentage', () => {
    const s = { flows: 2000, bytes: 1, packets: 1, denied: 250, denialRate: 0.125, distinctSources: 1, distinctDestinations: 1, start: 0, end: 1 };
    const [flows, denied] = gaugeChart(s, 'light').figure.data;
    expect(flows.value).toBe(2000);
    expect(denied.value).toBe(12.5);
    expect(denied.mode).toContain('gauge');
  });

  it('shares one theme layout', () => {
    expect(baseLayout('dark', { margin: 0 })).toMatchObject({ font: { color: palette('dark').text }, margin: 0, paper_bgcolor: 'rgba(0,0,0,0)' });
    expect(palette('light').text).not.toBe(palette('dark').text);
  });
});

describe('countries', () => {
  it('maps ISO-2 to ISO-3, keeps private/unknown apart, escapes names, drills by country', () => {
    const c: Countries = {
      sources: [
        { country: 'US', label: 'United States', flows: 10, bytes: 100 },
        { country: 'ZZ', label: 'private/reserved', flows: 7, bytes: 70 },
        { country: 'DE', label: EVIL, flows: 3, bytes: 30 },
        { country: null, label: 'unknown', flows: 1, bytes: 1 },
      ],
      destinations: [],
      pairs: [],
    };
    const chart = countriesChart(c, 'light');
    const [trace] = chart.figure.data;
    expect(trace).toMatchObject({ locationmode: 'ISO-3', locations: ['USA', 'DEU'], z: [10, 3], text: ['United States', ESCAPED], customdata: [[100], [30]] });
    expect(chart.drills).toEqual([{ country: ['US'] }, { country: ['DE'] }]);
    expect(chart.unmapped.map((r) => r.label)).toEqual(['private/reserved', 'unknown']);
  });
});

describe('sankey', () => {
  const s: Sankey = {
    node: { label: ['10.0.0.1', EVIL, 'other', '10.0.0.9', 'other'], column: [0, 0, 0, 1, 1] },
    link: { source: [0, 1, 2], target: [3, 3, 4], value: [50, 40, 10] },
    rows: [],
  };

  it('keeps the links, escapes labels, and drills nodes and links into addresses', () => {
    const chart = sankeyChart(s, 'dark');
    const [trace] = chart.figure.data as { node: { label: string[] }; link: { value: number[]; source: number[] } }[];
    expect(trace.node.label).toEqual(['10.0.0.1', ESCAPED, 'other', '10.0.0.9', 'other']);
    expect(trace.link.value).toEqual([50, 40, 10]);
    expect(chart.nodeDrills).toEqual([{ ip: ['10.0.0.1'], 'ip-side': ['src'] }, { ip: [EVIL], 'ip-side': ['src'] }, null, { ip: ['10.0.0.9'], 'ip-side': ['dst'] }, null]);
    expect(chart.linkDrills).toEqual([chart.nodeDrills[0], chart.nodeDrills[1], null]);
  });

  it('selects nothing on a port column (src → port → dst)', () => {
    const viaPort: Sankey = { node: { label: ['10.0.0.1', '443', '10.0.0.9'], column: [0, 1, 2] }, link: { source: [0, 1], target: [1, 2], value: [5, 5] }, rows: [] };
    expect(sankeyChart(viaPort, 'light').nodeDrills).toEqual([{ ip: ['10.0.0.1'], 'ip-side': ['src'] }, null, { ip: ['10.0.0.9'], 'ip-side': ['dst'] }]);
  });
});
