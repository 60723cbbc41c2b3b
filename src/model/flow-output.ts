/**
 * Serializing flow records for output (NDJSON and CSV), with the DESIGN.md column names and
 * timestamps as ISO 8601 UTC text.
 */
import { FLOW_COLUMNS, type FlowRecord } from './flow.js';

/** The record as a plain JSON-ready object: times as ISO text, columns in table order. */
export function flowRecordToJson(r: FlowRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of FLOW_COLUMNS) {
    const v = r[c];
    out[c] = (c === 'timestamp' || c === 'end_time') && typeof v === 'number' ? new Date(v).toISOString() : v;
  }
  return out;
}

export function flowRecordToNdjson(r: FlowRecord): string {
  return JSON.stringify(flowRecordToJson(r)) + '\n';
}

export const FLOW_CSV_HEADER = FLOW_COLUMNS.join(',') + '\n';

export function flowRecordToCsv(r: FlowRecord): string {
  let line = '';
  for (let i = 0; i < FLOW_COLUMNS.length; i++) {
    const c = FLOW_COLUMNS[i];
    const v = r[c];
    let cell: string;
    if (v === null || v === undefined) cell = '';
    else if ((c === 'timestamp' || c === 'end_time') && typeof v === 'number') cell = new Date(v).toISOString();
    else if (typeof v === 'object') cell = csvQuote(JSON.stringify(v));
    else cell = csvQuote(String(v));
    line += i === 0 ? cell : ',' + cell;
  }
  return line + '\n';
}

function csvQuote(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
