/**
 * The last check of every cloud: the service answers `GET <url>/healthz` with 200 (the dashboard's
 * liveness route). A cloud can say "running" while the app inside crash-loops or the load balancer
 * cannot reach it; this is what a user's browser would see.
 */
import type { Check } from './types.js';

export async function probeHealth(serviceUrl: string, timeoutMs: number, fetchImpl: typeof fetch = fetch): Promise<Check> {
  const url = new URL('/healthz', serviceUrl).toString();
  const base = { id: 'service-health', title: 'Service /healthz', resource: url };
  try {
    const res = await fetchImpl(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
    await res.body?.cancel();
    if (res.ok) return { ...base, state: `HTTP ${res.status}`, status: 'pass' };
    return {
      ...base,
      state: `HTTP ${res.status}`,
      status: 'fail',
      detail: `the service answered ${res.status} ${res.statusText}: see its logs (it may still be starting, or crash-looping)`,
    };
  } catch (err) {
    const reason = describeFetchError(err);
    return { ...base, state: 'unreachable', status: 'fail', detail: `cannot reach ${url}: ${reason}` };
  }
}

/** fetch's TypeError hides the socket error in `cause`; name it (ECONNREFUSED, ENOTFOUND, timeout). */
export function describeFetchError(err: unknown): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return 'no answer in time';
  const cause = err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  return err instanceof Error ? err.message : String(err);
}
