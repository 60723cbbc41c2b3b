/** `networkflow generate`: synthetic flow logs with labelled anomalies; a summary to stderr. */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  ANOMALY_TYPES,
  GENERATE_DEFAULTS,
  GENERATE_FORMAT_IDS,
  NetworkflowError,
  generateFlowLogs,
  isAnomalyType,
  isGenerateFormatId,
  localObjectWriter,
  objectWriterFromSource,
  openSource,
  parseLocation,
  type AnomalyOptions,
  type AnomalyType,
  type GenerateOptions,
  type ObjectWriter,
} from '../index.js';
import { EXIT, UsageError, writeOut, type CliIO } from './io.js';

export const GENERATE_HELP = `Usage: networkflow generate --out <dir|uri> [options]

Writes realistic synthetic flow logs in a cloud's real object layout, with injected anomalies
listed in <out>/truth.json.

Options:
  --out <dir|uri>             output folder, file:// URI, or object store: azure://<account>/<container>[/prefix],
                              s3://<bucket>[/prefix], gs://<bucket>[/prefix] (credentials from each cloud's chain)
  --endpoint <url>            object-store endpoint for --out (an emulator or a sovereign cloud)
  --format <id>               ${GENERATE_FORMAT_IDS.join(' | ')} (default ${GENERATE_DEFAULTS.format})
  --hours <n>                 length of the window in hours (default ${GENERATE_DEFAULTS.hours})
  --start <ISO>               window start, floored to the hour (default: <hours> before the current hour)
  --seed <n>                  random seed; the same seed and options give the same bytes (default ${GENERATE_DEFAULTS.seed})
  --flows-per-hour <n>        mean flows per hour over a day (default ${GENERATE_DEFAULTS.flowsPerHour})
  --anomaly <type>=<ISO|off>  start of one anomaly, or off (repeatable); types:
                              ${ANOMALY_TYPES.join(', ')}
  --exfil-country <CC>        country of the exfiltration peer (default KP)
  --concurrency <n>           objects written at the same time (default 4)
  -h, --help                  this help
`;

export interface GenerateCommand {
  out: string;
  endpoint?: string;
  options: GenerateOptions;
}

function positiveInt(name: string, text: string, min: number): number {
  const n = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min) throw new UsageError(`--${name} must be a whole number ≥ ${min}, not '${text}'`);
  return n;
}

/** Pure argument parsing, so it can be tested on its own. */
export function parseGenerateArgs(argv: string[]): GenerateCommand | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        out: { type: 'string' },
        endpoint: { type: 'string' },
        format: { type: 'string', default: GENERATE_DEFAULTS.format },
        hours: { type: 'string', default: String(GENERATE_DEFAULTS.hours) },
        start: { type: 'string' },
        seed: { type: 'string', default: String(GENERATE_DEFAULTS.seed) },
        'flows-per-hour': { type: 'string', default: String(GENERATE_DEFAULTS.flowsPerHour) },
        anomaly: { type: 'string', multiple: true },
        'exfil-country': { type: 'string' },
        concurrency: { type: 'string', default: '4' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return 'help';
  if (values.out === undefined || values.out === '') throw new UsageError('--out <dir> is required');
  const format = values.format;
  if (!isGenerateFormatId(format)) throw new UsageError(`--format must be one of ${GENERATE_FORMAT_IDS.join(', ')}, not '${format}'`);
  let start: number | undefined;
  if (values.start !== undefined) {
    start = Date.parse(values.start);
    if (!Number.isFinite(start)) throw new UsageError(`--start must be an ISO 8601 time such as 2026-11-01T00:00:00Z, not '${values.start}'`);
  }
  const anomalies: Partial<Record<AnomalyType, AnomalyOptions>> = {};
  for (const spec of values.anomaly ?? []) {
    const eq = spec.indexOf('=');
    const type = eq === -1 ? spec : spec.slice(0, eq);
    const when = eq === -1 ? '' : spec.slice(eq + 1);
    if (!isAnomalyType(type)) throw new UsageError(`--anomaly: unknown type '${type}' (one of ${ANOMALY_TYPES.join(', ')})`);
    if (when === 'off') anomalies[type] = { enabled: false };
    else if (Number.isFinite(Date.parse(when))) anomalies[type] = { start: Date.parse(when) };
    else throw new UsageError(`--anomaly ${type}=<ISO time|off>, not '${spec}'`);
  }
  const country = values['exfil-country'];
  if (country !== undefined && !/^[A-Za-z]{2}$/.test(country)) throw new UsageError(`--exfil-country must be a two-letter country code, not '${country}'`);
  return {
    out: values.out,
    ...(values.endpoint !== undefined ? { endpoint: values.endpoint } : {}),
    options: {
      format,
      hours: positiveInt('hours', values.hours, 1),
      start,
      seed: positiveInt('seed', values.seed, 0),
      flowsPerHour: positiveInt('flows-per-hour', values['flows-per-hour'], 0),
      anomalies,
      exfiltrationCountry: country?.toUpperCase(),
      concurrency: positiveInt('concurrency', values.concurrency, 1),
    },
  };
}

