/**
 * The time an object covers, read from its key alone, so listing can skip objects outside
 * `--since/--until` without downloading them. Layouts recognized, most specific first:
 *
 * 1. Azure flow logs:     `…/y=YYYY/m=MM/d=DD/h=HH/m=00/…` → that hour (or day / month / year when the
 *                         key stops earlier, as a prefix does)
 * 2. GCP sink exports:    `…/YYYY/MM/DD/HH:00:00_HH:59:59_S<n>.json` → those hours
 * 3. Hour-named files, in the last path segment only, bounded by non-digits:
 *                         `YYYY-MM-DD_HH`, `YYYY-MM-DDTHH`, `YYYYMMDD_HH`, `YYYYMMDDHH` → that hour
 * 4. AWS (and any) date folders: `…/YYYY/MM/DD/…` → that day
 *
 * A key that matches none of these, or whose numbers are not a real date (month 13, 31 April, hour 24),
 * has no known time and is always kept: never drop what cannot be dated. Times are UTC.
 */

export { parseTimeBound } from '../model/time-bound.js';

export interface TimeRange {
  /** Epoch ms, inclusive. */
  start: number;
  /** Epoch ms, exclusive. */
  end: number;
  layout: 'azure' | 'gcp-sink' | 'hour-name' | 'date-folders';
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const AZURE = /(?:^|\/)y=(\d{4})(?:\/m=(\d{1,2})(?:\/d=(\d{1,2})(?:\/h=(\d{1,2}))?)?)?(?:\/|$)/;
const GCP_SINK = /(?:^|\/)(\d{4})\/(\d{2})\/(\d{2})\/(\d{2}):00:00_(\d{2}):59:59_S\d+\.json$/;
const HOUR_NAMES = [/(?<!\d)(\d{4})-(\d{2})-(\d{2})[_T](\d{2})(?!\d)/, /(?<!\d)(\d{4})(\d{2})(\d{2})_?(\d{2})(?!\d)/];
const DATE_FOLDERS = /(?:^|\/)(\d{4})\/(\d{2})\/(\d{2})(?:\/|$)/;

/** Epoch ms of a UTC date, or null when the parts are not a real date/hour. */
function utc(year: number, month = 1, day = 1, hour = 0): number | null {
  if (year < 1970 || year > 2200 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23) return null;
  const t = Date.UTC(year, month - 1, day, hour);
  return new Date(t).getUTCDate() === day ? t : null; // rejects 31 April, 30 February
}

const num = (s: string | undefined) => (s === undefined ? undefined : Number(s));

export function keyTimeRange(key: string): TimeRange | null {
  const az = AZURE.exec(key);
  if (az) {
    const [y, m, d, h] = [Number(az[1]), num(az[2]), num(az[3]), num(az[4])];
    const start = utc(y, m, d, h);
    if (start === null) return null;
    let end: number;
    if (h !== undefined) end = start + HOUR;
    else if (d !== undefined) end = start + DAY;
    else if (m !== undefined) end = Date.UTC(y, m, 1);
    else end = Date.UTC(y + 1, 0, 1);
    return { start, end, layout: 'azure' };
  }
  const gcp = GCP_SINK.exec(key);
  if (gcp) {
    const start = utc(Number(gcp[1]), Number(gcp[2]), Number(gcp[3]), Number(gcp[4]));
    const lastHour = Number(gcp[5]);
    if (start === null || lastHour > 23 || lastHour < Number(gcp[4])) return null;
    return { start, end: start + (lastHour - Number(gcp[4]) + 1) * HOUR, layout: 'gcp-sink' };
  }
  const name = key.slice(key.lastIndexOf('/') + 1);
  for (const re of HOUR_NAMES) {
    const hm = re.exec(name);
    if (!hm) continue;
    const start = utc(Number(hm[1]), Number(hm[2]), Number(hm[3]), Number(hm[4]));
    if (start !== null) return { start, end: start + HOUR, layout: 'hour-name' };
  }
  const df = DATE_FOLDERS.exec(key);
  if (df) {
    const start = utc(Number(df[1]), Number(df[2]), Number(df[3]));
    if (start !== null) return { start, end: start + DAY, layout: 'date-folders' };
  }
  return null;
}

export interface TimeWindow {
  /** Epoch ms, inclusive; null for no lower bound. */
  since: number | null;
  /** Epoch ms, exclusive; null for no upper bound. */
  until: number | null;
}

/**
 * True when the key's time range overlaps [since, until), or the key has no recognizable time.
 * `slackMs` widens the key's range on both sides: files are named by when they were written, and
 * flows near a boundary can sit in the neighbouring period's object (AWS delivers every 5-10 minutes).
 */
export function inWindow(key: string, since: number | null, until: number | null, slackMs = 0): boolean {
  if (since === null && until === null) return true;
  const r = keyTimeRange(key);
  if (r === null) return true;
  if (since !== null && r.end + slackMs <= since) return false;
  if (until !== null && r.start - slackMs >= until) return false;
  return true;
}

