/**
 * A DataLoader keyed by an upstream query: identical queries in one request share one call,
 * distinct ones run concurrently, and one failing query does not fail the others.
 */
import DataLoader from 'dataloader';
import { UpstreamError } from '../upstream/errors.js';
import type { Caller } from '../upstream/yescale.js';

/**
 * Sorted, undefined-free JSON entries: `{a:1,b:undefined}` and `{b:undefined,a:1}` are one call, and
 * both are `[["a",1]]`. Subscription poll keys hold it (src/schema/log-entry.ts), so the text stays
 * the same across versions. Written out by hand because every load of every request computes one:
 * most queries have no key or two numeric ones, and Object.entries/filter/sort/JSON.stringify took
 * 250-770 ns a call against 135-170 ns (docs/benchmarks.md, "Round six: the GraphQL side").
 */
export function queryKey(query: object): string {
  const values = query as Record<string, unknown>;
  let names: string[] | null = null;
  for (const name in values) {
    const value = values[name];
    if (value !== undefined && value !== '' && Object.hasOwn(values, name)) (names ??= []).push(name);
  }
  if (names === null) return '[]';
  // insertion sort, in Array#sort's order: a query has a few names, and Array#sort allocated ~800 bytes a call
  for (let i = 1; i < names.length; i++) {
    const name = names[i];
    let j = i;
    for (; j > 0 && names[j - 1] > name; j--) names[j] = names[j - 1];
    names[j] = name;
  }
  let key = '[';
  for (let i = 0; i < names.length; i++) {
    const value = values[names[i]];
    // a finite number prints as JSON.stringify prints it
    const json = typeof value === 'number' && Number.isFinite(value) ? String(value) : JSON.stringify(value);
    key += `${i === 0 ? '' : ','}[${JSON.stringify(names[i])},${json}]`;
  }
  return `${key}]`;
}

export const NO_CREDENTIAL = 'No access key: send `Authorization: Bearer <YEScale access key>` (or start the server with YESCALE_ACCESS_KEY)';

export function queryLoader<Q extends object, R>(
  caller: Caller | null,
  fetch: (caller: Caller, query: Q) => Promise<R>,
): DataLoader<Q, R, string> {
  return new DataLoader<Q, R, string>(
    (queries) => {
      // Refused before any upstream call.
      if (!caller) return Promise.resolve(queries.map(() => new UpstreamError('UNAUTHENTICATED', NO_CREDENTIAL)));
      // a failed query is its Error in the answers (DataLoader rejects that key alone); the others still answer
      return Promise.all(queries.map((q) => fetch(caller, q).then(undefined, toError)));
    },
    { cacheKeyFn: queryKey },
  );
}

function toError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}