export interface OutputTarget {
  writer: ObjectWriter;
  close(): Promise<void>;
}

/** A local folder (plain path or file:// URI, created as needed) or an object-store URI, opened for writing. */
export async function outputWriter(out: string, endpoint?: string): Promise<OutputTarget> {
  const location = parseLocation(out);
  if (location.kind === 'stdin') throw new UsageError('--out needs a folder or an object-store URI, not -');
  if (location.kind === 'local') return { writer: localObjectWriter(location.path ?? fileURLToPath(location.uri)), close: async () => {} };
  const source = await openSource(location, endpoint !== undefined ? { endpoint } : {});
  return { writer: objectWriterFromSource(source), close: () => source.close() };
}

export async function runGenerate(argv: string[], io: CliIO): Promise<number> {
  const cmd = parseGenerateArgs(argv);
  if (cmd === 'help') {
    await writeOut(io.stdout, GENERATE_HELP);
    return EXIT.ok;
  }
  let target: OutputTarget;
  try {
    target = await outputWriter(cmd.out, cmd.endpoint);
  } catch (err) {
    if (err instanceof NetworkflowError) {
      await writeOut(io.stderr, `networkflow generate: ${err.message}${err.hint ? `\n  hint: ${err.hint}` : ''}\n`);
      return EXIT.usage;
    }
    if (err instanceof Error && err.name === 'SourceError') {
      await writeOut(io.stderr, `networkflow generate: cannot open the output: ${err.message}\n`);
      return EXIT.inputFailed;
    }
    throw err;
  }
  const writer = target.writer;
  try {
    const s = await generateFlowLogs(writer, cmd.options);
    const rate = s.seconds > 0 ? Math.round(s.flows / s.seconds) : s.flows;
    await writeOut(
      io.stderr,
      `networkflow generate: ${s.format} ${s.start} → ${s.end}: ${s.objects} objects, ${s.flows} flows, ${s.bytes} bytes in ${s.seconds.toFixed(1)} s (${rate} flows/s); ${s.anomalies.length} anomalies in ${writer.uri}/truth.json\n`,
    );
    return EXIT.ok;
  } catch (err) {
    if (err instanceof NetworkflowError) {
      await writeOut(io.stderr, `networkflow generate: ${err.message}${err.hint ? `\n  hint: ${err.hint}` : ''}\n`);
      return err.code === 'bad-option' ? EXIT.usage : EXIT.inputFailed;
    }
    if (err instanceof Error && err.name === 'SourceError') {
      // the output could not be written (the message names the object and the cause)
      await writeOut(io.stderr, `networkflow generate: cannot write the output: ${err.message}\n`);
      return EXIT.inputFailed;
    }
    throw err;
  } finally {
    await target.close();
  }
}
