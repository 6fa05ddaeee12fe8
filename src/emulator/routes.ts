/**
 * The /yescale/* endpoints (four reads, two key writes) as pure functions: request in, status + JSON text out.
 * Auth, parameter checks and envelopes mirror new-api behind the YEScale wrapper
 * (src/upstream/wire.ts has the shapes); faults and sockets are server.ts's business.
 */
import { KEY_WRITE_PATHS, PATHS } from '../upstream/wire.js';
import { wireTokens, wireUser, type Dataset, type UserData } from './data.js';
import { queryLogs, refusedPattern, type LikeDialect } from './log-query.js';

export interface Reply {
  status: number;
  body: string;
  contentType: string;
}

const json = (status: number, value: unknown): Reply => ({ status, body: JSON.stringify(value), contentType: 'application/json; charset=utf-8' });
const fail = (message: string, status = 200): Reply => json(status, { success: false, message });

export const YESCALE_PATHS: ReadonlySet<string> = new Set(Object.values(PATHS));

export interface RouteOptions {
  /** the largest logs page_size served (new-api clamps it); default none */
  maxPageSize?: number;
  /** page /yescale/task and /yescale/apikeylist like new-api's GetPageQuery instead of answering plain arrays */
  pageLists?: boolean;
  /** model_name matching (log-query.ts); default 'escaped' */
  likeDialect?: LikeDialect;
}

/** `DELETE /yescale/deletekey/{id}` or `PUT /yescale/editquota/{id}`, else null. */
export function keyWrite(path: string): { method: 'DELETE' | 'PUT'; id: string } | null {
  if (path.startsWith(KEY_WRITE_PATHS.deleteKey)) return { method: 'DELETE', id: path.slice(KEY_WRITE_PATHS.deleteKey.length) };
  if (path.startsWith(KEY_WRITE_PATHS.editQuota)) return { method: 'PUT', id: path.slice(KEY_WRITE_PATHS.editQuota.length) };
  return null;
}

/** `body` is the request body (read only for PUT). */
export function answer(data: Dataset, opts: RouteOptions, method: string, url: URL, authorization: string | undefined, body = ''): Reply {
  const path = url.pathname;
  const write = keyWrite(path);
  if (!YESCALE_PATHS.has(path) && (!write || !/^[0-9]+$/.test(write.id))) return fail('not found', 404);
  if (method !== (write?.method ?? 'GET')) return fail('method not allowed', 405);

  // new-api: no credential at all is 401; a wrong one is a 200 business error
  if (!authorization) return fail('未登录且未提供 access token (not logged in and no access token provided)', 401);
  const token = authorization.startsWith('Bearer ') ? authorization.slice(7) : authorization;
  const user = data.byAccessKey(token);
  if (!user) return fail('无效的 access token (access token invalid)');

  if (write) return write.method === 'DELETE' ? deleteKey(user, Number(write.id), data.time) : editQuota(user, Number(write.id), body);
  const q = url.searchParams;
  switch (path) {
    case PATHS.user:
      return json(200, { data: wireUser(user), message: '', success: true });
    case PATHS.apiKeys:
      return apiKeys(user, q, opts);
    case PATHS.tasks:
      return tasks(user, q, opts);
    default:
      return logs(user, q, opts);
  }
}

/** new-api's GetPageQuery defaults: 10 rows a page unless asked, at most 100. */
const LIST_PAGE_SIZE = 10;
const MAX_LIST_PAGE_SIZE = 100;

/**
 * One page of a list as new-api ≥ v0.8.8 pages it: `p` 1-based (below 1 → 1), `page_size`
 * (aliases `ps`, `size`) default 10, larger than 100 clamped to 100.
 */
function listPage<T>(items: T[], q: URLSearchParams): { items: T[]; total: number; page: number; page_size: number } {
  const int = (name: string): number => {
    const v = integer(q, name);
    return typeof v === 'number' ? v : 0;
  };
  const page = Math.max(1, int('p'));
  const asked = int('page_size') || int('ps') || int('size');
  const pageSize = Math.min(MAX_LIST_PAGE_SIZE, asked >= 1 ? asked : LIST_PAGE_SIZE);
  return { items: items.slice((page - 1) * pageSize, page * pageSize), total: items.length, page, page_size: pageSize };
}

function apiKeys(user: UserData, q: URLSearchParams, opts: RouteOptions): Reply {
  const keyword = q.get('keyword') ?? '';
  // new-api quirk: strings.Trim(token, "sk-") trims those characters, not the prefix
  const token = (q.get('token') ?? '').replace(/^[sk-]+|[sk-]+$/g, '');
  const items = wireTokens(user).filter((t) => t.name.includes(keyword) && t.key.includes(token));
  return json(200, { data: opts.pageLists ? listPage(items, q) : items }); // the doc sample has only `data`
}

