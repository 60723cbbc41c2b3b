import { describe, expect, it } from 'vitest';
import { inWindow, keyTimeRange, parseTimeBound } from '../../src/sources/time-window.js';

const T = (iso: string) => Date.parse(iso);
const H = 3_600_000;

describe('keyTimeRange', () => {
  const cases: [string, string, string, string][] = [
    // Azure NSG / VNet flow logs: an hour
    [
      'insights-logs-networksecuritygroupflowevent/resourceId=/SUBSCRIPTIONS/X/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG/y=2024/m=05/d=01/h=10/m=00/macAddress=000D3A/PT1H.json',
      '2024-05-01T10:00:00Z',
      '2024-05-01T11:00:00Z',
      'azure',
    ],
    ['insights-logs-flowlogflowevent/flowLogResourceID=/X/y=2023/m=12/d=31/h=23/m=00/macAddress=1/PT1H.json', '2023-12-31T23:00:00Z', '2024-01-01T00:00:00Z', 'azure'],
    ['y=2024/m=5/d=1/h=0/PT1H.json', '2024-05-01T00:00:00Z', '2024-05-01T01:00:00Z', 'azure'],
    // Azure prefixes: a day, a month, a year
    ['c/y=2024/m=02/d=29/', '2024-02-29T00:00:00Z', '2024-03-01T00:00:00Z', 'azure'],
    ['c/y=2024/m=12', '2024-12-01T00:00:00Z', '2025-01-01T00:00:00Z', 'azure'],
    ['y=2024/', '2024-01-01T00:00:00Z', '2025-01-01T00:00:00Z', 'azure'],
    // GCP sink export: the hours in the name
    ['compute.googleapis.com/vpc_flows/2024/05/01/08:00:00_08:59:59_S0.json', '2024-05-01T08:00:00Z', '2024-05-01T09:00:00Z', 'gcp-sink'],
    ['vpc_flows/2024/05/01/22:00:00_23:59:59_S12.json', '2024-05-01T22:00:00Z', '2024-05-02T00:00:00Z', 'gcp-sink'],
    // hour-named files
    ['csv/flows-2024-05-01_10.csv.zip', '2024-05-01T10:00:00Z', '2024-05-01T11:00:00Z', 'hour-name'],
    ['flows_2024-05-01T23.zip', '2024-05-01T23:00:00Z', '2024-05-02T00:00:00Z', 'hour-name'],
    ['csv/flows_20240501_07.csv.zip', '2024-05-01T07:00:00Z', '2024-05-01T08:00:00Z', 'hour-name'],
    ['export-2024050113.csv.gz', '2024-05-01T13:00:00Z', '2024-05-01T14:00:00Z', 'hour-name'],
    // AWS date folders: a day (the account id and the file's own stamp are not mistaken for dates)
    [
      'AWSLogs/123456789012/vpcflowlogs/us-east-1/2024/05/01/123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20240501T1620Z_fe123456.log.gz',
      '2024-05-01T00:00:00Z',
      '2024-05-02T00:00:00Z',
      'date-folders',
    ],
    ['logs/2024/02/29', '2024-02-29T00:00:00Z', '2024-03-01T00:00:00Z', 'date-folders'],
    // an hour name inside date folders is more precise and wins
    ['csv/2024/05/01/flows-2024-05-01_10.csv.zip', '2024-05-01T10:00:00Z', '2024-05-01T11:00:00Z', 'hour-name'],
  ];
  for (const [key, start, end, layout] of cases) {
    it(`${layout}: ${key}`, () => {
      expect(keyTimeRange(key)).toEqual({ start: T(start), end: T(end), layout });
    });
  }

  it('has no time for keys without a recognizable layout, or with impossible dates', () => {
    for (const key of [
      'flows.csv',
      'a/b/c.log.gz',
      '123456789012_vpcflowlogs.log', // 12 digits: no bounded 10-digit hour stamp
      'data-12345678901234.csv',
      'y=2024/m=13/d=01/h=00/PT1H.json',
      'y=2023/m=02/d=29/PT1H.json',
      'y=2024/m=04/d=31/h=10/PT1H.json',
      'y=2024/m=05/d=01/h=24/PT1H.json',
      'y=1900/m=01/PT1H.json',
      'v/2024/05/01/10:00:00_09:59:59_S0.json',
      'v/2024/13/01/10:00:00_10:59:59_S0.json',
      'flows-2024-13-01_10.csv',
      'flows-2024-05-01_25.csv',
      'logs/2024/04/31/x.log',
      'logs/2024/5/1/x.log',
      'y=20240/m=01/x',
    ]) {
      expect(keyTimeRange(key), key).toBeNull();
    }
  });

  it('falls back to the date folders when the name has an impossible hour', () => {
    expect(keyTimeRange('logs/2024/05/01/flows-2024-05-01_99.csv')).toMatchObject({ layout: 'date-folders', start: T('2024-05-01T00:00:00Z') });
  });
});

