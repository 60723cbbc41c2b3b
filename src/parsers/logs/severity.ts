/**
 * Severity on the OpenTelemetry scale (1–24; see the data model's "Mapping of SeverityNumber"), from each
 * cloud's level words and numbers. The text kept beside it is the source's own (`severity_text`).
 *
 *   TRACE 1 · DEBUG 5 · INFO 9 · NOTICE 10 · WARN 13 · ERROR 17 · CRITICAL 18 · ALERT 19 · FATAL/EMERGENCY 21
 *
 * Covered: GCP LogSeverity names and numbers (DEFAULT 0 … EMERGENCY 800), Azure levels (Verbose,
 * Informational, Warning, Error, Critical; resource logs' numeric levels 1–5 as Activity Log uses them),
 * syslog-style words and the common application level words (Lambda runtimes, Powertools, log4j).
 */
const WORDS: Record<string, number> = {
  trace: 1,
  verbose: 5,
  debug: 5,
  info: 9,
  information: 9,
  informational: 9,
  notice: 10,
  warn: 13,
  warning: 13,
  error: 17,
  err: 17,
  critical: 18,
  crit: 18,
  alert: 19,
  fatal: 21,
  emergency: 21,
  emerg: 21,
  panic: 21,
};

/** GCP LogSeverity numbers (DEFAULT 0 has no level: null). */
const GCP_NUMBERS: Record<number, number> = { 100: 5, 200: 9, 300: 10, 400: 13, 500: 17, 600: 18, 700: 19, 800: 21 };

/** Azure's numeric levels (1 Critical, 2 Error, 3 Warning, 4 Informational, 5 Verbose). */
const AZURE_NUMBERS: Record<number, number> = { 1: 18, 2: 17, 3: 13, 4: 9, 5: 5 };

/**
 * The OpenTelemetry number of a level, or null when it names none (`DEFAULT`, empty, unknown words).
 * `scheme` says how to read a number: GCP's 100-steps or Azure's 1–5.
 */
export function severityNumber(level: string | number | null | undefined, scheme: 'gcp' | 'azure' | 'text' = 'text'): number | null {
  if (level === null || level === undefined || level === '') return null;
  if (typeof level === 'number') {
    if (scheme === 'gcp') return GCP_NUMBERS[level] ?? null;
    if (scheme === 'azure') return AZURE_NUMBERS[level] ?? null;
    return null;
  }
  const word = level.trim().toLowerCase();
  if (word in WORDS) return WORDS[word];
  if (/^\d+$/.test(word)) return severityNumber(Number(word), scheme);
  return null;
}
