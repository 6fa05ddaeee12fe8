/**
 * Usage reports of one request. Identical usage fields share one report, and every report
 * over the same filter shares one scan of the logs; reports that differ only in the API key
 * (ApiKey.usage over many keys) share one scan without `token_name`, split by key name here.
 */
import DataLoader from 'dataloader';
import { UpstreamError } from '../upstream/errors.js';
import type { WireLogQuery } from '../upstream/wire.js';
import type { Caller, RawLogPage } from '../upstream/yescale.js';
import { UsageAggregator, type UsageDimension, type UsageReportRecord } from '../usage/aggregate.js';
import { scanLogs, type WalkOptions } from '../queries/log-scan.js';
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
  fetch: (caller: Caller, query: WireLogQuery) => Promise<RawLogPage>,
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
          const aggregators = group.map(
            (key) =>
              new UsageAggregator({
                groupBy: key.groupBy,
                timeZone: key.timeZone,
                tokenName: shared ? key.query.token_name : undefined,
                modelName: key.query.model_name,
                maxGroups: options.maxGroups,
              }),
          );
          try {
            await scanLogs((q) => fetch(caller, q), query, options, (items) => {
              for (const aggregator of aggregators) for (const raw of items) aggregator.add(raw);
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
