/**
 * The part of Plotly's browser API the dashboard uses. Plotly is loaded by index.html from
 * /vendor/plotly.min.js (a plain script that sets `window.Plotly`), not bundled.
 */
import type { Figure } from './charts/figure.js';

export interface PlotlyPoint {
  pointNumber?: number;
  /** Sankey links carry their ends; nodes do not. */
  source?: unknown;
  target?: unknown;
}

export interface PlotlyElement extends HTMLElement {
  on(event: 'plotly_click', handler: (event: { points?: PlotlyPoint[] }) => void): void;
  on(event: 'plotly_relayout', handler: (event: Record<string, unknown>) => void): void;
  data?: unknown[];
}

interface PlotlyApi {
  react(element: HTMLElement, data: Figure['data'], layout: Figure['layout'], config: Record<string, unknown>): Promise<unknown>;
  purge(element: HTMLElement): void;
}

// No mode bar: it floats over the top of small charts (and their first bar); zoom resets by double-click.
export const PLOTLY_CONFIG = { responsive: true, displaylogo: false, displayModeBar: false, topojsonURL: '/vendor/' } as const;

/** Settles when the deferred scripts have all run (DOMContentLoaded), or at once if the page has loaded. */
const deferredScriptsRan = new Promise<void>((resolve) => {
  if (document.readyState === 'complete') return resolve();
  document.addEventListener('DOMContentLoaded', () => resolve(), { once: true });
  window.addEventListener('load', () => resolve(), { once: true });
});

/**
 * Resolves once Plotly has run. index.html defers it after app.js, so the data requests start while the
 * browser is still compiling Plotly's 4.6 MB; a missing Plotly shows later as each chart's error.
 */
export function plotlyReady(): Promise<void> {
  return (globalThis as { Plotly?: unknown }).Plotly !== undefined ? Promise.resolve() : deferredScriptsRan;
}

export function plotly(): PlotlyApi {
  const api = (globalThis as { Plotly?: PlotlyApi }).Plotly;
  if (!api) throw new Error('Plotly did not load (/vendor/plotly.min.js)');
  return api;
}
