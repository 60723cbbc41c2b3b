/** openLogSource: each provider's source built from plain settings, with its SDK loaded only then; the buckets. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_LOG_RATES, loadLogModule, logBuckets, openLogSource } from '../../../src/sources/logs/open.js';

describe('openLogSource', () => {
  const buckets = logBuckets();

  it('builds a CloudWatch Logs, a Log Analytics and a Cloud Logging source with stable ids', async () => {
    const aws = await openLogSource({ provider: 'aws', logGroup: '/aws/lambda/f', region: 'eu-west-1', pageSize: 100, endpoint: 'http://127.0.0.1:1' }, { buckets });
    expect([aws.provider, aws.id]).toEqual(['aws', 'aws:eu-west-1:/aws/lambda/f']);
    const azure = await openLogSource({ provider: 'azure', workspace: '0000-1111', query: 'AzureActivity', tenant: 't', endpoint: 'https://127.0.0.1:1' }, { buckets });
    expect(azure.provider).toBe('azure');
    expect(azure.id).toMatch(/^azure:0000-1111:[0-9a-f]{12}$/);
    const gcp = await openLogSource({ provider: 'gcp', project: 'p', filter: 'severity>=ERROR', pageSize: 10 }, { buckets, env: {} });
    expect(gcp.provider).toBe('gcp');
    expect(gcp.id).toMatch(/^gcp:p:[0-9a-f]{12}$/);
  });

  it('sizes one bucket per provider API from the documented quotas, or as configured', () => {
    expect(DEFAULT_LOG_RATES).toEqual({ aws: { ratePerSecond: 5, burst: 5 }, azure: { ratePerSecond: 5, burst: 5 }, gcp: { ratePerSecond: 1, burst: 1 } });
    const b = logBuckets({ gcp: { ratePerSecond: 0.5 }, aws: { ratePerSecond: 20, burst: 10 } });
    expect([b.aws.ratePerSecond, b.aws.burst, b.azure.ratePerSecond, b.gcp.ratePerSecond, b.gcp.burst]).toEqual([20, 10, 5, 0.5, 1]);
  });
});

describe('loadLogModule', () => {
  it('says so when an installation leaves a provider out (the container image), and passes other errors on', async () => {
    const missing = Object.assign(new Error("Cannot find module '/app/dist/cli/cloudwatch.js'\nRequire stack: …"), { code: 'ERR_MODULE_NOT_FOUND' });
    await expect(loadLogModule('aws', () => Promise.reject(missing))).rejects.toThrow(
      "log pulls from aws are not part of this installation (Cannot find module '/app/dist/cli/cloudwatch.js'): the container image carries the dashboard only",
    );
    const other = new Error('boom');
    await expect(loadLogModule('gcp', () => Promise.reject(other))).rejects.toBe(other);
    await expect(loadLogModule('azure', async () => 42)).resolves.toBe(42);
  });
});
