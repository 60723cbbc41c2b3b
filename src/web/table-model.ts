/**
 * The top talkers / listeners table: client-side sort and paging over the rows the API returned (top=100).
 * Pure.
 */
import type { TalkerRow } from '../index.js';

export const TABLE_COLUMNS = ['ip', 'flows', 'bytes', 'packets', 'denied'] as const;
export type TableColumn = (typeof TABLE_COLUMNS)[number];

export interface TableView {
  sortBy: TableColumn;
  descending: boolean;
  page: number;
  pageSize: number;
}

export const DEFAULT_VIEW: TableView = { sortBy: 'bytes', descending: true, page: 0, pageSize: 10 };

/** The view after a click on a column header: the same column flips the order, a new one starts descending (ip ascending). */
export function toggleSort(view: TableView, column: TableColumn): TableView {
  if (view.sortBy === column) return { ...view, descending: !view.descending, page: 0 };
  return { ...view, sortBy: column, descending: column !== 'ip', page: 0 };
}

/** Rows with an address (the folded `other` row and address-less rows are not talkers). */
export function tableRows(rows: readonly TalkerRow[]): TalkerRow[] {
  return rows.filter((r) => r.ip !== null && r.ip !== 'other');
}

/** Numeric order for measures; addresses in natural order (IPv4 by number, else as text); ties by address. */
export function sortRows(rows: readonly TalkerRow[], column: TableColumn, descending: boolean): TalkerRow[] {
  const sign = descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const byColumn = column === 'ip' ? compareIp(a.ip ?? '', b.ip ?? '') : a[column] - b[column];
    return byColumn !== 0 ? sign * byColumn : compareIp(a.ip ?? '', b.ip ?? '');
  });
}

function ipv4Number(ip: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  return m ? ((Number(m[1]) * 256 + Number(m[2])) * 256 + Number(m[3])) * 256 + Number(m[4]) : null;
}

export function compareIp(a: string, b: string): number {
  const na = ipv4Number(a);
  const nb = ipv4Number(b);
  if (na !== null && nb !== null) return na - nb;
  if (na !== null) return -1;
  if (nb !== null) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface TablePage {
  rows: TalkerRow[];
  page: number;
  pageCount: number;
  total: number;
}

/** The sorted rows of one page; the page is clamped into range (a new filter may leave fewer pages). */
export function pageOf(rows: readonly TalkerRow[], view: TableView): TablePage {
  const sorted = sortRows(tableRows(rows), view.sortBy, view.descending);
  const pageCount = Math.max(1, Math.ceil(sorted.length / view.pageSize));
  const page = Math.min(Math.max(0, view.page), pageCount - 1);
  return { rows: sorted.slice(page * view.pageSize, (page + 1) * view.pageSize), page, pageCount, total: sorted.length };
}
