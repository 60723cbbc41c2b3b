/**
 * The end-of-run account of a parse or ingest: objects, records, bad rows by reason, failures.
 * Nothing is dropped silently: every diagnostic is counted here.
 */
import type { Diagnostic } from '../model/index.js';

export interface ObjectFailure {
  object: string;
  code: string;
  message: string;
}

export interface RunSummary {
  objects: number;
  entries: number;
  records: number;
  /** Rows rejected (diagnostics of severity error), by reason. */
  badRecords: number;
  badByReason: Record<string, number>;
  warnings: number;
  warningsByReason: Record<string, number>;
  /** Non-traffic records (AWS NODATA/SKIPDATA), by reason. */
  info: number;
  infoByReason: Record<string, number>;
  failures: ObjectFailure[];
  formats: Record<string, number>;
}

export function emptySummary(): RunSummary {
  return {
    objects: 0,
    entries: 0,
    records: 0,
    badRecords: 0,
    badByReason: {},
    warnings: 0,
    warningsByReason: {},
    info: 0,
    infoByReason: {},
    failures: [],
    formats: {},
  };
}

export function countDiagnostic(summary: RunSummary, d: Diagnostic): void {
  if (d.severity === 'error') {
    summary.badRecords++;
    summary.badByReason[d.reason] = (summary.badByReason[d.reason] ?? 0) + 1;
  } else if (d.severity === 'warning') {
    summary.warnings++;
    summary.warningsByReason[d.reason] = (summary.warningsByReason[d.reason] ?? 0) + 1;
  } else {
    summary.info++;
    summary.infoByReason[d.reason] = (summary.infoByReason[d.reason] ?? 0) + 1;
  }
}

/** Human-readable summary lines (for stderr). */
export function formatSummary(s: RunSummary): string {
  const lines: string[] = [];
  const reasons = (m: Record<string, number>) =>
    Object.entries(m)
      .sort((a, b) => b[1] - a[1])
      .map(([r, n]) => `${r}: ${n}`)
      .join(', ');
  lines.push(
    `networkflow: ${s.objects} input(s), ${s.entries} entr${s.entries === 1 ? 'y' : 'ies'}, ${s.records} record(s), ${s.badRecords} bad row(s), ${s.failures.length} failed input(s)`,
  );
  const formats = Object.entries(s.formats).map(([f, n]) => `${f} ×${n}`).join(', ');
  if (formats) lines.push(`  formats: ${formats}`);
  if (s.badRecords > 0) lines.push(`  bad rows by reason: ${reasons(s.badByReason)}`);
  if (s.warnings > 0) lines.push(`  warnings: ${reasons(s.warningsByReason)}`);
  if (s.info > 0) lines.push(`  not traffic (kept as diagnostics): ${reasons(s.infoByReason)}`);
  for (const f of s.failures) lines.push(`  FAILED ${f.message.startsWith(f.object) ? f.message : `${f.object}: ${f.message}`}`);
  return lines.join('\n') + '\n';
}
