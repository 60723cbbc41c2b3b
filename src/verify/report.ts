/** Turns checks into the report (ok, failed ids) and prints it as a table or JSON. */
import type { Check, CheckStatus, CloudName, CloudResult, VerifyReport } from './types.js';

export function buildReport(cloud: CloudName, result: CloudResult): VerifyReport {
  const failed = result.checks.filter((c) => c.status === 'fail').map((c) => c.id);
  return { cloud, ok: failed.length === 0 && result.checks.length > 0, failed, ...result };
}

const MARK: Record<CheckStatus, string> = { pass: 'PASS', fail: 'FAIL', warn: 'WARN', skip: 'SKIP' };

/** A plain-text table (one row per check, details under it) and a closing line naming what failed. */
export function formatReport(report: VerifyReport): string {
  const header = ['RESULT', 'CHECK', 'RESOURCE', 'STATE'];
  const rows = report.checks.map((c) => [MARK[c.status], c.title, c.resource, c.state]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd();
  const out = [`verify-resources: ${report.cloud}`, '', line(header)];
  report.checks.forEach((c: Check, i) => {
    out.push(line(rows[i]));
    if (c.detail && c.status !== 'pass') out.push(`      ${c.detail}`);
  });
  out.push('');
  if (report.serviceUrl) out.push(`service URL: ${report.serviceUrl}`);
  const passed = report.checks.filter((c) => c.status === 'pass').length;
  out.push(
    report.ok
      ? `all checks passed (${passed} of ${report.checks.length}${countOf(report, 'warn', 'warning')}${countOf(report, 'skip', 'skipped')})`
      : `FAILED: ${report.failed.join(', ')} (${passed} of ${report.checks.length} passed)`,
  );
  return `${out.join('\n')}\n`;
}

function countOf(report: VerifyReport, status: CheckStatus, word: string): string {
  const n = report.checks.filter((c) => c.status === status).length;
  return n === 0 ? '' : `, ${n} ${word}${n === 1 || word === 'skipped' ? '' : 's'}`;
}
