/**
 * The filter bar (a select per dimension from /api/options, the time presets) and the chips of the active
 * filters. Each control calls `navigate` with the next state; nothing here fetches.
 */
import { byId, clear, el } from './dom.js';
import { TIME_PRESETS, activePreset, presetWindow } from './time-window.js';
import { chipsOf, withParams, withoutValue, type FilterParam, type FilterState } from './url-state.js';
import { formatCount } from './text.js';

export type OptionList = { value: string | null; flows: number }[];
export type Options = Partial<Record<FilterParam, OptionList>>;

export const SELECT_PARAMS: { param: FilterParam; label: string }[] = [
  { param: 'subscription', label: 'Subscription' },
  { param: 'resource-group', label: 'Resource group' },
  { param: 'nsg', label: 'NSG' },
  { param: 'protocol', label: 'Protocol' },
  { param: 'direction', label: 'Direction' },
  { param: 'decision', label: 'Decision' },
];

export function renderFilterBar(state: FilterState, options: Options, dataEnd: number | null, navigate: (next: FilterState) => void): void {
  const selects = byId('filter-selects');
  clear(selects);
  for (const { param, label } of SELECT_PARAMS) {
    const select = el('select', { attrs: { name: param, 'aria-label': label } }, el('option', { attrs: { value: '' } }, `All`));
    const current = state[param] ?? [];
    const known = new Set<string>();
    for (const o of options[param] ?? []) {
      if (o.value === null) continue;
      known.add(o.value);
      select.append(el('option', { attrs: { value: o.value } }, `${o.value} (${formatCount(o.flows)})`));
    }
    if (current.length === 1 && !known.has(current[0])) select.append(el('option', { attrs: { value: current[0] } }, current[0]));
    if (current.length > 1) select.append(el('option', { attrs: { value: '__many', disabled: '' } }, `${current.length} values`));
    select.value = current.length === 0 ? '' : current.length === 1 ? current[0] : '__many';
    select.addEventListener('change', () => navigate(withParams(state, { [param]: select.value ? [select.value] : [] })));
    selects.append(el('label', {}, label, select));
  }

  const presets = byId('time-presets');
  clear(presets);
  const active = activePreset(state, dataEnd);
  for (const preset of TIME_PRESETS) {
    const button = el('button', { attrs: { type: 'button', 'data-preset': preset.id, 'aria-pressed': String(active === preset.id) } }, preset.label);
    button.addEventListener('click', () => navigate(withParams(state, presetWindow(preset.id, dataEnd))));
    presets.append(button);
  }

  const chips = byId('chips');
  clear(chips);
  for (const chip of chipsOf(state)) {
    const button = el('button', { className: 'chip', attrs: { type: 'button', 'data-param': chip.param, title: `Remove ${chip.text}` } }, chip.text);
    button.addEventListener('click', () => navigate(withoutValue(state, chip.param, chip.value)));
    chips.append(button);
  }
}
