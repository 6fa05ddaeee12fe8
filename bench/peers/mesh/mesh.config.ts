/**
 * GraphQL Mesh (v1, compose-cli) over ./openapi.yaml: `mesh-compose -o <supergraph>` in this folder.
 * The upstream base URL comes from BENCH_UPSTREAM (the runner's emulator), default 127.0.0.1:4010.
 * The caller's Authorization header is forwarded on every upstream call (baked into @transport).
 * Log.apiKey is the natural Mesh way to join: a @resolveTo to the apiKeys operation filtered by the
 * log's token_name, i.e. one upstream call per log entry unless the gateway deduplicates them.
 */
import { defineConfig } from '@graphql-mesh/compose-cli';
import { loadOpenAPISubgraph } from '@omnigraph/openapi';

const endpoint = process.env.BENCH_UPSTREAM ?? 'http://127.0.0.1:4010';

export const composeConfig = defineConfig({
  subgraphs: [
    {
      sourceHandler: loadOpenAPISubgraph('Yescale', {
        source: './openapi.yaml',
        endpoint,
        operationHeaders: { Authorization: '{context.headers.authorization}' },
      }),
    },
  ],
  additionalTypeDefs: /* GraphQL */ `
    extend type Log {
      apiKey: ApiKey
        @resolveTo(
          sourceName: "Yescale"
          sourceTypeName: "Query"
          sourceFieldName: "apiKeys"
          requiredSelectionSet: "{ token_name }"
          sourceArgs: { keyword: "{root.token_name}" }
          result: "data[0]"
        )
    }
  `,
});
