/** Small, fast value conversions shared by the parsers. Each returns null (never throws) on bad input. */

/** A port 0–65535 from decimal text. */
export function parsePort(text: string): number | null {
  const v = parseUint(text);
  return v !== null && v <= 65535 ? v : null;
}

/** A non-negative integer from decimal text (up to 2^53). */
export function parseUint(text: string): number | null {
  const n = text.length;
  if (n === 0 || n > 16) return n > 16 && /^\d+$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : null;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return null;
    v = v * 10 + c;
  }
  return v;
}

/**
 * A timestamp from ISO 8601 text or epoch numbers, as epoch milliseconds.
 * Epoch values are read by magnitude: up to 11 digits seconds, 12–14 milliseconds, 15–17 microseconds,
 * 18+ nanoseconds; a fraction is allowed (`1700000000.123`).
 */
export function parseTimestamp(text: string): number | null {
  const t = text.trim();
  if (t.length === 0) return null;
  if (/^\d+(\.\d+)?$/.test(t)) return epochToMs(t);
  // ISO 8601 / RFC 3339. A date-time without zone is taken as UTC (flow logs are UTC).
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|z|[+-]\d{2}:?\d{2}|UTC)?$/.exec(t);
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const month = Number(mo), day = Number(d), hour = Number(h), minute = Number(mi), second = Number(s);
  // second 60 is a leap second: it counts into the next minute, as Date.UTC does
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  const dayMs = new Date(0).setUTCFullYear(Number(y), month - 1, day); // (Date.UTC maps years 0–99 to 19xx)
  if (new Date(dayMs).getUTCDate() !== day) return null; // 31 April and the like
  let ms = dayMs + ((hour * 60 + minute) * 60 + second) * 1000;
  // sub-millisecond digits are truncated, never rounded up into the next second
  if (frac) ms += Number((frac + '00').slice(0, 3));
  if (zone && zone !== 'Z' && zone !== 'z' && zone !== 'UTC') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
  }
  return ms;
}

/** Epoch seconds / ms / µs / ns (by number of integer digits) to milliseconds. */
export function epochToMs(t: string): number | null {
  const dot = t.indexOf('.');
  const intPart = dot === -1 ? t : t.slice(0, dot);
  const value = Number(t);
  if (!Number.isFinite(value)) return null;
  const digits = intPart.replace(/^0+/, '').length;
  // truncated like ISO fractions: an instant never moves into the next millisecond
  if (digits <= 11) return Math.floor(value * 1000 + 1e-6);
  if (digits <= 14) return Math.floor(value);
  if (digits <= 17) return Math.floor(value / 1000);
  return Math.floor(value / 1e6);
}

/** Formats epoch ms as ISO 8601 UTC (`2024-01-02T03:04:05.000Z`). */
export function formatTimestamp(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
