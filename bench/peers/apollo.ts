/** Apollo Server + RESTDataSource (bench/peers/apollo/server.mjs): the same schema subset as ours. */
import { PEERS_DIR } from '../options.js';
import { ourSchemaProbes } from './ours.js';
import { pkgVersion, startNodeScript, type Ctx, type ServerSpec } from './spec.js';

export function apollo(): ServerSpec {
  return {
    get label() {
      return `Apollo Server ${pkgVersion(PEERS_DIR, '@apollo/server')} + RESTDataSource ${pkgVersion(PEERS_DIR, '@apollo/datasource-rest')}`;
    },
    how: 'node bench/peers/apollo/server.mjs',
    start: (c: Ctx, port: number) => startNodeScript(c, port, 'apollo', 'apollo/server.mjs', ourSchemaProbes('/', c.window)),
  };
}
