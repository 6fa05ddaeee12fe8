/** Integration harness: the real emulator and the real gateway, both listening on loopback. */
import { createEmulator, type Emulator, type EmulatorOptions } from '../src/emulator/index.js';
import { createGateway, type Gateway, type GatewayOptions } from '../src/gateway.js';
import { startServer, type RunningServer } from '../src/http/server.js';

export interface GraphQLResponse<T = any> {
  data?: T;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
}

export interface Harness {
  emulator: Emulator;
  upstreamUrl: string;
  gateway: Gateway;
  server: RunningServer;
  /** POST a GraphQL request over HTTP; `auth` null sends no Authorization header, default the demo key */
  gql<T = any>(query: string, variables?: Record<string, unknown>, auth?: string | null): Promise<GraphQLResponse<T>>;
  /** upstream calls per path since the last reset */
  calls(): Record<string, number>;
  reset(): void;
  close(): Promise<void>;
}

export async function startHarness(
  gatewayOptions: Partial<GatewayOptions> = {},
  emulatorOptions: EmulatorOptions = { logsPerUser: 5_000 },
): Promise<Harness> {
  // a frozen clock unless a test asks for one that runs: the assertions compare data read at different moments
  const emulator = createEmulator({ speed: 0, ...emulatorOptions });
  const upstreamUrl = await emulator.listen(0, '127.0.0.1');
  const gateway = createGateway({ upstream: upstreamUrl, ...gatewayOptions });
  const server = await startServer(gateway, 0, '127.0.0.1');
  const harness: Harness = {
    emulator,
    upstreamUrl,
    gateway,
    server,
    async gql(query, variables, auth = emulator.demoAccessKey) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (auth !== null) headers.authorization = `Bearer ${auth}`;
      const res = await fetch(`${server.url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
      return (await res.json()) as GraphQLResponse;
    },
    calls: () => ({ ...emulator.stats().byPath }),
    reset: () => {
      emulator.resetStats();
      emulator.setFault(null);
    },
    async close() {
      await server.close();
      await emulator.close();
    },
  };
  return harness;
}

export const total = (calls: Record<string, number>): number => Object.values(calls).reduce((a, b) => a + b, 0);
