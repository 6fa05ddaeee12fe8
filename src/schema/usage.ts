/**
 * Usage analytics over the whole log history: spend and tokens per model, API key, day, hour
 * and log type, over any window (Query.usage, User.usage, ApiKey.usage). The gateway walks
 * every page of GET /yescale/logs and aggregates as the pages arrive (src/loaders/usage.ts).
 */
import type { Context } from '../context.js';
import { MAX_USAGE_GROUPS, type UsageKey } from '../loaders/usage.js';
import type { LogType as LogTypeName } from '../upstream/records.js';
import { LOG_TYPES } from '../upstream/records.js';
import { USAGE_DIMENSIONS, type UsageFigures as Figures, type UsageGroupRecord, type UsageReportRecord } from '../usage/aggregate.js';
import { isTimeZone } from '../usage/time-zone.js';
import { ApiKey } from './api-key.js';
import { builder, type AccountFields } from './builder.js';
import { logQuery } from '../queries/log-filter.js';
import { LogType } from './log-entry.js';
import { usd } from './scalars.js';
import { thousands } from './thousands.js';
import { User } from './user.js';
import { badInput } from '../queries/validate.js';

export const UsageDimension = builder.enumType('UsageDimension', {
  description: 'What usage is grouped by. DAY and HOUR are calendar buckets in the `timeZone` of the usage field.',
  values: {
    MODEL: { description: 'The model name.' },
    API_KEY: { description: 'The API key, by name (as the logs record it).' },
    DAY: { description: 'The local calendar day.' },
    HOUR: { description: 'The local hour (a DST change gives a 23- or 25-hour day).' },
    LOG_TYPE: { description: 'The log type (with `filter.type: null`, to see every type).' },
  } as const satisfies Record<(typeof USAGE_DIMENSIONS)[number], unknown>,
});

export const UsageFilter = builder.inputType('UsageFilter', {
  description: 'The log filters of GET /yescale/logs. Omitted filters match everything; `type` defaults to CONSUME (spend).',
  fields: (t) => ({
    from: t.field({ type: 'DateTime', description: 'Inclusive start; omitted: the beginning of the history.' }),
    to: t.field({ type: 'DateTime', description: 'Inclusive end; omitted: now.' }),
    type: t.field({ type: LogType, defaultValue: 'CONSUME', description: 'Only this log type; default CONSUME; `null`: every type.' }),
    tokenName: t.string({ description: 'Exact API key name.' }),
    modelName: t.string({ description: 'Exact model name (`_` is a literal character; `%` is refused).' }),
  }),
});

interface UsageFilterShape {
  from?: Date | null;
  to?: Date | null;
  type?: LogTypeName | null;
  tokenName?: string | null;
  modelName?: string | null;
}

/** requests, tokens, credits, USD and first-response time: the same fields on totals and on every group. */
type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

function figureFields<T extends Figures>(t: PothosSchemaTypes.ObjectFieldBuilder<Types, T>) {
  const tokens = 'an integer (a Float because sums of tokens outgrow 32 bits)';
  return {
    requests: t.int({ description: 'Log entries (requests, for CONSUME).', resolve: (f) => f.requests }),
    promptTokens: t.float({ description: `Prompt tokens, ${tokens}.`, resolve: (f) => f.promptTokens }),
    completionTokens: t.float({ description: `Completion tokens, ${tokens}.`, resolve: (f) => f.completionTokens }),
    cacheTokens: t.float({ description: `Prompt tokens read from cache (\`other.cache_tokens\`), ${tokens}.`, resolve: (f) => f.cacheTokens }),
    totalTokens: t.float({ description: `Prompt plus completion tokens, ${tokens}.`, resolve: (f) => f.promptTokens + f.completionTokens }),
    quota: t.field({
      type: 'Credits',
      description: 'Spend: credits charged by the CONSUME entries only (refunds are in `refundQuota`, never subtracted here).',
      resolve: (f) => f.quota,
    }),
    quotaUsd: t.float({ resolve: (f) => usd(f.quota) }),
    refundQuota: t.field({
      type: 'Credits',
      description:
        'Credits refunded by REFUND entries (failed tasks, settlements; new-api since 2025-10). Read only when the filter includes REFUND ' +
        '(`type: null` or `type: REFUND`; the default CONSUME filter reads none). YEScale-era refunds are SYSTEM text without quota: not counted.',
      resolve: (f) => f.refundQuota,
    }),
    refundQuotaUsd: t.float({ resolve: (f) => usd(f.refundQuota) }),
    netQuota: t.field({ type: 'Credits', description: 'Net spend: `quota` minus `refundQuota`.', resolve: (f) => f.quota - f.refundQuota }),
    netQuotaUsd: t.float({ resolve: (f) => usd(f.quota - f.refundQuota) }),
    averageFirstResponseMs: t.float({
      nullable: true,
      description: 'Mean time to first response (`other.frt`) over the entries that carry it; null when none does.',
      resolve: (f) => (f.firstResponseCount > 0 ? f.firstResponseMsSum / f.firstResponseCount : null),
    }),
  };
}

