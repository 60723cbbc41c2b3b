/**
 * Text for people and for Plotly. Plotly renders a pseudo-HTML subset in labels and hover text (`<b>`,
 * `<br>`, `<a href>`, entities), so untrusted names go in escaped; Plotly decodes the entities back, and the
 * reader sees the name exactly as logged. Pure.
 */

/** `&`, `<` and `>` as entities, so Plotly shows the text instead of reading tags from it. */
export function escapePlotly(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatCount(n: number): string {
  return integer.format(n);
}

const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];

/** Bytes in SI units with three significant digits: `1.23 GB`. */
export function formatBytes(n: number): string {
  let value = n;
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toPrecision(3)} ${BYTE_UNITS[unit]}`;
}

/** A 0–1 rate as a percentage with one decimal: `12.5%`. */
export function formatPercent(rate: number): string {
  return `${(rate * 100).toFixed(1)}%`;
}
