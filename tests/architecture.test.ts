/**
 * The import rules of DESIGN.md, checked on every import in src/: which layer may import which,
 * and no cycles between files.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src');

/** Layer → the layers it may import (besides itself). `library` is src/index.ts. */
const ALLOWED: Record<string, string[]> = {
  model: [],
  parsers: ['model'],
  containers: ['model'],
  // log-API sources turn SDK responses into events with the log parsers' pure normalizers
  sources: ['model', 'parsers'],
  store: ['model'],
  ingest: ['model', 'sources', 'containers', 'parsers', 'store'],
  analytics: ['model', 'store'],
  // synthetic data: pure traffic model in generate/, writes through sources' ObjectSource.write
  generate: ['model', 'sources'],
  // verify-resources: checks deployed cloud resources (reuses sources' storage clients and credential chains)
  verify: ['model', 'sources'],
  api: ['library'],
  // `networkflow dashboard` starts the HTTP server (it imports src/api/server.ts, the api's entry)
  cli: ['library', 'api'],
  web: ['library'],
  notify: ['library'],
  library: ['*'],
};

function listTs(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return listTs(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

function layerOf(file: string): string {
  const rel = path.relative(SRC, file);
  if (rel === 'index.ts') return 'library';
  return rel.split(path.sep)[0];
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  const re = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of text.matchAll(re)) out.push(m[1] ?? m[2]);
  return out;
}

function resolveLocal(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  return path.resolve(path.dirname(from), spec).replace(/\.js$/, '.ts');
}

const files = listTs(SRC);

describe('architecture (DESIGN.md import rules)', () => {
  it('finds the source files', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it('every layer imports only what DESIGN.md allows', () => {
    const violations: string[] = [];
    for (const file of files) {
      const from = layerOf(file);
      const allowed = ALLOWED[from];
      if (!allowed) {
        violations.push(`${path.relative(SRC, file)}: folder '${from}' is not a layer of DESIGN.md`);
        continue;
      }
      for (const spec of importsOf(file)) {
        const target = resolveLocal(file, spec);
        if (target === null) continue; // packages and node: built-ins
        const to = layerOf(target);
        if (to === from || allowed.includes('*') || allowed.includes(to)) continue;
        violations.push(`${path.relative(SRC, file)} (${from}) imports ${spec} (${to})`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('has no import cycles', () => {
    const graph = new Map(files.map((f) => [f, importsOf(f).map((s) => resolveLocal(f, s)).filter((t): t is string => t !== null)]));
    const state = new Map<string, 'visiting' | 'done'>();
    const cycles: string[] = [];
    const visit = (f: string, trail: string[]) => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'visiting') {
        cycles.push([...trail.slice(trail.indexOf(f)), f].map((p) => path.relative(SRC, p)).join(' → '));
        return;
      }
      state.set(f, 'visiting');
      for (const t of graph.get(f) ?? []) visit(t, [...trail, f]);
      state.set(f, 'done');
    };
    for (const f of files) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it('keeps I/O out of parsers and containers', () => {
    const io = /from\s+['"]node:(fs|fs\/promises|net|http|https|child_process)['"]/;
    const offenders = files.filter((f) => ['parsers', 'containers', 'model'].includes(layerOf(f)) && io.test(readFileSync(f, 'utf8')));
    expect(offenders.map((f) => path.relative(SRC, f))).toEqual([]);
  });
});
