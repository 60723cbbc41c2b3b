import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NetworkflowError } from '../../src/model/index.js';
import { azureLocationFromFlags, isUri, normalizePrefix, parseLocation, prefixPath, withPrefix } from '../../src/sources/uri.js';

describe('parseLocation', () => {
  it('reads plain paths (relative to cwd), file:// URIs and -', () => {
    expect(parseLocation('logs/a.csv', '/data')).toEqual({ kind: 'local', uri: 'file:///data/logs/a.csv', path: '/data/logs/a.csv', prefix: '' });
    expect(parseLocation('/abs/dir')).toMatchObject({ kind: 'local', path: '/abs/dir' });
    expect(parseLocation('file:///tmp/with%20space/x.log')).toEqual({
      kind: 'local',
      uri: pathToFileURL('/tmp/with space/x.log').href,
      path: '/tmp/with space/x.log',
      prefix: '',
    });
    expect(parseLocation('-')).toEqual({ kind: 'stdin', uri: '-', prefix: '' });
    expect(parseLocation('C:relative')).toMatchObject({ kind: 'local', path: path.resolve('C:relative') });
  });

  it('reads azure://account/container[/prefix], keeping = and % in the prefix verbatim', () => {
    expect(parseLocation('azure://devstoreaccount1/insights-logs-flowlogflowevent')).toEqual({
      kind: 'azure',
      uri: 'azure://devstoreaccount1/insights-logs-flowlogflowevent',
      account: 'devstoreaccount1',
      container: 'insights-logs-flowlogflowevent',
      prefix: '',
    });
    expect(parseLocation('azure://acct/cont/resourceId=/SUBSCRIPTIONS/X/y=2024/m=05/')).toMatchObject({
      prefix: 'resourceId=/SUBSCRIPTIONS/X/y=2024/m=05',
      uri: 'azure://acct/cont/resourceId=/SUBSCRIPTIONS/X/y=2024/m=05',
    });
    expect(parseLocation('azure://acct/$logs/a%20b')).toMatchObject({ container: '$logs', prefix: 'a%20b' });
    expect(parseLocation('AZURE://acct/cont')).toMatchObject({ kind: 'azure' });
  });

  it('reads s3://bucket[/prefix] and gs:// (or gcs://) bucket[/prefix]', () => {
    expect(parseLocation('s3://my-bucket')).toEqual({ kind: 's3', uri: 's3://my-bucket', bucket: 'my-bucket', prefix: '' });
    expect(parseLocation('s3://my.bucket/AWSLogs/123/vpcflowlogs/')).toMatchObject({ bucket: 'my.bucket', prefix: 'AWSLogs/123/vpcflowlogs', uri: 's3://my.bucket/AWSLogs/123/vpcflowlogs' });
    expect(parseLocation('gs://flow_logs/exports/2024')).toEqual({ kind: 'gcs', uri: 'gs://flow_logs/exports/2024', bucket: 'flow_logs', prefix: 'exports/2024' });
    expect(parseLocation('gcs://flow-logs/')).toEqual({ kind: 'gcs', uri: 'gs://flow-logs', bucket: 'flow-logs', prefix: '' });
  });

  it('refuses bad URIs with a message that names the problem and a hint', () => {
    const cases: [string, RegExp][] = [
      ['azure://Bad_Account/cont', /not a valid Azure storage account name/],
      ['azure://ab/cont', /not a valid Azure storage account name/],
      ['azure://acct', /the container is missing/],
      ['azure://acct/Bad--Container', /not a valid container name/],
      ['azure://acct/a-', /not a valid container name/],
      ['s3://', /not a valid S3 bucket name/],
      ['s3://Upper/x', /not a valid S3 bucket name/],
      ['gs://x/', /not a valid GCS bucket name/],
      ['http://example.com/x', /unsupported scheme 'http:\/\/'/],
      ['file://host/x', /not a valid file:\/\/ URI/],
      ['', /empty input name/],
    ];
    for (const [text, re] of cases) {
      let err: unknown;
      try {
        parseLocation(text);
      } catch (e) {
        err = e;
      }
      expect(err, text).toBeInstanceOf(NetworkflowError);
      expect((err as NetworkflowError).message, text).toMatch(re);
      expect((err as NetworkflowError).code).toBe('bad-option');
      expect((err as NetworkflowError).hint, text).toBeTruthy();
    }
  });

  it('builds an Azure location from --storage-account/--container', () => {
    expect(azureLocationFromFlags('acct', 'cont')).toEqual(parseLocation('azure://acct/cont'));
    expect(azureLocationFromFlags('acct', 'cont', '/y=2024/')).toEqual(parseLocation('azure://acct/cont/y=2024'));
    expect(() => azureLocationFromFlags('ACCT', 'cont')).toThrow(/--storage-account ACCT --container cont: 'ACCT' is not a valid/);
  });
});

describe('location helpers', () => {
  it('normalizes prefixes and tells URIs from paths', () => {
    expect(normalizePrefix('//a/b//')).toBe('a/b');
    expect(prefixPath('')).toBe('');
    expect(prefixPath('a/b')).toBe('a/b/');
    expect(isUri('s3://b')).toBe(true);
    expect(isUri('/tmp/x')).toBe(false);
    expect(isUri('C:\\x')).toBe(false);
  });

  it('moves a cloud location to another prefix in the same container or bucket', () => {
    const loc = parseLocation('s3://bucket/AWSLogs/x.log.gz');
    expect(withPrefix(loc, 'AWSLogs')).toEqual(parseLocation('s3://bucket/AWSLogs'));
    expect(withPrefix(loc, '')).toEqual(parseLocation('s3://bucket'));
    expect(withPrefix(parseLocation('azure://acct/cont'), 'a/b')).toEqual(parseLocation('azure://acct/cont/a/b'));
    expect(() => withPrefix(parseLocation('/tmp'), 'x')).toThrow(/no prefix/);
  });
});
