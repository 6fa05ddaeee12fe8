/**
 * Polls the caller's logs (GET /yescale/logs from the newest second seen) and publishes the
 * entries that arrived since, oldest first. Entries of the boundary second are told apart by
 * their keys (src/queries/node-id.ts logNodeId), so one arriving in an already-seen second is still new once.
 */
import type { UpstreamHttp } from '../upstream/http.js';
import { matchesModel } from '../queries/log-filter.js';
import { logNodeId, rememberListing, second } from '../queries/node-id.js';
import type { LogRecord } from '../upstream/records.js';
import type { WireLogQuery } from '../upstream/wire.js';
import { listLogs } from '../upstream/yescale.js';
import type { Poller, PollResult } from './hub.js';
import { pollCaller, reviveDates, type PollCredential } from './caller.js';

/** new-api's largest page of logs. */
const PAGE = 100;
/** Pages read by one poll at most: 10,000 new entries between two polls is far past any account. */
const MAX_PAGES = 100;

/** `modelName` is compared exactly here (matchesModel): the upstream matches it with LIKE. */
export function logPoller(http: UpstreamHttp, who: PollCredential, query: WireLogQuery, modelName?: string): Poller {
  let since: number | null = null;
  let seen: Set<string> = new Set();

  return {
    async poll(signal): Promise<PollResult> {
      const caller = pollCaller(who, signal);
      const listed: LogRecord[] = [];
      // The first poll only marks where "new" starts: the newest page, nothing published.
      for (let p = 1; p <= (since === null ? 1 : MAX_PAGES); p++) {
        const page = await listLogs(http, caller, { ...query, ...(since === null ? {} : { start_timestamp: since }), p, page_size: PAGE });
        listed.push(...page.items);
        const size = page.pageSize ?? PAGE;
        if (page.items.length < size || (page.total !== null && listed.length >= page.total)) break;
      }
      // One listing across pages, newest first: the keys of identical entries of a second count them.
      rememberListing(listed);
      const boundary = since;
      const fresh = boundary === null ? [] : listed.filter((entry) => second(entry) > boundary || !seen.has(logNodeId(entry)));
      if (listed.length > 0) {
        const newest = second(listed[0]);
        const keys = listed.filter((entry) => second(entry) === newest).map(logNodeId);
        seen = newest === since ? new Set([...seen, ...keys]) : new Set(keys);
        since = newest;
      } else if (since === null) {
        since = 0; // nothing yet: everything that comes is new
      }
      const added = fresh.filter((entry) => matchesModel(entry, modelName)).reverse();
      return added.length > 0 ? { value: added } : {};
    },
  };
}

/** A published batch back as LogRecords, oldest first. */
export const decodeLogs = (value: unknown): LogRecord[] =>
  (value as Record<string, unknown>[]).map((entry) => reviveDates<LogRecord>(entry, ['createdAt']));
