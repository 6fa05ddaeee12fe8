/** One function per YEScale System API endpoint: wire query in, domain records out. */
import type { Caller, UpstreamHttp } from './http.js';
import { rememberListing, toApiKey, toLog, toPage, toTask, toUser } from './records.js';
import type { ApiKeyRecord, LogRecord, Page, TaskRecord, UserRecord } from './records.js';
import { PATHS } from './wire.js';
import type { WireApiKeyQuery, WireLogQuery, WireTaskQuery } from './wire.js';

export type { Caller } from './http.js';

export async function getUser(http: UpstreamHttp, caller: Caller): Promise<UserRecord> {
  return toUser(PATHS.user, await http.getData(PATHS.user, {}, caller));
}

export async function listApiKeys(http: UpstreamHttp, caller: Caller, query: WireApiKeyQuery): Promise<ApiKeyRecord[]> {
  const data = await http.getData(PATHS.apiKeys, { ...query }, caller);
  return toPage(PATHS.apiKeys, data, toApiKey).items;
}

export async function listTasks(http: UpstreamHttp, caller: Caller, query: WireTaskQuery): Promise<TaskRecord[]> {
  const data = await http.getData(PATHS.tasks, { ...query }, caller);
  return toPage(PATHS.tasks, data, toTask).items;
}

export async function listLogs(http: UpstreamHttp, caller: Caller, query: WireLogQuery): Promise<Page<LogRecord>> {
  const data = await http.getData(PATHS.logs, { ...query }, caller);
  const page = toPage(PATHS.logs, data, toLog);
  rememberListing(page.items);
  return page;
}

/**
 * A page of log entries as the upstream sent them (plain objects, no records): the lean path for
 * scans. The body is read as latin1 (see http.ts): numbers and ASCII text are exact, and a string
 * a scan keeps (a model or key name) becomes real text with `fromLatin1`, once, not per entry.
 */
export type RawLogPage = Page<Record<string, unknown>>;

/**
 * GET /yescale/logs without building LogRecords: usage scans read a few fields of every entry
 * of the whole history, where decoding UTF-8 cost as much as parsing and a record per entry more.
 */
export async function listLogsRaw(http: UpstreamHttp, caller: Caller, query: WireLogQuery): Promise<RawLogPage> {
  const data = await http.getData(PATHS.logs, { ...query }, caller, 'latin1');
  return toPage(PATHS.logs, data, (raw) => raw);
}
