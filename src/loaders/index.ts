/** The loaders of one request. Created per request; never shared across callers. */
import type DataLoader from 'dataloader';
import type { UpstreamHttp } from '../upstream/http.js';
import type { LogRecord, Page } from '../upstream/records.js';
import { getLogsBody, getUser, listApiKeys, listLogs, listTasks, type Caller } from '../upstream/yescale.js';
import { INLINE_PAGES, type PagePool } from '../usage/page-pool.js';
import type { WireApiKeyQuery, WireLogQuery, WireTaskQuery } from '../upstream/wire.js';
import { logByIdLoader, taskByIdLoader } from './by-id.js';
import { keyLogsLoader } from './key-logs.js';
import { queryLoader } from './query-loader.js';
import { LOG_SCAN_PAGE } from '../queries/log-scan.js';
import { rememberListing } from '../queries/node-id.js';
import { MAX_USAGE_GROUPS, usageLoader } from './usage.js';

/** GET /yescale/logs, one page per key. */
export type LogPageLoader = DataLoader<WireLogQuery, Page<LogRecord>, string>;

export function createLoaders(http: UpstreamHttp, caller: Caller | null, settings: { logPageConcurrency: number }, usagePool: PagePool = INLINE_PAGES) {
  const logPages: LogPageLoader = queryLoader(caller, async (c, q: WireLogQuery) => {
    const page = await listLogs(http, c, q);
    rememberListing(page.items); // the node ids of identical entries count within their page
    return page;
  });
  const tasks = queryLoader(caller, (c, q: WireTaskQuery) => listTasks(http, c, q));
  const walk = { pageRows: LOG_SCAN_PAGE, concurrency: settings.logPageConcurrency };
  return {
    /** GET /yescale/user (one key: the caller) */
    user: queryLoader(caller, (c, _q: Record<string, never>) => getUser(http, c)),
    /** GET /yescale/apikeylist */
    apiKeys: queryLoader(caller, (c, q: WireApiKeyQuery) => listApiKeys(http, c, q)),
    /** GET /yescale/task */
    tasks,
    /** tasks by node id: one GET /yescale/task over the window of the batch */
    taskById: taskByIdLoader(tasks),
    logPages,
    /** the newest logs of several API keys, split from one GET /yescale/logs */
    keyLogs: keyLogsLoader(logPages, walk),
    /** log entries by node id: one GET /yescale/logs per distinct second */
    logById: logByIdLoader(logPages),
    /** usage reports: streamed scans of GET /yescale/logs, one per distinct filter, pages aggregated in `usagePool`'s threads */
    usage: usageLoader(caller, (c, q, buffers) => getLogsBody(http, c, q, buffers), usagePool, { ...walk, maxGroups: MAX_USAGE_GROUPS }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
