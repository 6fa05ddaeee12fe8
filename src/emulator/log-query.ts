/**
 * Filtering and paging of a LogStore the way new-api's log query does it:
 * newest first, type (0 = all), token_name exact, model_name as a SQL LIKE pattern,
 * inclusive unix-second window (0 = unbounded), 1-based page.
 *
 * model_name, in two dialects, as new-api builds differ:
 * - 'escaped' (recent new-api, `sanitizeLikePattern`): the value gets `!` -> `!!` and `_` -> `!_`
 *   and is matched with `LIKE ? ESCAPE '!'`, so `_` is literal and `%` the caller's wildcard.
 * - 'raw' (YEScale era): the value goes to `LIKE ?` as is, so `_` matches any one character
 *   (and, as MySQL's and PostgreSQL's default escape, a backslash makes the next character literal).
 * Both case-sensitive, as on PostgreSQL.
 */
import { MODELS, NONE } from './catalog.js';
import type { LogStore } from './logs.js';

export type LikeDialect = 'escaped' | 'raw';
export const LIKE_DIALECTS: readonly LikeDialect[] = ['escaped', 'raw'];

export interface LogFilter {
  type: number;
  tokenName: string;
  modelName: string;
  /** default 'escaped' */
  likeDialect?: LikeDialect;
  start: number;
  end: number;
}

export interface LogPage {
  total: number;
  /** store indices of the page's logs, newest first */
  indices: number[];
}

/**
 * Recent new-api's check of a model_name before it builds the pattern: `%%` and more than two
 * `%` are refused, and a `%` needs at least 2 other characters. Returns the refusal, or null.
 */
export function refusedPattern(value: string): string | null {
  const wildcards = value.split('%').length - 1;
  if (wildcards === 0) return null;
  if (value.includes('%%') || wildcards > 2) return 'invalid model_name pattern';
  if (value.length - wildcards < 2) return 'model_name pattern too short';
  return null;
}

/** The model_name as the upstream hands it to LIKE, in the escaped dialect (`!` escapes). */
export const sanitizeLikePattern = (value: string): string => value.replace(/[!_]/g, (c) => `!${c}`);

/** SQL LIKE -> anchored RegExp: `%` any run, `_` one character, the escape character makes the next one literal. */
export function likeToRegExp(pattern: string, escapeChar = '\\'): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === escapeChar && i + 1 < pattern.length) re += escape(pattern[++i]);
    else if (ch === '%') re += '[\\s\\S]*';
    else if (ch === '_') re += '[\\s\\S]';
    else re += escape(ch);
  }
  return new RegExp(`^${re}$`, 'u');
}

function escape(ch: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(ch) ? `\\${ch}` : ch;
}

/** Matching indices per (store, filter without window), valid while the store's version holds. */
const cache = new WeakMap<LogStore, { version: number; byKey: Map<string, Int32Array> }>();
const MAX_CACHED_FILTERS = 16;

export function queryLogs(store: LogStore, f: LogFilter, offset: number, limit: number): LogPage {
  // the time window is an index range because created_at never increases with the index
  const lo = f.end > 0 ? firstIndex(store.count, (i) => store.createdAt(i) <= f.end) : 0;
  const hi = f.start > 0 ? firstIndex(store.count, (i) => store.createdAt(i) < f.start) : store.count;
  if (lo >= hi) return { total: 0, indices: [] };

  if (f.type === 0 && f.tokenName === '' && f.modelName === '') {
    const from = lo + offset;
    const to = Math.min(hi, from + limit);
    return { total: hi - lo, indices: range(from, to) };
  }
  const matches = matching(store, f);
  const a = firstIndex(matches.length, (j) => matches[j] >= lo);
  const b = firstIndex(matches.length, (j) => matches[j] >= hi);
  const from = a + offset;
  const to = Math.min(b, from + limit);
  return { total: b - a, indices: from < to ? Array.from(matches.subarray(from, to)) : [] };
}

function matching(store: LogStore, f: LogFilter): Int32Array {
  let entry = cache.get(store);
  if (!entry || entry.version !== store.version) cache.set(store, (entry = { version: store.version, byKey: new Map() }));
  const cacheKey = `${f.type}\u0000${f.tokenName}\u0000${f.modelName}\u0000${f.likeDialect ?? 'escaped'}`;
  const hit = entry.byKey.get(cacheKey);
  if (hit) {
    entry.byKey.delete(cacheKey); // LRU: move to the back
    entry.byKey.set(cacheKey, hit);
    return hit;
  }
  const result = scan(store, f);
  entry.byKey.set(cacheKey, result);
  if (entry.byKey.size > MAX_CACHED_FILTERS) entry.byKey.delete(entry.byKey.keys().next().value!);
  return result;
}

function scan(store: LogStore, f: LogFilter): Int32Array {
  const key = f.tokenName === '' ? -1 : store.account.keys.findIndex((k) => k.name === f.tokenName);
  if (f.tokenName !== '' && key < 0) return new Int32Array(0);
  // a LIKE pattern can only be tested against the ~20 model names, so precompute a mask
  let modelOk: Uint8Array | null = null;
  if (f.modelName !== '') {
    const re = f.likeDialect === 'raw' ? likeToRegExp(f.modelName) : likeToRegExp(sanitizeLikePattern(f.modelName), '!');
    modelOk = new Uint8Array(256);
    MODELS.forEach((m, i) => (modelOk![i] = re.test(m.name) ? 1 : 0));
    modelOk[NONE] = re.test('') ? 1 : 0;
  }
  const n = store.count;
  const out = new Int32Array(n);
  let found = 0;
  for (let i = 0; i < n; i++) {
    if (f.type !== 0 && store.typeAt(i) !== f.type) continue;
    if (key >= 0 && store.keyAt(i) !== key) continue;
    if (modelOk && !modelOk[store.modelAt(i)]) continue;
    out[found++] = i;
  }
  return out.slice(0, found);
}

/** Smallest i in [0, n) with pred(i) true, for a predicate that is false...false true...true; n if none. */
function firstIndex(n: number, pred: (i: number) => boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pred(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) out.push(i);
  return out;
}
