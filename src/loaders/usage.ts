/**
 * Usage reports of one request. Identical usage fields share one report, and every report
 * over the same filter shares one scan of the logs; reports that differ only in the API key
 * (ApiKey.usage over many keys) share one scan without `token_name`, split by key name here.
 * Each page is parsed and aggregated in a worker thread (src/usage/page-pool.ts); its figures
 * are merged here in the listing's order, which gives the report of adding entry by entry.
 */
import DataLoader from 'dataloader';
import { UpstreamError } from '../upstream/errors.js';
import type { BodyBuffers } from '../upstream/exchange.js';
import type { RawBody } from '../upstream/http.js';
import { PATHS, type WireLogQuery } from '../upstream/wire.js';
import type { Caller } from '../upstream/yescale.js';
import { UsageAggregator, type AggregatorOptions, type UsageDimension, type UsageReportRecord } from '../usage/aggregate.js';
import type { PagePool } from '../usage/page-pool.js';
import { walkLogs, type WalkOptions } from '../queries/log-scan.js';
import { NO_CREDENTIAL, queryKey } from './query-loader.js';

export interface UsageKey {
  query: WireLogQuery;
  groupBy: readonly UsageDimension[];
  /** an IANA zone name */
  timeZone: string;
}

export interface UsageOptions extends WalkOptions {
  /** distinct groups one report may hold (memory bound) */
  maxGroups: number;
}

/** Distinct groups one report may hold: bounds memory (HOUR x API_KEY x MODEL over a year is ~5M). */
export const MAX_USAGE_GROUPS = 100_000;

const usageKey = (key: UsageKey): string => `${queryKey(key.query)}|${key.groupBy.join(',')}|${key.timeZone}`;

export function usageLoader(
  caller: Caller | null,
  /** reads the page into a buffer of `buffers` (the pool's) */
  fetch: (caller: Caller, query: WireLogQuery, buffers: BodyBuffers) => Promise<RawBody>,
  pool: PagePool,
  options: UsageOptions,
): DataLoader<UsageKey, UsageReportRecord, string> {
  return new DataLoader<UsageKey, UsageReportRecord, string>(
    async (keys) => {
      if (!caller) return keys.map(() => new UpstreamError('UNAUTHENTICATED', NO_CREDENTIAL));
      const scans = new Map<string, UsageKey[]>();
      for (const key of keys) {
        const scan = queryKey({ ...key.query, token_name: undefined });
        scans.set(scan, [...(scans.get(scan) ?? []), key]);
      }
      const results = new Map<UsageKey, UsageReportRecord | Error>();
      await Promise.all(
        [...scans.values()].map(async (group) => {
          const names = new Set(group.map((key) => key.query.token_name));
          const shared = names.size > 1;
          const query = shared ? { ...group[0].query, token_name: undefined } : group[0].query;
          const settings: AggregatorOptions[] = group.map((key) => ({
            groupBy: key.groupBy,
            timeZone: key.timeZone,
            tokenName: shared ? key.query.token_name : undefined,
            modelName: key.query.model_name,
            maxGroups: options.maxGroups,
          }));
          const aggregators = settings.map((aggregator) => new UsageAggregator(aggregator));
          try {
            const fetchPage = async (q: WireLogQuery, skip: number) =>
              pool.run(await fetch(caller, q, pool), { path: PATHS.logs, skip, aggregators: settings }, { tenant: caller.credential.id, signal: caller.signal });
            await walkLogs(fetchPage, query, options, (page) => {
              aggregators.forEach((aggregator, i) => aggregator.merge(page.parts[i]));
            });
            group.forEach((key, i) => results.set(key, aggregators[i].report()));
          } catch (error) {
            for (const key of group) results.set(key, error instanceof Error ? error : new Error(String(error)));
          }
        }),
      );
      return keys.map((key) => results.get(key)!);
    },
    { cacheKeyFn: usageKey },
  );
}
