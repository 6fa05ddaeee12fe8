/**
 * A walk over every log entry matching a filter, page by page, handing each page to `visit`
 * and dropping it: memory holds at most `concurrency` pages however long the history.
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
export type Visit = (items: Record<string, unknown>[]) => void;

export interface WalkOptions {
  /** the upstream page size to ask for */
  pageRows: number;
  /** upstream pages in flight at once */
  concurrency: number;
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
    visit(items);
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
  /** visits one page's share of the range; answers whether the page was full */
  const take = async (p: number): Promise<boolean> => {
    const page = await fetch({ ...query, p, page_size: size });
    const items = p === firstPage && skip > 0 ? page.items.slice(skip) : page.items;
    if (items.length > 0) visit(items);
    return page.items.length >= size;
  };
  let p = firstPage;
  if (total === null) {
    const page = await fetch({ ...query, p, page_size: size });
    const items = skip > 0 ? page.items.slice(skip) : page.items;
    if (items.length > 0) visit(items);
    if (page.items.length < size) return;
    total = page.total;
    p++;
  }
  if (total !== null) {
    const last = Math.ceil(total / size);
    if (last < p) return;
    const full = await mapConcurrent(pageNumbers(p, last), concurrency, take);
    if (!full.at(-1)) return;
    p = last + 1;
  }
  // No total, or a total the listing outgrew (new-api caps its count on huge histories):
  // go on in windows of `concurrency` pages until a short one.
  for (;;) {
    const full = await mapConcurrent(pageNumbers(p, p + concurrency - 1), concurrency, take);
    if (!full.every(Boolean)) return;
    p += concurrency;
  }
}

const pageNumbers = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
