/** The one SchemaBuilder: plugins, Context type, scalars. Types add themselves in their own files. */
import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import DirectivePlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import RelayPlugin from '@pothos/plugin-relay';
import type { Context } from '../context.js';
import { CreditsScalar, DateTimeScalar, JSONScalar } from './scalars.js';
import { fieldComplexity } from './complexity.js';

export const builder = new SchemaBuilder<{
  Context: Context;
  DefaultFieldNullability: false;
  DefaultInputFieldRequiredness: false;
  Scalars: {
    Credits: { Input: number; Output: number };
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
    ID: { Input: string; Output: string | number };
  };
}>({
  // Federation last: it must see the resolvers other plugins wrapped (Pothos docs).
  plugins: [DirectivePlugin, RelayPlugin, ComplexityPlugin, FederationPlugin],
  // Costs only; the limit is the gateway's (src/plugins/limits.ts), checked before execution.
  complexity: { fieldComplexity },
  // Fields are non-null unless they depend on an upstream call of their own: those are
  // nullable so one failing upstream call leaves the rest of the response intact.
  defaultFieldNullability: false,
  relay: {
    cursorType: 'String',
    // relay-style mutations echo a client's clientMutationId; optional, so clients may omit it
    clientMutationId: 'optional',
    // Shared with every other subgraph that has connections (apollographql/docs#341).
    pageInfoTypeOptions: { shareable: true },
    nodesQueryOptions: false,
    // `first` already multiplies the connection's cost; edges must not multiply it again.
    edgesFieldOptions: { complexity: { field: 1, multiplier: 1 } },
  },
});

builder.addScalarType('Credits', CreditsScalar);
builder.addScalarType('DateTime', DateTimeScalar);
builder.addScalarType('JSON', JSONScalar);

builder.mutationType({ description: "Change the caller's API keys (served unless the server runs with --read-only)." });

builder.subscriptionType({
  description:
    'Live views polled from the upstream once per (access key, query), however many subscribers (GraphQL over SSE, or graphql-ws over WebSocket at the same path).',
});

builder.queryType({ description: 'Read a YEScale account: profile and balance, API keys, async tasks and usage logs.' });

/**
 * The field builder of Query and of object types: an account field (apiKeys, tasks, logs, usage)
 * is defined once with it, as a function of `t`, and attached to both Query and User.
 */
export type AccountFields = PothosSchemaTypes.RootFieldBuilder<typeof builder.$inferSchemaTypes, {}, 'Query' | 'Object'>;
