/**
 * `yescale-graphql check`: one GET per read endpoint of the configured upstream, then a report of
 * what the gateway would make of each answer (envelope, page shape, page_size, fields, enum values,
 * latency). It exists to find out whether a real YEScale deployment still speaks the wire format of
 * src/upstream/wire.ts before the gateway is pointed at it.
 *
 * Deliberately not the gateway's UpstreamHttp (src/upstream/http.ts): that client retries, dedupes
 * and unwraps the envelope, which would hide exactly what this command has to show. Here every
 * endpoint gets a single plain undici request, GET only, and nothing the upstream sends is echoed
 * except field names, enum values and its error message; the access key goes into the header only.
 */
import { Agent, request } from 'undici';
import { envelopeError, statusError } from './upstream/errors.js';
import { isObject } from './upstream/json.js';
import { toApiKey, toLog, toPage, toTask, toUser } from './upstream/records.js';
import { PATHS, type WireLog, type WireTask, type WireToken, type WireUser } from './upstream/wire.js';

/**
 * The wire field names the gateway reads, keyed by the interfaces of src/upstream/wire.ts: the
 * compiler insists on every key of the interface, no other key, and the right requiredness
 * (an optional `?` field must be 'optional'), so this list cannot drift from wire.ts.
 */
type Fields<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? 'optional' : 'required' };

const USER_FIELDS: Fields<WireUser> = {
  access_token: 'required', display_name: 'required', email: 'required', quota: 'required', request_count: 'required',
  role: 'required', telegram_id: 'required', used_quota: 'required', username: 'required',
};
const TOKEN_FIELDS: Fields<WireToken> = {
  id: 'required', user_id: 'required', key: 'required', status: 'required', name: 'required', created_time: 'required',
  accessed_time: 'required', expired_time: 'required', remain_quota: 'required', unlimited_quota: 'required',
  used_quota: 'required', model_limits_enabled: 'required', model_limits: 'required', allow_ips: 'required',
  group: 'required', DeletedAt: 'required',
};
const TASK_FIELDS: Fields<WireTask> = {
  id: 'required', created_at: 'required', updated_at: 'required', task_id: 'required', platform: 'required',
  user_id: 'required', group: 'optional', channel_id: 'required', quota: 'required', action: 'required',
  status: 'required', fail_reason: 'required', submit_time: 'required', start_time: 'required',
  finish_time: 'required', progress: 'required', properties: 'optional', data: 'optional',
};
const LOG_FIELDS: Fields<WireLog> = {
  id: 'required', user_id: 'required', created_at: 'required', type: 'required', content: 'required',
  username: 'required', token_name: 'required', token_id: 'optional', model_name: 'required', quota: 'required',
  prompt_tokens: 'required', completion_tokens: 'required', use_time: 'required', is_stream: 'required',
  channel: 'required', channel_name: 'optional', group: 'optional', ip: 'optional', request_id: 'optional',
  other: 'required',
};

/** Asked of /yescale/logs: small, so the answer shows whether the size is honoured (new-api caps page_size). */
export const CHECK_LOG_PAGE_SIZE = 2;
/** The window of tasks and logs: recent enough to be small on a busy account. */
const WINDOW_SECONDS = 86_400;

interface Endpoint {
  name: string;
  path: string;
  query: Record<string, number | string>;
  fields: Record<string, 'required' | 'optional'>;
  /** 'object' for the user, 'list' for the rest (plain array or page object, src/upstream/records.ts toPage) */
  kind: 'object' | 'list';
  /** The wire value of an enum the gateway maps to UNKNOWN, or null when it knows it. */
  unknownEnum(raw: Record<string, unknown>): string | null;
}

