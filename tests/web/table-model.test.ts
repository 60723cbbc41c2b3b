/** The talkers table: sorting by every column both ways, address order, paging with clamping. */
import { describe, expect, it } from 'vitest';
import type { TalkerRow } from '../../src/index.js';
import { DEFAULT_VIEW, TABLE_COLUMNS, compareIp, pageOf, sortRows, tableRows, toggleSort } from '../../src/web/table-model.js';

const row = (ip: string | null, flows: number, bytes: number): TalkerRow => ({ ip, flows, bytes, packets: flows * 2, denied: flows % 3 });
const rows = [row('10.0.0.10', 5, 100), row('10.0.0.9', 7, 100), row('2001:db8::1', 1, 900), row('other', 99, 9999), row(null, 3, 3), row('9.255.0.1', 7, 50)];

describe('table model', () => {
  it('drops the other and address-less rows', () => {
    expect(tableRows(rows).map((r) => r.ip)).toEqual(['10.0.0.10', '10.0.0.9', '2001:db8::1', '9.255.0.1']);
  });

  it('sorts every column both ways, ties by address', () => {
    for (const column of TABLE_COLUMNS) {
      for (const descending of [false, true]) {
        const sorted = sortRows(tableRows(rows), column, descending);
        for (let i = 1; i < sorted.length; i++) {
          const [a, b] = [sorted[i - 1], sorted[i]];
          const order = column === 'ip' ? compareIp(a.ip as string, b.ip as string) : a[column] - b[column];
          expect(descending ? order >= 0 : order <= 0).toBe(true);
          if (order === 0) expect(compareIp(a.ip as string, b.ip as string)).toBeLessThan(0);
        }
      }
    }
    expect(sortRows(tableRows(rows), 'flows', true).map((r) => r.ip)).toEqual(['9.255.0.1', '10.0.0.9', '10.0.0.10', '2001:db8::1']);
  });

  it('orders IPv4 numerically before other addresses', () => {
    expect(compareIp('10.0.0.9', '10.0.0.10')).toBeLessThan(0);
    expect(compareIp('2001:db8::1', '1.1.1.1')).toBeGreaterThan(0);
    expect(compareIp('1.1.1.1', 'fe80::1')).toBeLessThan(0);
    expect(compareIp('fe80::2', 'fe80::1')).toBeGreaterThan(0);
    expect(compareIp('fe80::1', 'fe80::1')).toBe(0);
  });

  it('toggles sort direction on the same column and starts new columns sensibly', () => {
    const a = toggleSort({ ...DEFAULT_VIEW, page: 3 }, 'bytes');
    expect(a).toMatchObject({ sortBy: 'bytes', descending: false, page: 0 });
    expect(toggleSort(a, 'ip')).toMatchObject({ sortBy: 'ip', descending: false });
    expect(toggleSort(a, 'flows')).toMatchObject({ sortBy: 'flows', descending: true });
  });

  it('pages and clamps the page into range', () => {
    const many = Array.from({ length: 23 }, (_, i) => row(`10.0.0.${i}`, i, i));
    const view = { ...DEFAULT_VIEW, sortBy: 'ip' as const, descending: false };
    expect(pageOf(many, view)).toMatchObject({ page: 0, pageCount: 3, total: 23 });
    expect(pageOf(many, { ...view, page: 2 }).rows.map((r) => r.ip)).toEqual(['10.0.0.20', '10.0.0.21', '10.0.0.22']);
    expect(pageOf(many, { ...view, page: 9 }).page).toBe(2);
    expect(pageOf(many, { ...view, page: -1 }).page).toBe(0);
    expect(pageOf([], view)).toMatchObject({ rows: [], page: 0, pageCount: 1, total: 0 });
  });
});
