/**
 * yoga's CSRF prevention, whose 403 carries no `extensions.code`: its refusal gets
 * `CSRF_HEADER_REQUIRED` (docs/security.md) and a message naming the headers that pass.
 * Browser requests that skip the CORS preflight (forms, text/plain) need one of these headers.
 */
import { GraphQLError } from 'graphql';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

export const CSRF_HEADERS = ['x-graphql-yoga-csrf', 'apollo-require-preflight'];

export function useCsrfPrevention(): Plugin {
  const { onRequestParse } = useCSRFPrevention({ requestHeaders: CSRF_HEADERS });
  return {
    onRequestParse(payload) {
      try {
        return onRequestParse?.(payload);
      } catch (error) {
        if (!(error instanceof GraphQLError)) throw error;
        throw createGraphQLError(`${error.message}: send a ${CSRF_HEADERS.join(' or ')} header, or Content-Type: application/json`, {
          extensions: { ...error.extensions, code: 'CSRF_HEADER_REQUIRED' },
        });
      }
    },
  };
}
