/**
 * LogEntry (GET /yescale/logs): the type, LogFilter, the LogConnection (filter, cursors and paging
 * in src/queries/), and the
 * fields that reach logs: Query.logs, User.logs, ApiKey.logs, LogEntry.apiKey.
 */
import { pollKey, subscriber } from '../live/caller.js';
import { liveValue } from '../live/hub.js';
import { decodeLogs, logPoller } from '../live/log-poller.js';
import { queryKey } from '../loaders/query-loader.js';
import { encodeCursor } from '../queries/cursor.js';
import { loadLogConnection, logPageInfo, MAX_FIRST, type LogConnectionShape, type LogEdgeShape } from '../queries/log-connection.js';
import { logQuery } from '../queries/log-filter.js';
import { LOG_SCAN_PAGE } from '../queries/log-scan.js';
import { logNodeId } from '../queries/node-id.js';
import { badInput, checkFirst } from '../queries/validate.js';
import type { LogRecord } from '../upstream/records.js';
import { LOG_TYPES, logOther } from '../upstream/records.js';
import { ApiKey } from './api-key.js';
import { builder, type AccountFields } from './builder.js';
import { DEFAULT_FIRST } from './complexity.js';
import { usd } from './scalars.js';
import { thousands } from './thousands.js';
import { User } from './user.js';

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

export const LogConnection = builder.connectionObject(
  {
    type: LogEntry,
    name: 'LogConnection',
    fields: (t) => ({
      // replaces the relay plugin's pageInfo: its cursors are encoded only when selected (logPageInfo)
      pageInfo: t.field({ type: builder.pageInfoRef(), resolve: (connection) => logPageInfo(connection as unknown as LogConnectionShape) }),
      totalCount: t.int({
        nullable: true,
        description: 'Entries matching the filter in all (null if the upstream does not say).',
        resolve: (connection) => (connection as unknown as LogConnectionShape).totalCount,
      }),
    }),
  },
  {
    name: 'LogEdge',
    fields: (t) => ({
      // replaces the relay plugin's exposed `cursor`: encoded only when selected
      cursor: t.string({ resolve: (edge) => encodeCursor(edge as unknown as LogEdgeShape) }),
    }),
  },
);

/** Numbers the upstream keeps inside the `other` JSON string. */
const other = (entry: LogRecord, key: string): number | null => {
  const value = logOther(entry)?.[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
};
const otherInt = (entry: LogRecord, key: string): number | null => {
  const value = other(entry, key);
  return value === null ? null : Math.round(value);
};

builder.node(LogEntry, {
  description: 'One usage log entry. Its id is derived from its content (upstream log ids are not stable).',
  id: { resolve: logNodeId },
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
    other: t.field({ type: 'JSON', nullable: true, description: 'The parsed `other` object, as the upstream sent it.', resolve: (entry) => logOther(entry) }),
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
  `(the gateway walks the upstream pages, ${thousands(LOG_SCAN_PAGE)} entries each, several at once). Cursors stay valid while new logs arrive: ` +
  'a walk sees the history as it was at its first page.';

const connectionArgs = builder.args((t) => ({
  filter: t.field({ type: LogFilter }),
  first: t.int({ description: `How many entries (default ${DEFAULT_FIRST}, at most ${thousands(MAX_FIRST)}).` }),
  after: t.string({ description: 'The endCursor of the previous page.' }),
}));

/** Query.logs and User.logs. */
const logsField = (t: AccountFields) =>
  t.field({
    type: LogConnection,
    nullable: true,
    description: LOGS_DESCRIPTION,
    args: connectionArgs,
    resolve: (_parent, args, ctx) =>
      // its edges hold their cursor's parts, not the cursor the relay plugin's shape expects (LogEdge.cursor), and no pageInfo (LogConnection.pageInfo)
      loadLogConnection(ctx.loaders.logPages, { ...args, first: args.first ?? DEFAULT_FIRST }, {
        maxFirst: ctx.settings.maxFirst,
        concurrency: ctx.settings.logPageConcurrency,
      }) as unknown as Promise<typeof LogConnection.$inferType>,
  });

builder.queryField('logs', logsField);
builder.objectField(User, 'logs', logsField);

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
      checkFirst('first', count, ctx.settings.maxFirst);
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
