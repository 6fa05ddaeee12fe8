/**
 * One page of a usage scan, from the bytes of its body to the figures of its entries: what a
 * worker thread does (page-worker.ts), written as plain functions so they can be tested and read
 * apart from the threads. Only the figures leave the thread.
 */
import { Buffer } from 'node:buffer';
import { decode } from '../upstream/envelope.js';
import { UpstreamError, type UpstreamErrorKind } from '../upstream/errors.js';
import { toPage } from '../upstream/records.js';
import { newestOf } from '../upstream/yescale.js';
import { UsageAggregator, type AggregatorOptions, type UsagePart } from './aggregate.js';
import { scanLogPage } from './page-scan.js';

/** What to do with a page, whatever its bytes. */
export interface PageJob {
  /** the upstream path, for errors */
  path: string;
  /** leading entries already visited on an earlier page (log-scan.ts) */
  skip: number;
  /** one aggregator per report sharing the scan; maxGroups is applied where the parts are merged */
  aggregators: AggregatorOptions[];
}

export interface PageTask extends PageJob {
  /** the answer's HTTP status (2xx) */
  status: number;
  /** the body, read as latin1 as listLogsRaw reads it (aggregate.ts compares names in that form) */
  bytes: Uint8Array;
}

export interface PageFigures {
  count: number;
  total: number | null;
  pageSize: number | null;
  newest: number;
  atNewest: number;
  /** what each of the task's aggregators counted, in the same order */
  parts: UsagePart[];
}

/** An error as it crosses the thread boundary (an UpstreamError would arrive as a plain Error). */
export interface PageError {
  kind: UpstreamErrorKind | null;
  message: string;
  details: UpstreamError['details'];
}

/** The page read by page-scan.ts, or by JSON.parse when that scan is unsure of it. */
export function aggregatePage(task: PageTask): PageFigures {
  const aggregators = aggregatorsOf(task);
  const page = scanLogPage(task.bytes, task.skip, aggregators);
  return page ? { ...page, parts: aggregators.map((aggregator) => aggregator.part()) } : parsePage(task);
}

/** The reference: JSON.parse of the latin1 text and the envelope checks of every upstream answer (envelope.ts). */
export function parsePage(task: PageTask): PageFigures {
  const text = Buffer.from(task.bytes.buffer, task.bytes.byteOffset, task.bytes.byteLength).toString('latin1');
  const page = toPage(task.path, decode(task.path, task.status, text, 'latin1'), (raw) => raw);
  const aggregators = aggregatorsOf(task);
  for (let i = task.skip; i < page.items.length; i++) for (const aggregator of aggregators) aggregator.add(page.items[i]);
  return { count: page.items.length, total: page.total, pageSize: page.pageSize, ...newestOf(page.items), parts: aggregators.map((aggregator) => aggregator.part()) };
}

// every group of the page: the cap applies to the merged report (aggregate.ts merge)
const aggregatorsOf = (task: PageTask) => task.aggregators.map((options) => new UsageAggregator({ ...options, maxGroups: Infinity }));

export function toPageError(error: unknown): PageError {
  if (error instanceof UpstreamError) return { kind: error.kind, message: error.message, details: error.details };
  return { kind: null, message: error instanceof Error ? error.message : String(error), details: {} };
}

/** The error a PageError stood for: an UpstreamError again, or a plain Error (a bug, masked by the gateway). */
export function fromPageError(error: PageError): Error {
  return error.kind ? new UpstreamError(error.kind, error.message, error.details) : new Error(error.message);
}