function endpoints(now: number): Endpoint[] {
  const window = { start_timestamp: now - WINDOW_SECONDS, end_timestamp: now };
  return [
    {
      name: 'user', path: PATHS.user, query: {}, fields: USER_FIELDS, kind: 'object',
      // no role code is meant to be UNKNOWN, so UNKNOWN means a code records.ts does not know
      unknownEnum: (raw) => (toUser(PATHS.user, raw).role === 'UNKNOWN' ? `role ${JSON.stringify(raw.role)}` : null),
    },
    {
      name: 'API keys', path: PATHS.apiKeys, query: {}, fields: TOKEN_FIELDS, kind: 'list',
      unknownEnum: (raw) => (toApiKey(raw).status === 'UNKNOWN' ? `status ${JSON.stringify(raw.status)}` : null),
    },
    {
      name: 'tasks', path: PATHS.tasks, query: window, fields: TASK_FIELDS, kind: 'list',
      // "UNKNOWN" and "" are real wire values (src/upstream/wire.ts WireTask.status) that mean unknown
      unknownEnum: (raw) =>
        toTask(raw).status === 'UNKNOWN' && raw.status !== 'UNKNOWN' && raw.status !== '' ? `status ${JSON.stringify(raw.status)}` : null,
    },
    {
      name: 'logs', path: PATHS.logs, query: { p: 1, page_size: CHECK_LOG_PAGE_SIZE, ...window }, fields: LOG_FIELDS, kind: 'list',
      // type 0 is the wire's own "unknown" (src/upstream/wire.ts WireLog.type)
      unknownEnum: (raw) => (toLog(raw).type === 'UNKNOWN' && raw.type !== 0 ? `type ${JSON.stringify(raw.type)}` : null),
    },
  ];
}

export interface EndpointReport {
  path: string;
  status: number | null;
  ms: number;
  /** what was seen, one line each */
  notes: string[];
  /** why the gateway would not work with this answer; empty = compatible */
  problems: string[];
  /** the upstream rejected the access key */
  unauthenticated: boolean;
}

export interface CheckOptions {
  upstream: string;
  accessKey: string;
  timeoutMs: number;
  /** unix seconds; default now */
  now?: number;
}

const list = (names: Iterable<string>): string => [...names].join(', ');

async function checkEndpoint(agent: Agent, opts: CheckOptions, ep: Endpoint): Promise<EndpointReport> {
  const url = new URL(opts.upstream + ep.path);
  for (const [k, v] of Object.entries(ep.query)) url.searchParams.set(k, String(v));
  const report: EndpointReport = { path: ep.path + url.search, status: null, ms: 0, notes: [], problems: [], unauthenticated: false };
  const started = performance.now();
  let text: string;
  try {
    const res = await request(url, {
      method: 'GET',
      dispatcher: agent,
      headers: { authorization: `Bearer ${opts.accessKey}`, accept: 'application/json' },
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
    });
    report.status = res.statusCode;
    text = await res.body.text();
  } catch (error) {
    report.ms = Math.round(performance.now() - started);
    report.problems.push(`not reached: ${(error as Error).message}`);
    return report;
  }
  report.ms = Math.round(performance.now() - started);

  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  // the upstream's message is printed: should it ever echo the credential, the key is cut out of it
  const message = isObject(body) && typeof body.message === 'string' ? body.message.split(opts.accessKey).join('[access key]') : undefined;
  if (report.status < 200 || report.status > 299) {
    // the gateway's own classification (src/upstream/errors.ts), so "unauthenticated" means what it means there
    const error = statusError(ep.path, report.status, message);
    report.unauthenticated = error.kind === 'UNAUTHENTICATED';
    report.problems.push(`${error.kind === 'UNAUTHENTICATED' ? 'unauthenticated: ' : ''}HTTP ${report.status}${message ? `: ${message}` : ''}`);
    return report;
  }
  if (!isObject(body)) {
    report.problems.push(body === undefined ? 'the body is not JSON' : 'the body is JSON but not an {success, message, data} envelope');
    return report;
  }
  const envelopeKeys = Object.keys(body);
  report.notes.push(`envelope: {${list(envelopeKeys)}}${'success' in body ? '' : ' (no `success`, as YEScale documents for /yescale/apikeylist)'}`);
  if (body.success === false) {
    const error = envelopeError(ep.path, report.status, message ?? '');
    report.unauthenticated = error.kind === 'UNAUTHENTICATED';
    report.problems.push(`${error.kind === 'UNAUTHENTICATED' ? 'unauthenticated' : 'refused'}: ${message || 'no message'}`);
    return report;
  }
  if (!('data' in body)) {
    report.problems.push('the envelope has no `data`');
    return report;
  }

  let items: Record<string, unknown>[];
  if (ep.kind === 'object') {
    if (!isObject(body.data)) {
      report.problems.push(`data is ${describe(body.data)}, expected an object`);
      return report;
    }
    report.notes.push('data: object');
    items = [body.data];
  } else {
    let page;
    try {
      page = toPage(ep.path, body.data, (raw) => raw);
    } catch {
      report.problems.push(`data is ${describe(body.data)}, expected a plain array or {items, total, page, page_size}`);
      return report;
    }
    items = page.items;
    const shape = Array.isArray(body.data) ? 'plain array' : body.data === null ? 'null (read as empty)' : `page object {${list(Object.keys(body.data as object))}}`;
    report.notes.push(`data: ${shape}, ${items.length} item${items.length === 1 ? '' : 's'}${page.total !== null ? `, total ${page.total}` : ''}`);
    if (ep.query.page_size !== undefined) {
      const asked = Number(ep.query.page_size);
      const echoed = page.pageSize === null ? 'not echoed' : `echoed ${page.pageSize}`;
      report.notes.push(`page_size: asked ${asked}, got ${items.length}, ${echoed}`);
      if (items.length > asked) report.problems.push(`page_size not honoured: asked ${asked}, got ${items.length} items`);
      else if (page.pageSize !== null && page.pageSize !== asked) report.problems.push(`page_size not honoured: asked ${asked}, the page says ${page.pageSize}`);
    }
  }

  if (items.length === 0) report.notes.push('fields: no item in the window to look at');
  else {
    const known = new Set(Object.keys(ep.fields));
    const unknown = new Set<string>();
    const missing = new Set<string>();
    const enums = new Set<string>();
    for (const raw of items) {
      for (const k of Object.keys(raw)) if (!known.has(k)) unknown.add(k);
      for (const [k, need] of Object.entries(ep.fields)) if (need === 'required' && !(k in raw)) missing.add(k);
      const odd = ep.unknownEnum(raw);
      if (odd) enums.add(odd);
    }
    // records.ts ignores fields it does not read, so a new field is news, not a fault
    report.notes.push(unknown.size ? `fields the gateway does not know (ignored): ${list(unknown)}` : 'fields: none unknown');
    if (missing.size) report.problems.push(`fields the gateway expects but missing: ${list(missing)}`);
    if (enums.size) report.problems.push(`values the gateway maps to UNKNOWN: ${list(enums)}`);
  }
  return report;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object without an items array' : `a ${typeof v}`;
}

