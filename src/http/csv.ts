/**
 * CSV text for the exports (src/http/export.ts): RFC 4180 fields and records (CRLF line ends),
 * and the columns of a log entry and of a usage group. Values are written exactly as GraphQL
 * serializes the same fields: ISO times in UTC, credits as integers, USD as credits / 500,000.
 */
import { encodeGlobalID } from '@pothos/plugin-relay';
import { logNodeId } from '../queries/node-id.js';
import { LOG_TYPES, type LogRecord } from '../upstream/records.js';
import type { UsageDimension, UsageFigures, UsageGroupRecord } from '../usage/aggregate.js';
import { usd } from '../schema/scalars.js';

const NEEDS_QUOTES = /[",\r\n]/;

/** One field: quoted when it holds a comma, a quote or a line break, its quotes doubled. */
export function csvField(value: string | number | boolean | null): string {
  if (value === null) return '';
  const text = String(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const csvRecord = (values: readonly (string | number | boolean | null)[]): string => `${values.map(csvField).join(',')}\r\n`;

export const LOG_COLUMNS = [
  'id',
  'createdAt',
  'type',
  'content',
  'username',
  'tokenName',
  'modelName',
  'quota',
  'quotaUsd',
  'promptTokens',
  'completionTokens',
  'useTime',
  'isStream',
] as const;

/** A log entry as a record; `id` is the LogEntry id GraphQL gives the same entry. */
export function logRecord(entry: LogRecord): string {
  return csvRecord([
    encodeGlobalID('LogEntry', logNodeId(entry)),
    entry.createdAt.toISOString(),
    entry.type,
    entry.content,
    entry.username,
    entry.tokenName,
    entry.modelName,
    entry.quota,
    usd(entry.quota),
    entry.promptTokens,
    entry.completionTokens,
    entry.useTime,
    entry.isStream,
  ]);
}

/** The column of each group key, named as the UsageGroup field. */
const KEY_COLUMNS: Record<UsageDimension, { name: string; value: (group: UsageGroupRecord) => string | null }> = {
  MODEL: { name: 'model', value: (g) => g.model },
  API_KEY: { name: 'tokenName', value: (g) => g.tokenName },
  DAY: { name: 'day', value: (g) => g.day },
  HOUR: { name: 'hour', value: (g) => (g.hour === null ? null : new Date(g.hour * 1000).toISOString()) },
  LOG_TYPE: { name: 'logType', value: (g) => (g.logType === null ? null : LOG_TYPES[g.logType]) },
};

const FIGURE_COLUMNS: { name: string; value: (f: UsageFigures) => number | null }[] = [
  { name: 'requests', value: (f) => f.requests },
  { name: 'promptTokens', value: (f) => f.promptTokens },
  { name: 'completionTokens', value: (f) => f.completionTokens },
  { name: 'cacheTokens', value: (f) => f.cacheTokens },
  { name: 'totalTokens', value: (f) => f.promptTokens + f.completionTokens },
  { name: 'quota', value: (f) => f.quota },
  { name: 'quotaUsd', value: (f) => usd(f.quota) },
  { name: 'refundQuota', value: (f) => f.refundQuota },
  { name: 'refundQuotaUsd', value: (f) => usd(f.refundQuota) },
  { name: 'netQuota', value: (f) => f.quota - f.refundQuota },
  { name: 'netQuotaUsd', value: (f) => usd(f.quota - f.refundQuota) },
  { name: 'averageFirstResponseMs', value: (f) => (f.firstResponseCount > 0 ? f.firstResponseMsSum / f.firstResponseCount : null) },
];

/** The header of a usage export: the keys grouped by, in order, then the figures. */
export const usageHeader = (groupBy: readonly UsageDimension[]): string =>
  csvRecord([...groupBy.map((d) => KEY_COLUMNS[d].name), ...FIGURE_COLUMNS.map((c) => c.name)]);

export const usageRecord = (groupBy: readonly UsageDimension[], group: UsageGroupRecord): string =>
  csvRecord([...groupBy.map((d) => KEY_COLUMNS[d].value(group)), ...FIGURE_COLUMNS.map((c) => c.value(group))]);

/** Totals only (no groupBy): one record of figures. */
export const usageTotalsRecord = (totals: UsageFigures): string => csvRecord(FIGURE_COLUMNS.map((c) => c.value(totals)));
