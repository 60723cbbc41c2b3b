/** Test helpers: run a parser over a string/bytes in chunks and collect everything it yields. */
import { readFileSync } from 'node:fs';
import type { Diagnostic, FlowRecord } from '../../src/model/index.js';
import type { FlowFormat, ParseOptions } from '../../src/parsers/types.js';

export async function* chunked(data: string | Uint8Array, chunkSize = 64 * 1024): AsyncGenerator<Uint8Array> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  for (let i = 0; i < bytes.length; i += chunkSize) yield bytes.subarray(i, i + chunkSize);
}

export interface Collected {
  records: FlowRecord[];
  diagnostics: Diagnostic[];
}

export async function collect(
  format: FlowFormat,
  data: string | Uint8Array,
  options: Partial<ParseOptions> = {},
  chunkSize?: number,
): Promise<Collected> {
  const records: FlowRecord[] = [];
  const diagnostics: Diagnostic[] = [];
  for await (const batch of format.parse(chunked(data, chunkSize), { object: 'test-input', ...options })) {
    records.push(...batch.records);
    diagnostics.push(...batch.diagnostics);
  }
  return { records, diagnostics };
}

export async function collectFile(format: FlowFormat, file: string, options: Partial<ParseOptions> = {}): Promise<Collected> {
  return collect(format, readFileSync(file), { object: file, ...options });
}
