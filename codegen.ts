/**
 * `npm run codegen`: the committed SDL files, generated from the Pothos schema (a test fails
 * when they drift from the code). The Pothos schema is printed here rather than loaded by
 * codegen's own loader, which cannot read the federation directives (stack.md §5).
 */
import type { CodegenConfig } from '@graphql-codegen/cli';
import { printFederationSchema, printPublicSchema } from './src/schema/index.js';

const config: CodegenConfig = {
  schema: printPublicSchema(),
  generates: {
    'schema/schema.graphql': { plugins: [{ add: { content: printPublicSchema() } }] },
    'schema/subgraph.graphql': { plugins: [{ add: { content: printFederationSchema() } }] },
  },
  hooks: {},
};

export default config;
