/**
 * The dashboard controller: the URL is the state; every change pushes history and starts one fetch round
 * (the previous round aborted); when the round settles every panel renders from it together. Back/forward
 * re-render from the URL; a theme switch redraws from the last round without fetching.
 */
import { ApiError, aggregateUrl, fetchJson, isAbort } from './api-client.js';
import { countriesChart } from './charts/countries.js';
import { deniedBarChart, deniedPieChart } from './charts/denied.js';
import type { ThemeName } from './charts/figure.js';
import { gaugeChart } from './charts/gauge.js';
import { heatmapChart } from './charts/heatmap.js';
import { sankeyChart } from './charts/sankey.js';
import { timeSeriesChart } from './charts/time-series.js';
import { topAddressesChart } from './charts/top-addresses.js';
import { fetchRound, TABLE_TOP, type RoundData, type RoundResult } from './data-round.js';
import { byId, clear, el } from './dom.js';
import { renderFilterBar, type Options } from './filter-bar.js';
import { mountChart, mountSankey, setPanelStatus, unmountChart } from './panels.js';
import { plotlyReady } from './plotly-global.js';
import { anomalyView, summaryMetrics } from './summary-view.js';
import { DEFAULT_VIEW, TABLE_COLUMNS, pageOf, toggleSort, type TableView } from './table-model.js';
import { formatBytes, formatCount } from './text.js';
import { applyTheme, initialTheme } from './theme.js';
import { windowFromRelayout } from './time-window.js';
import { formatState, parseState, sameState, stateFromFilter, withParams, type FilterState } from './url-state.js';

interface Meta {
  flows: number;
  timeRange: { min: number; max: number } | null;
  version: string;
}

/** Panel id → the round entry it draws from. */
const PANELS = {
  summary: 'summary',
  gauge: 'summary',
  'top-talkers': 'talkers',
  'top-listeners': 'listeners',
  'time-series': 'series',
  'denied-nsg': 'deniedNsg',
  'denied-port': 'deniedPort',
  heatmap: 'heatmap',
  map: 'countries',
  sankey: 'sankey',
  table: 'talkers',
  anomalies: 'anomalies',
} as const satisfies Record<string, keyof RoundResult>;
type PanelId = keyof typeof PANELS;

const META_POLL_MS = 30_000;

export class Dashboard {
  private state: FilterState = parseState(location.search);
  private theme: ThemeName = initialTheme();
  private meta: Meta | null = null;
  private options: Options = {};
  private round: RoundResult | null = null;
  private roundState: FilterState = {};
  private controller: AbortController | null = null;
  private table: TableView = DEFAULT_VIEW;
  private tableSide: 'src' | 'dst' = 'src';
  private roundNumber = 0;

  async start(): Promise<void> {
    applyTheme(this.theme, false);
    byId('theme-toggle').addEventListener('click', () => {
      this.theme = this.theme === 'dark' ? 'light' : 'dark';
      applyTheme(this.theme, true);
      const theme = this.theme;
      if (this.round) void this.renderRound(this.round, this.roundState).then(() => (document.body.dataset.drawnTheme = theme));
    });
    window.addEventListener('popstate', () => {
      this.state = parseState(location.search);
      this.table = { ...this.table, page: 0 };
      this.renderFilters();
      void this.load();
    });
    this.bindTableControls();
    this.renderFilters();
    const loaded = this.load();
    await this.loadMetaAndOptions();
    setInterval(() => void this.pollMeta(), META_POLL_MS);
    await loaded;
  }

  /** Moves to a new state: a history entry, the filter bar, and a fetch round. */
  navigate(next: FilterState): void {
    if (sameState(next, this.state)) return;
    this.state = next;
    this.table = { ...this.table, page: 0 };
    const query = formatState(next);
    history.pushState(null, '', query ? `?${query}` : location.pathname);
    this.renderFilters();
    void this.load();
  }

  private drill = (patch: FilterState) => this.navigate(withParams(this.state, patch));

  private renderFilters(): void {
    renderFilterBar(this.state, this.options, this.meta?.timeRange?.max ?? null, (next) => this.navigate(next));
  }

  private showBanner(message: string | null): void {
    const banner = byId('banner');
    banner.textContent = message ?? '';
    banner.hidden = message === null;
  }

  private async loadMetaAndOptions(): Promise<void> {
    try {
      const [meta, options] = await Promise.all([fetchJson<Meta>('/api/meta'), fetchJson<Options>('/api/options')]);
      this.meta = meta;
      this.options = options;
      const range = meta.timeRange ? ` from ${new Date(meta.timeRange.min).toISOString().slice(0, 16)}Z to ${new Date(meta.timeRange.max).toISOString().slice(0, 16)}Z` : '';
      byId('meta-info').textContent = `${formatCount(meta.flows)} flows in the lake${range}`;
      this.renderFilters();
    } catch (err) {
      this.showBanner(`Could not load the filter options: ${errorText(err)}`);
    }
  }

