/** Plain-text output for people: aligned tables, human units, shaded grids and sparklines. */

export interface TextColumn {
  header: string;
  /** Numbers read best right-aligned. */
  align?: 'left' | 'right';
}

/** Columns padded to their widest cell, two spaces apart, each line indented by `indent`. */
export function textTable(columns: readonly TextColumn[], rows: readonly (readonly string[])[], indent = '  '): string {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    indent +
    columns
      .map((c, i) => {
        const cell = cells[i] ?? '';
        return c.align === 'right' ? cell.padStart(widths[i]) : cell.padEnd(widths[i]);
      })
      .join('  ')
      .trimEnd() +
    '\n';
  return line(columns.map((c) => c.header)) + rows.map(line).join('');
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/** 1536 → `1.5 KiB`; whole bytes below 1 KiB. */
export function formatBytes(n: number): string {
  let value = n;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)} ${BYTE_UNITS[unit]}`;
}

/** 1234567 → `1,234,567`. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

export function formatPercent(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`;
}

/** Epoch ms → `2026-11-02 10:00:00Z` (UTC, seconds; milliseconds only when there are some). */
export function formatTime(ms: number): string {
  const iso = new Date(ms).toISOString().replace('T', ' ');
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

const SHADES = [' ', '░', '▒', '▓', '█'];

/** One character per cell, shaded by its share of the grid's largest value (blank only for zero). */
export function shadeGrid(rowLabels: readonly string[], z: readonly (readonly number[])[], indent = '  '): string {
  const max = Math.max(0, ...z.flat());
  const width = Math.max(0, ...rowLabels.map((l) => l.length));
  const shade = (v: number) => (v <= 0 || max === 0 ? SHADES[0] : SHADES[Math.max(1, Math.ceil((v / max) * (SHADES.length - 1)))]);
  return rowLabels.map((label, i) => `${indent}${label.padEnd(width)} │${z[i].map(shade).join('')}│\n`).join('');
}

const BARS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/** Values as bars, at most `width` of them (neighbouring values merged by their maximum). */
export function sparkline(values: readonly number[], width = 60): string {
  if (values.length === 0) return '';
  const per = Math.ceil(values.length / width);
  const merged: number[] = [];
  for (let i = 0; i < values.length; i += per) merged.push(Math.max(...values.slice(i, i + per)));
  const max = Math.max(...merged);
  return merged.map((v) => (max <= 0 ? BARS[0] : BARS[Math.min(BARS.length - 1, Math.floor((v / max) * (BARS.length - 1)))])).join('');
}
