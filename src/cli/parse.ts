/** `networkflow parse`: normalized records to stdout (NDJSON or CSV), the summary to stderr. */
import { parseArgs } from 'node:util';
import {
  FLOW_CSV_HEADER,
  FLOW_FORMAT_IDS,
  flowRecordToCsv,
  flowRecordToNdjson,
  formatSummary,
  isFlowFormatId,
  parseLocalInputs,
  type Diagnostic,
  type FlowFormatId,
  type ParseInputsOptions,
} from '../index.js';
import { EXIT, UsageError, writeOut, type CliIO } from './io.js';

export const PARSE_HELP = `Usage: networkflow parse <file|dir|->... [options]

Reads flow logs (plain, gzip or zip; format detected by content) and writes normalized records.

Options:
  --format <id>              auto (default) | ${FLOW_FORMAT_IDS.join(' | ')}
  --aws-fields "<fields>"    AWS VPC custom format field list, for files without a header line
  --output <ndjson|csv>      output format (default ndjson)
  --strict                   stop with exit code 1 at the first bad row
  --max-diagnostics <n>      how many bad-row messages to print to stderr (default 20)
  --max-inflated-size <n>    archive-bomb limit: bytes an archive may inflate to (default 64 GiB)
  --max-inflate-ratio <n>    archive-bomb limit: inflated/compressed ratio (default 500)
  -h, --help                 this help

Exit codes: 0 ok (bad rows are counted, not fatal), 1 --strict stopped at a bad row,
2 an input failed (unreadable, empty, unknown format, truncated or corrupt archive), 64 usage error.
`;

export interface ParseCommand {
  inputs: string[];
  output: 'ndjson' | 'csv';
  maxDiagnostics: number;
  options: ParseInputsOptions;
}

/** Pure argument parsing, so it can be tested on its own. */
export function parseParseArgs(argv: string[]): ParseCommand | 'help' {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        format: { type: 'string', default: 'auto' },
        'aws-fields': { type: 'string' },
        output: { type: 'string', default: 'ndjson' },
        strict: { type: 'boolean', default: false },
        'max-diagnostics': { type: 'string', default: '20' },
        'max-inflated-size': { type: 'string' },
        'max-inflate-ratio': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return 'help';
  if (positionals.length === 0) throw new UsageError('give at least one input: a file, a folder, or - for standard input');
  const format = values.format as string;
  if (format !== 'auto' && !isFlowFormatId(format)) {
    throw new UsageError(`--format must be auto or one of ${FLOW_FORMAT_IDS.join(', ')} (got ${format})`);
  }
  const output = values.output as string;
  if (output !== 'ndjson' && output !== 'csv') throw new UsageError(`--output must be ndjson or csv (got ${output})`);
  const options: ParseInputsOptions = { format: format as FlowFormatId | 'auto', strict: values.strict as boolean };
  const awsFields = values['aws-fields'] as string | undefined;
  if (awsFields !== undefined) {
    const fields = awsFields.trim().split(/[\s,]+/).filter(Boolean);
    if (fields.length === 0) throw new UsageError('--aws-fields needs a space-separated field list');
    options.awsFields = fields;
  }
  const limits: ParseInputsOptions['limits'] = {};
  if (values['max-inflated-size'] !== undefined) limits.maxInflatedBytes = positiveNumber('--max-inflated-size', values['max-inflated-size'] as string);
  if (values['max-inflate-ratio'] !== undefined) limits.maxInflateRatio = positiveNumber('--max-inflate-ratio', values['max-inflate-ratio'] as string);
  if (Object.keys(limits).length > 0) options.limits = limits;
  return {
    inputs: positionals,
    output,
    maxDiagnostics: positiveNumber('--max-diagnostics', values['max-diagnostics'] as string, true),
    options,
  };
}

function positiveNumber(flag: string, text: string, allowZero = false): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) throw new UsageError(`${flag} needs a ${allowZero ? 'non-negative' : 'positive'} number (got ${text})`);
  return n;
}

export async function runParse(argv: string[], io: CliIO): Promise<number> {
  const cmd = parseParseArgs(argv);
  if (cmd === 'help') {
    io.stderr.write(PARSE_HELP);
    return EXIT.ok;
  }
  const toText = cmd.output === 'csv' ? flowRecordToCsv : flowRecordToNdjson;
  if (cmd.output === 'csv') await writeOut(io.stdout, FLOW_CSV_HEADER);
  let shown = 0;
  const showDiagnostics = (ds: Diagnostic[]) => {
    for (const d of ds) {
      if (d.severity === 'info' || shown >= cmd.maxDiagnostics) continue;
      shown++;
      io.stderr.write(`${d.severity}: ${d.object}${d.line !== null ? `:${d.line}` : ''}${d.field ? ` [${d.field}]` : ''}: ${d.message} (${d.reason})\n`);
    }
  };
  const result = await parseLocalInputs(cmd.inputs, cmd.options, {
    onRecords: async (records) => {
      let text = '';
      for (const r of records) text += toText(r);
      await writeOut(io.stdout, text);
    },
    onDiagnostics: showDiagnostics,
  });
  if (shown >= cmd.maxDiagnostics && result.badRecords + result.warnings > shown) {
    io.stderr.write(`… ${result.badRecords + result.warnings - shown} more diagnostics not shown (see --max-diagnostics)\n`);
  }
  io.stderr.write(formatSummary(result));
  if (result.strictViolation) {
    const d = result.strictViolation;
    io.stderr.write(`networkflow: --strict: stopped at the first bad row: ${d.object}${d.line !== null ? `:${d.line}` : ''}: ${d.message}\n`);
    return EXIT.strict;
  }
  return result.failures.length > 0 ? EXIT.inputFailed : EXIT.ok;
}
