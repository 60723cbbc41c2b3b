/** `--since` / `--until` values (CLI flags, HTTP query parameters) as epoch ms. */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const RELATIVE = /^(\d+(?:\.\d+)?)\s*(m|min|h|d|w)$/i;
const UNIT_MS: Record<string, number> = { m: 60_000, min: 60_000, h: HOUR, d: DAY, w: 7 * DAY };

/**
 * A `--since`/`--until` value as epoch ms: an ISO 8601 date or date-time (UTC unless it says otherwise),
 * `now`, or a duration before now such as `90m`, `24h`, `7d`, `2w`. Null when it is neither.
 */
export function parseTimeBound(text: string, now: number = Date.now()): number | null {
  const t = text.trim();
  if (t.toLowerCase() === 'now') return now;
  const rel = RELATIVE.exec(t);
  if (rel) return now - Number(rel[1]) * UNIT_MS[rel[2].toLowerCase()];
  if (!/^\d{4}-\d{2}-\d{2}/.test(t)) return null;
  // a date-time without a zone is UTC here (Date.parse would take local time)
  const zoned = /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(t) ? `${t}Z` : t;
  const ms = Date.parse(zoned);
  return Number.isNaN(ms) ? null : ms;
}
