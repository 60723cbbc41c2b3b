import { gzipSync } from 'node:zlib';
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { decodeFlows, type DecodeEvent, type DecodeOptions } from '../../src/ingest/decode.js';
import { NetworkflowError } from '../../src/model/index.js';
import { chunked } from '../helpers/parse.js';

const AWS = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n' +
  '2 123456789010 eni-0a1b2c3d 10.1.2.3 10.1.2.4 443 50000 6 10 840 1714557600 1714557660 ACCEPT OK\n';
const AWS_NO_HEADER = '2 123456789010 eni-0a1b2c3d 10.1.2.3 10.1.2.4 443 50000 6 10 840 1714557600 1714557660 ACCEPT OK\n';

async function events(data: Uint8Array | string, options: DecodeOptions = {}): Promise<DecodeEvent[]> {
  const out: DecodeEvent[] = [];
  for await (const e of decodeFlows(chunked(data, 100), 'obj', options)) out.push(e);
  return out;
}

describe('decodeFlows', () => {
  it('detects the format of every zip entry on its own and reports entries it cannot read', async () => {
    const zip = zipSync({
      'a.log.gz': gzipSync(AWS),
      'empty.log': new Uint8Array(0),
      'notes.txt': strToU8('just some words\n'),
      'b.log': strToU8(AWS_NO_HEADER),
    });
    const evs = await events(zip);
    const summary = evs.map((e) => (e.kind === 'batch' ? `batch ${e.entry} ${e.records.length}` : e.kind === 'entry' ? `entry ${e.entry} ${e.format} ${e.containers.join('+')}` : e.kind === 'entry-failed' ? `failed ${e.entry} ${e.error.code}` : `events ${e.entry}`));
    expect(summary).toEqual([
      'entry obj!a.log.gz aws-vpc zip+gzip',
      'batch obj!a.log.gz 1',
      'failed obj!empty.log input-unreadable',
      'failed obj!notes.txt unknown-format',
      'entry obj!b.log aws-vpc zip',
      'batch obj!b.log 1',
    ]);
  });

  it('uses the format it is given instead of detecting', async () => {
    const evs = await events('just some words\n', { format: 'aws-vpc' });
    expect(evs[0]).toMatchObject({ kind: 'entry', format: 'aws-vpc' });
    const batch = evs.find((e) => e.kind === 'batch');
    expect(batch && batch.kind === 'batch' ? batch.diagnostics.length : 0).toBeGreaterThan(0);
  });

  it('throws a typed error for a broken container, after the records read before it', async () => {
    const gz = gzipSync(AWS + AWS_NO_HEADER.repeat(5000));
    const seen: DecodeEvent[] = [];
    let error: unknown;
    try {
      for await (const e of decodeFlows(chunked(gz.subarray(0, gz.length - 50), 1000), 'obj')) seen.push(e);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(NetworkflowError);
    expect((error as NetworkflowError).code).toBe('truncated-archive');
    expect(seen.filter((e) => e.kind === 'batch').length).toBeGreaterThan(0);
  });
});
