/**
 * Hive Gateway serving the supergraph composed by mesh-compose from ./mesh.config.ts.
 * MESH_SUPERGRAPH: path of the composed file (the runner writes it outside the repo tree).
 * Authorization is forwarded twice over: baked into the supergraph (@transport headers, from
 * operationHeaders) and propagated here, so either way the caller's key reaches the upstream.
 */
import { defineConfig } from '@graphql-hive/gateway';

export const gatewayConfig = defineConfig({
  supergraph: process.env.MESH_SUPERGRAPH ?? './supergraph.graphql',
  propagateHeaders: {
    fromClientToSubgraphs: ({ request }) => ({ authorization: request.headers.get('authorization') ?? undefined }),
  },
});
