/**
 * LogEntry (GET /yescale/logs): the type, LogFilter, the LogConnection with cursors, and the
 * fields that reach logs: Query.logs, User.logs, ApiKey.logs, LogEntry.apiKey.
 */
import type { Context } from '../context.js';
import { pollKey, subscriber } from '../live/caller.js';
import { liveValue } from '../live/hub.js';
import { decodeLogs, logPoller } from '../live/log-poller.js';
import { queryKey } from '../loaders/query-loader.js';
import { loadExactModelRange, loadLogRange, type LogRange } from '../loaders/log-range.js';
import { LOG_SCAN_PAGE } from '../loaders/log-scan.js';
import type { LogRecord, LogType as LogTypeName } from '../upstream/records.js';
import { LOG_TYPES, logKey } from '../upstream/records.js';
import type { WireLogQuery } from '../upstream/wire.js';
import { ApiKey } from './api-key.js';
import { builder } from './builder.js';
import { DEFAULT_FIRST } from './complexity.js';
import { User, usd } from './user.js';
import { badInput, checkFirst, checkString, checkWindow, unixSeconds } from './validate.js';

export const LogType = builder.enumType('LogType', {
  description: 'Upstream log type: 1 top-up, 2 consume (usage), 3 manage, 4 system, 5 error, 6 refund; anything else is UNKNOWN.',
  values: LOG_TYPES,
});

export const LogEntry = builder.objectRef<LogRecord>('LogEntry');

export const LogFilter = builder.inputType('LogFilter', {
  description: 'Every filter of GET /yescale/logs. Omitted filters match everything.',
  fields: (t) => ({
    type: t.field({ type: LogType, description: 'Only this type (CONSUME for spend).' }),
    tokenName: t.string({ description: 'Exact API key name.' }),
    modelName: t.string({ description: 'Exact model name (`_` is a literal character; `%` is refused).' }),
    username: t.string({ description: 'Exact username; a caller only ever sees its own logs.' }),
    from: t.field({ type: 'DateTime', description: 'Inclusive start.' }),
    to: t.field({ type: 'DateTime', description: 'Inclusive end.' }),
  }),
});

export interface LogFilterShape {
  type?: LogTypeName | null;
  tokenName?: string | null;
  modelName?: string | null;
  username?: string | null;
  from?: Date | null;
  to?: Date | null;
}

/** LogFilter -> wire query, validated before any upstream call. */
export function logQuery(filter: LogFilterShape | null | undefined, argument = 'filter'): WireLogQuery {
  if (!filter) return {};
  checkWindow(argument, filter.from, filter.to);
  checkString(`${argument}.tokenName`, filter.tokenName);
  checkString(`${argument}.modelName`, filter.modelName);
  // The upstream matches model_name with LIKE, and no escape works on every build
  // (recent builds escape `_` themselves with `!`, YEScale-era builds
  // pass the value raw), so the name goes as given and the gateway compares exactly
  // (loadExactModelRange). `%` would be a wildcard on every build: refused, as no model name has one.
  if (filter.modelName?.includes('%')) throw badInput(`${argument}.modelName`, 'is an exact model name; `%` is not allowed');
  checkString(`${argument}.username`, filter.username);
  if (filter.type === 'UNKNOWN') throw badInput(`${argument}.type`, 'UNKNOWN cannot be filtered on; omit `type` to get every type');
  return {
    type: filter.type ? LOG_TYPES.indexOf(filter.type) : undefined,
    token_name: filter.tokenName || undefined,
    model_name: filter.modelName || undefined,
    username: filter.username || undefined,
    start_timestamp: filter.from ? unixSeconds(filter.from) : undefined,
    end_timestamp: filter.to ? unixSeconds(filter.to) : undefined,
  };
}

/**
 * Cursors hold the offset, an anchor and a total: the newest `created_at` of the first page, and
 * how many entries the listing up to it held. Later pages cap `to` at the anchor, so entries that
 * arrive later do not shift the offsets; those arriving within the anchor second itself are
 * listed first (newest first), and the growth of the total says by how much to shift.
 */
interface Cursor {
  offset: number;
  anchor: number | null;
  total: number | null;
}

const encodeCursor = (cursor: Cursor): string =>
  Buffer.from(`log:${cursor.offset}:${cursor.anchor ?? ''}:${cursor.total ?? ''}`).toString('base64url');

function decodeCursor(argument: string, value: string): Cursor {
  const match = /^log:(\d{1,9}):(\d{0,12})(?::(\d{0,12}))?$/.exec(Buffer.from(value, 'base64url').toString('utf8'));
  if (!match) throw badInput(argument, 'not a cursor this API issued');
  const number = (text: string | undefined) => (text ? Number(text) : null);
  return { offset: Number(match[1]), anchor: number(match[2]), total: number(match[3]) };
}

