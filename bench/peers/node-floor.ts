/**
 * The Node floor (bench/peers/node-floor/server.mjs): node:http + the gateway's undici, no GraphQL,
 * the same documents, upstream calls and answers as ours. What any Node server pays for the upstream work.
 */
import { ROOT } from '../options.js';
import { ourSchemaProbes } from './ours.js';
import { pkgVersion, startNodeScript, type Ctx, type ServerSpec } from './spec.js';

export function nodeFloor(): ServerSpec {
  return {
    get label() {
      return `floor: node:http + undici ${pkgVersion(ROOT, 'undici')}, the same upstream calls, no GraphQL`;
    },
    how: 'node bench/peers/node-floor/server.mjs',
    start: (c: Ctx, port: number) => startNodeScript(c, port, 'node-floor', 'node-floor/server.mjs', ourSchemaProbes('/graphql', c.window)),
  };
}
