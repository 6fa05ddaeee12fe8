/**
 * A walk over every log entry matching a filter, page by page, handing each page to `visit`
 * and dropping it: memory holds at most `concurrency` pages however long the history. Pages are
 * visited in the listing's order (newest first), and an async `visit` (a CSV export writing to a
 * slow client) is awaited before a further page is fetched.
 *
 * Offsets drift while new entries arrive (the upstream lists newest first), so the walk is
 * anchored: page 1 fixes the newest second A; it holds every entry of second A (unless that
 * second fills the whole page), and the listing of the entries older than A can no longer
 * change, so its pages are fetched concurrently once its total is known. The page size the
 * upstream actually served (new-api clamps it) is the one used for the later pages.
 */
import { newestOf, type RawLogPage } from '../upstream/yescale.js';
import { mapConcurrent } from '../upstream/map-concurrent.js';
import type { WireLogQuery } from '../upstream/wire.js';

/** Pages of a walk: the upstream's own default page size for /yescale/logs, about 5 MB of JSON. */
export const LOG_SCAN_PAGE = 10_000;

export type FetchRawPage = (query: WireLogQuery) => Promise<RawLogPage>;
export type Visit = (items: Record<string, unknown>[]) => void | Promise<void>;

export interface WalkOptions {
  /** the upstream page size to ask for */
  pageRows: number;
  /** upstream pages in flight at once */
  concurrency: number;
}

/**
 * `fetch` over `items` up to `limit` ahead, each result handed to `use` in order and awaited
 * before the fetch `limit` further starts: order is kept and a slow `use` holds the fetching back.
 * Answers what `use` returned for each; rejects on the first failure and starts nothing after it.
 */
export async function mapInOrder<T, R, U>(items: readonly T[], limit: number, fetch: (item: T) => Promise<R>, use: (result: R) => U | Promise<U>): Promise<U[]> {
  const ahead: Promise<R>[] = [];
  let next = 0;
  const start = () => {
    const fetched = fetch(items[next++]);
    // a failure is rethrown where it is awaited; fetches already started after it are not
    fetched.catch(() => {});
    ahead.push(fetched);
  };
  const used: U[] = [];
  while (next < items.length && ahead.length < Math.max(1, limit)) start();
  while (ahead.length > 0) {
    used.push(await use(await ahead.shift()!));
    if (next < items.length) start();
  }
  return used;
}

/**
 * The page size the upstream used: its `page_size` when smaller than asked, or, when it does
 * not say, the length of a short page that is evidently not the last one.
 */
export function servedPageSize(page: { items: unknown[]; total: number | null; pageSize: number | null }, asked: number): number {
  return servedSize({ count: page.items.length, total: page.total, pageSize: page.pageSize }, asked);
}

function servedSize(page: { count: number; total: number | null; pageSize: number | null }, asked: number): number {
  if (page.pageSize !== null) return page.pageSize > 0 && page.pageSize < asked ? page.pageSize : asked;
  const short = page.count > 0 && page.count < asked;
  return short && (page.total === null || page.total > page.count) ? page.count : asked;
}

/** What a walk needs to know of a page, whatever form its entries take. */
export interface WalkPage {
  /** entries the upstream served on the page, skipped ones included */
  count: number;
  total: number | null;
  pageSize: number | null;
  /** the newest `created_at` on the page and how many entries have it (yescale.ts newestOf) */
  newest: number;
  atNewest: number;
}

/**
 * A page fetched for a walk. `skip`: its leading entries that the walk has visited already (the
 * first page of a range that starts mid-page); what `visit` is given of it must leave them out.
 */
export type FetchWalkPage<P extends WalkPage> = (query: WireLogQuery, skip: number) => Promise<P>;

/** scanLogs over raw entries: `visit` is given each page's entries. */
export async function scanLogs(fetch: FetchRawPage, query: WireLogQuery, options: WalkOptions, visit: Visit): Promise<void> {
  const fetchPage = async (q: WireLogQuery, skip: number) => {
    const page = await fetch(q);
    const items = skip > 0 ? page.items.slice(skip) : page.items;
    return { count: page.items.length, total: page.total, pageSize: page.pageSize, ...newestOf(page.items), items };
  };
  return walkLogs(fetchPage, query, options, (page) => visit(page.items));
}

/**
 * The walk itself, over pages of any form (a usage scan's pages are aggregated in a worker thread,
 * src/usage/page-pool.ts, and only their figures come back). `visit` gets every page that holds
 * entries to visit, in the listing's order.
 */
export async function walkLogs<P extends WalkPage>(fetch: FetchWalkPage<P>, query: WireLogQuery, options: WalkOptions, visit: (page: P) => void | Promise<void>): Promise<void> {
  const first = await fetch({ ...query, p: 1, page_size: options.pageRows }, 0);
  if (first.count === 0) return;
  const size = servedSize(first, options.pageRows);
  const more = first.total !== null ? first.total > first.count : first.count >= size;
  if (!more) return visit(first);

  const anchor = first.newest;
  const atAnchor = first.atNewest;
  const older: WireLogQuery = { ...query, end_timestamp: anchor - 1 };
  const olderExists = anchor > 1 && (query.start_timestamp === undefined || query.start_timestamp <= anchor - 1);
  if (atAnchor < first.count) {
    await visit(first);
    if (!olderExists) return;
    const olderTotal = first.total !== null ? first.total - atAnchor : null;
    return walk(fetch, older, first.count - atAnchor, size, olderTotal, options.concurrency, visit);
  }
  // Page 1 is a single second with more to come: that second on its own, then everything older.
  await walk(fetch, { ...query, start_timestamp: anchor, end_timestamp: anchor }, 0, size, null, options.concurrency, visit);
  if (olderExists) await walk(fetch, older, 0, size, null, options.concurrency, visit);
}

/** Entries [offset, end) of one listing. `total` null: learn it from the first page fetched. */
async function walk<P extends WalkPage>(
  fetch: FetchWalkPage<P>,
  query: WireLogQuery,
  offset: number,
  size: number,
  total: number | null,
  concurrency: number,
  visit: (page: P) => void | Promise<void>,
): Promise<void> {
  const firstPage = Math.floor(offset / size) + 1;
  const skip = offset - (firstPage - 1) * size;
  /** one page's share of the range, and whether the page was full */
  const fetchPage = async (p: number) => {
    const skipped = p === firstPage ? skip : 0;
    const page = await fetch({ ...query, p, page_size: size }, skipped);
    return { page, visible: page.count > skipped, full: page.count >= size };
  };
  const take = async ({ page, visible, full }: { page: P; visible: boolean; full: boolean }): Promise<boolean> => {
    if (visible) await visit(page);
    return full;
  };
  let p = firstPage;
  if (total === null) {
    const fetched = await fetchPage(p);
    if (!(await take(fetched))) return;
    total = fetched.page.total;
    p++;
  }
  if (total !== null) {
    const last = Math.ceil(total / size);
    if (last < p) return;
    const full = await mapInOrder(pageNumbers(p, last), concurrency, fetchPage, take);
    if (!full.at(-1)) return;
    p = last + 1;
  }
  // No total, or a total the listing outgrew (new-api caps its count on huge histories):
  // go on in windows of `concurrency` pages until a short one.
  for (;;) {
    const full = await mapInOrder(pageNumbers(p, p + concurrency - 1), concurrency, fetchPage, take);
    if (!full.every(Boolean)) return;
    p += concurrency;
  }
}

const pageNumbers = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
