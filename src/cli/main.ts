#!/usr/bin/env node
/** The `networkflow` command: dispatches to one file per subcommand. */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EXIT, UsageError, type CliIO } from './io.js';
import { runParse } from './parse.js';
import { runGenerate } from './generate.js';
import { runIngest } from './ingest.js';
import { runAnalyze } from './analyze.js';
import { runExport } from './export.js';
import { runDashboard } from './dashboard.js';
import { runVerify } from './verify.js';
import { runLogs } from './logs.js';

const COMMANDS: Record<string, { summary: string; run: (argv: string[], io: CliIO) => Promise<number> }> = {
  parse: { summary: 'parse flow-log files to normalized records (NDJSON or CSV)', run: runParse },
  generate: { summary: 'write synthetic flow logs with labelled anomalies', run: runGenerate },
  ingest: { summary: 'ingest flow logs into a Parquet lake (incremental, crash-safe)', run: runIngest },
  analyze: { summary: 'aggregates and anomalies of a lake (or of a source, ingested first)', run: runAnalyze },
  export: { summary: 'write one aggregate, or the filtered flows, as JSON or CSV', run: runExport },
  dashboard: { summary: 'serve the interactive dashboard and its JSON API (demo data without a source)', run: runDashboard },
  logs: { summary: 'pull cloud logs (CloudWatch, Log Analytics, Cloud Logging) into the events table; show them', run: runLogs },
  verify: { summary: "check a deployment's storage, logs and service with the clouds' SDKs (verify-resources)", run: runVerify },
};

export function mainHelp(): string {
  const lines = ['Usage: networkflow <command> [options]', '', 'Commands:'];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(10)} ${c.summary}`);
  lines.push('', `Run 'networkflow <command> --help' for a command's options.`, '');
  return lines.join('\n');
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    io.stdout.write(mainHelp());
    return command === undefined ? EXIT.usage : EXIT.ok;
  }
  if (command === '--version' || command === '-v') {
    io.stdout.write(`${packageVersion()}\n`);
    return EXIT.ok;
  }
  const cmd = COMMANDS[command];
  if (!cmd) {
    io.stderr.write(`networkflow: unknown command '${command}'\n\n${mainHelp()}`);
    return EXIT.usage;
  }
  try {
    return await cmd.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`networkflow ${command}: ${err.message}\nRun 'networkflow ${command} --help' for usage.\n`);
      return EXIT.usage;
    }
    throw err;
  }
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { version: string };
  return pkg.version;
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

/** Runs the command line as this process: exit code, EPIPE on a closed pipe, the stack of an unexpected error. */
export function runAsProcess(argv: string[]): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT.ok); // the reader went away (e.g. `| head`): not an error
    throw err;
  });
  main(argv, { stdout: process.stdout, stderr: process.stderr }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`networkflow: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exitCode = 70;
    },
  );
}

if (isEntryPoint()) runAsProcess(process.argv.slice(2));
