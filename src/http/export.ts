/**
 * CSV exports beside /graphql, over the same query layer and the same rules (credential, deadline,
 * upstream client and its limits, coded errors):
 * - GET /export/logs.csv: every log entry matching the LogFilter parameters, written page by page
 *   as the walk produces it (memory holds a few upstream pages, however long the history);
 * - GET /export/usage.csv: the usage report of the UsageFilter parameters, one record per group.
 * An error before the first byte is a JSON `{errors:[…]}` with an HTTP status; one after it ends the
 * file with a `# ERROR <CODE>: <message>` line and the connection is cut without a normal end, so a
 * partial file never passes for a complete one.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from '../context.js';
import type { Gateway } from '../gateway.js';
import { logQuery, matchesModel } from '../queries/log-filter.js';
import { scanLogs } from '../queries/log-scan.js';
import { rememberListing } from '../queries/node-id.js';
import { NO_CREDENTIAL } from '../loaders/query-loader.js';
import { CSRF_HEADERS } from '../plugins/csrf.js';
import { maskError } from '../plugins/mask-error.js';
import { resolveUsage } from '../schema/usage.js';
import { toLog } from '../upstream/records.js';
import { listLogsRaw } from '../upstream/yescale.js';
import { csvRecord, LOG_COLUMNS, logRecord, usageHeader, usageRecord, usageTotalsRecord } from './csv.js';
import { logParams, usageParams } from './export-params.js';

export const EXPORT_PATHS = ['/export/logs.csv', '/export/usage.csv'] as const;
type ExportPath = (typeof EXPORT_PATHS)[number];

export const isExportPath = (path: string | undefined): path is ExportPath => EXPORT_PATHS.includes(path as ExportPath);

/**
 * Upstream pages of an export walk. Smaller than a usage scan's (LOG_SCAN_PAGE, 10,000): every
 * field is kept and decoded as UTF-8, which made a 10,000-entry page several times the memory of a
 * scan's: a million-row export peaked near 390 MB of RSS at 10,000 a page, near 300 MB at 2,000.
 * new-api serves at most 100 a page anyway; this matters against YEScale's larger pages.
 */
export const EXPORT_PAGE = 2_000;

/** A refusal of the request itself, before anything is read upstream. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The CSV response: nothing is sent until the first records (or the end), so every error before
 * them can still be a JSON answer with a status. Writes wait for 'drain' when the socket's buffer
 * is full, which holds the walk back: a slow client never makes the gateway buffer the history.
 */
class CsvResponse {
  rows = 0;

  constructor(
    private readonly res: ServerResponse,
    private readonly name: 'logs' | 'usage',
    private readonly header: string,
    private readonly gone: AbortSignal,
  ) {}

  async write(records: string, count: number): Promise<void> {
    if (this.gone.aborted) throw new ClientGone();
    this.rows += count;
    if (this.res.headersSent) {
      if (!this.res.write(records)) await drained(this.res);
      return;
    }
    this.res.writeHead(200, csvHeaders(this.name));
    if (!this.res.write(this.header + records)) await drained(this.res);
  }

  end(): void {
    if (!this.res.headersSent) this.res.writeHead(200, csvHeaders(this.name)).write(this.header);
    this.res.end();
  }
}

/** Thrown into the walk when the client went away: nothing is left to write to, nothing more is read. */
class ClientGone extends Error {}

const drained = (res: ServerResponse): Promise<void> =>
  new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });

function csvHeaders(name: string): Record<string, string> {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return {
    'content-type': 'text/csv; charset=utf-8; header=present',
    'content-disposition': `attachment; filename="yescale-${name}-${stamp}.csv"`,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  };
}

