/** The loaders of one request. Created per request; never shared across callers. */
import type DataLoader from 'dataloader';
import type { UpstreamHttp } from '../upstream/http.js';
import type { ApiKeyRecord, LogRecord, Page, TaskRecord, UserRecord } from '../upstream/records.js';
import { getLogsBody, getUser, listApiKeys, listLogs, listTasks, type Caller } from '../upstream/yescale.js';
import type { PagePool } from '../usage/page-pool.js';
import type { WireApiKeyQuery, WireLogQuery, WireTaskQuery } from '../upstream/wire.js';
import { logByIdLoader, taskByIdLoader } from './by-id.js';
import { keyLogsLoader } from './key-logs.js';
import { queryLoader } from './query-loader.js';
import { LOG_SCAN_PAGE } from '../queries/log-scan.js';
import { rememberListing } from '../queries/node-id.js';
import { MAX_USAGE_GROUPS, usageLoader } from './usage.js';

/** GET /yescale/logs, one page per key. */
export type LogPageLoader = DataLoader<WireLogQuery, Page<LogRecord>, string>;

/**
 * The loaders of one request, each created on first use: a request uses a few of them (the
 * dashboard four of eight), and building all of them was a cost on every request.
 */
export class Loaders {
  #user?: DataLoader<Record<string, never>, UserRecord, string>;
  #apiKeys?: DataLoader<WireApiKeyQuery, ApiKeyRecord[], string>;
  #tasks?: DataLoader<WireTaskQuery, TaskRecord[], string>;
  #taskById?: ReturnType<typeof taskByIdLoader>;
  #logPages?: LogPageLoader;
  #keyLogs?: ReturnType<typeof keyLogsLoader>;
  #logById?: ReturnType<typeof logByIdLoader>;
  #usage?: ReturnType<typeof usageLoader>;

  constructor(
    private readonly http: UpstreamHttp,
    private readonly caller: Caller | null,
    private readonly settings: { logPageConcurrency: number },
    private readonly usagePool: PagePool,
  ) {}

  private get walk() {
    return { pageRows: LOG_SCAN_PAGE, concurrency: this.settings.logPageConcurrency };
  }

  /** GET /yescale/user (one key: the caller) */
  get user() {
    return (this.#user ??= queryLoader(this.caller, (c, _q: Record<string, never>) => getUser(this.http, c)));
  }

  /** GET /yescale/apikeylist */
  get apiKeys() {
    return (this.#apiKeys ??= queryLoader(this.caller, (c, q: WireApiKeyQuery) => listApiKeys(this.http, c, q)));
  }

  /** GET /yescale/task */
  get tasks() {
    return (this.#tasks ??= queryLoader(this.caller, (c, q: WireTaskQuery) => listTasks(this.http, c, q)));
  }

  /** tasks by node id: one GET /yescale/task over the window of the batch */
  get taskById() {
    return (this.#taskById ??= taskByIdLoader(this.tasks));
  }

  /** GET /yescale/logs, one page per key */
  get logPages(): LogPageLoader {
    return (this.#logPages ??= queryLoader(this.caller, async (c, q: WireLogQuery) => {
      const page = await listLogs(this.http, c, q);
      rememberListing(page.items); // the node ids of identical entries count within their page
      return page;
    }));
  }

  /** the newest logs of several API keys, split from one GET /yescale/logs */
  get keyLogs() {
    return (this.#keyLogs ??= keyLogsLoader(this.logPages, this.walk));
  }

  /** log entries by node id: one GET /yescale/logs per distinct second */
  get logById() {
    return (this.#logById ??= logByIdLoader(this.logPages));
  }

  /** usage reports: streamed scans of GET /yescale/logs, one per distinct filter, pages aggregated in `usagePool`'s threads */
  get usage() {
    return (this.#usage ??= usageLoader(this.caller, (c, q, buffers) => getLogsBody(this.http, c, q, buffers), this.usagePool, {
      ...this.walk,
      maxGroups: MAX_USAGE_GROUPS,
    }));
  }
}
