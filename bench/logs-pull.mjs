// Pull throughput (issue #8): each provider's log source, through the official SDK client, against its local
// fake API (tests/helpers, loaded with tsx), pulled by pullLogs into a real events lake at the provider's
// default rate limit. Prints events/s, requests/s, the busiest second's request count against the bucket,
// and checks every event arrived exactly once. Run by bench/logs.mjs: `node --import tsx bench/logs-pull.mjs`.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_LOG_RATES, EventLake, TokenBucket, openDuckDB, pullLogs } from '../src/index.ts';
import { createAzureMonitorLogSource } from '../src/sources/logs/azure-monitor.ts';
import { createCloudWatchLogSource } from '../src/sources/logs/cloudwatch.ts';
import { createGcpLoggingSource } from '../src/sources/logs/gcp-logging.ts';
import { fakeAwsEnv } from '../tests/helpers/aws-env.ts';
import { startCloudLoggingTestServer } from '../tests/helpers/cloud-logging-server.ts';
import { startCloudWatchLogsServer } from '../tests/helpers/cloudwatch-logs-server.ts';
import { makeRows, startLogAnalyticsServer } from '../tests/helpers/log-analytics-server.ts';

const T0 = Date.parse('2026-11-24T00:00:00Z');
const DAY = 86_400_000;
Object.assign(process.env, fakeAwsEnv());

/** Most requests whose arrival times fall in any one-second span. */
function busiestSecond(times) {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i] - t[j] >= 1000) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

async function run(name, provider, makeSource, expected, arrivals) {
  const dir = mkdtempSync(path.join(os.tmpdir(), `nf-bench-pull-${provider}-`));
  const db = await openDuckDB({ threads: 1 });
  try {
    const lake = await EventLake.open(db, dir);
    const bucket = new TokenBucket(DEFAULT_LOG_RATES[provider]);
    const source = makeSource(bucket);
    const t0 = performance.now();
    const [r] = await pullLogs(lake, [{ source, since: T0, until: T0 + DAY }]);
    const seconds = (performance.now() - t0) / 1000;
    const ids = (await lake.readEvents()).map((e) => e.event_id);
    const once = ids.length === expected && new Set(ids).size === expected;
    return {
      name,
      events: r.stored,
      requests: r.requests,
      seconds,
      eventsPerSecond: r.stored / seconds,
      requestsPerSecond: r.requests / seconds,
      busiest: busiestSecond(arrivals()),
      // a token bucket lets `burst` requests go at once and `rate` more per second after that
      allowed: DEFAULT_LOG_RATES[provider].burst + DEFAULT_LOG_RATES[provider].ratePerSecond,
      rate: `${DEFAULT_LOG_RATES[provider].ratePerSecond}/s, burst ${DEFAULT_LOG_RATES[provider].burst}`,
      exactlyOnce: once && r.error === null ? 'yes' : `NO (${ids.length} stored, ${r.error ?? ''})`,
    };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows = [];

// AWS: 50,000 events in one log group, FilterLogEvents pages of 10,000 (the API's maximum)
{
  const server = await startCloudWatchLogsServer();
  server.addEvents('/aws/lambda/bench', Array.from({ length: 50_000 }, (_, i) => ({ logStreamName: `s${i % 7}`, timestamp: T0 + Math.floor((i * DAY) / 50_000), message: `{"level":"INFO","message":"request ${i} done","requestId":"r-${i}"}` })));
  rows.push(await run('AWS CloudWatch Logs (FilterLogEvents)', 'aws', (bucket) => createCloudWatchLogSource({ logGroup: '/aws/lambda/bench', region: 'us-east-1', endpoint: server.url, limit: 10_000, bucket }), 50_000, () => server.requests.map((q) => q.at)));
  await server.close();
}

// Azure: 50,000 rows over a day, hourly slices (24 queries)
{
  const server = await startLogAnalyticsServer({ rows: makeRows(50_000, T0, Math.floor(DAY / 50_000)) });
  const credential = { getToken: async () => ({ token: 'bench', expiresOnTimestamp: Date.now() + 3_600_000 }) };
  rows.push(await run('Azure Log Analytics (query API)', 'azure', (bucket) => createAzureMonitorLogSource({ workspaceId: server.workspaceId, query: 'AzureDiagnostics | extend _ItemId = _ItemId', endpoint: server.endpoint, agent: server.agent, credential, bucket }), 50_000, () => server.requests.map((q) => q.at)));
  await server.close();
}

// GCP: 10,000 entries, entries.list pages of 1,000 (the API's maximum) at 1 request/s (60/min quota)
{
  const server = await startCloudLoggingTestServer();
  server.add(
    'projects/bench',
    Array.from({ length: 10_000 }, (_, i) => ({
      logName: 'projects/bench/logs/requests',
      insertId: `i${i}`,
      timestamp: new Date(T0 + Math.floor((i * DAY) / 10_000)).toISOString(),
      severity: 'INFO',
      resource: { type: 'http_load_balancer', labels: { project_id: 'bench' } },
      httpRequest: { requestMethod: 'GET', status: 200, remoteIp: `203.0.113.${i % 250}` },
    })),
  );
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const credentials = { type: 'service_account', client_email: 'bench@bench.iam.gserviceaccount.com', private_key: privateKey, project_id: 'bench' };
  rows.push(await run('GCP Cloud Logging (entries.list)', 'gcp', (bucket) => createGcpLoggingSource({ projectId: 'bench', endpoint: server.url, credentials, pageSize: 1000, bucket, env: {} }), 10_000, () => server.listRequests().map((q) => q.at)));
  await server.close();
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const header = ['API (local fake)', 'events', 'requests', 'seconds', 'events/s', 'requests/s', 'busiest second', 'bucket (burst + rate)', 'exactly once'];
const table = rows.map((r) => [r.name, fmt(r.events), String(r.requests), r.seconds.toFixed(2), fmt(r.eventsPerSecond), r.requestsPerSecond.toFixed(2), `${r.busiest} ${r.busiest <= r.allowed ? '≤' : '>'} ${r.allowed}`, r.rate, r.exactlyOnce]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
console.log('\nCloud-log pull through pullLogs into an events lake (default rate limits)');
console.log(header.map((h, i) => h.padEnd(widths[i])).join('  '));
for (const t of table) console.log(t.map((c, i) => c.padEnd(widths[i])).join('  '));
if (rows.some((r) => r.exactlyOnce !== 'yes' || r.busiest > r.allowed)) process.exitCode = 1;
