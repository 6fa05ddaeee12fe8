/**
 * A range of log entries [offset, offset+count) of one filtered listing, fetched as the
 * upstream pages that cover it: the first page tells the total and the page size the upstream
 * actually served (new-api clamps `page_size`); the other pages, within the total, follow
 * concurrently up to a limit, through the page loader so identical pages are one call.
 * A range longer than `pageRows` is fetched in pages of `pageRows`, not as one huge page.
 */
import type { LogRecord, Page } from '../upstream/records.js';
import type { WireLogQuery } from '../upstream/wire.js';
import { mapConcurrent } from '../upstream/map-concurrent.js';
import { matchesModel } from './log-filter.js';
import { servedPageSize, type WalkOptions } from './log-scan.js';

/** Pages of one log listing, one per query: the request's page loader (src/loaders/index.ts). */
export interface LogPages {
  load(query: WireLogQuery): Promise<Page<LogRecord>>;
}

export interface LogRange {
  items: LogRecord[];
  /** entries matching the filter in all; null when the upstream does not say */
  total: number | null;
}

export async function loadLogRange(pages: LogPages, query: WireLogQuery, offset: number, count: number, options: WalkOptions): Promise<LogRange> {
  // `first: 0` still answers totalCount: one entry is the cheapest page that carries `total`.
  const wanted = Math.max(count, 1);
  const asked = Math.min(wanted, options.pageRows);
  let range = await fetchRange(pages, query, offset, wanted, asked, options.concurrency);
  if (range.served < asked) range = await fetchRange(pages, query, offset, wanted, range.served, options.concurrency);
  return { items: count === 0 ? [] : range.items, total: range.total };
}

async function fetchRange(pages: LogPages, query: WireLogQuery, offset: number, count: number, pageSize: number, concurrency: number) {
  const firstPage = Math.floor(offset / pageSize) + 1;
  const head = await pages.load({ ...query, p: firstPage, page_size: pageSize });
  const served = servedPageSize(head, pageSize);
  // A clamped page: the caller asks again at the size the upstream serves.
  if (served < pageSize) return { items: [], total: head.total, served };
  let lastPage = Math.floor((offset + count - 1) / pageSize) + 1;
  if (head.total !== null) lastPage = Math.min(lastPage, Math.ceil(head.total / pageSize));
  const skip = offset - (firstPage - 1) * pageSize;
  // the common range: within its first page
  if (lastPage <= firstPage) return { items: head.items.slice(skip, skip + count), total: head.total, served };
  const numbers = Array.from({ length: lastPage - firstPage }, (_, i) => firstPage + 1 + i);
  const rest = await mapConcurrent(numbers, concurrency, (p) => pages.load({ ...query, p, page_size: pageSize }));
  const items = [head, ...rest].flatMap((page: Page<LogRecord>) => page.items);
  return { items: items.slice(skip, skip + count), total: head.total, served };
}

/**
 * The range [offset, offset+count) of the entries whose model_name is exactly `modelName`, for a
 * query whose `model_name` the upstream matched with LIKE. Depending on the build that LIKE may
 * also match other names (YEScale-era builds pass the value raw, so `_`
 * matches any one character; MySQL collations ignore case), and then the upstream's offsets and
 * total count those near-matches too. So:
 * - a name without `_`: the upstream's range, kept when every entry in it is an exact match
 *   (recent builds and case-sensitive databases: one range read, as without the filter);
 * - a name with `_`, or a range that showed a near-match: the whole listing is walked, in pages of
 *   `pageRows`, `concurrency` at a time and in order, and the exact matches are counted and the
 *   range kept from them. Memory holds one batch of pages; the cost is the listing's size.
 * Limit: a case-variant near-match outside the range read is not seen without `_` in the name,
 * so on a case-insensitive upstream the total can count it.
 */
export async function loadExactModelRange(
  pages: LogPages,
  query: WireLogQuery,
  modelName: string,
  offset: number,
  count: number,
  options: WalkOptions,
): Promise<LogRange> {
  if (!modelName.includes('_')) {
    const range = await loadLogRange(pages, query, offset, count, options);
    if (range.items.every((entry) => matchesModel(entry, modelName))) return range;
  }
  const items: LogRecord[] = [];
  let matched = 0;
  const keep = (page: Page<LogRecord>) => {
    for (const entry of page.items) {
      if (!matchesModel(entry, modelName)) continue;
      if (matched >= offset && matched < offset + count) items.push(entry);
      matched++;
    }
  };
  let size = options.pageRows;
  let head = await pages.load({ ...query, p: 1, page_size: size });
  const served = servedPageSize(head, size);
  if (served < size) head = await pages.load({ ...query, p: 1, page_size: (size = served) });
  keep(head);
  // pages are visited in order, a batch of `concurrency` at a time, until a short one; past the
  // upstream's total only if the last page within it is full (new-api caps its count)
  let full = head.items.length >= size;
  const lastKnown = head.total !== null ? Math.ceil(head.total / size) : Number.POSITIVE_INFINITY;
  let p = 2;
  while (full) {
    const end = p <= lastKnown ? Math.min(p + options.concurrency - 1, lastKnown) : p + options.concurrency - 1;
    const batch = Array.from({ length: end - p + 1 }, (_, i) => p + i);
    const got = await mapConcurrent(batch, options.concurrency, (n) => pages.load({ ...query, p: n, page_size: size }));
    for (const page of got) {
      keep(page);
      if (page.items.length < size) {
        full = false;
        break;
      }
    }
    p += batch.length;
  }
  return { items, total: matched };
}
