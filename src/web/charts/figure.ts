/**
 * What every chart builder returns: a Plotly figure (plain JSON) and, per clickable point, the filter a click
 * on it applies (null for points that select nothing, such as the folded `other` row). Builders are pure.
 */
import type { FilterState } from '../url-state.js';

export type Trace = Record<string, unknown>;

export interface Figure {
  data: Trace[];
  layout: Record<string, unknown>;
}

export interface Chart {
  figure: Figure;
  /** Indexed by Plotly's `pointNumber` of the clickable trace (trace 0). */
  drills: (FilterState | null)[];
}

export type ThemeName = 'light' | 'dark';

const THEMES = {
  light: { text: '#1f2937', grid: '#e5e7eb', accent: '#2563eb', deny: '#dc2626', allow: '#16a34a', scale: [[0, '#eff6ff'], [1, '#1d4ed8']] },
  dark: { text: '#e5e7eb', grid: '#374151', accent: '#60a5fa', deny: '#f87171', allow: '#4ade80', scale: 'Viridis' },
} as const;

export function palette(theme: ThemeName) {
  return THEMES[theme];
}

/** The layout every chart shares: transparent background (the panel's CSS colours show), theme text and grid. */
export function baseLayout(theme: ThemeName, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const p = palette(theme);
  return {
    paper_bgcolor: 'rgba(0,0,0,0)',
    plot_bgcolor: 'rgba(0,0,0,0)',
    font: { color: p.text, size: 12 },
    margin: { l: 48, r: 16, t: 16, b: 40 },
    xaxis: { gridcolor: p.grid, zerolinecolor: p.grid },
    yaxis: { gridcolor: p.grid, zerolinecolor: p.grid },
    showlegend: false,
    ...extra,
  };
}
