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
import type { RawLogPage } from '../upstream/yescale.js';
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
  if (page.pageSize !== null) return page.pageSize > 0 && page.pageSize < asked ? page.pageSize : asked;
  const short = page.items.length > 0 && page.items.length < asked;
  return short && (page.total === null || page.total > page.items.length) ? page.items.length : asked;
}

const createdAt = (raw: Record<string, unknown>): number => Number(raw.created_at) || 0;

export async function scanLogs(fetch: FetchRawPage, query: WireLogQuery, options: WalkOptions, visit: Visit): Promise<void> {
  const first = await fetch({ ...query, p: 1, page_size: options.pageRows });
  const items = first.items;
  if (items.length === 0) return;
  const size = servedPageSize(first, options.pageRows);
  const more = first.total !== null ? first.total > items.length : items.length >= size;
  if (!more) return visit(items);

  const anchor = items.reduce((max, raw) => Math.max(max, createdAt(raw)), 0);
  const atAnchor = items.filter((raw) => createdAt(raw) === anchor).length;
  const older: WireLogQuery = { ...query, end_timestamp: anchor - 1 };
  const olderExists = anchor > 1 && (query.start_timestamp === undefined || query.start_timestamp <= anchor - 1);
  if (atAnchor < items.length) {
    await visit(items);
    if (!olderExists) return;
    const olderTotal = first.total !== null ? first.total - atAnchor : null;
    return walk(fetch, older, items.length - atAnchor, size, olderTotal, options.concurrency, visit);
  }
  // Page 1 is a single second with more to come: that second on its own, then everything older.
  await walk(fetch, { ...query, start_timestamp: anchor, end_timestamp: anchor }, 0, size, null, options.concurrency, visit);
  if (olderExists) await walk(fetch, older, 0, size, null, options.concurrency, visit);
}

/** Entries [offset, end) of one listing. `total` null: learn it from the first page fetched. */
async function walk(
  fetch: FetchRawPage,
  query: WireLogQuery,
  offset: number,
  size: number,
  total: number | null,
  concurrency: number,
  visit: Visit,
): Promise<void> {
  const firstPage = Math.floor(offset / size) + 1;
  const skip = offset - (firstPage - 1) * size;
  /** one page's share of the range, and whether the page was full */
  const fetchPage = async (p: number) => {
    const page = await fetch({ ...query, p, page_size: size });
    return { items: p === firstPage && skip > 0 ? page.items.slice(skip) : page.items, full: page.items.length >= size, total: page.total };
  };
  const take = async (page: { items: Record<string, unknown>[]; full: boolean }): Promise<boolean> => {
    if (page.items.length > 0) await visit(page.items);
    return page.full;
  };
  let p = firstPage;
  if (total === null) {
    const page = await fetchPage(p);
    if (!(await take(page))) return;
    total = page.total;
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
