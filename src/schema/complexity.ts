/**
 * What a field costs, for the complexity limit (src/plugins/limits.ts): a field that pages by `first`
 * costs its selection once per entry it may return (the default `first` when unset), any
 * other list ten times its selection, everything else 1. So a connection's cost is linear in
 * `first`, and aliasing or nesting lists multiplies as the upstream work does.
 */
import { getNullableType, isListType, type GraphQLField } from 'graphql';

/** The default `first` of the schema's paged fields (log-entry.ts imports it from here). */
export const DEFAULT_FIRST = 20;
const LIST_MULTIPLIER = 10;

export function fieldComplexity<C>(args: Record<string, unknown>, _ctx: C, field: GraphQLField<unknown, C, Record<string, unknown>>) {
  if (field.args.some((arg) => arg.name === 'first')) {
    const first = typeof args.first === 'number' ? args.first : DEFAULT_FIRST;
    return { field: 1, multiplier: Math.max(1, first) };
  }
  return isListType(getNullableType(field.type)) ? { field: 1, multiplier: LIST_MULTIPLIER } : 1;
}
