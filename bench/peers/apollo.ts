/** Apollo Server + RESTDataSource (bench/peers/apollo/server.mjs): the same schema subset as ours. */
import { PEERS_DIR } from '../options.js';
import { start } from '../process.js';
import { ourSchemaProbes } from './ours.js';
import { NODE_ENV, pkgVersion, startAndProbe, type Ctx, type ServerSpec } from './spec.js';

export function apollo(): ServerSpec {
  return {
    get label() {
      return `Apollo Server ${pkgVersion(PEERS_DIR, '@apollo/server')} + RESTDataSource ${pkgVersion(PEERS_DIR, '@apollo/datasource-rest')}`;
    },
    how: 'node bench/peers/apollo/server.mjs',
    async start(c: Ctx, port: number) {
      const proc = start('apollo', 'node', ['apollo/server.mjs'], {
        cwd: PEERS_DIR,
        env: { ...NODE_ENV, PORT: String(port), HOST: '127.0.0.1', UPSTREAM: c.upstream },
        cpu: c.serverCpu,
        logDir: c.o.outDir,
      });
      return startAndProbe(c, proc, port, ourSchemaProbes('/', c.window));
    },
  };
}
