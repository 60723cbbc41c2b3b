/** The server warms exactly what the dashboard's first view asks for, so the first page is a cache hit. */
import { describe, expect, it } from 'vitest';
import { FIRST_VIEW } from '../../src/api/lake.js';
import { roundUrls } from '../../src/web/data-round.js';
import { parseState } from '../../src/web/url-state.js';

describe('FIRST_VIEW', () => {
  it('matches the aggregates and parameters of the unfiltered first round (anomalies are warmed apart)', () => {
    const urls = Object.values(roundUrls(parseState(''))).map((u) => new URL(u, 'http://x'));
    const requested = urls
      .map((u) => ({ name: u.pathname.replace('/api/aggregates/', ''), top: u.searchParams.get('top'), bucket: u.searchParams.get('bucket') }))
      .filter((r) => r.name !== 'anomalies')
      .map((r) => JSON.stringify([r.name, r.top === null ? undefined : Number(r.top), r.bucket ?? undefined]));
    const warmed = FIRST_VIEW.map((v) => JSON.stringify([v.name, v.top, v.bucket]));
    expect(warmed.sort()).toEqual(requested.sort());
  });
});
