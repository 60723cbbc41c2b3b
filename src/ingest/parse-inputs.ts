/**
 * Parse local inputs (files, folders, stdin) to normalized records: the library function behind
 * `networkflow parse`. Each input is unwrapped, detected and parsed on its own; a failing input is
 * recorded in the summary and the others still run. With `strict`, the first bad row stops the run.
 */
import { NetworkflowError, type Diagnostic, type FlowRecord } from '../model/index.js';
import { listLocalInputs, openLocalInput } from '../sources/local.js';
import { decodeFlows, type DecodeOptions } from './decode.js';
import { countDiagnostic, emptySummary, type RunSummary } from './summary.js';

export interface ParseInputsOptions extends DecodeOptions {
  /** Stop at the first bad row (a diagnostic of severity error). */
  strict?: boolean;
}

export interface ParseInputsHandlers {
  /** Receives records in input order; awaited, so a slow consumer slows parsing (backpressure). */
  onRecords(records: FlowRecord[]): void | Promise<void>;
  onDiagnostics?(diagnostics: Diagnostic[]): void;
}

export interface ParseInputsResult extends RunSummary {
  /** Set when `strict` stopped the run: the bad row that did it. */
  strictViolation: Diagnostic | null;
}

export async function parseLocalInputs(
  paths: readonly string[],
  options: ParseInputsOptions,
  handlers: ParseInputsHandlers,
): Promise<ParseInputsResult> {
  const summary: ParseInputsResult = { ...emptySummary(), strictViolation: null };
  const { inputs, missing } = await listLocalInputs(paths);
  for (const m of missing) {
    summary.objects++;
    summary.failures.push({ object: m.path, code: 'input-unreadable', message: m.message });
  }
  for (const input of inputs) {
    summary.objects++;
    try {
      for await (const event of decodeFlows(openLocalInput(input), input.name, options)) {
        if (event.kind === 'entry') {
          summary.entries++;
          summary.formats[event.format] = (summary.formats[event.format] ?? 0) + 1;
        } else if (event.kind === 'entry-failed') {
          summary.entries++;
          summary.failures.push({ object: event.entry, code: event.error.code, message: event.error.message });
        } else {
          if (event.diagnostics.length > 0) {
            for (const d of event.diagnostics) {
              countDiagnostic(summary, d);
              if (d.fatal) summary.failures.push({ object: d.object, code: d.reason, message: `${d.object}: ${d.message}` });
            }
            handlers.onDiagnostics?.(event.diagnostics);
            const bad = options.strict ? event.diagnostics.find((d) => d.severity === 'error') : undefined;
            if (bad) {
              summary.strictViolation = bad;
              return summary;
            }
          }
          if (event.records.length > 0) {
            summary.records += event.records.length;
            await handlers.onRecords(event.records);
          }
        }
      }
    } catch (err) {
      summary.failures.push(failureOf(input.name, err));
    }
  }
  return summary;
}

function failureOf(object: string, err: unknown): { object: string; code: string; message: string } {
  if (err instanceof NetworkflowError) return { object, code: err.code, message: err.message };
  const e = err as NodeJS.ErrnoException;
  return { object, code: 'input-unreadable', message: `${object}: ${e?.message ?? String(err)}` };
}