export async function handleExport(gateway: Gateway, req: IncomingMessage, res: ServerResponse, path: ExportPath): Promise<void> {
  const started = performance.now();
  const leave = new AbortController();
  res.once('close', () => leave.abort());
  let ctx: Context | null = null;
  let csv: CsvResponse | null = null;
  let outcome = 'ok';
  try {
    if (req.method !== 'GET') throw new Refusal(405, 'METHOD_NOT_ALLOWED', `${path} answers GET only`);
    const authorization = req.headers.authorization ?? null;
    const credential = gateway.requests.credential(authorization);
    if (!credential) throw new Refusal(401, 'UNAUTHENTICATED', NO_CREDENTIAL);
    // Without its own Authorization a request runs on the server's key: as on /graphql, it must
    // carry a header that a cross-site link or form cannot send.
    if (gateway.requests.usesServerKey(credential) && !CSRF_HEADERS.some((name) => req.headers[name] !== undefined)) {
      throw new Refusal(403, 'CSRF_HEADER_REQUIRED', `A request on the server's access key needs a ${CSRF_HEADERS.join(' or ')} header`);
    }
    const params = new URL(req.url ?? '/', 'http://localhost').searchParams;
    ctx = gateway.requests.context(credential, leave.signal);
    if (path === '/export/logs.csv') {
      csv = new CsvResponse(res, 'logs', csvRecord(LOG_COLUMNS), leave.signal);
      await exportLogs(ctx, params, csv);
    } else {
      csv = await exportUsage(ctx, params, res, leave.signal);
    }
    csv.end();
  } catch (error) {
    outcome = leave.signal.aborted && !res.writableEnded ? 'CLIENT_CLOSED' : fail(res, error, ctx, gateway);
  } finally {
    const ms = performance.now() - started;
    const rows = csv?.rows ?? 0;
    gateway.metrics?.csvExport({ endpoint: path, outcome, rows, ms });
    gateway.requests.logger?.info(
      { export: path, rows, outcome, upstreamCalls: ctx?.caller?.upstreamCalls ?? 0, callerId: ctx?.caller?.credential.id, ms: Math.round(ms) },
      'csv export',
    );
  }
}

/** Every matching entry, newest first, written page by page as the walk produces them. */
async function exportLogs(ctx: Context, params: URLSearchParams, csv: CsvResponse): Promise<void> {
  const query = logQuery(logParams(params));
  const caller = ctx.caller!;
  const walk = { pageRows: EXPORT_PAGE, concurrency: ctx.settings.logPageConcurrency };
  await scanLogs((q) => listLogsRaw(ctx.http, caller, q, 'utf8'), query, walk, async (items) => {
    const entries = items.map(toLog);
    // ids number identical entries of one second within their page, as GraphQL's do
    rememberListing(entries);
    let records = '';
    let count = 0;
    for (const entry of entries) {
      // the upstream matched model_name with LIKE: only exact names are kept, as Query.logs does
      if (!matchesModel(entry, query.model_name)) continue;
      records += logRecord(entry);
      count++;
    }
    if (count > 0) await csv.write(records, count);
  });
}

/** The usage report, validated and aggregated exactly as Query.usage; one record per group (totals without groupBy). */
async function exportUsage(ctx: Context, params: URLSearchParams, res: ServerResponse, gone: AbortSignal): Promise<CsvResponse> {
  const { filter, groupBy, timeZone } = usageParams(params);
  const report = await resolveUsage(ctx, { filter, groupBy, timeZone });
  const dimensions = [...new Set(groupBy)];
  const csv = new CsvResponse(res, 'usage', usageHeader(dimensions), gone);
  if (dimensions.length === 0) await csv.write(usageTotalsRecord(report.totals), 1);
  else await csv.write(report.groups.map((group) => usageRecord(dimensions, group)).join(''), report.groups.length);
  return csv;
}

const STATUS: Record<string, number> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  NOT_FOUND: 404,
  RATE_LIMITED: 429,
  UPSTREAM_ERROR: 502,
  UPSTREAM_BAD_RESPONSE: 502,
  UPSTREAM_UNAVAILABLE: 503,
};

/**
 * Answers the error: a JSON error with its status before the first byte, else the marker line
 * and a cut connection (no final chunk: clients see the transfer fail). Returns the code.
 */
function fail(res: ServerResponse, error: unknown, ctx: Context | null, gateway: Gateway): string {
  const { status, message, extensions } = describe(error, ctx);
  if (status === 500) gateway.requests.logger?.error({ err: error }, 'csv export failed');
  if (!res.headersSent) {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(JSON.stringify({ errors: [{ message, extensions }] }));
  } else {
    res.write(`# ERROR ${extensions.code}: ${message.replace(/[\r\n]+/g, ' ')}\r\n`, () => res.destroy());
  }
  return String(extensions.code);
}

function describe(error: unknown, ctx: Context | null): { status: number; message: string; extensions: Record<string, unknown> } {
  if (error instanceof Refusal) return { status: error.status, message: error.message, extensions: { code: error.code } };
  // what a GraphQL answer would say of it (src/plugins/mask-error.ts), with the HTTP status of its code
  const masked = maskError(error);
  const code = masked.extensions.code;
  if (typeof code !== 'string' || code === 'INTERNAL_SERVER_ERROR') return { status: 500, message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  // the request's own deadline, not the upstream's answer: a gateway timeout
  const deadline = code === 'UPSTREAM_UNAVAILABLE' && ctx?.caller?.signal?.aborted === true;
  return { status: deadline ? 504 : (STATUS[code] ?? 400), message: masked.message, extensions: masked.extensions };
}