  /** New data in the lake (ingest with --watch): refresh the options and the current view. */
  private async pollMeta(): Promise<void> {
    try {
      const meta = await fetchJson<Meta>('/api/meta');
      if (this.meta && meta.version !== this.meta.version) {
        await this.loadMetaAndOptions();
        void this.load();
      }
    } catch {
      // the next poll tries again; the panels keep the last data
    }
  }

  private async load(): Promise<void> {
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    const state = this.state;
    document.body.dataset.ready = 'no';
    for (const id of Object.keys(PANELS)) setPanelStatus(id, 'loading');
    let round: RoundResult;
    try {
      round = await fetchRound(state, controller.signal);
    } catch (err) {
      if (!isAbort(err)) this.showBanner(errorText(err));
      return;
    }
    if (controller.signal.aborted) return;
    this.round = round;
    this.roundState = state;
    await this.renderRound(round, state);
    if (controller.signal.aborted) return;
    this.roundNumber++;
    // what the page has drawn, for tests and screenshots to wait on
    document.body.dataset.round = String(this.roundNumber);
    document.body.dataset.drawnTheme = this.theme;
    document.body.dataset.ready = formatState(state) || 'all';
  }

  private async renderRound(round: RoundResult, state: FilterState): Promise<void> {
    await plotlyReady();
    const failures = Object.values(round).filter((r) => !r.ok && !isAbort(r.error));
    this.showBanner(failures.length > 0 ? errorText((failures[0] as { error: unknown }).error) : null);
    const empty = round.summary.ok && round.summary.value.flows === 0;
    const draws: Promise<unknown>[] = [];
    for (const [id, key] of Object.entries(PANELS) as [PanelId, keyof RoundResult][]) {
      const settled = round[key];
      if (!settled.ok) {
        if (isAbort(settled.error)) continue;
        setPanelStatus(id, 'error', errorText(settled.error));
        this.clearPanel(id);
      } else if (empty && id !== 'summary') {
        setPanelStatus(id, 'empty');
        this.clearPanel(id);
      } else {
        draws.push(
          this.drawPanel(id, round, state).then(
            () => setPanelStatus(id, 'ready'),
            (err: unknown) => setPanelStatus(id, 'error', errorText(err)),
          ),
        );
      }
    }
    await Promise.all(draws);
  }

  private clearPanel(id: PanelId): void {
    if (id === 'summary') clear(byId('metrics'));
    else if (id === 'table') clear(byId('talkers-table').querySelector('tbody') as HTMLElement);
    else if (id === 'anomalies') clear(byId('anomaly-list'));
    else unmountChart(id);
    if (id === 'map') byId('map-unmapped').textContent = '';
  }

  private async drawPanel(id: PanelId, round: RoundResult, state: FilterState): Promise<void> {
    const value = <K extends keyof RoundData>(key: K): RoundData[K] => (round[key] as { value: RoundData[K] }).value;
    const t = this.theme;
    switch (id) {
      case 'summary':
        return this.renderMetrics(value('summary'));
      case 'gauge':
        return void (await mountChart(id, gaugeChart(value('summary'), t), this.drill));
      case 'top-talkers':
        return void (await mountChart(id, topAddressesChart(value('talkers'), 'src', t), this.drill));
      case 'top-listeners':
        return void (await mountChart(id, topAddressesChart(value('listeners'), 'dst', t), this.drill));
      case 'time-series': {
        const node = await mountChart(id, timeSeriesChart(value('series'), t), this.drill);
        if (!node.dataset.relayoutBound) {
          node.dataset.relayoutBound = 'yes';
          node.on('plotly_relayout', (event) => {
            const w = windowFromRelayout(event);
            if (w === 'all') this.navigate(withParams(this.state, { since: [], until: [] }));
            else if (w) this.navigate(withParams(this.state, w));
          });
        }
        return;
      }
      case 'denied-nsg':
        return void (await mountChart(id, deniedBarChart(value('deniedNsg'), t), this.drill));
      case 'denied-port':
        return void (await mountChart(id, deniedPieChart(value('deniedPort'), t), this.drill));
      case 'heatmap':
        return void (await mountChart(id, heatmapChart(value('heatmap'), t), this.drill));
      case 'map': {
        const chart = countriesChart(value('countries'), t);
        await mountChart(id, chart, this.drill);
        byId('map-unmapped').textContent = chart.unmapped.map((r) => `${r.label}: ${formatCount(r.flows)} flows`).join(' · ');
        return;
      }
      case 'sankey':
        return void (await mountSankey(id, sankeyChart(value('sankey'), t), this.drill));
      case 'table':
        return this.renderTable(round, state);
      case 'anomalies':
        return this.renderAnomalies(value('anomalies'));
    }
  }

