/**
 * The raw flows under a filter, in timestamp order, one bounded page at a time: never the whole result in
 * memory, and no OFFSET that grows with the export.
 *
 * Paging is keyset-like on the timestamp, through FlowStore.flows and the Filter's own time bounds: one
 * hour of data at a time (so each query reads only that hour's files), a page of the rows at or after the
 * cursor; the rows sharing the page's last millisecond are then read as a group of their own (with OFFSET
 * inside that millisecond only), and the cursor moves past it. No row is skipped or repeated, even when many
 * rows share a timestamp and no column makes a row unique.
 */
import { MAX_PAGE_ROWS, type Filter, type FlowRow, type FlowStore } from '../index.js';

const HOUR_MS = 3_600_000;

export async function* flowPages(store: FlowStore, filter: Filter, pageRows = MAX_PAGE_ROWS): AsyncGenerator<FlowRow[]> {
  const hours = await store.query<{ h: number }>(`SELECT DISTINCT (epoch_ms("timestamp") // $1) * $1 AS h FROM flows ORDER BY h`, [HOUR_MS], filter);
  for (const { h } of hours) {
    let since = Math.max(h, filter.since ?? h);
    const until = Math.min(h + HOUR_MS, filter.until ?? h + HOUR_MS);
    while (since < until) {
      const page = await store.flows({ ...filter, since, until }, { limit: pageRows });
      if (page.length < pageRows) {
        if (page.length > 0) yield page;
        break;
      }
      const last = page[page.length - 1].timestamp;
      const before = page.filter((r) => r.timestamp < last);
      if (before.length > 0) yield before;
      for (let offset = 0; ; offset += pageRows) {
        const tied = await store.flows({ ...filter, since: last, until: last + 1 }, { limit: pageRows, offset });
        if (tied.length > 0) yield tied;
        if (tied.length < pageRows) break;
      }
      since = last + 1;
    }
  }
}
