/**
 * A range of log entries [offset, offset+count) of one filtered listing, fetched as the
 * upstream pages that cover it: the first page tells the total and the page size the upstream
 * actually served (new-api clamps `page_size`); the other pages, within the total, follow
 * concurrently up to a limit, through the page loader so identical pages are one call.
 * A range longer than `pageRows` is fetched in pages of `pageRows`, not as one huge page.
 */
import type { LogRecord, Page } from '../upstream/records.js';
import type { WireLogQuery } from '../upstream/wire.js';
import type { LogPageLoader } from './index.js';
import { mapConcurrent, servedPageSize, type WalkOptions } from './log-scan.js';

export interface LogRange {
  items: LogRecord[];
  /** entries matching the filter in all; null when the upstream does not say */
  total: number | null;
}

export async function loadLogRange(pages: LogPageLoader, query: WireLogQuery, offset: number, count: number, options: WalkOptions): Promise<LogRange> {
  // `first: 0` still answers totalCount: one entry is the cheapest page that carries `total`.
  const wanted = Math.max(count, 1);
  const asked = Math.min(wanted, options.pageRows);
  let range = await fetchRange(pages, query, offset, wanted, asked, options.concurrency);
  if (range.served < asked) range = await fetchRange(pages, query, offset, wanted, range.served, options.concurrency);
  return { items: count === 0 ? [] : range.items, total: range.total };
}

async function fetchRange(pages: LogPageLoader, query: WireLogQuery, offset: number, count: number, pageSize: number, concurrency: number) {
  const firstPage = Math.floor(offset / pageSize) + 1;
  const head = await pages.load({ ...query, p: firstPage, page_size: pageSize });
  const served = servedPageSize(head, pageSize);
  // A clamped page: the caller asks again at the size the upstream serves.
  if (served < pageSize) return { items: [], total: head.total, served };
  let lastPage = Math.floor((offset + count - 1) / pageSize) + 1;
  if (head.total !== null) lastPage = Math.min(lastPage, Math.ceil(head.total / pageSize));
  const numbers = Array.from({ length: Math.max(0, lastPage - firstPage) }, (_, i) => firstPage + 1 + i);
  const rest = await mapConcurrent(numbers, concurrency, (p) => pages.load({ ...query, p, page_size: pageSize }));
  const items = [head, ...rest].flatMap((page: Page<LogRecord>) => page.items);
  const skip = offset - (firstPage - 1) * pageSize;
  return { items: items.slice(skip, skip + count), total: head.total, served };
}
