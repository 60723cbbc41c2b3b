/**
 * Diagnostics: what a parser says about input it could not (fully) turn into records.
 * Parsers never throw on bad data; they yield these beside the records and the caller decides
 * (count and continue by default, stop at the first error with --strict).
 */
export type DiagnosticSeverity = 'error' | 'warning' | 'info';

export interface Diagnostic {
  /** The input (file path, URI, or `path!entry` inside an archive). */
  object: string;
  /** 1-based line of the input, where known. */
  line: number | null;
  /** The field (column name, JSON path) at fault, where known. */
  field: string | null;
  /** Stable machine-readable reason code, e.g. `bad-port`, `nodata`, `truncated-gzip`. Summaries count by it. */
  reason: string;
  /** Human-readable explanation with the offending value. */
  message: string;
  /**
   * `error`: a row or object was rejected (counts as a bad row; --strict stops on it).
   * `warning`: data kept but something was off. `info`: a record that is not traffic (AWS NODATA/SKIPDATA).
   */
  severity: DiagnosticSeverity;
  /** Extra structured data, e.g. the fields of a NODATA record. */
  detail?: Record<string, unknown>;
  /**
   * Set when the parser could not read past this point (a JSON document cut off mid-record, a record over
   * the size limit): the records before it stand, and the input as a whole counts as failed.
   */
  fatal?: boolean;
}

export function diagnostic(
  object: string,
  line: number | null,
  field: string | null,
  reason: string,
  message: string,
  severity: DiagnosticSeverity = 'error',
  detail?: Record<string, unknown>,
): Diagnostic {
  const d: Diagnostic = { object, line, field, reason, message, severity };
  if (detail !== undefined) d.detail = detail;
  return d;
}
