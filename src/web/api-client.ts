/**
 * Fetching the API: JSON with the API's error message surfaced (`{error, message}`), every request of one
 * round cancelled together through an AbortSignal, and the aggregate URLs (also the CSV download links).
 */
import type { AggregateName } from '../index.js';
import { formatState, type FilterState } from './url-state.js';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The URL of an aggregate under the state's filter, with `top`, `bucket` or `format=csv` as extras. */
export function aggregateUrl(name: AggregateName, state: FilterState, extra: Record<string, string> = {}): string {
  const query = formatState(state, extra);
  return `/api/aggregates/${name}${query ? `?${query}` : ''}`;
}

export async function fetchJson<T>(url: string, signal?: AbortSignal, fetcher: typeof fetch = fetch): Promise<T> {
  let response: Response;
  try {
    response = await fetcher(url, { signal, headers: { accept: 'application/json' } });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(`the server did not answer (${(err as Error).message})`, 0, 'network');
  }
  const text = await response.text();
  let body: unknown = undefined;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON: reported below for errors, a bad answer for successes
  }
  if (!response.ok) {
    const e = body as { error?: unknown; message?: unknown } | undefined;
    const message = typeof e?.message === 'string' ? e.message : `HTTP ${response.status}`;
    throw new ApiError(message, response.status, typeof e?.error === 'string' ? e.error : 'http');
  }
  if (body === undefined) throw new ApiError(`${url} answered something that is not JSON`, response.status, 'bad-response');
  return body as T;
}

export function isAbort(err: unknown): boolean {
  return (err as Error | undefined)?.name === 'AbortError';
}
