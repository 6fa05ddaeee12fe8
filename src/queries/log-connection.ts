/**
 * One page of the logs connection: LogFilter and cursor -> the range of the listing to read,
 * read through the request's page loader, -> edges (cursors encoded on demand) and pageInfo.
 */
import type { LogRecord } from '../upstream/records.js';
import { decodeCursor, encodeCursor, type Cursor } from './cursor.js';
import { logQuery, type LogFilterShape } from './log-filter.js';
import { loadExactModelRange, loadLogRange, type LogPages, type LogRange } from './log-range.js';
import { LOG_SCAN_PAGE } from './log-scan.js';
import { checkFirst, unixSeconds } from './validate.js';

/**
 * An edge: its entry and what its cursor holds. The cursor is encoded only when a query selects it
 * (LogEdge.cursor, src/schema/log-entry.ts): most ask only for nodes, and encoding 20 cursors was a
 * measurable share of a page's cost (docs/benchmarks.md).
 */
export interface LogEdgeShape extends Cursor {
  node: LogRecord;
}

export interface LogConnectionShape {
  totalCount: number | null;
  edges: LogEdgeShape[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

/** The largest `first` by default (Settings.maxFirst): a full-history export in a few requests. */
export const MAX_FIRST = 50_000;

export interface LogConnectionOptions {
  /** the largest `first` accepted */
  maxFirst: number;
  /** upstream pages in flight at once */
  concurrency: number;
}

export async function loadLogConnection(
  pages: LogPages,
  args: { filter?: LogFilterShape | null; first: number; after?: string | null },
  options: LogConnectionOptions,
): Promise<LogConnectionShape> {
  const query = logQuery(args.filter);
  const first = args.first;
  checkFirst('first', first, options.maxFirst);
  const cursor = args.after ? decodeCursor('after', args.after) : null;
  const offset = cursor ? cursor.offset + 1 : 0;
  if (cursor?.anchor != null) {
    query.end_timestamp = Math.min(query.end_timestamp ?? Number.MAX_SAFE_INTEGER, cursor.anchor);
  }
  const walk = { pageRows: LOG_SCAN_PAGE, concurrency: options.concurrency };
  const modelName = query.model_name;
  const range = (from: number): Promise<LogRange> =>
    modelName ? loadExactModelRange(pages, query, modelName, from, first, walk) : loadLogRange(pages, query, from, first, walk);
  let { items, total } = await range(offset);
  const arrived = cursor?.total != null && total !== null ? total - cursor.total : 0;
  if (arrived > 0) ({ items } = await range(offset + arrived));
  const frameTotal = cursor?.total ?? total;
  const anchor = cursor?.anchor ?? (items.length > 0 ? unixSeconds(items[0].createdAt) : null);
  // one shape for every edge (a plain literal); cursors left to edgeCursor and logPageInfo
  const edges = items.map((node, i): LogEdgeShape => ({ node, offset: offset + i, anchor, total: frameTotal }));
  return {
    totalCount: frameTotal,
    edges,
    hasNextPage: frameTotal !== null ? offset + items.length < frameTotal : first > 0 && items.length === first,
    hasPreviousPage: offset > 0,
  };
}

/** The connection's pageInfo, built when a query selects it. */
export const logPageInfo = (connection: LogConnectionShape) => {
  const { edges } = connection;
  return {
    hasNextPage: connection.hasNextPage,
    hasPreviousPage: connection.hasPreviousPage,
    startCursor: edges.length > 0 ? encodeCursor(edges[0]) : null,
    endCursor: edges.length > 0 ? encodeCursor(edges[edges.length - 1]) : null,
  };
};
