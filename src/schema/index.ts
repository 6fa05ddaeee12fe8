/** The schema, built in one place: every type file adds itself to the builder on import. */
import { printSubgraphSchema } from '@apollo/subgraph';
import { GraphQLObjectType, GraphQLSchema, getNamedType, lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from './builder.js';
import './user.js';
import './api-key.js';
import './task.js';
import './log-entry.js';
import './usage.js';
import './federation.js';

/** What the gateway serves: the API plus the federation fields (`_service`, `_entities`), so it can be a subgraph as is. */
export const schema: GraphQLSchema = builder.toSubGraphSchema({
  linkUrl: 'https://specs.apollo.dev/federation/v2.6',
});

/**
 * Root fields clients of this API use, left out of what the subgraph declares to composition.
 * A supergraph has one `Query.node`: a larger graph usually has it already, and composing a
 * second one fails (`Non-shareable field "Query.node"`). `@shareable` would be wrong, since our
 * `node` resolves only our own ids, so the subgraph does not offer it; the graph's owner of
 * `node` resolves our ids through our entities (docs/federation.md). The fields stay served, so
 * a client talking to this gateway directly still has `node`; a router never plans through them.
 */
const standaloneOnlyRootFields = new Set(['node', 'nodes']);

/** The served schema with the standalone-only root fields removed: what composition sees. */
function subgraphView(served: GraphQLSchema): GraphQLSchema {
  const query = served.getQueryType()!.toConfig();
  const kept = (name: string) => !standaloneOnlyRootFields.has(name);
  const fields = Object.fromEntries(Object.entries(query.fields).filter(([name]) => kept(name)));
  // The printer reads the type's AST node (where the directives plugin keeps directives) when it has one.
  const astNode = query.astNode && { ...query.astNode, fields: query.astNode.fields?.filter((field) => kept(field.name.value)) };
  const newQuery = new GraphQLObjectType({ ...query, fields, astNode });
  const config = served.toConfig();
  // Subscriptions stay out of what composition sees: no router protocol for them is chosen
  // (docs/federation.md); clients subscribe at this gateway directly.
  const left = new Set([query.name, served.getSubscriptionType()?.name]);
  return lexicographicSortSchema(
    new GraphQLSchema({ ...config, query: newQuery, subscription: undefined, types: [...config.types.filter((type) => !left.has(type.name)), newQuery] }),
  );
}

// Built when first asked for, as is the public schema below: each is a copy of the whole schema
// that a gateway serving clients never needs (docs/benchmarks.md, "Memory after start").
let subgraphSdl: string | undefined;
const printSubgraph = () => (subgraphSdl ??= printSubgraphSchema(subgraphView(schema)));

// `_service { sdl }` is what IntrospectAndCompose and `rover subgraph introspect` compose from, so
// it must say what schema/subgraph.graphql says, not print the served schema as the plugin does.
schema.getQueryType()!.getFields()._service.resolve = () => ({ sdl: printSubgraph() });

let built: GraphQLSchema | undefined;
/** The client-facing API without federation plumbing: what schema/schema.graphql holds. */
export const publicSchema = (): GraphQLSchema => (built ??= builder.toSchema());

/**
 * A schema without Mutation (--read-only): the Mutation type and the input and payload types only
 * its fields use are left out, so such a gateway cannot even be asked to change a key.
 */
export function withoutMutations(served: GraphQLSchema): GraphQLSchema {
  const mutation = served.getMutationType();
  if (!mutation) return served;
  const dropped = new Set([mutation.name]);
  for (const field of Object.values(mutation.getFields())) {
    dropped.add(getNamedType(field.type).name);
    for (const arg of field.args) dropped.add(getNamedType(arg.type).name);
  }
  const config = served.toConfig();
  return new GraphQLSchema({ ...config, mutation: undefined, types: config.types.filter((type) => !dropped.has(type.name)) });
}

export const printPublicSchema = (readOnly = false): string =>
  printSchema(lexicographicSortSchema(readOnly ? withoutMutations(publicSchema()) : publicSchema()));

export const printFederationSchema = (): string => printSubgraph();
