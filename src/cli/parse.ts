/** `networkflow parse`: normalized records to stdout (NDJSON or CSV), the summary to stderr. */
import {
  EVENT_COLUMNS,
  FLOW_CSV_HEADER,
  FLOW_FORMAT_IDS,
  LOG_FORMAT_IDS,
  csvLine,
  eventRecordToJson,
  isLogFormatId,
  type EventRecord,
  type LogFormatId,
  flowRecordToCsv,
  flowRecordToNdjson,
  formatSummary,
  isFlowFormatId,
  azureLocationFromFlags,
  parseInputs,
  parseLocation,
  type Diagnostic,
  type FlowFormatId,
  type ParseInputsOptions,
} from '../index.js';
import { EXIT, UsageError, writeOut, type CliIO } from './io.js';
import { parseFlags, positiveNumber, timeBound, usable } from './args.js';

export const PARSE_HELP = `Usage: networkflow parse <input>... [options]

Reads flow logs and cloud logs (plain, gzip or zip; format detected by content) and writes normalized
records: flows in the flows schema, cloud-log events (CloudWatch, CloudTrail, Azure Monitor and Activity,
Cloud Logging and Audit) in the events schema.

Inputs (any mix):
  <file> | <folder> | -      local files, folders (read recursively, in name order), standard input
  file:///path               the same, as a URI
  azure://<account>/<container>[/prefix]   Azure Blob Storage
  s3://<bucket>[/prefix]     Amazon S3 (or an S3-compatible store, with --endpoint)
  gs://<bucket>[/prefix]     Google Cloud Storage

Options:
  --format <id>              auto (default) | ${FLOW_FORMAT_IDS.join(' | ')}
                             | ${LOG_FORMAT_IDS.join(' | ')}
  --aws-fields "<fields>"    AWS VPC custom format field list, for files without a header line
  --output <ndjson|csv>      output format (default ndjson)
  --strict                   stop with exit code 1 at the first bad row
  --max-diagnostics <n>      how many bad-row messages to print to stderr (default 20)
  --max-inflated-size <n>    archive-bomb limit: bytes an archive may inflate to (default 64 GiB)
  --max-inflate-ratio <n>    archive-bomb limit: inflated/compressed ratio (default 500)
  --storage-account <name>   with --container: an Azure Blob container as an input (same as azure://<name>/<container>)
  --container <name>         the container for --storage-account
  --endpoint <url>           object-store endpoint: an emulator (Azurite, MinIO, fake GCS) or a sovereign cloud
  --since <time>             only objects whose path time (Azure y=/m=/d=/h=, AWS yyyy/mm/dd, hour-named
                             files) ends after this; objects without a time in their path are always read.
                             ISO 8601 (UTC unless zoned: 2024-05-01, 2024-05-01T10:00) or a duration
                             before now: 90m, 24h, 7d, 2w
  --until <time>             only objects whose path time starts before this (same forms)
  --concurrency <n>          objects read at the same time (default 4); the output order stays the same
  -h, --help                 this help

Credentials come from each cloud's own chain, never from flags: Azure AZURE_STORAGE_CONNECTION_STRING,
AZURE_STORAGE_SAS_TOKEN or a signed-in identity; AWS the default provider chain (AWS_PROFILE,
AWS_ACCESS_KEY_ID …) and AWS_ENDPOINT_URL_S3; GCP application default credentials and STORAGE_EMULATOR_HOST.
Transient failures (5xx, 429/503 with Retry-After, resets, timeouts, cut-off bodies) are retried with
backoff; a read cut off mid-way resumes where it stopped.

Exit codes: 0 ok (bad rows are counted, not fatal), 1 --strict stopped at a bad row,
2 an input failed (unreadable, missing, forbidden, empty, unknown format, truncated or corrupt archive,
or still failing after its retries; the others are still read), 64 usage error.
`;

export interface ParseCommand {
  inputs: string[];
  output: 'ndjson' | 'csv';
  maxDiagnostics: number;
  options: ParseInputsOptions;
}

