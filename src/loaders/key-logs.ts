/**
 * The newest log entries of several API keys under one filter, in one upstream call:
 * the logs are fetched once without `token_name` and split by key name here. A key that
 * the shared page cannot fill (its entries are older than the page reaches) gets a call
 * of its own, so the answer is exact whatever the traffic mix.
 */
import DataLoader from 'dataloader';
import type { LogRecord } from '../upstream/records.js';
import type { WireLogQuery } from '../upstream/wire.js';
import { loadExactModelRange, loadLogRange, type LogPages } from '../queries/log-range.js';
import { matchesModel } from '../queries/log-filter.js';
import type { WalkOptions } from '../queries/log-scan.js';
import { queryKey } from './query-loader.js';

export interface KeyLogsKey {
  query: WireLogQuery;
  tokenName: string;
  first: number;
}

/**
 * The shared page: rows per key asked for, within bounds. Big enough that sparse keys are
 * usually filled by it too; the upstream's own default page is 10,000 rows.
 */
const SHARED_ROWS_PER_KEY = 20;
const MIN_SHARED_PAGE = 1_000;
const MAX_SHARED_PAGE = 10_000;

export function keyLogsLoader(pages: LogPages, options: WalkOptions): DataLoader<KeyLogsKey, LogRecord[], string> {
  return new DataLoader<KeyLogsKey, LogRecord[], string>(
    async (keys) => {
      const groups = new Map<string, KeyLogsKey[]>();
      for (const key of keys) {
        const group = `${queryKey(key.query)}|${key.first}`;
        groups.set(group, [...(groups.get(group) ?? []), key]);
      }
      const results = new Map<KeyLogsKey, LogRecord[] | Error>();
      await Promise.all(
        [...groups.values()].map(async (group) => {
          try {
            const byName = await loadGroup(pages, group, options);
            for (const key of group) results.set(key, byName.get(key.tokenName) ?? []);
          } catch (error) {
            for (const key of group) results.set(key, error as Error);
          }
        }),
      );
      return keys.map((key) => results.get(key)!);
    },
    { cacheKeyFn: (key) => `${queryKey(key.query)}|${key.first}|${key.tokenName}` },
  );
}

async function loadGroup(pages: LogPages, group: KeyLogsKey[], options: WalkOptions): Promise<Map<string, LogRecord[]>> {
  const { query, first } = group[0];
  // One key on its own: the connection's range reader, which follows a clamped page size.
  // A model_name filter is compared exactly here too (the upstream's LIKE can match near names).
  const model = query.model_name;
  const own = async (tokenName: string) => {
    const keyQuery = { ...query, token_name: tokenName };
    return (model ? await loadExactModelRange(pages, keyQuery, model, 0, first, options) : await loadLogRange(pages, keyQuery, 0, first, options)).items;
  };
  const byName = new Map<string, LogRecord[]>();
  if (first === 0) return byName;
  if (group.length === 1) {
    byName.set(group[0].tokenName, await own(group[0].tokenName));
    return byName;
  }
  const pageSize = Math.min(MAX_SHARED_PAGE, Math.max(MIN_SHARED_PAGE, first * group.length * SHARED_ROWS_PER_KEY));
  const shared = await pages.load({ ...query, p: 1, page_size: pageSize });
  const wanted = new Set(group.map((key) => key.tokenName));
  for (const entry of shared.items) {
    if (!wanted.has(entry.tokenName) || !matchesModel(entry, model)) continue;
    const list = byName.get(entry.tokenName) ?? [];
    if (list.length < first) list.push(entry);
    byName.set(entry.tokenName, list);
  }
  const exhaustive = shared.total !== null ? shared.items.length >= shared.total : shared.items.length < pageSize;
  if (!exhaustive) {
    const short = group.filter((key) => (byName.get(key.tokenName)?.length ?? 0) < first);
    await Promise.all(short.map(async (key) => byName.set(key.tokenName, await own(key.tokenName))));
  }
  return byName;
}
