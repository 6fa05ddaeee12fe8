/** LogFilter -> the wire query of GET /yescale/logs, validated before any upstream call. */
import type { LogRecord, LogType } from '../upstream/records.js';
import { LOG_TYPES } from '../upstream/records.js';
import type { WireLogQuery } from '../upstream/wire.js';
import { badInput, checkString, checkWindow, unixSeconds } from './validate.js';

/** The LogFilter input as resolvers receive it (src/schema/log-entry.ts). */
export interface LogFilterShape {
  type?: LogType | null;
  tokenName?: string | null;
  modelName?: string | null;
  username?: string | null;
  from?: Date | null;
  to?: Date | null;
}

export function logQuery(filter: LogFilterShape | null | undefined, argument = 'filter'): WireLogQuery {
  if (!filter) return {};
  checkWindow(argument, filter.from, filter.to);
  checkString(`${argument}.tokenName`, filter.tokenName);
  checkString(`${argument}.modelName`, filter.modelName);
  // The upstream matches model_name with LIKE, and no escape works on every build
  // (recent builds escape `_` themselves with `!`, YEScale-era builds
  // pass the value raw), so the name goes as given and the gateway compares exactly
  // (matchesModel, below). `%` would be a wildcard on every build: refused, as no model name has one.
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
 * The gateway's half of a model_name filter: the upstream matched the name with LIKE (see
 * logQuery), so an entry is kept only when its model is exactly the name. No name: every entry.
 */
export const matchesModel = (entry: Pick<LogRecord, 'modelName'>, modelName: string | undefined): boolean =>
  modelName === undefined || entry.modelName === modelName;