const UsageFigures = builder.objectRef<Figures>('UsageFigures').implement({
  description: 'Usage figures over a set of log entries.',
  fields: (t) => figureFields(t),
});

const UsageGroup = builder.objectRef<UsageGroupRecord>('UsageGroup').implement({
  description: 'The usage of one group. A key field is null unless the report is grouped by its dimension.',
  fields: (t) => ({
    model: t.exposeString('model', { nullable: true, description: 'MODEL' }),
    tokenName: t.exposeString('tokenName', { nullable: true, description: 'API_KEY: the key name.' }),
    apiKey: t.field({
      type: ApiKey,
      nullable: true,
      description: 'API_KEY: the key itself, matched by name; null when ungrouped or deleted. One upstream call for every group.',
      resolve: async (group, _args, ctx) => {
        if (group.tokenName === null) return null;
        const keys = await ctx.loaders.apiKeys.load({});
        return keys.find((key) => key.name === group.tokenName) ?? null;
      },
    }),
    day: t.exposeString('day', { nullable: true, description: 'DAY: the local date, YYYY-MM-DD.' }),
    hour: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'HOUR: the instant the local hour starts.',
      resolve: (group) => (group.hour === null ? null : new Date(group.hour * 1000)),
    }),
    logType: t.field({
      type: LogType,
      nullable: true,
      description: 'LOG_TYPE',
      resolve: (group) => (group.logType === null ? null : LOG_TYPES[group.logType]),
    }),
    ...figureFields(t),
  }),
});

const UsageReport = builder.objectRef<UsageReportRecord>('UsageReport').implement({
  description: 'Usage over a filter: the totals, and the groups sorted by the grouped dimensions in order (times ascending, names alphabetically).',
  fields: (t) => ({
    timeZone: t.exposeString('timeZone', { description: 'The IANA time zone DAY and HOUR are in.' }),
    totals: t.field({ type: UsageFigures, resolve: (report) => report.totals }),
    groups: t.field({ type: [UsageGroup], resolve: (report) => report.groups }),
  }),
});

export const USAGE_DESCRIPTION =
  'Usage over any window of the log history, grouped by any combination of dimensions (e.g. [DAY, MODEL]; [] for totals only). ' +
  'The gateway walks every page of GET /yescale/logs and aggregates as they arrive, so the window is bounded only by the ' +
  `request timeout (REQUEST_TIMEOUT_MS, 30 s by default: about a million entries) and by ${thousands(MAX_USAGE_GROUPS)} groups ` +
  '(more is a BAD_USER_INPUT error naming `groupBy`). Identical usage fields of one request share one walk.';

const usageArgs = builder.args((t) => ({
  filter: t.field({ type: UsageFilter, required: true }),
  groupBy: t.field({ type: [UsageDimension], required: true }),
  timeZone: t.string({ defaultValue: 'UTC', description: 'IANA time zone of the DAY and HOUR buckets, e.g. "Asia/Ho_Chi_Minh".' }),
}));

type UsageArgs = { filter: UsageFilterShape; groupBy: readonly (typeof USAGE_DIMENSIONS)[number][]; timeZone?: string | null };

/** Validated before any upstream call; `tokenName` scopes the report to one API key. */
export async function resolveUsage(ctx: Context, args: UsageArgs, tokenName?: string): Promise<UsageReportRecord> {
  const { filter } = args;
  if (tokenName !== undefined && filter.tokenName) throw badInput('filter.tokenName', 'ApiKey.usage is already scoped to this key');
  const query = logQuery({ ...filter, type: filter.type === undefined ? 'CONSUME' : filter.type });
  if (tokenName !== undefined) query.token_name = tokenName;
  const timeZone = args.timeZone ?? 'UTC';
  if (!isTimeZone(timeZone)) throw badInput('timeZone', `${JSON.stringify(args.timeZone)} is not an IANA time zone (e.g. "UTC", "Europe/Paris")`);
  const key: UsageKey = { query, groupBy: [...new Set(args.groupBy)], timeZone };
  const report = await ctx.loaders.usage.load(key);
  if (report.overflow) {
    throw badInput('groupBy', `more than ${MAX_USAGE_GROUPS} groups: group by fewer dimensions or narrow the filter`);
  }
  return report;
}

/** Query.usage and User.usage. */
const usageField = (t: AccountFields) =>
  t.field({ type: UsageReport, nullable: true, description: USAGE_DESCRIPTION, args: usageArgs, resolve: (_parent, args, ctx) => resolveUsage(ctx, args) });

builder.queryField('usage', usageField);
builder.objectField(User, 'usage', usageField);

builder.objectField(ApiKey, 'usage', (t) =>
  t.field({
    type: UsageReport,
    nullable: true,
    description: `${USAGE_DESCRIPTION} Scoped to this key (\`filter.tokenName\` cannot be set); over many keys this is one walk, split by key name.`,
    args: usageArgs,
    resolve: (key, args, ctx) => resolveUsage(ctx, args, key.name),
  }),
);
