/** One function per YEScale System API endpoint: wire query in, domain records out. */
import { UpstreamError } from './errors.js';
import type { BodyBuffers } from './exchange.js';
import type { Caller, RawBody, UpstreamHttp } from './http.js';
import type { BodyEncoding } from './json.js';
import { toApiKey, toLog, toPage, toTask, toUser } from './records.js';
import type { ApiKeyRecord, LogRecord, Page, TaskRecord, UserRecord } from './records.js';
import { mapConcurrent } from './map-concurrent.js';
import { KEY_WRITE_PATHS, PATHS } from './wire.js';
import type { WireApiKeyQuery, WireLogQuery, WireTaskQuery } from './wire.js';

export type { Caller } from './http.js';

export async function getUser(http: UpstreamHttp, caller: Caller): Promise<UserRecord> {
  return toUser(PATHS.user, await http.getData(PATHS.user, {}, caller));
}

/** Every key of the caller matching the query, however many pages the upstream serves them in. */
export async function listApiKeys(http: UpstreamHttp, caller: Caller, query: WireApiKeyQuery, concurrency = LIST_PAGE_CONCURRENCY): Promise<ApiKeyRecord[]> {
  return listAll(http, caller, PATHS.apiKeys, { ...query }, toApiKey, concurrency);
}

/** Every task of the window, however many pages the upstream serves them in. */
export async function listTasks(http: UpstreamHttp, caller: Caller, query: WireTaskQuery, concurrency = LIST_PAGE_CONCURRENCY): Promise<TaskRecord[]> {
  return listAll(http, caller, PATHS.tasks, { ...query }, toTask, concurrency);
}

/** Follow-up pages of a paged list in flight at once. */
export const LIST_PAGE_CONCURRENCY = 4;
/** new-api's largest page of tasks and keys: it caps page_size at 100. */
const MAX_LIST_PAGE = 100;
/** Bounds one listing (100,000 rows at 100 a page); a longer one is refused, not cut short. */
const MAX_LIST_PAGES = 1_000;

/**
 * A whole list. The first call is sent as today, without paging parameters, because a plain
 * array answer may come from an era whose `p` is 0-based. When the answer is a
 * page object whose `total` exceeds its items (new-api ≥ v0.8.8 pages tasks and keys, 10 rows
 * by default), the rest follows as further pages through the same client: at the page size
 * served if that takes fewer calls, else again from page 1 at 100 a page. Rows the total
 * promised but no page delivered are an UPSTREAM_BAD_RESPONSE, never a silently short list.
 */
async function listAll<T extends { id: number }>(
  http: UpstreamHttp,
  caller: Caller,
  path: string,
  query: Record<string, string | number | undefined>,
  parse: (raw: Record<string, unknown>) => T,
  concurrency: number,
): Promise<T[]> {
  const head = toPage(path, await http.getData(path, query, caller), parse);
  if (head.total === null || head.items.length >= head.total) return head.items;
  const total = head.total;
  const headSize = head.pageSize !== null && head.pageSize > 0 ? head.pageSize : head.items.length;
  const fetchPage = async (p: number, size: number) => toPage(path, await http.getData(path, { ...query, p, page_size: size }, caller), parse);

  let pages: (typeof head)[];
  let size: number;
  if (headSize > 0 && Math.ceil(total / headSize) - 1 <= Math.ceil(total / MAX_LIST_PAGE)) {
    size = headSize;
    pages = [head];
  } else {
    const first = await fetchPage(1, MAX_LIST_PAGE);
    // A smaller page than asked (a lower clamp) sets the size of the pages after it.
    size = first.pageSize !== null && first.pageSize > 0 ? Math.min(first.pageSize, MAX_LIST_PAGE) : MAX_LIST_PAGE;
    if (first.pageSize === null && first.items.length > 0 && first.items.length < MAX_LIST_PAGE) size = first.items.length;
    pages = [first];
  }
  // Rows added while paging (newest first) push older ones to later pages and raise the total:
  // pages are fetched until the largest total seen is covered.
  for (let next = 2; ; ) {
    const most = Math.max(...pages.map((page) => page.total ?? total));
    const last = Math.ceil(most / size);
    if (last > MAX_LIST_PAGES) throw shortList(path, `a total of ${most} rows, more than ${MAX_LIST_PAGES} pages of ${size}`);
    if (next > last) break;
    const numbers = Array.from({ length: last - next + 1 }, (_, i) => next + i);
    pages.push(...(await mapConcurrent(numbers, concurrency, (p) => fetchPage(p, size))));
    next = last + 1;
  }

  // A row on two pages (one was added while paging shifted the offsets) is kept once.
  const byId = new Map<number, T>();
  for (const page of pages) for (const row of page.items) if (!byId.has(row.id)) byId.set(row.id, row);
  // Rows deleted while paging lower the later totals; only a shortfall below every total is an error.
  const least = Math.min(...pages.map((page) => page.total ?? total));
  if (byId.size < least) throw shortList(path, `a total of ${least} rows but ${pages.length} pages of ${size} held ${byId.size}`);
  return [...byId.values()];
}

