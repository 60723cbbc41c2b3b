/** Light or dark: remembered in localStorage, else the system's preference; applied as html[data-theme]. */
import type { ThemeName } from './charts/figure.js';

const KEY = 'networkflow-theme';

export function initialTheme(): ThemeName {
  const stored = safeStorage()?.getItem(KEY);
  if (stored === 'light' || stored === 'dark') return stored;
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function applyTheme(theme: ThemeName, remember: boolean): void {
  document.documentElement.dataset.theme = theme;
  if (remember) safeStorage()?.setItem(KEY, theme);
  const toggle = document.getElementById('theme-toggle');
  if (toggle) toggle.textContent = theme === 'dark' ? 'Light theme' : 'Dark theme';
}

/** localStorage, or null where the browser refuses it (private modes, sandboxed frames). */
function safeStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}
