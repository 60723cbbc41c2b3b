/** Time presets relative to the end of the data, and Plotly relayout events → since/until. */
import { describe, expect, it } from 'vitest';
import { TIME_PRESETS, activePreset, plotlyDateToMs, presetWindow, windowFromRelayout } from '../../src/web/time-window.js';

const END = Date.UTC(2026, 10, 2, 12, 0, 0);
const HOUR = 3_600_000;

describe('time window', () => {
  it('ends every preset one ms past the last flow and spans its duration', () => {
    for (const p of TIME_PRESETS) {
      const w = presetWindow(p.id, END);
      if (p.ms === null) expect(w).toEqual({ since: [], until: [] });
      else expect(Date.parse(w.until?.[0] ?? '') - Date.parse(w.since?.[0] ?? '')).toBe(p.ms);
      if (p.ms !== null) expect(w.until).toEqual([new Date(END + 1).toISOString()]);
    }
    expect(presetWindow('24h', null)).toEqual({ since: [], until: [] });
  });

  it('recognizes the preset a state is on', () => {
    expect(activePreset({}, END)).toBe('all');
    expect(activePreset(presetWindow('6h', END), END)).toBe('6h');
    expect(activePreset({ since: ['5'], until: ['9'] }, END)).toBeNull();
  });

  it('reads Plotly dates as UTC', () => {
    expect(plotlyDateToMs('2026-11-02 10:30:15.5')).toBe(Date.UTC(2026, 10, 2, 10, 30, 15, 500));
    expect(plotlyDateToMs('2026-11-02 10:30')).toBe(Date.UTC(2026, 10, 2, 10, 30));
    expect(plotlyDateToMs('2026-11-02')).toBe(Date.UTC(2026, 10, 2));
    expect(plotlyDateToMs('2026-11-02T07')).toBe(Date.UTC(2026, 10, 2, 7));
    expect(plotlyDateToMs(12.6)).toBe(13);
    expect(plotlyDateToMs(Number.NaN)).toBeNull();
    expect(plotlyDateToMs('yesterday')).toBeNull();
    expect(plotlyDateToMs('2026-13-45')).toBeNull();
    expect(plotlyDateToMs(undefined)).toBeNull();
  });

  it('turns zooms and range buttons into a window, and autorange into all', () => {
    expect(windowFromRelayout({ 'xaxis.range[0]': '2026-11-02 10:00', 'xaxis.range[1]': '2026-11-02 11:00' })).toEqual({
      since: ['2026-11-02T10:00:00.000Z'],
      until: ['2026-11-02T11:00:00.000Z'],
    });
    expect(windowFromRelayout({ 'xaxis.range': [END - HOUR, END] })).toEqual({ since: [new Date(END - HOUR).toISOString()], until: [new Date(END).toISOString()] });
    expect(windowFromRelayout({ 'xaxis.autorange': true })).toBe('all');
    expect(windowFromRelayout({ 'yaxis.range[0]': 0, 'yaxis.range[1]': 5 })).toBeNull();
    expect(windowFromRelayout({ 'xaxis.range': [END, END - HOUR] })).toBeNull();
  });
});
