/**
 * A range of log entries [offset, offset+count) of one filtered listing, fetched as the
 * upstream pages that cover it (concurrently, through the page loader so identical pages
 * are one call). The upstream may clamp `page_size` (new-api caps it at 100): when it
 * answers with a smaller page than asked, the range is fetched again in pages of that size.
 */
import type { LogRecord, Page } from '../upstream/records.js';
import type { WireLogQuery } from '../upstream/wire.js';
import type { LogPageLoader } from './index.js';

export interface LogRange {
  items: LogRecord[];
  /** entries matching the filter in all; null when the upstream does not say */
  total: number | null;
}

export async function loadLogRange(pages: LogPageLoader, query: WireLogQuery, offset: number, count: number): Promise<LogRange> {
  // `first: 0` still answers totalCount: one entry is the cheapest page that carries `total`.
  const wanted = Math.max(count, 1);
  const first = await fetchRange(pages, query, offset, wanted, wanted);
  const served = first.pageSize;
  const range = served !== null && served > 0 && served < wanted ? await fetchRange(pages, query, offset, wanted, served) : first;
  return { items: count === 0 ? [] : range.items, total: range.total };
}

async function fetchRange(pages: LogPageLoader, query: WireLogQuery, offset: number, count: number, pageSize: number) {
  const firstPage = Math.floor(offset / pageSize) + 1;
  const lastPage = Math.floor((offset + count - 1) / pageSize) + 1;
  const numbers = Array.from({ length: lastPage - firstPage + 1 }, (_, i) => firstPage + i);
  const loaded = await Promise.all(numbers.map((p) => pages.load({ ...query, p, page_size: pageSize })));
  const items = loaded.flatMap((page: Page<LogRecord>) => page.items);
  const skip = offset - (firstPage - 1) * pageSize;
  return {
    items: items.slice(skip, skip + count),
    total: loaded[0].total,
    pageSize: loaded[0].pageSize,
  };
}