function shortList(path: string, what: string): UpstreamError {
  return new UpstreamError('UPSTREAM_BAD_RESPONSE', `The upstream answered ${path} with ${what}`, { path });
}

/**
 * DELETE /yescale/deletekey/{id}: a soft delete upstream. Sent once, never retried or merged
 * (http.ts write); another caller's or an unknown id is a NOT_FOUND UpstreamError.
 */
export async function deleteApiKey(http: UpstreamHttp, caller: Caller, id: number): Promise<void> {
  await http.write('DELETE', KEY_WRITE_PATHS.deleteKey + id, undefined, caller);
}

/** PUT /yescale/editquota/{id} `{"remain_quota": credits}`: the key's status is left as it is upstream. */
export async function updateApiKeyQuota(http: UpstreamHttp, caller: Caller, id: number, credits: number): Promise<void> {
  await http.write('PUT', KEY_WRITE_PATHS.editQuota + id, { remain_quota: credits }, caller);
}

export async function listLogs(http: UpstreamHttp, caller: Caller, query: WireLogQuery): Promise<Page<LogRecord>> {
  return toPage(PATHS.logs, await http.getData(PATHS.logs, { ...query }, caller), toLog);
}

/**
 * A page of log entries as the upstream sent them (plain objects, no records): the lean path for
 * scans. The body is read as latin1 (see http.ts): numbers and ASCII text are exact, and a string
 * a scan keeps (a model or key name) becomes real text with `fromLatin1`, once, not per entry.
 */
export type RawLogPage = Page<Record<string, unknown>>;

/**
 * GET /yescale/logs without building LogRecords: usage scans read a few fields of every entry
 * of the whole history, where decoding UTF-8 cost as much as parsing and a record per entry more.
 * A walk that keeps every field as text (the CSV export) reads it as `utf8`.
 */
export async function listLogsRaw(http: UpstreamHttp, caller: Caller, query: WireLogQuery, encoding: BodyEncoding = 'latin1'): Promise<RawLogPage> {
  const data = await http.getData(PATHS.logs, { ...query }, caller, encoding);
  return toPage(PATHS.logs, data, (raw) => raw);
}

/**
 * GET /yescale/logs, the body left unread (in a buffer of `buffers`): a usage scan parses and
 * aggregates it in a worker thread (src/usage/page-worker.ts), where its envelope is checked as
 * listLogsRaw would.
 */
export async function getLogsBody(http: UpstreamHttp, caller: Caller, query: WireLogQuery, buffers?: BodyBuffers): Promise<RawBody> {
  return http.getBody(PATHS.logs, { ...query }, caller, buffers);
}

/**
 * The newest `created_at` among raw log entries and how many entries have it: where a walk over
 * a listing that grows at its head anchors itself (src/queries/log-scan.ts).
 */
export function newestOf(items: readonly Record<string, unknown>[]): { newest: number; atNewest: number } {
  let newest = 0;
  let atNewest = 0;
  for (const raw of items) {
    const at = Number(raw.created_at) || 0;
    if (at > newest) (newest = at), (atNewest = 0);
    if (at === newest) atNewest++;
  }
  return { newest, atNewest };
}
