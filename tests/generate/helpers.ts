/** Generates into a temporary folder and reads the objects back through the real decode path. */
import { createReadStream, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateFlowLogs, localObjectWriter, type GenerateOptions, type GenerateSummary } from '../../src/generate/index.js';
import { decodeFlows } from '../../src/ingest/decode.js';
import type { Diagnostic, FlowRecord } from '../../src/model/index.js';

export const START = '2026-11-02T00:00:00Z';

export function tempDir(label: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `nf-gen-${label}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Relative `/`-separated paths of every file under dir, sorted. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(path.relative(dir, p).split(path.sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

export interface ReadBack {
  records: FlowRecord[];
  diagnostics: Diagnostic[];
  failures: string[];
  /** Detected format per object key. */
  formats: Map<string, string>;
  /** Records per object key. */
  counts: Map<string, number>;
}

export async function readBack(dir: string): Promise<ReadBack> {
  const rb: ReadBack = { records: [], diagnostics: [], failures: [], formats: new Map(), counts: new Map() };
  for (const key of listFiles(dir)) {
    if (key === 'truth.json') continue;
    let n = 0;
    for await (const e of decodeFlows(createReadStream(path.join(dir, key)), key)) {
      if (e.kind === 'entry') rb.formats.set(key, e.format);
      else if (e.kind === 'entry-failed') rb.failures.push(`${key}: ${e.error.message}`);
      else if (e.kind === 'batch') {
        for (const r of e.records) rb.records.push(r);
        rb.diagnostics.push(...e.diagnostics);
        n += e.records.length;
      }
    }
    rb.counts.set(key, n);
  }
  return rb;
}

export async function generateInto(dir: string, options: GenerateOptions): Promise<GenerateSummary> {
  return generateFlowLogs(localObjectWriter(dir), { start: START, ...options });
}
