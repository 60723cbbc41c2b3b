/**
 * Access to the shared third-party fixtures in ../shared/fixtures (read in place, never copied).
 * Where ../shared is absent the tests that need it are skipped with a message, except in CI
 * (CI=true), where a missing ../shared is a failure.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { describe } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SHARED_FIXTURES = path.resolve(repoRoot, '../shared/fixtures');
export const OWN_FIXTURES = path.resolve(repoRoot, 'tests/fixtures');

export const sharedFixturesPresent = existsSync(SHARED_FIXTURES);

if (!sharedFixturesPresent && process.env.CI) {
  throw new Error(`shared fixtures not found at ${SHARED_FIXTURES}: CI must run with ../shared beside the repo`);
}

/** `describe` that skips (with a reason in its title) when ../shared/fixtures is not there. */
export function describeShared(name: string, fn: () => void): void {
  if (sharedFixturesPresent) describe(name, fn);
  else describe.skip(`${name} (skipped: ../shared/fixtures not found next to the repo)`, fn);
}

export function sharedFixture(...parts: string[]): string {
  return path.join(SHARED_FIXTURES, ...parts);
}

/** Every file below a folder of ../shared/fixtures, recursively, sorted. */
export function listSharedFixtures(...parts: string[]): string[] {
  const root = sharedFixture(...parts);
  if (!existsSync(root)) return [];
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(root);
  return out;
}
