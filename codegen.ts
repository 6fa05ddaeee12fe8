/**
 * `npm run codegen`: the committed SDL files, generated from the Pothos schema (a test fails
 * when they drift from the code). The Pothos schema is printed here rather than loaded by
 * codegen's own loader, which cannot read the federation directives (stack.md §5).
 * Also the typed documents of schema/operations/ for apps (examples/client/gql/), with
 * persisted-documents.json: the manifest of the gateway's --trusted-documents.
 * And the dashboard's own documents (dashboard/gql/): types for its JSDoc-checked script, and the
 * manifest the gateway's /dashboard registers (src/http/dashboard.ts).
 */
import type { CodegenConfig } from '@graphql-codegen/cli';
import { printFederationSchema, printPublicSchema } from './src/schema/index.js';

const CLIENT_CONFIG = { useTypeImports: true, enumsAsTypes: true, scalars: { Credits: 'number', DateTime: 'string', JSON: 'unknown' } };

const config: CodegenConfig = {
  schema: printPublicSchema(),
  generates: {
    'schema/schema.graphql': { plugins: [{ add: { content: printPublicSchema() } }] },
    'schema/subgraph.graphql': { plugins: [{ add: { content: printFederationSchema() } }] },
    'examples/client/gql/': {
      documents: 'schema/operations/*.graphql',
      preset: 'client',
      presetConfig: { fragmentMasking: false, persistedDocuments: { hashAlgorithm: 'sha256' } },
      config: CLIENT_CONFIG,
    },
    'dashboard/gql/': {
      documents: ['schema/operations/dashboard-*.graphql', 'schema/operations/set-api-key-quota.graphql', 'schema/operations/delete-api-key.graphql', 'schema/operations/watch-task.graphql'],
      preset: 'client',
      presetConfig: { fragmentMasking: false, persistedDocuments: { hashAlgorithm: 'sha256' } },
      config: CLIENT_CONFIG,
    },
  },
  // NodeNext: the generated files import each other with `.js` (stack.md §5).
  emitLegacyCommonJSImports: false,
  hooks: {},
};

export default config;