interface LogConnectionShape {
  totalCount: number | null;
  edges: { cursor: string; node: LogRecord }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

/** The largest `first` by default (Settings.maxPageSize): a full-history export in a few requests. */
export const MAX_FIRST = 50_000;

export async function resolveLogConnection(
  ctx: Context,
  args: { filter?: LogFilterShape | null; first?: number | null; after?: string | null },
): Promise<LogConnectionShape> {
  const query = logQuery(args.filter);
  const first = args.first ?? DEFAULT_FIRST;
  checkFirst('first', first, ctx.settings.maxPageSize);
  const cursor = args.after ? decodeCursor('after', args.after) : null;
  const offset = cursor ? cursor.offset + 1 : 0;
  if (cursor?.anchor != null) {
    query.end_timestamp = Math.min(query.end_timestamp ?? Number.MAX_SAFE_INTEGER, cursor.anchor);
  }
  const options = { pageRows: LOG_SCAN_PAGE, concurrency: ctx.settings.logPageConcurrency };
  const modelName = query.model_name;
  const range = (from: number): Promise<LogRange> =>
    modelName
      ? loadExactModelRange(ctx.loaders.logPages, query, modelName, from, first, options)
      : loadLogRange(ctx.loaders.logPages, query, from, first, options);
  let { items, total } = await range(offset);
  const arrived = cursor?.total != null && total !== null ? total - cursor.total : 0;
  if (arrived > 0) ({ items } = await range(offset + arrived));
  const frameTotal = cursor?.total ?? total;
  const anchor = cursor?.anchor ?? (items.length > 0 ? unixSeconds(items[0].createdAt) : null);
  const edges = items.map((node, i) => ({ cursor: encodeCursor({ offset: offset + i, anchor, total: frameTotal }), node }));
  return {
    totalCount: frameTotal,
    edges,
    pageInfo: {
      hasNextPage: frameTotal !== null ? offset + items.length < frameTotal : first > 0 && items.length === first,
      hasPreviousPage: offset > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

export const LogConnection = builder.connectionObject(
  {
    type: LogEntry,
    name: 'LogConnection',
    fields: (t) => ({
      totalCount: t.int({
        nullable: true,
        description: 'Entries matching the filter in all (null if the upstream does not say).',
        resolve: (connection) => (connection as unknown as LogConnectionShape).totalCount,
      }),
    }),
  },
  { name: 'LogEdge' },
);

/** Numbers the upstream keeps inside the `other` JSON string. */
const other = (entry: LogRecord, key: string): number | null => {
  const value = entry.other?.[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
};
const otherInt = (entry: LogRecord, key: string): number | null => {
  const value = other(entry, key);
  return value === null ? null : Math.round(value);
};

builder.node(LogEntry, {
  description: 'One usage log entry. Its id is derived from its content (upstream log ids are not stable).',
  id: { resolve: logKey },
  isTypeOf: (value) => typeof value === 'object' && value !== null && 'modelName' in value && 'promptTokens' in value,
  loadMany: (ids, ctx) => ids.map((id) => ctx.loaders.logById.load(id)),
  fields: (t) => ({
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    type: t.expose('type', { type: LogType }),
    content: t.exposeString('content', { description: 'Human-readable text from the upstream (often pricing details).' }),
    username: t.exposeString('username'),
    tokenName: t.exposeString('tokenName', { description: 'Name of the API key used.' }),
    modelName: t.exposeString('modelName'),
    quota: t.expose('quota', { type: 'Credits', description: 'Credits charged.' }),
    quotaUsd: t.float({ resolve: (entry) => usd(entry.quota) }),
    promptTokens: t.exposeInt('promptTokens'),
    completionTokens: t.exposeInt('completionTokens'),
    totalTokens: t.int({ resolve: (entry) => entry.promptTokens + entry.completionTokens }),
    cacheTokens: t.int({ nullable: true, description: 'Prompt tokens read from cache (`other.cache_tokens`).', resolve: (e) => otherInt(e, 'cache_tokens') }),
    cacheCreationTokens: t.int({ nullable: true, description: '`other.cache_creation_tokens`.', resolve: (e) => otherInt(e, 'cache_creation_tokens') }),
    firstResponseMs: t.int({ nullable: true, description: 'Time to first response in ms (`other.frt`).', resolve: (e) => otherInt(e, 'frt') }),
    modelRatio: t.float({ nullable: true, resolve: (e) => other(e, 'model_ratio') }),
    groupRatio: t.float({ nullable: true, resolve: (e) => other(e, 'group_ratio') }),
    completionRatio: t.float({ nullable: true, resolve: (e) => other(e, 'completion_ratio') }),
    cacheRatio: t.float({ nullable: true, resolve: (e) => other(e, 'cache_ratio') }),
    modelPrice: t.float({
      nullable: true,
      description: 'Fixed price per request in USD when the model is priced per call; null when billed by ratio.',
      resolve: (e) => {
        const price = other(e, 'model_price');
        return price === null || price < 0 ? null : price;
      },
    }),
    useTime: t.exposeInt('useTime', { description: 'Request duration in seconds.' }),
    isStream: t.exposeBoolean('isStream'),
    group: t.exposeString('group', { nullable: true }),
    ip: t.exposeString('ip', { nullable: true }),
    requestId: t.exposeString('requestId', { nullable: true }),
    other: t.expose('other', { type: 'JSON', nullable: true, description: 'The parsed `other` object, as the upstream sent it.' }),
    apiKey: t.field({
      type: ApiKey,
      nullable: true,
      description: 'The API key used, matched by id when the log carries one, else by name. One upstream call for any number of entries.',
      resolve: async (entry, _args, ctx) => {
        const keys = await ctx.loaders.apiKeys.load({});
        return (
          (entry.tokenId !== null ? keys.find((key) => key.id === entry.tokenId) : undefined) ??
          keys.find((key) => key.name === entry.tokenName) ??
          null
        );
      },
    }),
  }),
});

const LOGS_DESCRIPTION =
  'Usage logs, newest first (GET /yescale/logs), as a connection: `first` entries after the cursor `after`, as far into the history as asked ' +
  `(the gateway walks the upstream pages, ${LOG_SCAN_PAGE.toLocaleString('en-US')} entries each, several at once). Cursors stay valid while new logs arrive: ` +
  'a walk sees the history as it was at its first page.';

const connectionArgs = builder.args((t) => ({
  filter: t.field({ type: LogFilter }),
  first: t.int({ description: `How many entries (default ${DEFAULT_FIRST}, at most ${MAX_FIRST.toLocaleString('en-US')}).` }),
  after: t.string({ description: 'The endCursor of the previous page.' }),
}));

builder.queryField('logs', (t) =>
  t.field({
    type: LogConnection,
    nullable: true,
    description: LOGS_DESCRIPTION,
    args: connectionArgs,
    resolve: (_root, args, ctx) => resolveLogConnection(ctx, args),
  }),
);

builder.objectField(User, 'logs', (t) =>
  t.field({
    type: LogConnection,
    nullable: true,
    description: LOGS_DESCRIPTION,
    args: connectionArgs,
    resolve: (_user, args, ctx) => resolveLogConnection(ctx, args),
  }),
);

builder.objectField(ApiKey, 'logs', (t) =>
  t.field({
    type: [LogEntry],
    nullable: true,
    description: 'The newest log entries of this key. Over many keys with the same arguments this is one upstream call, split by key name.',
    args: {
      filter: t.arg({ type: LogFilter, description: '`tokenName` is this key\'s name and cannot be set here.' }),
      first: t.arg.int({ description: `How many entries (default ${DEFAULT_FIRST}).` }),
    },
    resolve: (key, { filter, first }, ctx) => {
      if (filter?.tokenName) throw badInput('filter.tokenName', 'ApiKey.logs is already scoped to this key');
      const count = first ?? DEFAULT_FIRST;
      checkFirst('first', count, ctx.settings.maxPageSize);
      return ctx.loaders.keyLogs.load({ query: logQuery(filter), tokenName: key.name, first: count });
    },
  }),
);

builder.subscriptionField('logAdded', (t) =>
  t.field({
    type: LogEntry,
    nullable: true,
    description:
      "Each new log entry of the caller as it appears, oldest first, each once (entries arriving in a second already seen included). " +
      'The filter takes type, tokenName, modelName and username; from and to do not apply.',
    args: { filter: t.arg({ type: LogFilter }) },
    subscribe: (_root, { filter }, ctx) => {
      if (filter?.from || filter?.to) throw badInput(filter.from ? 'filter.from' : 'filter.to', 'logAdded follows new entries; from and to do not apply');
      const query = logQuery(filter);
      const who = subscriber(ctx.caller);
      const poller = () => logPoller(ctx.http, who, query, query.model_name);
      // one event per entry, oldest first, from the batch each poll publishes
      return ctx.live.stream({ owner: who.id, key: pollKey(who, `logs ${queryKey(query)}`), poller, replayLatest: false }, decodeLogs);
    },
    resolve: (entry) => liveValue(entry),
  }),
);
