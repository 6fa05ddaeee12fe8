/** Scalars: Credits (integer credits beyond 32 bits), DateTime (ISO 8601), JSON (any value). */
import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';

function invalid(scalar: string, message: string): GraphQLError {
  return new GraphQLError(`${scalar}: ${message}`, { extensions: { code: 'BAD_USER_INPUT' } });
}

function toCredits(value: unknown): number {
  const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
    throw invalid('Credits', `expected an integer number of credits within ±2^53, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** 500,000 credits = 1 USD (QuotaPerUnit in new-api). */
export const CREDITS_PER_USD = 500_000;

/** `credits / 500,000`: every Credits field has this USD twin. */
export const usd = (credits: number): number => credits / CREDITS_PER_USD;

/** Upstream credits are 64-bit integers (the doc sample quota is 8,664,402,091 > 2^31), so GraphQL Int will not do. */
export const CreditsScalar = new GraphQLScalarType<number, number>({
  name: 'Credits',
  description:
    'An integer amount of YEScale credits (500,000 credits = 1 USD). Serialized as a JSON number, exact up to 2^53-1; accepts a number or a string of digits as input.',
  serialize: toCredits,
  parseValue: toCredits,
  parseLiteral(ast: ValueNode) {
    if (ast.kind === Kind.INT || ast.kind === Kind.STRING) return toCredits(ast.value);
    throw invalid('Credits', 'expected an integer literal');
  },
});

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

function toDate(value: unknown): Date {
  const text = typeof value === 'string' ? value.trim() : null;
  if (text === null || !ISO_DATE_TIME.test(text)) {
    throw invalid('DateTime', `expected an ISO 8601 date-time such as "2025-07-12T07:36:25Z", got ${JSON.stringify(value)}`);
  }
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw invalid('DateTime', `not a valid date: ${JSON.stringify(value)}`);
  return date;
}

export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An ISO 8601 date-time. Output is always UTC (`2025-07-12T07:36:25.000Z`); input may carry an offset.',
  serialize(value) {
    if (value instanceof Date) return value.toISOString();
    return toDate(value).toISOString();
  },
  parseValue: toDate,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw invalid('DateTime', 'expected a string literal');
    return toDate(ast.value);
  },
});

function literalToJson(ast: ValueNode, variables?: Record<string, unknown> | null): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return ast.values.map((v) => literalToJson(v, variables));
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((f) => [f.name.value, literalToJson(f.value, variables)]));
    case Kind.VARIABLE:
      return variables?.[ast.name.value];
    default:
      throw invalid('JSON', 'unsupported literal');
  }
}

export const JSONScalar = new GraphQLScalarType<unknown, unknown>({
  name: 'JSON',
  description: 'Any JSON value, passed through as the upstream sent it.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: literalToJson,
});
