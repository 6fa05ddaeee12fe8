/**
 * The query parameters of the CSV exports, read as the GraphQL arguments they stand for: each
 * value is coerced by the schema's own input types (LogFilter, UsageFilter, UsageDimension), so
 * an export accepts exactly what the same GraphQL field accepts, and refuses the rest with the
 * same BAD_USER_INPUT naming the parameter, before any upstream call.
 */
import { coerceInputValue, type GraphQLInputObjectType, type GraphQLInputType } from 'graphql';
import { schema } from '../schema/index.js';
import type { LogFilterShape } from '../queries/log-filter.js';
import { badInput } from '../queries/validate.js';
import type { UsageDimension } from '../usage/aggregate.js';

const LOG_FILTER = schema.getType('LogFilter') as GraphQLInputObjectType;
const USAGE_FILTER = schema.getType('UsageFilter') as GraphQLInputObjectType;
// the input types' own fields: a field added to the GraphQL filter is an export parameter too
const FILTER_FIELDS = Object.keys(LOG_FILTER.getFields());
const USAGE_FILTER_FIELDS = Object.keys(USAGE_FILTER.getFields());

export interface UsageParams {
  filter: Omit<LogFilterShape, 'username'>;
  groupBy: UsageDimension[];
  timeZone: string;
}

/** GET /export/logs.csv: the LogFilter fields; all optional. */
export function logParams(params: URLSearchParams): LogFilterShape {
  const given = single(params, FILTER_FIELDS);
  return coerce(given, LOG_FILTER) as LogFilterShape;
}

/**
 * GET /export/usage.csv: the UsageFilter fields, `groupBy` (comma-separated UsageDimension
 * values; omitted: totals only) and `timeZone` (default UTC). As in GraphQL, `type` defaults to
 * CONSUME; an empty `type=` means every type (GraphQL's null).
 */
export function usageParams(params: URLSearchParams): UsageParams {
  const given = single(params, [...USAGE_FILTER_FIELDS, 'groupBy', 'timeZone']);
  const { groupBy, timeZone, ...filterFields } = given;
  const filter = coerce(filterFields, USAGE_FILTER) as UsageParams['filter'];
  const dimensions = groupBy ? groupBy.split(',').map((d) => d.trim()) : [];
  const dimensionType = schema.getType('UsageDimension') as GraphQLInputType;
  return {
    filter,
    groupBy: dimensions.map((d) => coerceOrThrow(d, dimensionType, 'groupBy') as UsageDimension),
    timeZone: timeZone || 'UTC',
  };
}

/** Each parameter at most once, and only known ones: a typo is an error, not a silently wider export. */
function single(params: URLSearchParams, known: readonly string[]): Record<string, string> {
  const given: Record<string, string> = {};
  for (const [name, value] of params) {
    if (!known.includes(name)) throw badInput(name, `is not a parameter of this export (known: ${known.join(', ')})`);
    if (name in given) throw badInput(name, 'is given more than once');
    given[name] = value;
  }
  return given;
}

/**
 * The fields of input type `type` from their text. An empty value is an omitted field, except
 * `type`, where it is an explicit null (every log type), as GraphQL's `type: null`.
 */
function coerce(given: Record<string, string>, type: GraphQLInputObjectType): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  // (`given` holds only the type's fields: single() took them by the field lists above)
  for (const [name, value] of Object.entries(given)) {
    if (value === '') {
      if (name === 'type') input.type = null;
      continue;
    }
    input[name] = value;
  }
  return coerceOrThrow(input, type) as Record<string, unknown>;
}

/** graphql-js reports each bad value with its path; the first one becomes a BAD_USER_INPUT naming the parameter. */
function coerceOrThrow(input: unknown, type: GraphQLInputType, parameter?: string): unknown {
  return coerceInputValue(input, type, (path, _invalid, error) => {
    const name = parameter ?? (path.length > 0 ? String(path[0]) : type.toString());
    throw badInput(name, error.message.replace(/^DateTime: /, ''));
  });
}
