/**
 * The Node floor (bench/peers/node-floor/server.mjs): node:http + the gateway's undici, no GraphQL,
 * the same documents, upstream calls and answers as ours. What any Node server pays for the upstream work.
 */
import { PEERS_DIR, ROOT } from '../options.js';
import { start } from '../process.js';
import { ourSchemaProbes } from './ours.js';
import { NODE_ENV, pkgVersion, startAndProbe, type Ctx, type ServerSpec } from './spec.js';

export function nodeFloor(): ServerSpec {
  return {
    get label() {
      return `floor: node:http + undici ${pkgVersion(ROOT, 'undici')}, the same upstream calls, no GraphQL`;
    },
    how: 'node bench/peers/node-floor/server.mjs',
    async start(c: Ctx, port: number) {
      const proc = start('node-floor', 'node', ['node-floor/server.mjs'], {
        cwd: PEERS_DIR,
        env: { ...NODE_ENV, PORT: String(port), HOST: '127.0.0.1', UPSTREAM: c.upstream },
        cpu: c.serverCpu,
        logDir: c.o.outDir,
      });
      return startAndProbe(c, proc, port, ourSchemaProbes('/graphql', c.window));
    },
  };
}
