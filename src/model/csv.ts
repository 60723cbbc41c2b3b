/**
 * CSV output: RFC 4180 quoting, and neutralized spreadsheet formulas. Values from flow logs are untrusted:
 * a cell such as `=HYPERLINK(…)` in a rule name would run as a formula when the file is opened in a
 * spreadsheet, so text cells starting with = + - @ (or a tab or carriage return) get a leading apostrophe
 * (OWASP's advice). Numbers are written as they are: our own, never formulas.
 */

export type CsvValue = string | number | boolean | null | undefined;

export interface CsvTable {
  columns: string[];
  rows: CsvValue[][];
}

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'string') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(values: readonly CsvValue[]): string {
  return `${values.map(csvCell).join(',')}\n`;
}

/** The header line and every row. */
export function csvText(table: CsvTable): string {
  return csvLine(table.columns) + table.rows.map(csvLine).join('');
}
