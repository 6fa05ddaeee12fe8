/** Input checks that run before any upstream call; each failure names the argument. */
import { GraphQLError } from 'graphql';

export function badInput(argument: string, message: string): GraphQLError {
  return new GraphQLError(`Invalid argument \`${argument}\`: ${message}`, {
    extensions: { code: 'BAD_USER_INPUT', argument },
  });
}

/** Wire timestamps are unix seconds. */
export const unixSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);

const MIN_TIME = Date.UTC(2000, 0, 1);
const MAX_TIME = Date.UTC(2100, 0, 1);

export function checkTime(argument: string, date: Date | null | undefined): void {
  if (date && (date.getTime() < MIN_TIME || date.getTime() >= MAX_TIME)) {
    throw badInput(argument, `${date.toISOString()} is outside 2000-01-01..2100-01-01`);
  }
}

export function checkWindow(prefix: string, from: Date | null | undefined, to: Date | null | undefined): void {
  checkTime(`${prefix}.from`, from);
  checkTime(`${prefix}.to`, to);
  if (from && to && from.getTime() > to.getTime()) {
    throw badInput(`${prefix}.from`, `${from.toISOString()} is after ${prefix}.to ${to.toISOString()}`);
  }
}

export const MAX_STRING = 256;

export function checkString(argument: string, value: string | null | undefined): void {
  if (value != null && value.length > MAX_STRING) {
    throw badInput(argument, `longer than ${MAX_STRING} characters`);
  }
}

export function checkFirst(argument: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw badInput(argument, `must be between 0 and ${max}, got ${value}`);
  }
}
