/**
 * Line coverage of the dashboard's browser code, from Chromium's V8 coverage of the bundle (playwright's
 * page.coverage) mapped back to src/web/*.ts through the bundle's source map. Vitest only measures code that
 * runs in Node, so the e2e test uses this for the DOM modules (dashboard.ts, panels.ts, filter-bar.ts, …).
 * Lines are counted as istanbul counts them: a line with statements is covered when one of them ran.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'acorn';
import { convert } from 'ast-v8-to-istanbul';

export interface ScriptCoverage {
  url: string;
  source?: string;
  functions: { functionName: string; isBlockCoverage: boolean; ranges: { startOffset: number; endOffset: number; count: number }[] }[];
}

/** Per source file (absolute path): line number → hits. */
export type LineHits = Map<string, Map<number, number>>;

/** Adds the coverage of every load of `bundleUrl` among `entries` into `hits`. */
export async function addBundleCoverage(hits: LineHits, entries: readonly ScriptCoverage[], bundleUrl: string, bundlePath: string): Promise<void> {
  const map = JSON.parse(readFileSync(`${bundlePath}.map`, 'utf8'));
  for (const entry of entries.filter((e) => e.url === bundleUrl)) {
    const code = entry.source ?? readFileSync(bundlePath, 'utf8');
    const data = await convert({
      code,
      coverage: { url: pathToFileURL(bundlePath).href, functions: entry.functions },
      ast: parse(code, { ecmaVersion: 'latest', sourceType: 'script', locations: true }) as never,
      sourceMap: map,
    });
    for (const [file, fileCoverage] of Object.entries(data)) {
      const key = path.resolve(path.dirname(bundlePath), file);
      const lines = hits.get(key) ?? new Map<number, number>();
      hits.set(key, lines);
      for (const [id, range] of Object.entries(fileCoverage.statementMap)) {
        const line = range.start.line;
        lines.set(line, Math.max(lines.get(line) ?? 0, fileCoverage.s[id] ?? 0));
      }
    }
  }
}

export function lineSummary(hits: LineHits): { file: string; covered: number; total: number; uncovered: number[] }[] {
  return [...hits].map(([file, lines]) => ({
    file,
    covered: [...lines.values()].filter((n) => n > 0).length,
    total: lines.size,
    uncovered: [...lines].filter(([, n]) => n === 0).map(([line]) => line).sort((a, b) => a - b),
  }));
}
