/**
 * What a caller may see of an error, one rule for every answer: the GraphQL responses (yoga's
 * maskedErrors in src/gateway.ts) and the CSV exports (src/http/export.ts). Upstream errors keep
 * their message and get a code; our own GraphQL errors pass; anything else is masked.
 */
import { GraphQLError } from 'graphql';
import { UpstreamError } from '../upstream/errors.js';

export function maskError(error: unknown): GraphQLError {
  const located = error instanceof GraphQLError ? error : undefined;
  const cause = located?.originalError ?? error;
  const where = { nodes: located?.nodes, path: located?.path };
  if (cause instanceof UpstreamError) {
    return new GraphQLError(cause.message, {
      ...where,
      extensions: {
        code: cause.kind,
        upstreamPath: cause.details.path,
        upstreamStatus: cause.details.status,
        upstreamMessage: cause.details.upstreamMessage,
      },
    });
  }
  if (located && (!located.originalError || located.originalError instanceof GraphQLError)) return located;
  return new GraphQLError('Unexpected error.', { ...where, extensions: { code: 'INTERNAL_SERVER_ERROR' } });
}
