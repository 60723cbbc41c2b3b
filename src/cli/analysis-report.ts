/** `analyze --format table`: the analysis as readable sections. */
import type { Analysis, Anomaly, DeniedRow, Filter, Heatmap, TalkerRow, TimeSeries } from '../index.js';
import { formatBytes, formatCount, formatPercent, formatTime, shadeGrid, sparkline, textTable, type TextColumn } from './table.js';

const DEFAULT_COUNTRY_ROWS = 10;

export function analysisReport(a: Analysis, top?: number): string {
  const parts = [summarySection(a)];
  if (a.summary.flows === 0) {
    parts.push('No flows match the filter.\n');
    return parts.join('\n');
  }
  parts.push(
    section('Top talkers (sources, by bytes)', talkerTable('source', a.topTalkers)),
    section('Top listeners (destinations, by bytes)', talkerTable('destination', a.topListeners)),
    section(
      'Service ports (destination port, by flows)',
      textTable(
        [{ header: 'service' }, { header: 'protocol' }, { header: 'port', align: 'right' }, ...MEASURES, { header: 'sources', align: 'right' }],
        a.servicePorts.map((r) => [r.label, r.protocol ?? '', r.port === null ? '' : String(r.port), ...measures(r), formatCount(r.distinctSources)]),
      ),
    ),
    section('Denied by NSG / rule', deniedTable('nsg / rule', a.denied.byNsgRule)),
    section('Denied by source', deniedTable('source', a.denied.bySource)),
    section('Denied by destination port', deniedTable('port', a.denied.byPort)),
    section(seriesTitle('Flows over time', a.timeSeries), seriesLines(a.timeSeries, ['flows', 'bytes', 'denied'])),
    section(seriesTitle('Denied flows over time', a.denied.overTime), seriesLines(a.denied.overTime, ['flows'])),
    section('Flows by day of week × hour (UTC)', heatmapText(a.heatmaps.dayHour)),
    section('Flows by NSG × hour (UTC)', heatmapText(a.heatmaps.nsgHour)),
    section(
      'Top IP pairs (by bytes)',
      textTable(
        [{ header: 'source' }, { header: 'destination' }, { header: 'flows', align: 'right' }, { header: 'bytes', align: 'right' }],
        a.sankey.rows.map((r) => (r.other ? ['other', '', formatCount(r.flows), formatBytes(r.bytes)] : [r.src_ip ?? '(none)', r.dst_ip ?? '(none)', formatCount(r.flows), formatBytes(r.bytes)])),
      ),
    ),
    section('Source countries', countryTable(a.countries.sources, top)),
    section('Destination countries', countryTable(a.countries.destinations, top)),
    section(`Anomalies (${a.anomalies.length})`, a.anomalies.length === 0 ? '  none found\n' : a.anomalies.map(anomalyText).join('')),
  );
  return parts.join('\n');
}

function section(title: string, body: string): string {
  return `${title}\n${body}`;
}

function summarySection(a: Analysis): string {
  const s = a.summary;
  const rows: [string, string][] = [
    ['filter', describeFilter(a.filter)],
    ['flows', formatCount(s.flows)],
    ['bytes', `${formatBytes(s.bytes)} (${formatCount(s.bytes)} B)`],
    ['packets', formatCount(s.packets)],
    ['denied', `${formatCount(s.denied)} (${formatPercent(s.denialRate)} of flows)`],
    ['sources', `${formatCount(s.distinctSources)} distinct`],
    ['destinations', `${formatCount(s.distinctDestinations)} distinct`],
    ['time range', s.start === null || s.end === null ? '—' : `${formatTime(s.start)} … ${formatTime(s.end)}`],
    ['anomalies', formatCount(s.anomalies.count)],
  ];
  return section('Summary', textTable([{ header: '' }, { header: '' }], rows).replace(/^.*\n/, ''));
}

/** `decision=Deny nsg=a,b since=…` or `(none)`. */
export function describeFilter(filter: Filter): string {
  const parts = Object.entries(filter).map(([key, value]) => {
    const text = (key === 'since' || key === 'until') && typeof value === 'number' ? formatTime(value) : Array.isArray(value) ? value.join(',') : String(value);
    return `${key}=${text}`;
  });
  return parts.length === 0 ? '(none)' : parts.join(' ');
}

