/** The schema, built in one place: every type file adds itself to the builder on import. */
import { printSubgraphSchema } from '@apollo/subgraph';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
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

/** The client-facing API without federation plumbing: what schema/schema.graphql holds. */
export const publicSchema: GraphQLSchema = builder.toSchema();

export const printPublicSchema = (): string => printSchema(lexicographicSortSchema(publicSchema));

export const printFederationSchema = (): string => printSubgraphSchema(schema);
