/** Integration harness: the real emulator and the real gateway, both listening on loopback. */
import { createEmulator, type Emulator, type EmulatorOptions } from '../src/emulator/index.js';
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { WireLog, WireTask } from '../src/upstream/wire.js';
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
  /** the same request through gateway.fetch, without a socket: where nothing between client and gateway is under test (megabyte answers cost less) */
  gqlInProcess<T = any>(query: string, variables?: Record<string, unknown>, auth?: string | null): Promise<GraphQLResponse<T>>;
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
      const res = await fetch(`${server.url}/graphql`, { method: 'POST', headers: headers(auth), body: JSON.stringify({ query, variables }) });
      return (await res.json()) as GraphQLResponse;
    },
    async gqlInProcess(query, variables, auth = emulator.demoAccessKey) {
      const res = await gateway.fetch('http://gateway/graphql', { method: 'POST', headers: headers(auth), body: JSON.stringify({ query, variables }) });
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

/** A fresh object per request: gateway.fetch may write into the headers it is given (a reused one broke the next fetch). */
function headers(auth: string | null): Record<string, string> {
  return auth === null ? { 'content-type': 'application/json' } : { 'content-type': 'application/json', authorization: `Bearer ${auth}` };
}

export const total = (calls: Record<string, number>): number => Object.values(calls).reduce((a, b) => a + b, 0);

/** Every log entry of `user` on the emulator, newest first, as the upstream lists them. */
export const allLogs = (emulator: Emulator, user = 'demo'): WireLog[] => Array.from({ length: emulator.logCount(user) }, (_, i) => emulator.log(user, i));

/** A task's global ID as the schema writes it (`Task:<submit_time>.<id>`), from the emulator's wire task. */
export const taskGlobalId = (task: Pick<WireTask, 'submit_time' | 'id'>): string => encodeGlobalID('Task', `${task.submit_time}.${task.id}`);