const MEASURES: TextColumn[] = [
  { header: 'flows', align: 'right' },
  { header: 'bytes', align: 'right' },
  { header: 'packets', align: 'right' },
  { header: 'denied', align: 'right' },
];

function measures(r: { flows: number; bytes: number; packets: number; denied: number }): string[] {
  return [formatCount(r.flows), formatBytes(r.bytes), formatCount(r.packets), formatCount(r.denied)];
}

function talkerTable(header: string, rows: readonly TalkerRow[]): string {
  return textTable([{ header: '#', align: 'right' }, { header }, ...MEASURES], rows.map((r, i) => [r.ip === 'other' ? '' : String(i + 1), r.ip ?? '(none)', ...measures(r)]));
}

function deniedTable(header: string, rows: readonly DeniedRow[]): string {
  if (rows.length === 0) return '  none\n';
  return textTable(
    [{ header }, { header: 'flows', align: 'right' }, { header: 'bytes', align: 'right' }, { header: 'packets', align: 'right' }],
    rows.map((r) => [r.label, formatCount(r.flows), formatBytes(r.bytes), formatCount(r.packets)]),
  );
}

function seriesTitle(title: string, s: TimeSeries<unknown>): string {
  return `${title} (${s.rows.length} buckets of ${stepText(s.stepMs)})`;
}

function stepText(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  return `${ms / 60_000} min`;
}

function seriesLines<R extends { time: number }>(s: TimeSeries<R>, keys: (keyof R & string)[]): string {
  if (s.rows.length === 0) return '  none\n';
  const width = Math.max(...keys.map((k) => k.length));
  return keys
    .map((key) => {
      const values = s.rows.map((r) => Number(r[key]));
      const peak = values.indexOf(Math.max(...values));
      const peakText = key === 'bytes' ? formatBytes(values[peak]) : formatCount(values[peak]);
      return `  ${key.padEnd(width)}  ${sparkline(values)}  peak ${peakText} at ${formatTime(s.rows[peak].time)}\n`;
    })
    .join('');
}

function heatmapText(h: Heatmap): string {
  if (h.rows.length === 0) return '  none\n';
  const max = Math.max(0, ...h.z.flat());
  const width = Math.max(...h.rows.map((r) => r.length));
  const ruler = Array.from({ length: 24 }, () => ' ');
  for (const hour of [0, 6, 12, 18]) String(hour).split('').forEach((c, i) => (ruler[hour + i] = c));
  return `  ${''.padEnd(width)}  ${ruler.join('')}\n${shadeGrid(h.rows, h.z)}  (darkest = ${formatCount(max)} flows in an hour cell)\n`;
}

function countryTable(rows: readonly { country: string | null; label: string; flows: number; bytes: number }[], top = DEFAULT_COUNTRY_ROWS): string {
  if (rows.length === 0) return '  none\n';
  const shown = rows.slice(0, top);
  const more = rows.length - shown.length;
  return (
    textTable(
      [{ header: 'country' }, { header: 'name' }, { header: 'flows', align: 'right' }, { header: 'bytes', align: 'right' }],
      shown.map((r) => [r.country ?? '', r.label, formatCount(r.flows), formatBytes(r.bytes)]),
    ) + (more > 0 ? `  … ${more} more\n` : '')
  );
}

function anomalyText(a: Anomaly): string {
  const e = a.entities;
  const entities = [
    listText('src', e.srcIps),
    listText('dst', e.dstIps),
    listText('ports', e.ports),
    listText('countries', e.countries),
  ].filter(Boolean);
  return (
    `  [${a.severity}] ${a.type}  ${formatTime(a.start)} – ${formatTime(a.end)}  score ${a.score.toFixed(2)}  ${formatCount(a.flows)} flows` +
    `${entities.length > 0 ? `  ${entities.join('  ')}` : ''}\n    ${a.summary}\n`
  );
}

const MAX_LISTED = 5;

/** `dst 10.0.0.1,10.0.0.2 +18 more`, or '' for an empty list. */
function listText(label: string, values: readonly (string | number)[]): string {
  if (values.length === 0) return '';
  const more = values.length - MAX_LISTED;
  return `${label} ${values.slice(0, MAX_LISTED).join(',')}${more > 0 ? ` +${more} more` : ''}`;
}