  private renderMetrics(summary: Parameters<typeof summaryMetrics>[0]): void {
    const list = byId('metrics');
    clear(list);
    for (const m of summaryMetrics(summary)) list.append(el('dt', {}, m.label), el('dd', { attrs: { 'data-metric': m.key } }, m.value));
  }

  private bindTableControls(): void {
    const side = byId<HTMLSelectElement>('table-side');
    side.addEventListener('change', () => {
      this.tableSide = side.value === 'dst' ? 'dst' : 'src';
      this.table = { ...this.table, page: 0 };
      if (this.round) this.renderTable(this.round, this.roundState);
    });
    byId('table-prev').addEventListener('click', () => this.turnPage(-1));
    byId('table-next').addEventListener('click', () => this.turnPage(1));
  }

  private turnPage(step: number): void {
    this.table = { ...this.table, page: this.table.page + step };
    if (this.round) this.renderTable(this.round, this.roundState);
  }

  private renderTable(round: RoundResult, state: FilterState): void {
    const settled = this.tableSide === 'src' ? round.talkers : round.listeners;
    const name = this.tableSide === 'src' ? 'top-talkers' : 'top-listeners';
    byId<HTMLAnchorElement>('table-csv').href = aggregateUrl(name, state, { top: String(TABLE_TOP), format: 'csv' });
    const table = byId<HTMLTableElement>('talkers-table');
    const head = table.tHead as HTMLTableSectionElement;
    const body = table.tBodies[0];
    clear(head);
    clear(body);
    if (!settled.ok) return;
    const page = pageOf(settled.value, this.table);
    this.table = { ...this.table, page: page.page };
    const headRow = el('tr');
    for (const column of TABLE_COLUMNS) {
      const sorted = this.table.sortBy === column;
      const button = el('button', { attrs: { type: 'button', 'data-column': column } }, column + (sorted ? (this.table.descending ? ' ▼' : ' ▲') : ''));
      button.addEventListener('click', () => {
        this.table = toggleSort(this.table, column);
        this.renderTable(round, state);
      });
      headRow.append(el('th', { attrs: { 'aria-sort': sorted ? (this.table.descending ? 'descending' : 'ascending') : 'none' } }, button));
    }
    head.append(headRow);
    for (const row of page.rows) {
      const tr = el(
        'tr',
        { attrs: { tabindex: '0', 'data-ip': row.ip ?? '' } },
        el('td', {}, row.ip ?? ''),
        el('td', {}, formatCount(row.flows)),
        el('td', {}, formatBytes(row.bytes)),
        el('td', {}, formatCount(row.packets)),
        el('td', {}, formatCount(row.denied)),
      );
      const apply = () => this.drill({ ip: [row.ip as string], 'ip-side': [this.tableSide] });
      tr.addEventListener('click', apply);
      tr.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') apply();
      });
      body.append(tr);
    }
    byId('table-page').textContent = `page ${page.page + 1} of ${page.pageCount} (${page.total} addresses)`;
    byId<HTMLButtonElement>('table-prev').disabled = page.page === 0;
    byId<HTMLButtonElement>('table-next').disabled = page.page >= page.pageCount - 1;
  }

  private renderAnomalies(anomalies: Parameters<typeof anomalyView>[0][]): void {
    const list = byId('anomaly-list');
    clear(list);
    if (anomalies.length === 0) {
      list.append(el('li', { className: 'note' }, 'No anomalies in this view.'));
      return;
    }
    for (const a of anomalies) {
      const v = anomalyView(a);
      const evidence = el('dl');
      for (const [k, value] of v.evidence) evidence.append(el('dt', {}, k), el('dd', {}, value));
      const item = el(
        'li',
        { className: 'anomaly', attrs: { tabindex: '0', 'data-severity': v.severity, 'data-anomaly': a.id, title: 'Show these flows' } },
        el('h3', {}, v.title),
        el('p', {}, v.window),
        el('p', {}, v.summary),
        el('p', { className: 'note' }, v.entities),
        evidence,
      );
      const apply = () => this.navigate(stateFromFilter(a.filter));
      item.addEventListener('click', apply);
      item.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') apply();
      });
      list.append(item);
    }
  }
}

function errorText(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  return err instanceof Error ? err.message : String(err);
}