/** new-api's GORM lookup is scoped to the caller: another user's id is the same "record not found" as an unknown one. */
const NOT_FOUND = 'record not found';

function ownKey(user: UserData, id: number) {
  return user.account.keys.find((k) => k.id === id && k.deletedAt === undefined);
}

/** Soft delete (new-api DeletedAt): the key leaves the list; its logs keep their token_name and still aggregate. */
function deleteKey(user: UserData, id: number, now: number): Reply {
  const key = ownKey(user, id);
  if (!key) return fail(NOT_FOUND);
  key.deletedAt = now;
  return json(200, { message: '', success: true });
}

/**
 * Sets remain_quota only. new-api's full token update never changes `status` (re-enabling takes a
 * separate status-only update), so an EXHAUSTED (4) key stays EXHAUSTED even with quota again.
 */
function editQuota(user: UserData, id: number, body: string): Reply {
  let quota: unknown;
  try {
    quota = (JSON.parse(body) as { remain_quota?: unknown } | null)?.remain_quota;
  } catch {
    return fail('无效的参数 (invalid parameter)');
  }
  if (typeof quota !== 'number' || !Number.isSafeInteger(quota) || quota < 0) return fail('无效的参数 (invalid parameter)');
  const key = ownKey(user, id);
  if (!key) return fail(NOT_FOUND);
  key.remainQuota = quota;
  return json(200, { message: '', success: true });
}

function tasks(user: UserData, q: URLSearchParams, opts: RouteOptions): Reply {
  const start = integer(q, 'start_timestamp');
  const end = integer(q, 'end_timestamp');
  if (typeof start !== 'number' || typeof end !== 'number') return fail('start_timestamp and end_timestamp are required');
  const items = user.tasks.filter((t) => t.submit_time >= start && t.submit_time <= end);
  return json(200, { success: true, message: '', data: opts.pageLists ? listPage(items, q) : items });
}

/** Recent log pages per store: benchmarks re-read the same pages, and answers are deterministic. */
const pageCache = new WeakMap<UserData, { version: number; replies: Map<string, Reply> }>();
const LOG_PARAMS = ['p', 'page_size', 'type', 'token_name', 'model_name', 'username', 'start_timestamp', 'end_timestamp'];
const MAX_CACHED_PAGES = 8;

function logs(user: UserData, q: URLSearchParams, opts: RouteOptions): Reply {
  let entry = pageCache.get(user);
  if (!entry || entry.version !== user.logs.version) pageCache.set(user, (entry = { version: user.logs.version, replies: new Map() }));
  const key = LOG_PARAMS.map((n) => q.get(n) ?? '').join('\u0000') + `\u0000${opts.maxPageSize ?? ''}`;
  let reply = entry.replies.get(key);
  if (!reply) {
    reply = logsUncached(user, q, opts);
    entry.replies.set(key, reply);
    if (entry.replies.size > MAX_CACHED_PAGES) entry.replies.delete(entry.replies.keys().next().value!);
  }
  return reply;
}

function logsUncached(user: UserData, q: URLSearchParams, opts: RouteOptions): Reply {
  const ints: Record<string, number> = {};
  for (const name of ['p', 'page_size', 'type', 'start_timestamp', 'end_timestamp']) {
    const v = integer(q, name);
    if (v === 'bad') return fail(`invalid parameter ${name}: must be an integer`);
    ints[name] = v ?? 0;
  }
  const page = Math.max(1, ints.p);
  let pageSize = ints.page_size >= 1 ? ints.page_size : 10_000;
  if (opts.maxPageSize && pageSize > opts.maxPageSize) pageSize = opts.maxPageSize;

  const modelName = q.get('model_name') ?? '';
  const likeDialect = opts.likeDialect ?? 'escaped';
  const refused = likeDialect === 'escaped' ? refusedPattern(modelName) : null;
  if (refused) return fail(refused);
  const username = q.get('username') ?? '';
  // logs are always scoped to the caller; another user's name simply matches nothing
  const { total, indices } =
    username !== '' && username !== user.account.username
      ? { total: 0, indices: [] as number[] }
      : queryLogs(
          user.logs,
          { type: ints.type, tokenName: q.get('token_name') ?? '', modelName, likeDialect, start: ints.start_timestamp, end: ints.end_timestamp },
          (page - 1) * pageSize,
          pageSize,
        );
  const items = indices.map((i) => user.logs.wire(i));
  return json(200, { success: true, message: '', data: { items, total, page, page_size: pageSize } });
}

/** undefined when absent or empty, 'bad' when not an integer. */
function integer(q: URLSearchParams, name: string): number | 'bad' | undefined {
  const raw = q.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^-?\d{1,15}$/.test(raw.trim())) return 'bad';
  return Number(raw.trim());
}