/** Pure argument parsing, so it can be tested on its own. */
export function parseParseArgs(argv: string[]): ParseCommand | 'help' {
  const { values, positionals } = parseFlags(argv, {
    format: { type: 'string', default: 'auto' },
    'aws-fields': { type: 'string' },
    output: { type: 'string', default: 'ndjson' },
    strict: { type: 'boolean', default: false },
    'max-diagnostics': { type: 'string', default: '20' },
    'max-inflated-size': { type: 'string' },
    'max-inflate-ratio': { type: 'string' },
    'storage-account': { type: 'string' },
    container: { type: 'string' },
    endpoint: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    concurrency: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) return 'help';
  const inputs = [...positionals];
  const account = values['storage-account'] as string | undefined;
  const container = values.container as string | undefined;
  if ((account === undefined) !== (container === undefined)) throw new UsageError('--storage-account and --container go together: give both');
  if (account !== undefined && container !== undefined) inputs.push(usable(() => azureLocationFromFlags(account, container).uri));
  if (inputs.length === 0) throw new UsageError('give at least one input: a file, a folder, - for standard input, or a URI (azure://, s3://, gs://)');
  for (const input of inputs) usable(() => parseLocation(input));
  const format = values.format as string;
  if (format !== 'auto' && !isFlowFormatId(format) && !isLogFormatId(format)) {
    throw new UsageError(`--format must be auto or one of ${[...FLOW_FORMAT_IDS, ...LOG_FORMAT_IDS].join(', ')} (got ${format})`);
  }
  const output = values.output as string;
  if (output !== 'ndjson' && output !== 'csv') throw new UsageError(`--output must be ndjson or csv (got ${output})`);
  const options: ParseInputsOptions = { format: format as FlowFormatId | LogFormatId | 'auto', strict: values.strict as boolean, logs: true };
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
  const now = Date.now();
  if (values.since !== undefined) options.since = timeBound('--since', values.since as string, now);
  if (values.until !== undefined) options.until = timeBound('--until', values.until as string, now);
  if (options.since != null && options.until != null && options.since >= options.until) {
    throw new UsageError(`--since must be before --until (got ${values.since} and ${values.until})`);
  }
  if (values.concurrency !== undefined) {
    const n = positiveNumber('--concurrency', values.concurrency as string);
    if (!Number.isInteger(n)) throw new UsageError(`--concurrency needs a whole number (got ${values.concurrency})`);
    options.concurrency = n;
  }
  const endpoint = values.endpoint as string | undefined;
  if (endpoint !== undefined) {
    if (!/^https?:\/\/[^/]/i.test(endpoint) || !URL.canParse(endpoint)) throw new UsageError(`--endpoint needs an http(s) URL such as http://127.0.0.1:10000 (got ${endpoint})`);
    options.source = { endpoint };
  }
  return {
    inputs,
    output,
    maxDiagnostics: positiveNumber('--max-diagnostics', values['max-diagnostics'] as string, true),
    options,
  };
}

export async function runParse(argv: string[], io: CliIO): Promise<number> {
  const cmd = parseParseArgs(argv);
  if (cmd === 'help') {
    io.stderr.write(PARSE_HELP);
    return EXIT.ok;
  }
  const toText = cmd.output === 'csv' ? flowRecordToCsv : flowRecordToNdjson;
  // CSV: each table's header before its first row (flows and events have different columns); an output with
  // no row at all still gets the flows header
  let flowHeader = false;
  let eventHeader = false;
  let shown = 0;
  const showDiagnostics = (ds: Diagnostic[]) => {
    for (const d of ds) {
      if (d.severity === 'info' || shown >= cmd.maxDiagnostics) continue;
      shown++;
      io.stderr.write(`${d.severity}: ${d.object}${d.line !== null ? `:${d.line}` : ''}${d.field ? ` [${d.field}]` : ''}: ${d.message} (${d.reason})\n`);
    }
  };
  const result = await parseInputs(cmd.inputs, cmd.options, {
    onRecords: async (records) => {
      let text = '';
      if (cmd.output === 'csv' && !flowHeader) {
        text += FLOW_CSV_HEADER;
        flowHeader = true;
      }
      for (const r of records) text += toText(r);
      await writeOut(io.stdout, text);
    },
    onEvents: async (events) => {
      let text = '';
      if (cmd.output === 'csv' && !eventHeader) {
        text += `${EVENT_COLUMNS.join(',')}\n`;
        eventHeader = true;
      }
      for (const e of events) text += cmd.output === 'csv' ? eventToCsv(e) : `${JSON.stringify(eventRecordToJson(e))}\n`;
      await writeOut(io.stdout, text);
    },
    onDiagnostics: showDiagnostics,
  });
  if (cmd.output === 'csv' && !flowHeader && !eventHeader) await writeOut(io.stdout, FLOW_CSV_HEADER);
  if (shown >= cmd.maxDiagnostics && result.badRecords + result.warnings > shown) {
    io.stderr.write(`… ${result.badRecords + result.warnings - shown} more diagnostics not shown (see --max-diagnostics)\n`);
  }
  io.stderr.write(formatSummary(result));
  if (result.skippedByTime > 0) {
    io.stderr.write(`  ${result.skippedByTime} object(s) outside --since/--until left unread (by the time in their path)\n`);
  }
  if (result.strictViolation) {
    const d = result.strictViolation;
    io.stderr.write(`networkflow: --strict: stopped at the first bad row: ${d.object}${d.line !== null ? `:${d.line}` : ''}: ${d.message}\n`);
    return EXIT.strict;
  }
  return result.failures.length > 0 ? EXIT.inputFailed : EXIT.ok;
}

/** An event as a CSV row (the events table's columns; attributes as JSON text). */
function eventToCsv(e: EventRecord): string {
  const j = eventRecordToJson(e);
  return csvLine(EVENT_COLUMNS.map((c) => (c === 'attributes' && j[c] !== null ? JSON.stringify(j[c]) : (j[c] as string | number | null))));
}
