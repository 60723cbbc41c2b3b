/** `networkflow parse` over cloud logs: every format of issue #8 detected by content and written as events. */
import path from 'node:path';
import { expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { describeShared, sharedFixture } from '../helpers/fixtures.js';

const cases: [string, string, number][] = [
  ['aws-cloudtrail/elastic-integrations/test-console-login-json.log', 'aws-cloudtrail', 3],
  ['aws-cloudtrail/awsdocs-aws-cloudtrail-user-guide/111122223333_CloudTrail_us-east-2_StartInstances.json', 'aws-cloudtrail', 1],
  ['aws-cloudwatch-logs-api/aws-cli/filter-log-events.output.json', 'aws-cloudwatch', 2],
  ['aws-cloudwatch-logs/datadog-serverless-functions/cloudwatch_logs.json', 'aws-cloudwatch', 19],
  ['azure-activity/elastic-integrations/test-activitylogs-raw.log', 'azure-activity', 1],
  ['azure-resource-logs/elastic-integrations/test-platformlogs-invalid-raw.log', 'azure-monitor', 3],
  ['gcp-audit/elastic-integrations/test-compute-googleapis-com.log', 'gcp-logging', 1],
  ['gcp-logging/elastic-integrations/test-load-balancer.log', 'gcp-logging', 3],
];

describeShared('networkflow parse (cloud logs)', () => {
  for (const [file, format, count] of cases) {
    it(`${path.basename(file)}: ${count} ${format} event(s)`, async () => {
      const r = await runCli(['parse', sharedFixture('cloudlogs', file)]);
      expect(r.code, r.stderr).toBe(0);
      const events = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(events).toHaveLength(count);
      for (const e of events) expect(e).toMatchObject({ source_format: format });
      expect(r.stderr).toContain(`formats: ${format}`);
    });
  }

  it('recognizes a CloudTrail digest and writes no event; CSV output has the events header', async () => {
    const digest = await runCli(['parse', sharedFixture('cloudlogs', 'aws-cloudtrail/elastic-integrations/test-cloudtrail-digest-json.log')]);
    expect(digest.code).toBe(0);
    expect(digest.stdout).toBe('');
    const csv = await runCli(['parse', '--output', 'csv', sharedFixture('cloudlogs', 'gcp-logging/elastic-integrations/test-load-balancer.log')]);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^timestamp,observed_timestamp,provider,source_format,/); // no flows header without flows
    expect(lines).toHaveLength(4);
    const empty = await runCli(['parse', '--output', 'csv', sharedFixture('cloudlogs', 'aws-cloudtrail/elastic-integrations/test-cloudtrail-digest-json.log')]);
    expect(empty.stdout).toMatch(/^timestamp,end_time,[^\n]*\n$/); // nothing at all: the flows header alone, as before
  });

  it('takes a log format by name, and refuses an unknown one', async () => {
    const r = await runCli(['parse', '--format', 'gcp-logging', sharedFixture('cloudlogs', 'gcp-audit/elastic-integrations/test-k8s-nonmatching-resourcename.log')]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'failure', error_code: 'PERMISSION_DENIED' });
    expect((await runCli(['parse', '--format', 'nope', 'x'])).stderr).toMatch(/--format must be auto or one of .*aws-cloudtrail/);
  });
});
