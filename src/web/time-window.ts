/**
 * Time windows: the filter bar's presets (relative to the end of the data, so a link stays reproducible and
 * demo data from last week still shows "the last 24 h" of it) and the time series' zoom / range selector
 * (Plotly's relayout event) turned into since/until (ISO 8601 UTC). Pure.
 */
import { isoTime, type FilterState } from './url-state.js';

const HOUR = 3_600_000;

export const TIME_PRESETS = [
  { id: '1h', label: 'Last 1 h', ms: HOUR },
  { id: '6h', label: 'Last 6 h', ms: 6 * HOUR },
  { id: '24h', label: 'Last 24 h', ms: 24 * HOUR },
  { id: '7d', label: 'Last 7 d', ms: 7 * 24 * HOUR },
  { id: 'all', label: 'All', ms: null },
] as const;
export type TimePresetId = (typeof TIME_PRESETS)[number]['id'];

/**
 * since/until of a preset ending at the last flow (`dataEnd`, epoch ms; until is exclusive, so one ms past
 * it). `all`, or no data, clears both.
 */
export function presetWindow(id: TimePresetId, dataEnd: number | null): Pick<FilterState, 'since' | 'until'> {
  const preset = TIME_PRESETS.find((p) => p.id === id);
  if (!preset || preset.ms === null || dataEnd === null) return { since: [], until: [] };
  const until = dataEnd + 1;
  return { since: [isoTime(until - preset.ms)], until: [isoTime(until)] };
}

/** The preset a state's window matches exactly, if any (to highlight its button). */
export function activePreset(state: FilterState, dataEnd: number | null): TimePresetId | null {
  if (!state.since && !state.until) return 'all';
  for (const p of TIME_PRESETS) {
    if (p.ms === null) continue;
    const w = presetWindow(p.id, dataEnd);
    if (w.since?.[0] === state.since?.[0] && w.until?.[0] === state.until?.[0]) return p.id;
  }
  return null;
}

/**
 * A Plotly date (epoch ms, or its naive UTC text `2026-11-02 10:30:15.5`, `2026-11-02 10:30`, `2026-11-02`)
 * as epoch ms; null when unreadable.
 */
export function plotlyDateToMs(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? Math.round(value) : null;
  if (typeof value !== 'string') return null;
  const m = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{1,2})(?::(\d{2}))?(?::(\d{2})(?:\.(\d+))?)?)?$/.exec(value.trim());
  if (!m) return null;
  const [, date, h = '0', min = '00', s = '00', frac = ''] = m;
  const ms = Date.parse(`${date}T${h.padStart(2, '0')}:${min}:${s}.${(frac + '000').slice(0, 3)}Z`);
  return Number.isNaN(ms) ? null : ms;
}

/**
 * What a relayout of the time series means for the window: a new since/until (zoom, range selector), `all`
 * (autorange: the user reset the zoom), or null (the event is not about the x range).
 */
export function windowFromRelayout(event: Record<string, unknown>): Pick<FilterState, 'since' | 'until'> | 'all' | null {
  if (event['xaxis.autorange'] === true) return 'all';
  const range = Array.isArray(event['xaxis.range']) ? (event['xaxis.range'] as unknown[]) : [event['xaxis.range[0]'], event['xaxis.range[1]']];
  const since = plotlyDateToMs(range[0]);
  const until = plotlyDateToMs(range[1]);
  if (since === null || until === null || since >= until) return null;
  return { since: [isoTime(since)], until: [isoTime(until)] };
}
