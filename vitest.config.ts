import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 30_000,
    // In CI also write a JSON report, from which .ci/run prints a plain 'N passed, N failed' line.
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: process.env.CI ? { json: 'coverage/test-results.json' } : undefined,
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      // run only in the browser: tests/web/dashboard.e2e.test.ts measures them in Chromium (≥ 90% of lines)
      exclude: ['src/web/{dashboard,panels,filter-bar,dom,theme,main,plotly-global}.ts'],
      reporter: ['text-summary', 'text'],
      thresholds: { lines: 85 },
    },
  },
});
