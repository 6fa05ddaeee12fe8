/**
 * A DataLoader keyed by an upstream query: identical queries in one request share one call,
 * distinct ones run concurrently, and one failing query does not fail the others.
 */
import DataLoader from 'dataloader';
import { UpstreamError } from '../upstream/errors.js';
import type { Caller } from '../upstream/yescale.js';

/** Sorted, undefined-free JSON: `{a:1,b:undefined}` and `{b:undefined,a:1}` are one call. */
export function queryKey(query: object): string {
  const entries = Object.entries(query)
    .filter(([, v]) => v !== undefined && v !== '')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(entries);
}

export const NO_CREDENTIAL = 'No access key: send `Authorization: Bearer <YEScale access key>` (or start the server with YESCALE_ACCESS_KEY)';

export function queryLoader<Q extends object, R>(
  caller: Caller | null,
  fetch: (caller: Caller, query: Q) => Promise<R>,
): DataLoader<Q, R, string> {
  return new DataLoader<Q, R, string>(
    async (queries) => {
      // Refused before any upstream call.
      if (!caller) return queries.map(() => new UpstreamError('UNAUTHENTICATED', NO_CREDENTIAL));
      const settled = await Promise.allSettled(queries.map((q) => fetch(caller, q)));
      return settled.map((s) => (s.status === 'fulfilled' ? s.value : toError(s.reason)));
    },
    { cacheKeyFn: queryKey },
  );
}

function toError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}
