/**
 * Panel chrome and chart mounting: the loading / empty / error status of each panel, and Plotly charts
 * mounted with their click → filter wiring (the drills of the latest render are looked up at click time).
 */
import type { Chart, Figure } from './charts/figure.js';
import type { SankeyChart } from './charts/sankey.js';
import { byId } from './dom.js';
import { PLOTLY_CONFIG, plotly, type PlotlyElement, type PlotlyPoint } from './plotly-global.js';
import type { FilterState } from './url-state.js';

export type PanelStatus = 'loading' | 'ready' | 'empty' | 'error';

export const NO_FLOWS = 'No flows match these filters.';

export function setPanelStatus(panelId: string, status: PanelStatus, message = ''): void {
  const panel = byId(`panel-${panelId}`);
  const line = panel.querySelector<HTMLElement>('.panel-status');
  panel.classList.toggle('is-loading', status === 'loading');
  panel.classList.toggle('is-empty', status === 'empty');
  panel.classList.toggle('is-error', status === 'error');
  panel.setAttribute('aria-busy', String(status === 'loading'));
  panel.dataset.status = status;
  if (!line) return;
  const text = status === 'loading' ? 'Loading…' : status === 'empty' ? NO_FLOWS : status === 'error' ? `Could not load: ${message}` : '';
  line.textContent = text;
  line.hidden = text === '';
}

type DrillLookup = (point: PlotlyPoint) => FilterState | null;
const lookups = new WeakMap<HTMLElement, DrillLookup>();
const bound = new WeakSet<HTMLElement>();

/** Draws a figure into #chart-<id>; a click on a point calls `onDrill` with the filter it selects. */
export async function mountFigure(chartId: string, figure: Figure, lookup: DrillLookup, onDrill: (patch: FilterState) => void): Promise<PlotlyElement> {
  const node = byId(`chart-${chartId}`) as PlotlyElement;
  node.hidden = false;
  lookups.set(node, lookup);
  await plotly().react(node, figure.data, figure.layout, { ...PLOTLY_CONFIG });
  if (!bound.has(node)) {
    bound.add(node);
    node.on('plotly_click', (event) => {
      const point = event.points?.[0];
      const patch = point ? lookups.get(node)?.(point) : null;
      if (patch) onDrill(patch);
    });
  }
  return node;
}

export function mountChart(chartId: string, chart: Chart, onDrill: (patch: FilterState) => void): Promise<PlotlyElement> {
  return mountFigure(chartId, chart.figure, (p) => chart.drills[p.pointNumber ?? -1] ?? null, onDrill);
}

export function mountSankey(chartId: string, chart: SankeyChart, onDrill: (patch: FilterState) => void): Promise<PlotlyElement> {
  return mountFigure(
    chartId,
    chart.figure,
    (p) => {
      const isLink = p.source !== undefined && p.target !== undefined;
      return (isLink ? chart.linkDrills : chart.nodeDrills)[p.pointNumber ?? -1] ?? null;
    },
    onDrill,
  );
}

/** Removes a chart (empty or failed panel) so stale data never shows under a new filter. */
export function unmountChart(chartId: string): void {
  const node = byId(`chart-${chartId}`);
  plotly().purge(node);
  node.hidden = true;
}