describe('inWindow', () => {
  const azure = 'c/y=2024/m=05/d=01/h=10/m=00/macAddress=1/PT1H.json'; // 10:00-11:00
  it('keeps keys whose range overlaps [since, until)', () => {
    expect(inWindow(azure, T('2024-05-01T10:30:00Z'), T('2024-05-01T10:40:00Z'))).toBe(true);
    expect(inWindow(azure, T('2024-05-01T09:00:00Z'), T('2024-05-01T10:00:01Z'))).toBe(true);
    expect(inWindow(azure, T('2024-05-01T10:59:59Z'), null)).toBe(true);
    expect(inWindow(azure, null, T('2024-05-01T10:00:01Z'))).toBe(true);
  });

  it('drops keys entirely before since or at/after until', () => {
    expect(inWindow(azure, T('2024-05-01T11:00:00Z'), null)).toBe(false);
    expect(inWindow(azure, null, T('2024-05-01T10:00:00Z'))).toBe(false);
    expect(inWindow(azure, T('2024-05-02T00:00:00Z'), T('2024-05-03T00:00:00Z'))).toBe(false);
  });

  it('widens by the slack on both sides', () => {
    expect(inWindow(azure, T('2024-05-01T11:30:00Z'), null, H)).toBe(true);
    expect(inWindow(azure, T('2024-05-01T12:00:00Z'), null, H)).toBe(false);
    expect(inWindow(azure, null, T('2024-05-01T09:30:00Z'), H)).toBe(true);
    expect(inWindow(azure, null, T('2024-05-01T09:00:00Z'), H)).toBe(false);
  });

  it('never drops what it cannot date, and keeps everything without bounds', () => {
    expect(inWindow('plain.csv', T('2030-01-01T00:00:00Z'), T('2030-01-02T00:00:00Z'))).toBe(true);
    expect(inWindow(azure, null, null)).toBe(true);
  });
});

describe('parseTimeBound', () => {
  const now = T('2024-05-10T12:00:00Z');
  it('reads ISO dates and date-times (UTC unless zoned)', () => {
    expect(parseTimeBound('2024-05-01', now)).toBe(T('2024-05-01T00:00:00Z'));
    expect(parseTimeBound('2024-05-01T10:30', now)).toBe(T('2024-05-01T10:30:00Z'));
    expect(parseTimeBound('2024-05-01T10:30:15.5', now)).toBe(T('2024-05-01T10:30:15.500Z'));
    expect(parseTimeBound('2024-05-01T10:30:00+02:00', now)).toBe(T('2024-05-01T08:30:00Z'));
    expect(parseTimeBound('2024-05-01T10:30:00Z', now)).toBe(T('2024-05-01T10:30:00Z'));
  });

  it('reads now and durations before now', () => {
    expect(parseTimeBound('now', now)).toBe(now);
    expect(parseTimeBound('24h', now)).toBe(now - 24 * H);
    expect(parseTimeBound('90m', now)).toBe(now - 90 * 60_000);
    expect(parseTimeBound('15min', now)).toBe(now - 15 * 60_000);
    expect(parseTimeBound('7d', now)).toBe(now - 7 * 24 * H);
    expect(parseTimeBound('2W', now)).toBe(now - 14 * 24 * H);
    expect(parseTimeBound('1.5h', now)).toBe(now - 1.5 * H);
    expect(parseTimeBound('1h')).toBeLessThanOrEqual(Date.now() - H);
  });

  it('refuses anything else', () => {
    for (const t of ['yesterday', '24', 'h', '2024-13-45', '2024-05-01T25:00', '12345', '']) expect(parseTimeBound(t, now), t).toBeNull();
  });
});