/** Runs the four GETs one after the other (latency stays per endpoint) and never throws for the upstream's sake. */
export async function runCheck(opts: CheckOptions): Promise<EndpointReport[]> {
  const agent = new Agent({ connectTimeout: opts.timeoutMs });
  try {
    const reports: EndpointReport[] = [];
    for (const ep of endpoints(opts.now ?? Math.floor(Date.now() / 1000))) reports.push(await checkEndpoint(agent, opts, ep));
    return reports;
  } finally {
    await agent.close();
  }
}

/** The `check` command as cli.ts runs it: the report to print, and exit code 1 when any endpoint has a problem. */
export async function checkCommand(config: { upstream: string; accessKey?: string; requestTimeoutMs: number }): Promise<{ report: string; exitCode: 0 | 1 }> {
  // parseConfig refuses `check` without a key
  const reports = await runCheck({ upstream: config.upstream, accessKey: config.accessKey!, timeoutMs: config.requestTimeoutMs });
  return { report: formatCheck(config.upstream, reports), exitCode: reports.some((r) => r.problems.length) ? 1 : 0 };
}

/** The printed report; it holds no credential (the key is only ever put in a request header). */
export function formatCheck(upstream: string, reports: EndpointReport[]): string {
  const lines = [`Checking ${upstream} (GET only, one request per endpoint)`];
  for (const r of reports) {
    lines.push('', `${r.path}`, `  ${r.status === null ? 'not reached' : `reached: HTTP ${r.status}`}, ${r.ms} ms`);
    for (const n of r.notes) lines.push(`  ${n}`);
    for (const p of r.problems) lines.push(`  PROBLEM: ${p}`);
    lines.push(`  ${r.problems.length ? 'INCOMPATIBLE' : 'compatible'}`);
  }
  const bad = reports.filter((r) => r.problems.length);
  if (reports.some((r) => r.unauthenticated)) lines.push('', 'Unauthenticated: the upstream rejected the access key');
  lines.push('', bad.length ? `Not compatible: ${bad.length} of ${reports.length} endpoints have problems` : `Compatible: all ${reports.length} endpoints`);
  return lines.join('\n');
}
